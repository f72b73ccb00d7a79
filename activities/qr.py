"""The rotating check-in/check-out QR an admin shows at the activity (manual 3.3, way 1).

Code, upper case so the QR uses alphanumeric mode::

    A <activity id> . <day id> . <I|O> . <slot> . <MAC>

``slot`` is the Unix time divided by ``SLOT_SECONDS``. The MAC is HMAC-SHA256, truncated to
80 bits and base32-encoded, over ``DOMAIN`` and the other fields, with a key derived from
``settings.ACTIVITY_QR_KEY`` (or ``SECRET_KEY``). A code is accepted in its own slot and the
next one only, so a photo of the screen stops working within two minutes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

import segno
from django.conf import settings
from django.utils import timezone

from core.errors import ValidationFailed

DOMAIN = b"GDZYZ-ACTIVITY-QR-V1\x00"
SLOT_SECONDS = 60
ACTIONS = {"in": "I", "out": "O"}
_ACTION_BY_CODE = {v: k for k, v in ACTIONS.items()}
_CODE_RE = re.compile(r"A(\d{1,12})\.(\d{1,12})\.([IO])\.(\d{1,12})\.([A-Z2-7]{16})", re.ASCII)


class ActivityQrInvalid(ValidationFailed):
    code = "activity_qr_invalid"
    default_message = "活动二维码无效，请扫描管理员现场出示的二维码"


class ActivityQrExpired(ValidationFailed):
    code = "activity_qr_expired"
    default_message = "活动二维码已过期，请扫描管理员手机上当前显示的二维码"


@dataclass(frozen=True, slots=True)
class ActivityQrClaim:
    activity_id: int
    day_id: int
    action: str  # "in" or "out"
    slot: int


def _key() -> bytes:
    secret = getattr(settings, "ACTIVITY_QR_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(b"activity-qr-key\x00" + secret.encode()).digest()


def _mac(activity_id: int, day_id: int, action_code: str, slot: int) -> str:
    msg = DOMAIN + f"{activity_id}.{day_id}.{action_code}.{slot}".encode()
    digest = hmac.new(_key(), msg, hashlib.sha256).digest()[:10]
    return base64.b32encode(digest).decode()


def slot_of(at: dt.datetime) -> int:
    return int(at.timestamp()) // SLOT_SECONDS


def make_code(*, activity_id: int, day_id: int, action: str, at: dt.datetime | None = None) -> str:
    """The code to show now (or at ``at``) for one day's check-in or check-out."""
    if action not in ACTIONS:
        raise ValueError(action)
    slot = slot_of(at or timezone.now())
    a = ACTIONS[action]
    return f"A{activity_id}.{day_id}.{a}.{slot}.{_mac(activity_id, day_id, a, slot)}"


def expires_at(code_slot: int) -> dt.datetime:
    """When a code of ``code_slot`` stops being accepted."""
    return dt.datetime.fromtimestamp((code_slot + 2) * SLOT_SECONDS, tz=dt.UTC)


def verify_code(code: str, *, now: dt.datetime | None = None) -> ActivityQrClaim:
    """Check the MAC and the freshness of a scanned code; raise the project's error otherwise."""
    text = (code or "").strip().upper()
    if "/" in text:  # the QR holds a URL; accept it whole
        text = text.rstrip("/").rsplit("/", 1)[-1]
    m = _CODE_RE.fullmatch(text)
    if m is None:
        raise ActivityQrInvalid()
    activity_id, day_id, a, slot = int(m[1]), int(m[2]), m[3], int(m[4])
    if not hmac.compare_digest(m[5], _mac(activity_id, day_id, a, slot)):
        raise ActivityQrInvalid()
    current = slot_of(now or timezone.now())
    if slot not in (current, current - 1):
        raise ActivityQrExpired()
    return ActivityQrClaim(
        activity_id=activity_id, day_id=day_id, action=_ACTION_BY_CODE[a], slot=slot
    )


def payload_url(code: str) -> str:
    """What the QR holds: a link to the scan page, so WeChat's own scanner works too."""
    return f"{settings.SITE_URL.rstrip('/')}/activities/scan/{code}/"


def render_svg(code: str, *, scale: int = 6) -> str:
    return segno.make(payload_url(code), error="m").svg_inline(scale=scale)
