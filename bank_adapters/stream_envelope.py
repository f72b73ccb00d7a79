"""The one opener of a partner file's CMS envelope (spec section 2), in constant memory.

``open_stream(src, out, ...)`` decrypts with our key and verifies the partner's signature,
reading ``src`` in pieces and writing the signed content to ``out``;
``open_envelope_file(src, dest, ...)`` does it from a file to a file, and
``envelope.open_envelope`` on bytes in memory is a thin wrapper of the same code. So a file
of a million records never sits in memory, and every caller gets the same checks and the
same refusals:

1. The outer ``EnvelopedData`` is walked with a small DER/BER reader only as far as the
   ``RecipientInfos`` and the ``EncryptedContentInfo`` header; those small pieces are parsed
   with asn1crypto. Our ``KeyTransRecipientInfo`` — the one whose issuer and serial number
   are, byte for byte, the DER of our certificate's — gives the content key (RSA PKCS#1
   v1.5 key transport, ``cryptography``).
2. The ``encryptedContent`` (one primitive OCTET STRING in DER, or a chain of them in
   ``openssl cms -stream`` BER) is decrypted with AES-256-CBC in 1 MiB pieces.
3. The decrypted stream is the DER of a ``SignedData``: walked the same way, its
   ``eContent`` is hashed (SHA-256) while it is written out; the small rest (certificates,
   SignerInfo) is re-assembled into a ``SignedData`` without content and checked by
   ``check_signer``: content type, signed attributes, message digest, signature, the signer
   pinned (by the exact DER of its identifier) to the partner's configured certificates,
   and valid at a signing time that is not in the future.

Every refusal is one ``EnvelopeError`` with a stable ``code``; the caller quarantines the
whole file. Messages never carry file content. ``dest`` is removed on any refusal; the
caller applies nothing from it before this function returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from asn1crypto import cms as asn1_cms
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.utils.translation import gettext as _

from bank_adapters.envelope import EnvelopeError, PrivateKey

CHUNK = 1 << 20
# A signing time later than now by more than this is not a valid signing time (the
# partner's clock may run a little ahead of ours, not more).
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
# Signature algorithms accepted in a SignerInfo, with the hash they imply (None: the
# SignerInfo's digestAlgorithm, which must be SHA-256, decides).
_RSA_SIG_ALGOS = {"rsassa_pkcs1v15", "sha256_rsa"}
_EC_SIG_ALGOS = {"ecdsa", "sha256_ecdsa"}
_MIN_RSA_BITS = 2048
# RecipientInfos, certificates, SignerInfos: small by nature; a bigger one is an attack.
_MAX_SMALL = 8 << 20

_VERSIONS = {"v0", "v1", "v2", "v3", "v4"}
_OID_ENVELOPED = asn1_core.ObjectIdentifier("1.2.840.113549.1.7.3").dump()
_OID_SIGNED = asn1_core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()
_OID_DATA = asn1_core.ObjectIdentifier("1.2.840.113549.1.7.1").dump()


@dataclass(frozen=True)
class OpenedFile:
    """What ``open_envelope_file`` returns once everything checked out."""

    path: Path
    size: int
    signer_cert: x509.Certificate
    signing_time: dt.datetime | None


class _Malformed(Exception):
    """Structure error inside the reader; turned into the right EnvelopeError by the caller."""


class _Truncated(Exception):
    """The stream ended inside a structure."""


class _OuterError(Exception):
    """A structure error of the outer envelope met while the inner one was being read."""

    def __init__(self, truncated: bool) -> None:
        self.truncated = truncated


class _Reader:
    """Sequential reads from ``read(n)`` with a position, a one-element look-ahead and
    DER/BER tag-length headers (low tag numbers only, which is all CMS uses)."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self._buf = bytearray()
        self.pos = 0

    def _fill(self, n: int) -> bool:
        while len(self._buf) < n:
            piece = self._read(max(n - len(self._buf), CHUNK))
            if not piece:
                return False
            self._buf += piece
        return True

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return bytes(self._buf[:n])

    def exact(self, n: int) -> bytes:
        if not self._fill(n):
            raise _Truncated
        out = bytes(self._buf[:n])
        del self._buf[:n]
        self.pos += n
        return out

    def pieces(self, n: int) -> Iterator[bytes]:
        """``n`` bytes, in pieces of at most ``CHUNK``."""
        while n:
            take = min(n, CHUNK)
            if not self._buf:
                self._fill(1)
            if not self._buf:
                raise _Truncated
            take = min(take, len(self._buf))
            out = bytes(self._buf[:take])
            del self._buf[:take]
            self.pos += take
            n -= take
            yield out

    def at_eof(self) -> bool:
        return not self._fill(1)

    def header(self) -> tuple[int, int | None, bytes]:
        """(identifier octet, length or None for indefinite, the header's bytes)."""
        first = self.exact(2)
        tag, lb = first[0], first[1]
        if tag & 0x1F == 0x1F:
            raise _Malformed("high tag number")
        if lb < 0x80:
            return tag, lb, first
        if lb == 0x80:
            if not tag & 0x20:
                raise _Malformed("indefinite primitive")
            return tag, None, first
        n = lb & 0x7F
        if n > 8:
            raise _Malformed("length too long")
        more = self.exact(n)
        return tag, int.from_bytes(more, "big"), first + more

    def at_end(self, end: int | None) -> bool:
        """True at the end of a container: its length reached, or its end-of-contents next
        (which is consumed)."""
        if end is not None:
            if self.pos > end:
                raise _Malformed("element overruns its container")
            return self.pos == end
        if self.peek(2) == b"\x00\x00":
            self.exact(2)
            return True
        return False

    def close(self, end: int | None) -> None:
        if not self.at_end(end):
            raise _Malformed("unexpected content at the end of a container")

    def element(self, limit: int = _MAX_SMALL) -> bytes:
        """A whole element's bytes (header included), BER indefinite lengths resolved by
        walking its children."""
        start = self.pos
        _tag, length, head = self.header()
        if length is not None:
            if length > limit:
                raise _Malformed("element too large")
            return head + self.exact(length)
        parts = [head]
        while self.peek(2) != b"\x00\x00":
            if self.pos - start > limit:
                raise _Malformed("element too large")
            parts.append(self.element(limit))
        parts.append(self.exact(2))
        return b"".join(parts)

    def expect(self, tag: int) -> int | None:
        """Open a container with this identifier octet; returns its end (None: indefinite)."""
        got, length, _head = self.header()
        if got != tag:
            raise _Malformed(f"expected tag {tag:#x}, got {got:#x}")
        return None if length is None else self.pos + length

    def octets(self) -> Iterator[bytes]:
        """The content of an OCTET STRING (primitive, or constructed of pieces), in pieces."""
        tag, length, _head = self.header()
        if tag == 0x04 and length is not None:
            yield from self.pieces(length)
        elif tag == 0x24:
            end = None if length is None else self.pos + length
            while not self.at_end(end):
                yield from self.octets()
        else:
            raise _Malformed("expected OCTET STRING")


