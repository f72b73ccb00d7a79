"""The application rules that need no database: age, photo, and the fit of every value in
all three banks' formats. Each refusal is a ``ValidationFailed`` whose ``extra["field"]``
names the form field, with a Chinese message saying what to do."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from bank_adapters import codecs
from bank_adapters.errors import FileFormatError
from bank_adapters.records import ApplyRecord
from core.errors import ValidationFailed, size_label

PHOTO_MAX_BYTES = 500 * 1024
PHOTO_MIN_SIZE = (240, 320)  # width, height in pixels
PHOTO_MAX_SIZE = (2000, 2000)

# Labels for the form fields the APPLY record's fields come from.
FIELD_LABELS = {
    "name": "姓名",
    "surname_pinyin": "姓拼音",
    "given_pinyin": "名拼音",
    "id_number": "证件号码",
    "mobile": "手机号码",
    "mail_address": "邮寄地址",
    "postcode": "邮政编码",
    "branch_code": "领卡网点",
    "guardian_name": "监护人姓名",
    "guardian_id_number": "监护人证件号码",
    "nationality": "国籍",
    "qr_payload": "二维码",
}


def refuse(message: str, code: str, field: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, extra={"field": field, **extra})


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years on ``day``; someone born on 29 February turns a year older on 1 March in
    common years (the day after 28 February), as Chinese civil practice counts it."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def photo_too_large(size: int) -> ValidationFailed:
    return refuse(
        f"证件照过大：{size_label(size)}，最大 {size_label(PHOTO_MAX_BYTES)}",
        "photo_too_large",
        "photo",
    )


def check_photo(data: bytes) -> str:
    """Decode the photo to prove it is a real JPEG within the limits; returns its SHA-256."""
    if not data:
        raise refuse("请上传证件照", "photo_required", "photo")
    if len(data) > PHOTO_MAX_BYTES:
        raise photo_too_large(len(data))
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            size = img.size
            img.load()  # decode every byte: a truncated or corrupt file fails here
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise refuse("证件照无法识别，请上传 JPEG 格式的照片", "photo_invalid", "photo") from exc
    if fmt != "JPEG":
        raise refuse(f"证件照须为 JPEG 格式，您上传的是 {fmt}", "photo_invalid", "photo")
    w, h = size
    if w < PHOTO_MIN_SIZE[0] or h < PHOTO_MIN_SIZE[1]:
        raise refuse(
            f"证件照分辨率过低：{w}×{h}，至少 {PHOTO_MIN_SIZE[0]}×{PHOTO_MIN_SIZE[1]} 像素",
            "photo_dimensions",
            "photo",
        )
    if w > PHOTO_MAX_SIZE[0] or h > PHOTO_MAX_SIZE[1]:
        raise refuse(
            f"证件照分辨率过高：{w}×{h}，最大 {PHOTO_MAX_SIZE[0]}×{PHOTO_MAX_SIZE[1]} 像素",
            "photo_dimensions",
            "photo",
        )
    return hashlib.sha256(data).hexdigest()


# A name in Latin letters (a foreign passport) fills the surname and given-name fields
# itself; the volunteer typed no pinyin, so a misfit there is a misfit of their name.
LATIN_NAME_LABELS = {
    "surname_pinyin": "姓名（拉丁字母）中的姓",
    "given_pinyin": "姓名（拉丁字母）中的名",
}


def check_fits_every_bank(record: ApplyRecord, *, latin_name: bool = False) -> None:
    """Encode the record in all three banks' formats; a value that does not fit any of them
    is refused here (never cut later), naming the field (for a name in Latin letters, the
    name, not a pinyin field the volunteer never filled)."""
    today = timezone.localdate()
    for partner in codecs.BANKS:
        header = codecs.header_for(
            partner, "APPLY", today, 1, count=1, made_at=timezone.localtime()
        )
        try:
            codecs.codec_for(partner).encode(header, [record])
        except FileFormatError as exc:
            field = exc.field or exc.element or "application"
            label = FIELD_LABELS.get(field, field)
            if latin_name and field in LATIN_NAME_LABELS:
                field, label = "name", LATIN_NAME_LABELS[field]
            raise refuse(
                f"{label}不符合银行格式要求：{exc.reason}",
                "field_unfit",
                field,
                bank=partner,
            ) from exc
