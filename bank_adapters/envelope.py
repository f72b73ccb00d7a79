"""The CMS security envelope of every partner file (interface spec, section 2).

A file on the wire is a DER ``EnvelopedData`` (AES-256-CBC, RSA key transport to each
recipient certificate) whose content is a DER ``SignedData`` (SHA-256, attached content,
signed attributes, signer certificate included). That is exactly what
``openssl cms -sign -binary -nodetach -md sha256 -outform DER`` followed by
``openssl cms -encrypt -binary -aes256 -outform DER`` produce, and what the banks send.

- ``seal()`` signs then encrypts (``cryptography``'s PKCS#7 builders).
- ``open_envelope()`` opens bytes in memory through the one opener,
  ``bank_adapters.stream_envelope`` (decrypt with our key, verify the partner's signature:
  signed attributes, content type, message digest, signature, signer certificate pinned to
  the partner's configured certificates, its validity at the signing time).

Every refusal is one ``EnvelopeError`` with a stable ``code``; the caller quarantines the
whole file. Messages never carry file content.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from django.utils.translation import gettext as _

from core.errors import IntegrationError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class EnvelopeError(IntegrationError):
    """A partner file's envelope was refused; the whole file must be quarantined."""

    code = "envelope_invalid"
    default_message = "文件的加密签名封装无效，已整体隔离，请联系合作方核实后重发"


@dataclass(frozen=True)
class Opened:
    """What ``open_envelope`` returns once everything checked out."""

    plaintext: bytes
    signer_cert: x509.Certificate
    signing_time: dt.datetime | None


# --------------------------------------------------------------------------- key loading


def load_private_key(path: Path | str, password: bytes | None = None) -> PrivateKey:
    """Load an RSA or EC private key from a PEM file (PKCS#8 or traditional)."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=password)
    except (OSError, ValueError, TypeError) as exc:
        raise EnvelopeError(
            _("无法读取私钥文件 %(path)s，请检查配置的路径和口令") % {"path": path},
            code="envelope_config",
            extra={"path": str(path), "reason": type(exc).__name__},
        )
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise EnvelopeError(
            _("私钥文件 %(path)s 应为 RSA 或 ECDSA P-256 密钥") % {"path": path},
            code="envelope_config",
            extra={"path": str(path)},
        )
    return key


def load_certificates(*paths: Path | str) -> list[x509.Certificate]:
    """Every certificate in the given PEM files, in order (a file may hold several)."""
    certs: list[x509.Certificate] = []
    for path in paths:
        try:
            found = x509.load_pem_x509_certificates(Path(path).read_bytes())
        except (OSError, ValueError) as exc:
            raise EnvelopeError(
                _("无法读取证书文件 %(path)s，请检查配置的路径") % {"path": path},
                code="envelope_config",
                extra={"path": str(path), "reason": type(exc).__name__},
            )
        certs.extend(found)
    return certs


def load_certificate(path: Path | str) -> x509.Certificate:
    """The first certificate in a PEM file."""
    return load_certificates(path)[0]


# --------------------------------------------------------------------------- seal


def sign(plaintext: bytes, *, signer_key: PrivateKey, signer_cert: x509.Certificate) -> bytes:
    """DER ``SignedData`` over ``plaintext``: attached, SHA-256, signed attributes, cert included."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(plaintext)
        .add_signer(signer_cert, signer_key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )


def encrypt(content: bytes, *, recipient_certs: Iterable[x509.Certificate]) -> bytes:
    """DER ``EnvelopedData`` of ``content``, AES-256-CBC, RSA key transport to each cert."""
    builder = pkcs7.PKCS7EnvelopeBuilder().set_data(content)
    builder = builder.set_content_encryption_algorithm(algorithms.AES256)
    count = 0
    for cert in recipient_certs:
        builder = builder.add_recipient(cert)
        count += 1
    if not count:
        raise ValueError("at least one recipient certificate is needed")
    return builder.encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


def seal(
    plaintext: bytes,
    *,
    signer_key: PrivateKey,
    signer_cert: x509.Certificate,
    recipient_certs: list[x509.Certificate],
) -> bytes:
    """Sign then encrypt ``plaintext`` for the partner (and e.g. our archive cert)."""
    signed = sign(plaintext, signer_key=signer_key, signer_cert=signer_cert)
    return encrypt(signed, recipient_certs=recipient_certs)


# --------------------------------------------------------------------------- open


def open_envelope(
    data: bytes,
    *,
    own_key: PrivateKey,
    own_cert: x509.Certificate,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None = None,
) -> Opened:
    """Decrypt with our key, then verify the partner's signature; raise ``EnvelopeError``.

    A thin wrapper of the streaming opener (``bank_adapters.stream_envelope``): one reader,
    one set of checks and refusals for bytes in memory and for files of any size."""
    from bank_adapters import stream_envelope

    out = io.BytesIO()
    _size, signer_cert, signing_time = stream_envelope.open_stream(
        io.BytesIO(bytes(data)), out, size=len(data), own_key=own_key, own_cert=own_cert,
        partner_certs=partner_certs, at=at,
    )  # fmt: skip
    return Opened(plaintext=out.getvalue(), signer_cert=signer_cert, signing_time=signing_time)