class _Decrypted:
    """``read(n)`` over the AES-256-CBC decryption of a stream of ciphertext pieces; the
    padding is checked when the last piece is read (``finish``)."""

    def __init__(self, pieces: Iterator[bytes], key: bytes, iv: bytes) -> None:
        self._pieces = pieces
        self._dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        self._unpad = sym_padding.PKCS7(128).unpadder()
        self._done = False

    def read(self, n: int) -> bytes:
        while not self._done:
            piece = next(self._pieces, None)
            if piece is None:
                self._done = True
                return self._finish()
            out = self._unpad.update(self._dec.update(piece))
            if out:
                return out
        return b""

    def _finish(self) -> bytes:
        try:
            return self._unpad.update(self._dec.finalize()) + self._unpad.finalize()
        except ValueError:
            raise _bad_key() from None

    def drain(self) -> int:
        """Read to the end (checking the padding); returns how many bytes were left."""
        left = 0
        while chunk := self.read(CHUNK):
            left += len(chunk)
        return left


def _fail(code: str, message: str, **extra: object) -> EnvelopeError:
    return EnvelopeError(message, code=code, extra=extra)


def _issuer_and_serial(cert: asn1_x509.Certificate) -> bytes:
    """The DER of a certificate's issuer and serial number, exactly as the certificate
    encodes them: an identifier naming it must carry these very bytes (no name matching
    that ignores case or spaces, which the CMS tools disagree on)."""
    tbs = cert["tbs_certificate"]
    return tbs["issuer"].dump() + tbs["serial_number"].dump()


def _ias_of(ias: asn1_cms.IssuerAndSerialNumber) -> bytes:
    return ias["issuer"].dump() + ias["serial_number"].dump()


