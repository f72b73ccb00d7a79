"""The personal QR printed at the card's lower right: a short URL carrying a signed token.

Payload: ``QR_BASE_URL + token``, e.g. with the dev key ``1``, volunteer ``GD2026000042`` and
card serial 1 (``AB``): ``HTTPS://V.GDZYZ.CN/Q/1GD2026000042ABHAE5E5Q7OJYXBYQE`` — 52
characters with the default base URL, QR version 3 at level M. Everything is upper case so
the whole payload is in the QR alphanumeric set and fits ``qr_payload`` (A, 64).

Token, fixed width, 31 characters, no separators::

    kid (1, [0-9A-Z]) | volunteer_no (12, [0-9A-Z]) | card serial (2, base32) | MAC (16, base32)

The MAC is HMAC-SHA256 truncated to 80 bits over ``DOMAIN + kid + volunteer_no + serial``
with the key named by ``kid`` (``QR_SIGNING_KEYS``; the first key signs). Base32 is RFC 4648
(A-Z2-7) without padding; 2 characters hold exactly 10 bits and 16 exactly 80, so every
token has one encoding only. Verification needs the key alone; the caller must still check
in the database that (volunteer_no, card_serial) is the volunteer's active card, so a
cancelled or replaced card's QR stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
from dataclasses import dataclass
from functools import lru_cache

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

# Changing this string invalidates every printed card: it is part of the signed message.
DOMAIN = b"GDZYZ-CARD-QR-V1\x00"

KID_LEN = 1
VOLUNTEER_NO_LEN = 12
SERIAL_LEN = 2
MAC_LEN = 16  # 80 bits of HMAC-SHA256 in base32
MAC_BYTES = 10
TOKEN_LEN = KID_LEN + VOLUNTEER_NO_LEN + SERIAL_LEN + MAC_LEN  # 31
PAYLOAD_MAX_LEN = 64  # bank-interface.md 4.1 field 21 qr_payload
MAX_CARD_SERIAL = 32**SERIAL_LEN - 1  # 1023; serial 0 is never issued

QR_ERROR_LEVEL = "m"
DEFAULT_SVG_SCALE = 4
DEFAULT_PNG_SCALE = 8

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_INDEX = {c: i for i, c in enumerate(_B32)}
_KID_RE = re.compile(r"[0-9A-Z]", re.ASCII)
_VOLUNTEER_NO_RE = re.compile(r"[0-9A-Z]{12}", re.ASCII)
_TOKEN_RE = re.compile(r"([0-9A-Z])([0-9A-Z]{12})([A-Z2-7]{2})([A-Z2-7]{16})", re.ASCII)
# The QR alphanumeric mode's 45 characters (ISO/IEC 18004 table 5).
_QR_ALNUM_RE = re.compile(r"[0-9A-Z $%*+\-./:]*", re.ASCII)


class InvalidQr(ValidationFailed):
    code = "qr_invalid"
    # Plain strings like core.errors' defaults; messages chosen at raise time go through gettext.
    default_message = "二维码无效或已被篡改，请让志愿者出示卡面或电子证上的二维码重新扫描"


class QrKeyRetired(InvalidQr):
    code = "qr_key_retired"
    default_message = "该二维码的签名密钥已停用，请志愿者使用新卡或电子证上的二维码"


@dataclass(frozen=True, slots=True)
class QrClaim:
    """What a valid token says. It proves who signed it, not that the card is still active."""

    volunteer_no: str
    card_serial: int
    key_id: str


@dataclass(frozen=True, slots=True)
class _Keyring:
    signing_kid: str
    # Each value is an HMAC already keyed and fed DOMAIN; copy() it per token.
    macs: dict[str, hmac.HMAC]
    retired: frozenset[str]


@lru_cache(maxsize=16)
def _keyring(spec: str, retired: tuple[str, ...]) -> _Keyring:
    macs: dict[str, hmac.HMAC] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, b64 = part.partition(":")
        kid = kid.strip()
        if not sep or not _KID_RE.fullmatch(kid):
            raise ImproperlyConfigured(
                "QR_SIGNING_KEYS: each entry is kid:base64key, kid one character [0-9A-Z]"
            )
        if kid in macs:
            raise ImproperlyConfigured(f"QR_SIGNING_KEYS: key id {kid} is listed twice")
        try:
            key = base64.b64decode(b64.strip(), validate=True)
        except ValueError:
            raise ImproperlyConfigured(f"QR_SIGNING_KEYS: key {kid} is not valid base64")
        if len(key) < 16:
            raise ImproperlyConfigured(f"QR_SIGNING_KEYS: key {kid} must be at least 16 bytes")
        macs[kid] = hmac.new(key, DOMAIN, hashlib.sha256)
    if not macs:
        raise ImproperlyConfigured("QR_SIGNING_KEYS holds no key")
    signing_kid = next(iter(macs))
    retired_set = frozenset(r.strip().upper() for r in retired if r.strip())
    if signing_kid in retired_set:
        raise ImproperlyConfigured(
            f"QR_SIGNING_KEYS: the signing key {signing_kid} is in QR_RETIRED_KEY_IDS"
        )
    return _Keyring(signing_kid=signing_kid, macs=macs, retired=retired_set)


def _current_keyring() -> _Keyring:
    retired = settings.QR_RETIRED_KEY_IDS
    if isinstance(retired, str):
        retired = retired.split(",")
    return _keyring(settings.QR_SIGNING_KEYS, tuple(retired))


@lru_cache(maxsize=8)
def _checked_base_url(base_url: str) -> str:
    if not _QR_ALNUM_RE.fullmatch(base_url) or not base_url.endswith("/"):
        raise ImproperlyConfigured(
            "QR_BASE_URL must be upper case, end with '/', and use only the QR alphanumeric "
            "characters 0-9 A-Z space $%*+-./:"
        )
    if len(base_url) + TOKEN_LEN > PAYLOAD_MAX_LEN:
        raise ImproperlyConfigured(
            f"QR_BASE_URL is {len(base_url)} characters; at most "
            f"{PAYLOAD_MAX_LEN - TOKEN_LEN} leave room for the token in qr_payload"
        )
    return base_url


def _mac(ring: _Keyring, kid: str, body: str) -> str:
    mac = ring.macs[kid].copy()
    mac.update(kid.encode("ascii"))
    mac.update(body.encode("ascii"))
    return base64.b32encode(mac.digest()[:MAC_BYTES]).decode("ascii")


def make_token(*, volunteer_no: str, card_serial: int) -> str:
    """Sign (volunteer_no, card_serial) with the current signing key; 31 characters."""
    if not isinstance(volunteer_no, str) or not _VOLUNTEER_NO_RE.fullmatch(volunteer_no):
        raise ValidationFailed(
            _("志愿者编号应为 12 位数字或大写字母"), code="qr_volunteer_no_invalid"
        )
    if (
        not isinstance(card_serial, int)
        or isinstance(card_serial, bool)
        or not 1 <= card_serial <= MAX_CARD_SERIAL
    ):
        raise ValidationFailed(
            _("卡序号应在 1 到 %(max)d 之间") % {"max": MAX_CARD_SERIAL},
            code="qr_card_serial_invalid",
            extra={"max": MAX_CARD_SERIAL},
        )
    ring = _current_keyring()
    kid = ring.signing_kid
    body = volunteer_no + _B32[card_serial >> 5] + _B32[card_serial & 31]
    return kid + body + _mac(ring, kid, body)


def make_payload(*, volunteer_no: str, card_serial: int) -> str:
    """The QR content for a card: ``QR_BASE_URL`` followed by the signed token."""
    base_url = _checked_base_url(settings.QR_BASE_URL)
    return base_url + make_token(volunteer_no=volunteer_no, card_serial=card_serial)


def token_from_payload(payload_or_token: str) -> str:
    """The token part of a scanned payload (any base URL, so old cards survive a move) or
    the token itself; surrounding whitespace is ignored, nothing else is normalised."""
    if not isinstance(payload_or_token, str):
        raise InvalidQr(extra={"reason": "not_text"})
    return payload_or_token.strip().rpartition("/")[2]


def verify_payload(payload_or_token: str) -> QrClaim:
    """Check a scanned payload or bare token with the key alone and return its claim.

    Raises InvalidQr (``qr_invalid``) for anything malformed, unknown or tampered with, and
    QrKeyRetired (``qr_key_retired``) for a token whose key id is retired.
    """
    token = token_from_payload(payload_or_token)
    match = _TOKEN_RE.fullmatch(token) if len(token) == TOKEN_LEN else None
    if match is None:
        raise InvalidQr(extra={"reason": "malformed"})
    kid, volunteer_no, serial, given_mac = match.groups()
    ring = _current_keyring()
    if kid not in ring.macs:
        if kid in ring.retired:
            raise QrKeyRetired(extra={"key_id": kid})
        raise InvalidQr(extra={"reason": "unknown_key"})
    expected = _mac(ring, kid, volunteer_no + serial)
    if not hmac.compare_digest(expected.encode("ascii"), given_mac.encode("ascii")):
        raise InvalidQr(extra={"reason": "bad_signature"})
    if kid in ring.retired:
        raise QrKeyRetired(extra={"key_id": kid})
    card_serial = _B32_INDEX[serial[0]] * 32 + _B32_INDEX[serial[1]]
    if card_serial == 0:  # never issued, so a valid MAC over it means a leaked key
        raise InvalidQr(extra={"reason": "bad_serial"})
    return QrClaim(volunteer_no=volunteer_no, card_serial=card_serial, key_id=kid)


def is_qr_alphanumeric(text: str) -> bool:
    """True when every character is in the QR alphanumeric set (0-9 A-Z space $%*+-./:)."""
    return _QR_ALNUM_RE.fullmatch(text) is not None


def _make_qr(payload: str) -> segno.QRCode:
    if not isinstance(payload, str) or not payload or len(payload) > PAYLOAD_MAX_LEN:
        raise InvalidQr(extra={"reason": "payload_length"})
    if _QR_ALNUM_RE.fullmatch(payload) is None:
        raise InvalidQr(extra={"reason": "payload_not_alphanumeric"})
    # boost_error=False keeps level M exactly; make_qr never yields a Micro QR.
    return segno.make_qr(payload, error=QR_ERROR_LEVEL, mode="alphanumeric", boost_error=False)


def render_svg(payload: str, *, scale: int = DEFAULT_SVG_SCALE) -> str:
    """A standalone SVG document of the payload's QR (level M, 4-module quiet zone)."""
    buf = io.BytesIO()
    _make_qr(payload).save(buf, kind="svg", scale=scale)
    return buf.getvalue().decode("utf-8")


def render_png(payload: str, *, scale: int = DEFAULT_PNG_SCALE) -> bytes:
    """A PNG of the payload's QR (level M, 4-module quiet zone), ``scale`` pixels a module."""
    buf = io.BytesIO()
    _make_qr(payload).save(buf, kind="png", scale=scale)
    return buf.getvalue()


def qr_version(payload: str) -> int:
    """The QR version (1-40) the payload is rendered at."""
    return int(_make_qr(payload).version)
