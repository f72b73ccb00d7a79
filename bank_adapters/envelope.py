"""The CMS security envelope of every partner file (interface spec, section 2).

A file on the wire is a DER ``EnvelopedData`` (AES-256-CBC, RSA key transport to each
recipient certificate) whose content is a DER ``SignedData`` (SHA-256, attached content,
signed attributes, signer certificate included). That is exactly what
``openssl cms -sign -binary -nodetach -md sha256 -outform DER`` followed by
``openssl cms -encrypt -binary -aes256 -outform DER`` produce, and what the banks send.

- ``seal()`` signs then encrypts (``cryptography``'s PKCS#7 builders).
- ``open_envelope()`` decrypts with our key (``cryptography``) and then verifies the CMS
  signature itself with ``asn1crypto``: signed attributes, content type, message digest,
  signature, signer certificate pinned to the partner's configured certificates, and the
  certificate's validity at the signing time.

Every refusal is one ``EnvelopeError`` with a stable ``code``; the caller quarantines the
whole file. Messages never carry file content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms as asn1_cms
from asn1crypto import parser as asn1_parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from django.utils.translation import gettext as _

from core.errors import IntegrationError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# Signature algorithms accepted in a SignerInfo, with the hash they imply (None: the
# SignerInfo's digestAlgorithm, which must be SHA-256, decides).
_RSA_SIG_ALGOS = {"rsassa_pkcs1v15", "sha256_rsa"}
_EC_SIG_ALGOS = {"ecdsa", "sha256_ecdsa"}
_MIN_RSA_BITS = 2048


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


def _fail(code: str, message: str, **extra: object) -> EnvelopeError:
    return EnvelopeError(message, code=code, extra=extra)


def _check_complete(data: bytes, *, inner: bool) -> None:
    """Refuse a truncated or padded DER/BER object before anything parses it."""

    def truncated() -> EnvelopeError:
        if inner:
            return _fail(
                "envelope_tampered",
                _("文件解密后的签名数据不完整，可能在传输中被篡改或损坏，请合作方重发"),
            )
        return _fail(
            "envelope_truncated",
            _("文件不完整（长度短于其结构声明的长度），可能传输中断，请合作方重发"),
            size=len(data),
        )

    if len(data) < 2:
        raise truncated()
    if data[0] != 0x30:
        if inner:
            raise _fail(
                "envelope_unsigned",
                _("文件解密后不是 CMS 签名数据（未签名），请合作方按接口先签名再加密"),
            )
        raise _fail("envelope_malformed", _("文件不是 DER 编码的 CMS 结构，请合作方核对加密方式"))
    first = data[1]
    if first == 0x80:  # indefinite length (BER): let the parser find the end
        try:
            trailer_end = _outer_end(data)
        except ValueError as exc:
            if "Insufficient data" in str(exc):
                raise truncated()
            raise _fail("envelope_malformed", _("文件的 CMS 结构无法解析，请合作方核对加密方式"))
        end = trailer_end
    else:
        if first < 0x80:
            header, length = 2, first
        else:
            n = first & 0x7F
            if len(data) < 2 + n:
                raise truncated()
            header, length = 2 + n, int.from_bytes(data[2 : 2 + n], "big")
        end = header + length
    if end > len(data):
        raise truncated()
    if end < len(data):
        raise _fail(
            "envelope_malformed",
            _("文件在 CMS 结构之后还有多余的数据，请合作方核对加密方式"),
            trailing_bytes=len(data) - end,
        )


def _outer_end(data: bytes) -> int:
    parsed = asn1_parser.parse(data)
    header, contents, trailer = parsed[3], parsed[4], parsed[5]
    return len(header) + len(contents) + len(trailer)


def _cert_matches(cert: asn1_x509.Certificate, sid: asn1_cms.SignerIdentifier) -> bool:
    if sid.name == "issuer_and_serial_number":
        ias = sid.chosen
        return cert.issuer == ias["issuer"] and cert.serial_number == ias["serial_number"].native
    if sid.name == "subject_key_identifier":
        ski = cert.key_identifier
        if ski is None:
            ski = x509.SubjectKeyIdentifier.from_public_key(
                x509.load_der_x509_certificate(cert.dump()).public_key()
            ).digest
        return ski == sid.chosen.native
    return False


def _recipient_matches(ri: asn1_cms.RecipientInfo, own: asn1_x509.Certificate) -> bool:
    if ri.name != "ktri":
        return False
    rid = ri.chosen["rid"]
    if rid.name == "issuer_and_serial_number":
        ias = rid.chosen
        return own.issuer == ias["issuer"] and own.serial_number == ias["serial_number"].native
    if rid.name == "subject_key_identifier":
        return own.key_identifier is not None and own.key_identifier == rid.chosen.native
    return False


def decrypt(data: bytes, *, own_key: PrivateKey, own_cert: x509.Certificate) -> bytes:
    """Decrypt a DER (or BER) ``EnvelopedData`` meant for ``own_cert``; returns its content."""
    try:
        return _decrypt(bytes(data), own_key=own_key, own_cert=own_cert)
    except EnvelopeError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # asn1crypto parses lazily: a damaged field can surface anywhere.
        raise _fail(
            "envelope_malformed",
            _("文件的 CMS 结构无法解析，请合作方核对加密方式"),
            reason=type(exc).__name__,
        )


def _decrypt(data: bytes, *, own_key: PrivateKey, own_cert: x509.Certificate) -> bytes:
    _check_complete(data, inner=False)
    try:
        info = asn1_cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "enveloped_data":
            raise _fail(
                "envelope_malformed",
                _("文件外层不是 CMS EnvelopedData（加密数据），请合作方按接口先签名再加密"),
                content_type=str(info["content_type"].native),
            )
        enveloped = info["content"]
        recipients = list(enveloped["recipient_infos"])
        eci = enveloped["encrypted_content_info"]
        algo = eci["content_encryption_algorithm"]["algorithm"].native
        has_content = eci["encrypted_content"].native is not None
    except EnvelopeError:
        raise
    except (ValueError, TypeError, KeyError):
        raise _fail("envelope_malformed", _("文件的 CMS 结构无法解析，请合作方核对加密方式"))

    own = asn1_x509.Certificate.load(own_cert.public_bytes(serialization.Encoding.DER))
    if not any(_recipient_matches(ri, own) for ri in recipients):
        raise _fail(
            "envelope_not_for_us",
            _("文件不是加密给本服务证书的，无法解密，请合作方使用本服务当前的加密证书重发"),
            recipients=len(recipients),
        )
    if algo != "aes256_cbc":
        raise _fail(
            "envelope_malformed",
            _("文件的内容加密算法应为 AES-256-CBC，请合作方按接口加密"),
            algorithm=str(algo),
        )
    if not has_content:
        raise _fail("envelope_malformed", _("文件中没有加密内容，请合作方重发"))

    der = data
    if data[1] == 0x80 or eci["encrypted_content"].method == 1:
        # Streamed BER (indefinite lengths, chunked ciphertext) from some CMS tools: the
        # decrypter only reads DER, so re-encode.
        der = info.dump(force=True)
    try:
        return pkcs7.pkcs7_decrypt_der(der, own_cert, own_key, [])
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise _fail(
            "envelope_tampered",
            _("文件无法用本服务的私钥解密，内容可能在传输中被篡改或损坏，请合作方重发"),
            reason=type(exc).__name__,
        )


def verify(
    signed: bytes,
    *,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None = None,
) -> Opened:
    """Verify a DER ``SignedData`` against the partner's configured certificates."""
    try:
        return _verify(bytes(signed), partner_certs=partner_certs, at=at)
    except EnvelopeError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise _fail(
            "envelope_tampered",
            _("文件解密后的签名数据无法解析，可能在传输中被篡改或损坏，请合作方重发"),
            reason=type(exc).__name__,
        )