def _cert_matches(cert: asn1_x509.Certificate, sid: asn1_cms.SignerIdentifier) -> bool:
    if sid.name == "issuer_and_serial_number":
        return _ias_of(sid.chosen) == _issuer_and_serial(cert)
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
        return _ias_of(rid.chosen) == _issuer_and_serial(own)
    if rid.name == "subject_key_identifier":
        return own.key_identifier is not None and own.key_identifier == rid.chosen.native
    return False


def _bad_key() -> EnvelopeError:
    return _fail(
        "envelope_tampered",
        _("文件无法用本服务的私钥解密，内容可能在传输中被篡改或损坏，请合作方重发"),
    )


def _outer_malformed() -> EnvelopeError:
    return _fail("envelope_malformed", _("文件的 CMS 结构无法解析，请合作方核对加密方式"))


def _outer_truncated(size: int) -> EnvelopeError:
    return _fail(
        "envelope_truncated",
        _("文件不完整（长度短于其结构声明的长度），可能传输中断，请合作方重发"),
        size=size,
    )


def _trailing_data(**extra: object) -> EnvelopeError:
    return _fail(
        "envelope_malformed",
        _("文件在 CMS 结构之后还有多余的数据，请合作方核对加密方式"),
        **extra,
    )


def _inner_unparsable() -> EnvelopeError:
    return _fail(
        "envelope_tampered",
        _("文件解密后的签名数据无法解析，可能在传输中被篡改或损坏，请合作方重发"),
    )


