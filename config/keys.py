"""The service's secrets: the development defaults, the production guard and a fresh set.

Imported by the settings, so it needs nothing from Django but its exception. In development
(DEBUG=true) the four secrets have fixed, public defaults so ./bin/demo and ./bin/test run on
a machine with no environment at all. In production each must be set, and none may be a
development value: keys are never derived from SECRET_KEY there, so rotating the secret never
makes the encrypted records unreadable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets

from django.core.exceptions import ImproperlyConfigured

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-in-production"


def _dev_key(label: str) -> str:
    # The values the settings derived before issue 14, kept so existing demo databases
    # still decrypt. Public: they protect nothing.
    digest = hashlib.sha256(f"{DEV_SECRET_KEY}:{label}".encode()).digest()
    return base64.b64encode(digest).decode()


DEV_FIELD_ENCRYPTION_KEYS = f"dev1:{_dev_key('field')}"
DEV_BLIND_INDEX_KEY = _dev_key("blind-index")
DEV_QR_SIGNING_KEYS = f"1:{_dev_key('qr-1')}"

DEV_DEFAULTS = {
    "SECRET_KEY": DEV_SECRET_KEY,
    "FIELD_ENCRYPTION_KEYS": DEV_FIELD_ENCRYPTION_KEYS,
    "BLIND_INDEX_KEY": DEV_BLIND_INDEX_KEY,
    "QR_SIGNING_KEYS": DEV_QR_SIGNING_KEYS,
}
# Every key byte string a development default holds: a production value listing one of them
# (say, a rotation that kept the dev key as the old one) is refused too.
_DEV_KEY_BYTES = frozenset(
    base64.b64decode(_dev_key(label)) for label in ("field", "blind-index", "qr-1")
)
_QR_KID = re.compile(r"[0-9A-Z]")
_MIN_SECRET_KEY_LENGTH = 50  # what `check --deploy` asks of SECRET_KEY


def _b64(value: str, name: str, what: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: {what} is not valid base64") from None


def _keyring(
    name: str, value: str, *, kid_pattern: re.Pattern[str] | None, size: int, exact: bool
) -> None:
    entries = [p.strip() for p in value.split(",") if p.strip()]
    if not entries:
        raise ImproperlyConfigured(f"{name} holds no key")
    seen: set[str] = set()
    for entry in entries:
        kid, sep, b64 = entry.partition(":")
        kid = kid.strip()
        if not sep or not kid or "$" in kid or (kid_pattern and not kid_pattern.fullmatch(kid)):
            raise ImproperlyConfigured(f"{name}: each entry is kid:base64key (got a bad key id)")
        if kid in seen:
            raise ImproperlyConfigured(f"{name}: key id {kid} is listed twice")
        seen.add(kid)
        key = _b64(b64, name, f"key {kid}")
        if len(key) != size if exact else len(key) < size:
            need = f"{size} bytes" if exact else f"at least {size} bytes"
            raise ImproperlyConfigured(f"{name}: key {kid} must be {need}")
        if key in _DEV_KEY_BYTES:
            raise ImproperlyConfigured(f"{name}: key {kid} is the development default")


def check_production(values: dict[str, str | None]) -> None:
    """Raise ImproperlyConfigured naming the first of the four secrets that is missing,
    malformed or a development default. ``values`` maps each name to the environment's
    value (None when unset)."""
    hint = "; `python manage.py generate_keys` prints a fresh set"
    for name, dev_default in DEV_DEFAULTS.items():
        value = (values.get(name) or "").strip()
        if not value:
            raise ImproperlyConfigured(f"{name} is not set and DEBUG is false{hint}")
        if value == dev_default:
            raise ImproperlyConfigured(f"{name} is the development default{hint}")
    secret = values["SECRET_KEY"].strip()
    if len(secret) < _MIN_SECRET_KEY_LENGTH or secret.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            f"SECRET_KEY must be at least {_MIN_SECRET_KEY_LENGTH} random characters{hint}"
        )
    _keyring(
        "FIELD_ENCRYPTION_KEYS",
        values["FIELD_ENCRYPTION_KEYS"],
        kid_pattern=None,
        size=32,  # AES-256-GCM
        exact=True,
    )
    _keyring(
        "QR_SIGNING_KEYS", values["QR_SIGNING_KEYS"], kid_pattern=_QR_KID, size=16, exact=False
    )
    index_key = _b64(values["BLIND_INDEX_KEY"], "BLIND_INDEX_KEY", "the key")
    if len(index_key) < 32:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be at least 32 bytes")
    if index_key in _DEV_KEY_BYTES:
        raise ImproperlyConfigured(f"BLIND_INDEX_KEY is the development default{hint}")


def generate() -> dict[str, str]:
    """A fresh, independent set of the four secrets (env-file values: no quoting needed)."""

    def key(n: int = 32) -> str:
        return base64.b64encode(secrets.token_bytes(n)).decode()

    return {
        # URL-safe alphabet: no $, quotes or spaces for a shell, compose or django-environ.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": f"k{secrets.token_hex(3)}:{key()}",
        "BLIND_INDEX_KEY": key(),
        "QR_SIGNING_KEYS": f"1:{key()}",
    }