def _verify(
    signed: bytes,
    *,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None,
) -> Opened:
    _check_complete(signed, inner=True)
    try:
        info = asn1_cms.ContentInfo.load(signed, strict=True)
        if info["content_type"].native != "signed_data":
            raise _fail(
                "envelope_unsigned",
                _("文件解密后不是 CMS SignedData（未签名），请合作方按接口先签名再加密"),
                content_type=str(info["content_type"].native),
            )
        sd = info["content"]
        encap = sd["encap_content_info"]
        econtent_type = encap["content_type"].native
        content = encap["content"]
        signer_infos = list(sd["signer_infos"])
        certs = [c.chosen for c in sd["certificates"] if c.name == "certificate"]
        plaintext = None if content.native is None else content.native
    except EnvelopeError:
        raise
    except (ValueError, TypeError, KeyError):
        raise _fail(
            "envelope_tampered",
            _("文件解密后的签名数据无法解析，可能在传输中被篡改或损坏，请合作方重发"),
        )

    if plaintext is None:
        raise _fail(
            "envelope_malformed",
            _("签名数据中没有文件内容（分离式签名），请合作方使用 -nodetach 签名"),
        )
    signer_cert, signing_time = check_signer(
        econtent_type=econtent_type,
        signer_infos=signer_infos,
        certs=certs,
        content_digest=hashlib.sha256(plaintext).digest(),
        partner_certs=partner_certs,
        at=at,
    )
    return Opened(plaintext=plaintext, signer_cert=signer_cert, signing_time=signing_time)


