"""The signed QR on a certificate: a URL whose token carries the certificate's summary and the
digest of its full content, signed with the card QR's keys (``QR_SIGNING_KEYS``, key ids,
rotation, ``QR_RETIRED_KEY_IDS``) under a domain of its own.

Token, 89 characters, upper case (QR alphanumeric mode)::

    kid (1, [0-9A-Z]) | base32(body (45 bytes) | MAC (10 bytes))   -- 88 characters, no padding

body (big-endian)::

    version (1) = 1 | certificate id (4) | volunteer_no (12, ASCII [0-9A-Z])
    | issued on (2, days since 2000-01-01) | service hours x10 (4) | training hours x10 (4)
    | star level (1) | scope (1: 0 all, 1 period, 2 activity) | SHA-256 of the content (16)

The MAC is HMAC-SHA256 truncated to 80 bits over ``card DOMAIN + CERT_DOMAIN + kid + body``
with the key named by ``kid``: the card keyring already feeds the card domain, and the
certificate domain after it holds bytes (``-``, NUL) no card token can contain, so a card MAC
is never a certificate MAC. 55 bytes are exactly 88 base32 characters: one encoding per token.

Verification needs the key alone (``verify_token``): the claim holds the number, the
volunteer number, the date, the totals, the star level and the content digest, so a verifier
offline can check a printed certificate against its QR; the public page also looks the
certificate up to show the full content and whether it was revoked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import struct
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from card_service.qr import _current_keyring, _Keyring
from core.errors import NotFound

# Part of the signed message: changing it invalidates every issued certificate.
CERT_DOMAIN = b"GDZYZ-CERT-QR-V1\x00"
VERSION = 1
EPOCH = dt.date(2000, 1, 1)
BODY = struct.Struct(">BI12sHIIBB16s")  # 45 bytes
MAC_BYTES = 10
TOKEN_LEN = 1 + (BODY.size + MAC_BYTES) * 8 // 5  # 89
SCOPES = ("all", "period", "activity")
MAX_TENTHS = 2**32 - 1
TENTH = Decimal("0.1")

_TOKEN_RE = re.compile(r"[0-9A-Z][A-Z2-7]{88}", re.ASCII)
_VOLUNTEER_NO_RE = re.compile(rb"[0-9A-Z]{12}", re.ASCII)


class InvalidCertificateToken(NotFound):
    """Anything malformed, unknown, tampered with or signed by a retired key. One answer for
    all of them, so a probe learns nothing about anyone."""

    code = "certificate_not_found"
    default_message = "未找到该志愿服务证明，请核对二维码或链接是否完整"


@dataclass(frozen=True, slots=True)
class CertClaim:
    """What a valid token says; it proves who signed it, not that it is still valid."""

    certificate_id: int
    volunteer_no: str
    issued_on: dt.date
    service_hours: Decimal
    training_hours: Decimal
    star_level: int
    scope: str
    content_digest: str  # the first 16 bytes of the SHA-256, hex
    key_id: str

    @property
    def number(self) -> str:
        return certificate_number(self.certificate_id, self.issued_on)


def certificate_number(certificate_id: int, issued_on: dt.date) -> str:
    """``ZS`` + year issued + the id on eight digits, e.g. ``ZS202600000042``."""
    return f"ZS{issued_on.year}{certificate_id:08d}"


def content_digest(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the content's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def signing_key_id(ring: _Keyring | None = None) -> str:
    """The key id that signs certificates: ``CERT_SIGNING_KEY_ID`` or the card's signing key."""
    ring = ring or _current_keyring()
    kid = (getattr(settings, "CERT_SIGNING_KEY_ID", "") or ring.signing_kid).strip().upper()
    if kid not in ring.macs:
        raise ImproperlyConfigured(f"CERT_SIGNING_KEY_ID {kid} is not in QR_SIGNING_KEYS")
    if kid in ring.retired:
        raise ImproperlyConfigured(f"CERT_SIGNING_KEY_ID {kid} is in QR_RETIRED_KEY_IDS")
    return kid


