"""The file formats operations may upload as downloads: the content type each is served with
comes from this table (never from the uploading browser), and a file must start the way its
format does, so a page renamed to ``.pdf`` is refused rather than served."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from core.errors import size_label


@dataclass(frozen=True)
class Format:
    label: str
    content_type: str
    magic: tuple[bytes, ...]


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97–2003 and Excel 97–2003
_ZIP = b"PK\x03\x04"  # Office Open XML is a zip archive
FORMATS: dict[str, Format] = {
    ".pdf": Format("PDF", "application/pdf", (b"%PDF-",)),
    ".doc": Format("Word", "application/msword", (_OLE,)),
    ".docx": Format(
        "Word",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (_ZIP,),
    ),
    ".xls": Format("Excel", "application/vnd.ms-excel", (_OLE,)),
    ".xlsx": Format(
        "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)
    ),
}


def suffix(name: str) -> str:
    return PurePosixPath(name or "").suffix.lower()


def format_of(name: str) -> Format | None:
    return FORMATS.get(suffix(name))


def download_name(name: str, title: str, file_name: str) -> str:
    """The name a download is saved as: the one given (or else the title), with the stored
    file's extension in place of any other format's."""
    ext = suffix(file_name)
    base = (name or "").strip() or title.strip()
    if suffix(base) in FORMATS:
        base = base[: -len(suffix(base))]
    return f"{base}{ext}"


def max_bytes() -> int:
    # The request holding the upload is refused above REQUEST_MAX_BYTES anyway.
    return int(getattr(settings, "HELP_DOWNLOAD_MAX_BYTES", settings.REQUEST_MAX_BYTES))


def validate_download_file(file: Any) -> None:
    """A new upload has an allowed extension, a size within bounds and its format's first
    bytes. A file already stored was checked when it was uploaded."""
    if getattr(file, "_committed", False):
        return
    fmt = format_of(file.name)
    if fmt is None:
        allowed = "、".join(sorted(FORMATS))
        raise ValidationError(f"只能上传以下格式的文件：{allowed}", code="download_format")
    size = file.size
    if not size:
        raise ValidationError("文件是空的，请重新选择文件", code="download_empty")
    if size > max_bytes():
        raise ValidationError(
            f"文件过大：{size_label(size)}，最大 {size_label(max_bytes())}",
            code="download_size",
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not any(head.startswith(m) for m in fmt.magic):
        raise ValidationError(
            f"文件内容不是 {fmt.label} 格式，请检查文件后重新上传（扩展名 {suffix(file.name)}）",
            code="download_content",
        )