def open_envelope_file(
    src: Path | str,
    dest: Path | str,
    *,
    own_key: PrivateKey,
    own_cert: x509.Certificate,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None = None,
) -> OpenedFile:
    """Decrypt ``src`` with our key and verify the partner's signature, writing the signed
    content to ``dest``; raise ``EnvelopeError`` (and leave no ``dest``) on any refusal."""
    dest = Path(dest)
    try:
        with open(src, "rb") as fh, open(dest, "wb") as out:
            opened = open_stream(fh, out, size=os.fstat(fh.fileno()).st_size, own_key=own_key,
                                 own_cert=own_cert, partner_certs=partner_certs, at=at)  # fmt: skip
        return OpenedFile(dest, opened[0], opened[1], opened[2])
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def open_stream(
    fh: BinaryIO,
    out: BinaryIO,
    *,
    size: int,
    own_key: PrivateKey,
    own_cert: x509.Certificate,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None = None,
) -> tuple[int, x509.Certificate, dt.datetime | None]:
    """Open the envelope read from ``fh`` (``size`` bytes long), writing the signed content
    to ``out``; returns (content size, signer certificate, signing time) or raises
    ``EnvelopeError``. What was written to ``out`` is meaningless after a refusal."""
    r = _Reader(fh.read)
    _check_outer_length(r, size)
    try:
        outer_end = r.expect(0x30)
        if r.element(1024) != _OID_ENVELOPED:
            raise _fail(
                "envelope_malformed",
                _("文件外层不是 CMS EnvelopedData（加密数据），请合作方按接口先签名再加密"),
            )
        explicit_end = r.expect(0xA0)
        env_end = r.expect(0x30)
        version = r.element(64)
        if r.peek(1) == b"\xa0":
            r.element()  # originatorInfo
        recipients = asn1_cms.RecipientInfos.load(r.element())
        eci_end = r.expect(0x30)
        inner_type = r.element(1024)
        algo = asn1_cms.EncryptionAlgorithm.load(r.element(1024))
        algo_name = algo["algorithm"].native
        has_content = not r.at_end(eci_end)
        own = asn1_x509.Certificate.load(own_cert.public_bytes(serialization.Encoding.DER))
        ours = [ri.chosen for ri in recipients if _recipient_matches(ri, own)]
    except _Truncated:
        raise _outer_truncated(size) from None
    except EnvelopeError:
        raise
    except (_Malformed, ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise _outer_malformed() from None

    if not ours:
        raise _fail(
            "envelope_not_for_us",
            _("文件不是加密给本服务证书的，无法解密，请合作方使用本服务当前的加密证书重发"),
            recipients=len(recipients),
        )
    if algo_name != "aes256_cbc":
        raise _fail(
            "envelope_malformed",
            _("文件的内容加密算法应为 AES-256-CBC，请合作方按接口加密"),
            algorithm=str(algo_name),
        )
    if not has_content:
        raise _fail("envelope_malformed", _("文件中没有加密内容，请合作方重发"))
    if not _valid_oid(inner_type):  # any content type (openssl labels it id-data)
        raise _bad_key()
    key, iv = _content_key(version, ours[0], algo, own_key)

    def ciphertext() -> Iterator[bytes]:
        try:
            tag, length, _head = r.header()
            if tag == 0x80 and length is not None:  # [0] IMPLICIT OCTET STRING, DER
                yield from r.pieces(length)
            elif tag == 0xA0:  # BER: constructed, a chain of OCTET STRINGs
                end = None if length is None else r.pos + length
                while not r.at_end(end):
                    yield from r.octets()
            else:
                raise _Malformed("encryptedContent")
        except _Truncated:
            raise _OuterError(truncated=True) from None
        except _Malformed:
            raise _OuterError(truncated=False) from None

    try:
        plain = _Decrypted(ciphertext(), key, iv)
        written, signer = _open_signed(plain, out, partner_certs=partner_certs, at=at)
        # What may follow the content: unprotectedAttrs, then the containers' ends.
        if not r.at_end(eci_end):
            raise _Malformed("after encryptedContent")
        if r.peek(1) == b"\xa1":
            r.element()
        r.close(env_end)
        r.close(explicit_end)
        r.close(outer_end)
        if not r.at_eof():
            raise _trailing_data()
    except _OuterError as exc:
        raise (_outer_truncated(size) if exc.truncated else _outer_malformed()) from None
    except _Truncated:
        raise _outer_truncated(size) from None
    except (_Malformed, ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise _outer_malformed() from None
    return written, signer[0], signer[1]


def _check_outer_length(r: _Reader, size: int) -> None:
    """Refuse a truncated or padded file before anything parses it: a definite outer length
    must be the file's."""
    head = r.peek(10)
    if len(head) < 2:
        raise _outer_truncated(size)
    if head[0] != 0x30:
        raise _fail("envelope_malformed", _("文件不是 DER 编码的 CMS 结构，请合作方核对加密方式"))
    first = head[1]
    if first == 0x80:
        return  # indefinite: the walk finds the end
    if first < 0x80:
        end = 2 + first
    else:
        n = first & 0x7F
        if len(head) < 2 + n:
            raise _outer_truncated(size)
        end = 2 + n + int.from_bytes(head[2 : 2 + n], "big")
    if end > size:
        raise _outer_truncated(size)
    if end < size:
        raise _trailing_data(trailing_bytes=size - end)


def _content_key(
    version: bytes,
    ktri: asn1_cms.KeyTransRecipientInfo,
    algo: asn1_cms.EncryptionAlgorithm,
    own_key: PrivateKey,
) -> tuple[bytes, bytes]:
    """Unwrap the AES key with our RSA key (PKCS#1 v1.5 key transport) and read the IV.
    Versions are checked as RFC 5652 6.1 sets them."""
    try:
        if version[:2] != b"\x02\x01" or version[2] > 4:
            raise ValueError("EnvelopedData version")
        if ktri["version"].native not in _VERSIONS:
            raise ValueError("KeyTransRecipientInfo version")
        if ktri["key_encryption_algorithm"]["parameters"].dump() not in (b"\x05\x00", b""):
            raise ValueError("key transport parameters")
        if ktri["key_encryption_algorithm"]["algorithm"].native != "rsaes_pkcs1v15":
            raise ValueError("key transport")
        if not isinstance(own_key, rsa.RSAPrivateKey):
            raise ValueError("own key")
        key = own_key.decrypt(ktri["encrypted_key"].native, padding.PKCS1v15())
        iv = algo.encryption_iv
    except (ValueError, TypeError, KeyError):
        raise _bad_key() from None
    if len(key) != 32 or not isinstance(iv, bytes) or len(iv) != 16:
        raise _bad_key()
    return key, iv


def _open_signed(
    plain: _Decrypted,
    out: BinaryIO,
    *,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None,
) -> tuple[int, tuple[x509.Certificate, dt.datetime | None]]:
    """Walk the decrypted ``SignedData``: content to ``out`` and hashed, then verify."""
    r = _Reader(plain.read)
    digest = hashlib.sha256()
    written = 0
    try:
        try:
            if r.peek(1) != b"\x30":
                if not r.peek(2):
                    raise _Truncated
                raise _fail(
                    "envelope_unsigned",
                    _("文件解密后不是 CMS 签名数据（未签名），请合作方按接口先签名再加密"),
                )
            info_end = r.expect(0x30)
            if r.element(1024) != _OID_SIGNED:
                raise _fail(
                    "envelope_unsigned",
                    _("文件解密后不是 CMS SignedData（未签名），请合作方按接口先签名再加密"),
                )
            explicit_end = r.expect(0xA0)
            sd_end = r.expect(0x30)
            version = r.element(64)
            digest_algos = r.element()
            encap_end = r.expect(0x30)
            econtent_type = r.element(1024)
            has_content = not r.at_end(encap_end)
            if has_content:
                content_end = r.expect(0xA0)
                for piece in r.octets():
                    digest.update(piece)
                    out.write(piece)
                    written += len(piece)
                r.close(content_end)
                r.close(encap_end)
            rest = []
            while not r.at_end(sd_end):
                rest.append(r.element())
            r.close(explicit_end)
            r.close(info_end)
        except EnvelopeError as exc:
            err: EnvelopeError | None = exc
        except _Truncated:
            err = _fail(
                "envelope_tampered",
                _("文件解密后的签名数据不完整，可能在传输中被篡改或损坏，请合作方重发"),
            )
        except (_Malformed, ValueError, TypeError, KeyError, IndexError, AttributeError):
            err = _inner_unparsable()
        else:
            err = None
        # A wrong key or padding is reported before anything that was read from the (then
        # meaningless) plaintext.
        left = plain.drain()
        if err is not None:
            raise err
        if left:
            raise _trailing_data(trailing_bytes=left)
        out.flush()  # read back by this process; a scratch copy need not reach the disk
        if not has_content:
            raise _fail(
                "envelope_malformed",
                _("签名数据中没有文件内容（分离式签名），请合作方使用 -nodetach 签名"),
            )
        # The SignedData without its content: small, and parsed whole by asn1crypto.
        body = version + digest_algos + _tlv(0x30, econtent_type) + b"".join(rest)
        sd = asn1_cms.SignedData.load(_tlv(0x30, body))
        try:
            econtent = sd["encap_content_info"]["content_type"].native
            signer_infos = list(sd["signer_infos"])
            certs = [c.chosen for c in sd["certificates"] if c.name == "certificate"]
        except (ValueError, TypeError, KeyError):
            raise _inner_unparsable() from None
        return written, check_signer(
            econtent_type=econtent,
            signer_infos=signer_infos,
            certs=certs,
            content_digest=digest.digest(),
            partner_certs=partner_certs,
            at=at,
        )
    except EnvelopeError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise _inner_unparsable() from None


def check_signer(
    *,
    econtent_type: str | None,
    signer_infos: list[asn1_cms.SignerInfo],
    certs: list[asn1_x509.Certificate],
    content_digest: bytes,
    partner_certs: list[x509.Certificate],
    at: dt.datetime | None,
) -> tuple[x509.Certificate, dt.datetime | None]:
    """Everything checked of a ``SignedData`` once its content is known only by its
    SHA-256: content type, the one SignerInfo, its attributes and digest, the signature,
    the signer pinned to the partner's certificates and valid at a signing time that is not
    in the future (``at``, default now, is the time of the check). Returns the signer and
    the signing time."""
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
    now = at or dt.datetime.now(dt.UTC)
    if signing_time is not None and signing_time > now + MAX_CLOCK_SKEW:
        # A time to come is no signing time: the certificate's validity could not be
        # checked against it (and a forger would pick one inside the validity).
        raise _fail(
            "envelope_signing_time",
            _("签名时间晚于当前时间，签名无效；请合作方校准服务器时钟后重新签名"),
            signing_time=signing_time.isoformat(),
            checked_at=now.isoformat(),
        )
    when = signing_time or now
    if not signer_cert.not_valid_before_utc <= when <= signer_cert.not_valid_after_utc:
        raise _fail(
            "envelope_cert_expired",
            _("签名者证书在签名时不在有效期内，请合作方使用有效证书重新签名"),
            signing_time=when.isoformat(),
            not_valid_after=signer_cert.not_valid_after_utc.isoformat(),
        )
    return signer_cert, signing_time


def _valid_oid(raw: bytes) -> bool:
    """A DER OBJECT IDENTIFIER: tag 06, and every sub-identifier minimally encoded."""
    if len(raw) < 3 or raw[0] != 0x06 or raw[1] != len(raw) - 2 or raw[-1] & 0x80:
        return False
    start = True
    for b in raw[2:]:
        if start and b == 0x80:
            return False
        start = not b & 0x80
    return True


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content