def check_signer(
    *,
    econtent_type: str | None,
    signer_infos: list[asn1_cms.SignerInfo],
    certs: list[asn1_x509.Certificate],
    content_digest: bytes,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None,
) -> tuple[x509.Certificate, dt.datetime | None]:
    """Everything ``verify`` checks once the content is known only by its SHA-256: content
    type, the one SignerInfo, its attributes and digest, the signature, the signer pinned
    to the partner's certificates and valid at the signing time. Shared with the streaming
    opener (``bank_adapters.stream_envelope``); returns the signer and the signing time."""
    if econtent_type != "data":
        raise _fail(
            "envelope_malformed",
            _("签名内容类型应为 id-data，请合作方按接口签名"),
            content_type=str(econtent_type),
        )
    if len(signer_infos) != 1:
        raise _fail(
            "envelope_malformed",
            _("文件应恰好有一个签名者，请合作方按接口签名"),
            signers=len(signer_infos),
        )
    si = signer_infos[0]

    try:
        digest_algo = si["digest_algorithm"]["algorithm"].native
        sig_algo = si["signature_algorithm"]["algorithm"].native
        signed_attrs = si["signed_attrs"]
        signature = si["signature"].native
        sid = si["sid"]
        attrs = {}
        if signed_attrs.native is not None:
            for attr in signed_attrs:
                attrs.setdefault(attr["type"].native, []).append(attr["values"])
    except (ValueError, TypeError, KeyError):
        raise _fail("envelope_tampered", _("签名信息无法解析，文件可能被篡改，请合作方重发"))

    if digest_algo != "sha256":
        raise _fail(
            "envelope_malformed",
            _("签名摘要算法应为 SHA-256，请合作方使用 -md sha256 签名"),
            algorithm=str(digest_algo),
        )
    if not attrs:
        raise _fail("envelope_malformed", _("签名缺少签名属性，请合作方按接口签名"))
    for name in ("content_type", "message_digest"):
        if len(attrs.get(name, [])) != 1 or len(attrs[name][0]) != 1:
            raise _fail(
                "envelope_malformed",
                _("签名属性 %(name)s 缺失或重复，请合作方按接口签名") % {"name": name},
            )
    if attrs["content_type"][0][0].native != econtent_type:
        raise _fail(
            "envelope_bad_signature", _("签名属性中的内容类型与实际内容不符，文件可能被篡改")
        )

    # The signer (named by the SignerInfo's sid) must be one of the partner's configured
    # certificates; its key checks the signature, and the copy the partner included must be
    # that certificate byte for byte.
    signer_cert = next(
        (
            c
            for c in partner_certs
            if _cert_matches(
                asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)), sid
            )
        ),
        None,
    )
    if signer_cert is None:
        raise _fail(
            "envelope_unknown_signer",
            _("签名者证书不是为该合作方配置的证书，请核实合作方是否更换了证书"),
        )

    public_key = signer_cert.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        if sig_algo not in _RSA_SIG_ALGOS or public_key.key_size < _MIN_RSA_BITS:
            raise _fail(
                "envelope_bad_signature",
                _("签名算法或密钥长度不符合接口要求（RSA 不少于 2048 位，SHA-256）"),
                algorithm=str(sig_algo),
            )
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        if sig_algo not in _EC_SIG_ALGOS or not isinstance(public_key.curve, ec.SECP256R1):
            raise _fail(
                "envelope_bad_signature",
                _("签名算法不符合接口要求（ECDSA P-256，SHA-256）"),
                algorithm=str(sig_algo),
            )
    else:
        raise _fail("envelope_bad_signature", _("签名者证书的密钥类型不受支持"))

    if attrs["message_digest"][0][0].native != content_digest:
        raise _fail(
            "envelope_bad_signature",
            _("文件内容的摘要与签名不符，文件可能被篡改，请合作方重发"),
        )

    # The signature covers the DER of the attributes with the SET OF tag, not the [0] tag.
    attrs_der = b"\x31" + signed_attrs.dump()[1:]
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, attrs_der, padding.PKCS1v15(), hashes.SHA256())
        else:
            public_key.verify(signature, attrs_der, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _fail("envelope_bad_signature", _("签名验证失败，文件可能被篡改，请合作方重发"))

    signer_der = signer_cert.public_bytes(serialization.Encoding.DER)
    if not certs:
        raise _fail("envelope_malformed", _("签名中未附带签名者证书，请合作方签名时附带证书"))
    if not any(c.dump() == signer_der for c in certs):
        raise _fail(
            "envelope_tampered",
            _("签名中附带的签名者证书与配置的证书不一致，文件可能被篡改，请合作方重发"),
        )

    signing_time = None
    if attrs.get("signing_time"):
        try:
            signing_time = attrs["signing_time"][0][0].native
        except ValueError:
            raise _fail("envelope_malformed", _("签名时间属性无法解析"))
    when = signing_time or at or dt.datetime.now(dt.UTC)
    if not signer_cert.not_valid_before_utc <= when <= signer_cert.not_valid_after_utc:
        raise _fail(
            "envelope_cert_expired",
            _("签名者证书在签名时不在有效期内，请合作方使用有效证书重新签名"),
            signing_time=when.isoformat(),
            not_valid_after=signer_cert.not_valid_after_utc.isoformat(),
        )
    return signer_cert, signing_time


def open_envelope(
    data: bytes,
    *,
    own_key: PrivateKey,
    own_cert: x509.Certificate,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None = None,
) -> Opened:
    """Decrypt with our key, then verify the partner's signature; raise ``EnvelopeError``."""
    return verify(
        decrypt(data, own_key=own_key, own_cert=own_cert), partner_certs=partner_certs, at=at
    )