def _mac(ring: _Keyring, kid: str, body: bytes) -> bytes:
    mac = ring.macs[kid].copy()
    mac.update(CERT_DOMAIN)
    mac.update(kid.encode("ascii"))
    mac.update(body)
    return mac.digest()[:MAC_BYTES]


def _tenths(hours: Decimal) -> int:
    value = int((Decimal(hours) * 10).to_integral_value())
    if not 0 <= value <= MAX_TENTHS:
        raise ValueError("hours out of range")
    return value


def make_token(
    *,
    certificate_id: int,
    volunteer_no: str,
    issued_on: dt.date,
    service_hours: Decimal,
    training_hours: Decimal,
    star_level: int,
    scope: str,
    digest_hex: str,
) -> tuple[str, str]:
    """Sign a certificate's summary and content digest; returns (token, key id)."""
    vno = volunteer_no.encode("ascii")
    if not _VOLUNTEER_NO_RE.fullmatch(vno):
        raise ValueError("volunteer_no must be 12 characters [0-9A-Z]")
    body = BODY.pack(
        VERSION,
        certificate_id,
        vno,
        (issued_on - EPOCH).days,
        _tenths(service_hours),
        _tenths(training_hours),
        star_level,
        SCOPES.index(scope),
        bytes.fromhex(digest_hex)[:16],
    )
    ring = _current_keyring()
    kid = signing_key_id(ring)
    raw = body + _mac(ring, kid, body)
    return kid + base64.b32encode(raw).decode("ascii"), kid


def verify_token(token: str) -> CertClaim:
    """Check a token (or a scanned URL ending in one) with the key alone and return its claim;
    raises InvalidCertificateToken for anything else, a retired key included."""
    if not isinstance(token, str):
        raise InvalidCertificateToken(extra={"reason": "not_text"})
    token = token.strip().rstrip("/").rpartition("/")[2]
    if len(token) != TOKEN_LEN or not _TOKEN_RE.fullmatch(token):
        raise InvalidCertificateToken(extra={"reason": "malformed"})
    kid, raw = token[0], base64.b32decode(token[1:])
    body, given = raw[: BODY.size], raw[BODY.size :]
    ring = _current_keyring()
    if kid not in ring.macs or kid in ring.retired:
        raise InvalidCertificateToken(extra={"reason": "unknown_key"})
    if not hmac.compare_digest(_mac(ring, kid, body), given):
        raise InvalidCertificateToken(extra={"reason": "bad_signature"})
    version, cert_id, vno, days, service, training, stars, scope, digest = BODY.unpack(body)
    # A valid MAC over any of these means a bug or a leaked key: refuse all the same.
    if version != VERSION or scope >= len(SCOPES) or not _VOLUNTEER_NO_RE.fullmatch(vno):
        raise InvalidCertificateToken(extra={"reason": "bad_body"})
    return CertClaim(
        certificate_id=cert_id,
        volunteer_no=vno.decode("ascii"),
        issued_on=EPOCH + dt.timedelta(days=days),
        service_hours=(Decimal(service) / 10).quantize(TENTH),
        training_hours=(Decimal(training) / 10).quantize(TENTH),
        star_level=stars,
        scope=SCOPES[scope],
        content_digest=digest.hex(),
        key_id=kid,
    )


def base_url() -> str:
    """Where the QR points: ``CERT_QR_BASE_URL``, or the card's ``QR_BASE_URL`` with its last
    path segment replaced by ``C`` (``HTTPS://V.GDZYZ.CN/Q/`` → ``HTTPS://V.GDZYZ.CN/C/``)."""
    configured = getattr(settings, "CERT_QR_BASE_URL", "")
    if configured:
        return configured
    return settings.QR_BASE_URL.rstrip("/").rpartition("/")[0] + "/C/"


def payload(token: str) -> str:
    return base_url() + token
