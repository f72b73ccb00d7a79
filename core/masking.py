"""Masking helpers: what people and logs see of personal data."""

from __future__ import annotations

import re


def mask_id_number(value: str | None) -> str:
    """``440102199001011234`` → ``4401**********1234``; short numbers keep less."""
    if not value:
        return ""
    v = value.strip()
    if len(v) >= 15:
        return v[:4] + "*" * (len(v) - 8) + v[-4:]
    if len(v) >= 6:
        return v[:1] + "*" * (len(v) - 3) + v[-2:]
    return "*" * len(v)


def mask_mobile(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    v = value.strip()
    if len(v) >= 7:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    return "*" * len(v)


def mask_name(value: str | None) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``; latin names keep the first letter."""
    if not value:
        return ""
    v = value.strip()
    if len(v) == 1:
        return v
    return v[0] + "*" * (len(v) - 1)


def mask_address(value: str | None) -> str:
    """Keep the first six characters (province/city/district), mask the rest."""
    if not value:
        return ""
    v = value.strip()
    keep = min(6, max(len(v) // 3, 1))
    return v[:keep] + "*" * 6


def mask_pan(value: str | None) -> str:
    """A card number (or anything that looks like one) → first 6, last 4."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 10:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


# Mainland/residence-permit IDs (17 digits + digit/X), mobiles, and long digit runs that may be
# card numbers. Applied to free text such as log lines.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_PAN_RE = re.compile(r"(?<!\d)(\d{6})(\d{3,9})(\d{4})(?!\d)")
_SPACED_PAN_RE = re.compile(r"(?<!\d)(\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,4})?)(?!\d)")


# Secrets in URLs, as access logs print them: the card QR token after /q/ (any case) or
# /api/card/qr/, an activity's check-in code after /activities/scan/, and the values of
# look-up parameters in a query string (any ID type, not only mainland numbers).
_URL_TOKEN_RE = re.compile(r"(/(?:q|Q|api/card/qr|activities/scan)/)([^/?#\s\"']+)")
_QUERY_SECRET_RE = re.compile(
    r"([?&;](?:id_number|guardian_id_number|mobile|key|card_ref|token|code|password)=)"
    r"([^&;\s\"']*)",
    re.IGNORECASE,
)


def _masked_token(token: str) -> str:
    return token[:3] + "***" if len(token) > 6 else "***"


def mask_text(text: str) -> str:
    """Mask every ID-number, mobile, card-number-like digit run, QR token and look-up
    parameter inside free text (log lines, access-log request lines)."""
    if not text:
        return text
    text = _URL_TOKEN_RE.sub(lambda m: m.group(1) + _masked_token(m.group(2)), text)
    text = _QUERY_SECRET_RE.sub(lambda m: m.group(1) + ("***" if m.group(2) else ""), text)
    text = _SPACED_PAN_RE.sub(lambda m: mask_pan(m.group(1)), text)
    text = _ID_RE.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(3)[-4:], text)
    text = _MOBILE_RE.sub(lambda m: (m.group(1) or "") + m.group(2) + "****" + m.group(4), text)
    text = _PAN_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return text
