"""Field encryption (AES-256-GCM with the key id stored beside the ciphertext) and the keyed
blind index (HMAC-SHA256) used for exact look-ups of encrypted values."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from core.errors import ServiceError


class DecryptionError(ServiceError):
    code = "decryption_failed"
    http_status = 500
    default_message = "加密数据无法解密"


def _parse_keys(spec: str) -> list[tuple[str, bytes]]:
    keys: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, _, b64 = part.partition(":")
        key = base64.b64decode(b64)
        if len(key) != 32 or not kid or "$" in kid:
            raise ValueError(f"encryption key {kid!r} must be 32 bytes with a short id")
        keys.append((kid, key))
    if not keys:
        raise ValueError("FIELD_ENCRYPTION_KEYS holds no key")
    return keys


@lru_cache(maxsize=8)
def _keyring(spec: str) -> tuple[str, dict[str, AESGCM]]:
    keys = _parse_keys(spec)
    return keys[0][0], {kid: AESGCM(key) for kid, key in keys}


def encrypt(plaintext: str, *, context: bytes = b"") -> str:
    """Encrypt ``plaintext``; the result is ``kid$base64(nonce|ciphertext|tag)``."""
    kid, ring = _keyring(settings.FIELD_ENCRYPTION_KEYS)
    nonce = os.urandom(12)
    sealed = ring[kid].encrypt(nonce, plaintext.encode("utf-8"), context)
    return f"{kid}${base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, *, context: bytes = b"") -> str:
    _, ring = _keyring(settings.FIELD_ENCRYPTION_KEYS)
    kid, sep, b64 = token.partition("$")
    if not sep or kid not in ring:
        raise DecryptionError(extra={"key_id": kid})
    raw = base64.b64decode(b64)
    try:
        return ring[kid].decrypt(raw[:12], raw[12:], context).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError(extra={"key_id": kid}) from exc


def key_id_of(token: str) -> str:
    return token.partition("$")[0]


@lru_cache(maxsize=4)
def _index_key(spec: str) -> bytes:
    return base64.b64decode(spec)


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash of a normalised value, for exact look-ups without decrypting.

    ``purpose`` separates the domains (an ID number and a mobile never share a hash space).
    """
    key = _index_key(settings.BLIND_INDEX_KEY)
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
