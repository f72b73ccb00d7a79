"""The CMS envelope against the real ``openssl cms`` on the other side (spec section 2).

Every test runs twice: through the bytes API (``envelope.open_envelope``) and through the file
path (``stream_envelope.open_envelope_file``), checked against the bytes API: the one opener
gives the same content, signer and refusal code whichever way it is fed, and leaves no file on
a refusal."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bank_adapters import envelope, stream_envelope
from bank_adapters.envelope import EnvelopeError, load_certificate, load_private_key
from bank_adapters.pki import (
    generate_ec_key,
    issue_certificate,
    write_certificate,
    write_private_key,
)
from bank_adapters.tests.helpers import signed_at

# A line as the bank would send it, with an ID number that must never appear in an error.
ID_NUMBER = "44010219900101123X"
PLAINTEXT = ("H|BOC|RESULT|20261130|0001|1\nD|" + ID_NUMBER + "|张三|已受理\nT|1\n").encode(
    "gb18030"
) + bytes(range(256))


_open_bytes = envelope.open_envelope


def _open_streaming(data: bytes, **kw) -> envelope.Opened:
    """``open_envelope`` through the streaming path, and checked against the bytes path."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dest = Path(tmp, "in.p7m"), Path(tmp, "out")
        src.write_bytes(bytes(data))
        try:
            expected = _open_bytes(data, **kw)
        except envelope.EnvelopeError as exc:
            with pytest.raises(envelope.EnvelopeError) as info:
                stream_envelope.open_envelope_file(src, dest, **kw)
            assert info.value.code == exc.code, (info.value, exc)
            assert not dest.exists()
            raise info.value from None
        got = stream_envelope.open_envelope_file(src, dest, **kw)
        assert got.path.read_bytes() == expected.plaintext
        assert got.size == len(expected.plaintext)
        assert (got.signer_cert, got.signing_time) == (expected.signer_cert, expected.signing_time)
        return envelope.Opened(got.path.read_bytes(), got.signer_cert, got.signing_time)


@pytest.fixture(autouse=True, params=["bytes", "streamed"])
def opener(request, monkeypatch) -> str:
    """Each test with the bytes opener, then with the streamed one standing in for it."""
    if request.param == "streamed":
        monkeypatch.setattr(envelope, "open_envelope", _open_streaming)
    return request.param


def openssl(*args: str | Path, input: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["openssl", "cms", *map(str, args)], input=input, capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def bank_sends(
    tmp_path: Path,
    plaintext: bytes,
    *,
    signer_cert: Path,
    signer_key: Path,
    recipient: Path,
    sign_args: tuple[str, ...] = (),
    encrypt_args: tuple[str, ...] = (),
    tamper_signed=None,
) -> bytes:
    """What a bank's system does: openssl sign, then openssl encrypt."""
    src = tmp_path / "plain.bin"
    src.write_bytes(plaintext)
    signed = openssl(
        "-sign", "-binary", "-nodetach", "-md", "sha256", "-outform", "DER",
        "-in", src, "-signer", signer_cert, "-inkey", signer_key, *sign_args,
    )  # fmt: skip
    if tamper_signed is not None:
        signed = tamper_signed(signed)
    signed_path = tmp_path / "signed.der"
    signed_path.write_bytes(signed)
    return openssl(
        "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", signed_path,
        *encrypt_args, recipient,
    )  # fmt: skip


@pytest.fixture(scope="module")
def svc(pki):
    return load_private_key(pki.service.key_path), load_certificate(pki.service.cert_path)


@pytest.fixture(scope="module")
def boc(pki):
    return pki.partners["BOC"]


@pytest.fixture(scope="module")
def boc_cert(boc):
    return load_certificate(boc.cert_path)


def open_as_service(data: bytes, svc, partner_certs, **kw) -> envelope.Opened:
    key, cert = svc
    return envelope.open_envelope(
        data, own_key=key, own_cert=cert, partner_certs=partner_certs, **kw
    )


def assert_refused(code: str, data: bytes, svc, partner_certs) -> EnvelopeError:
    with pytest.raises(EnvelopeError) as info:
        open_as_service(data, svc, partner_certs)
    assert info.value.code == code, info.value
    assert ID_NUMBER not in str(info.value) and ID_NUMBER not in repr(info.value.extra)
    return info.value


# ----------------------------------------------------------------- we seal, openssl opens


@pytest.mark.parametrize("signing", ["rsa", "ecdsa"])
def test_openssl_decrypts_and_verifies_what_we_seal(tmp_path, pki, boc, signing):
    if signing == "rsa":
        key_path, cert_path = pki.service.key_path, pki.service.cert_path
    else:
        key_path, cert_path = pki.service.sign_key_path, pki.service.sign_cert_path
    sealed = envelope.seal(
        PLAINTEXT,
        signer_key=load_private_key(key_path),
        signer_cert=load_certificate(cert_path),
        recipient_certs=[load_certificate(boc.cert_path), load_certificate(pki.archive.cert_path)],
    )
    wire = tmp_path / "BOC_APPLY_20261130_0001.txt.p7m"
    wire.write_bytes(sealed)

    # Each recipient (the bank, and our archive copy) can decrypt.
    for who in (boc, pki.archive):
        signed = openssl(
            "-decrypt", "-binary", "-inform", "DER", "-in", wire,
            "-recip", who.cert_path, "-inkey", who.key_path,
        )  # fmt: skip
        signed_path = tmp_path / f"{who.code}.sig"
        signed_path.write_bytes(signed)
        plain = openssl(
            "-verify", "-binary", "-inform", "DER", "-in", signed_path, "-CAfile", pki.ca_cert_path
        )
        assert plain == PLAINTEXT

    # The structure is exactly the spec's: EnvelopedData(AES-256-CBC) of SignedData(SHA-256).
    dump = subprocess.run(
        ["openssl", "asn1parse", "-inform", "DER", "-in", str(wire)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "pkcs7-envelopedData" in dump and "aes-256-cbc" in dump
    signed_dump = subprocess.run(
        ["openssl", "asn1parse", "-inform", "DER", "-in", str(tmp_path / "BOC.sig")],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert ":pkcs7-signedData" in signed_dump and ":sha256" in signed_dump
    assert ":messageDigest" in signed_dump and ":signingTime" in signed_dump


def test_we_open_what_we_seal(pki, svc, boc, boc_cert):
    sealed = envelope.seal(
        PLAINTEXT,
        signer_key=load_private_key(boc.sign_key_path),
        signer_cert=load_certificate(boc.sign_cert_path),
        recipient_certs=[svc[1]],
    )
    opened = open_as_service(sealed, svc, [boc_cert, load_certificate(boc.sign_cert_path)])
    assert opened.plaintext == PLAINTEXT
    assert opened.signer_cert == load_certificate(boc.sign_cert_path)


# ----------------------------------------------------------------- openssl seals, we open


@pytest.mark.parametrize("signing", ["rsa", "ecdsa"])
def test_we_open_what_the_bank_sends_with_openssl(tmp_path, pki, svc, boc, boc_cert, signing):
    if signing == "rsa":
        signer_cert, signer_key = boc.cert_path, boc.key_path
    else:
        signer_cert, signer_key = boc.sign_cert_path, boc.sign_key_path
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=signer_cert,
        signer_key=signer_key,
        recipient=pki.service.cert_path,
    )
    partner_certs = [boc_cert, load_certificate(boc.sign_cert_path)]
    opened = open_as_service(data, svc, partner_certs)
    assert opened.plaintext == PLAINTEXT
    assert opened.signer_cert == load_certificate(signer_cert)
    assert opened.signing_time is not None and opened.signing_time >= before


def test_streamed_ber_from_openssl_is_opened(tmp_path, pki, svc, boc, boc_cert):
    """``openssl cms -stream`` writes indefinite-length BER; it is still a valid envelope."""
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        encrypt_args=("-stream",),
    )
    assert data[:2] == b"\x30\x80"
    assert open_as_service(data, svc, [boc_cert]).plaintext == PLAINTEXT


# ----------------------------------------------------------------- refusals


def test_unknown_signer_is_refused(tmp_path, pki, svc, boc_cert):
    icbc = pki.partners["ICBC"]
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=icbc.cert_path,
        signer_key=icbc.key_path,
        recipient=pki.service.cert_path,
    )
    assert_refused("envelope_unknown_signer", data, svc, [boc_cert])


def test_same_name_other_key_is_an_unknown_signer(tmp_path, pki, svc, boc, boc_cert):
    """A certificate re-issued with the pinned one's subject is still not the pinned one."""
    ca_key = load_private_key(pki.ca_key_path)
    ca_cert = load_certificate(pki.ca_cert_path)
    key, cert = issue_certificate(ca_key=ca_key, ca_cert=ca_cert, common_name="BOC file exchange")
    key_path = write_private_key(tmp_path / "impostor.key", key)
    cert_path = write_certificate(tmp_path / "impostor.pem", cert)
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=cert_path,
        signer_key=key_path,
        recipient=pki.service.cert_path,
    )
    assert_refused("envelope_unknown_signer", data, svc, [boc_cert])


def test_tampered_ciphertext_is_refused(tmp_path, pki, svc, boc, boc_cert):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
    )
    # Flipping the last byte of the next-to-last ciphertext block flips the last padding
    # byte, which can never leave valid PKCS#7 padding: decryption itself fails.
    broken = bytearray(data)
    broken[-17] ^= 0x01
    assert_refused("envelope_tampered", bytes(broken), svc, [boc_cert])
    # Elsewhere a flip garbles a block of the signed data: refused, whatever it hit.
    for pos in (len(data) - 1, len(data) - 200, len(data) - 1000, len(data) // 2 + 300):
        broken = bytearray(data)
        broken[pos] ^= 0x01
        with pytest.raises(EnvelopeError):
            open_as_service(bytes(broken), svc, [boc_cert])


def test_content_tampered_before_encryption_fails_the_signature(tmp_path, pki, svc, boc, boc_cert):
    def flip_in_content(signed: bytes) -> bytes:
        pos = signed.index(ID_NUMBER.encode())
        return signed[:pos] + b"9" + signed[pos + 1 :]

    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        tamper_signed=flip_in_content,
    )
    assert_refused("envelope_bad_signature", data, svc, [boc_cert])


def test_tampered_signed_attributes_fail_the_signature(tmp_path, pki, svc, boc, boc_cert):
    def shift_signing_time(signed: bytes) -> bytes:
        # signingTime OID, then SET, then UTCTime "YYMMDDhhmmssZ": change the seconds digit.
        oid = bytes.fromhex("06092a864886f70d010905")
        pos = signed.index(oid) + len(oid) + 2 + 2 + 11
        digit = signed[pos : pos + 1]
        return signed[:pos] + (b"1" if digit == b"0" else b"0") + signed[pos + 1 :]

    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        tamper_signed=shift_signing_time,
    )
    assert_refused("envelope_bad_signature", data, svc, [boc_cert])


def test_certificate_expired_at_signing_time_is_refused(tmp_path, pki, svc):
    ca_key = load_private_key(pki.ca_key_path)
    ca_cert = load_certificate(pki.ca_cert_path)
    now = dt.datetime.now(dt.UTC)
    key, cert = issue_certificate(
        ca_key=ca_key,
        ca_cert=ca_cert,
        common_name="BOC file exchange (old)",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    key_path = write_private_key(tmp_path / "old.key", key)
    cert_path = write_certificate(tmp_path / "old.pem", cert)
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=cert_path,
        signer_key=key_path,
        recipient=pki.service.cert_path,
    )
    err = assert_refused("envelope_cert_expired", data, svc, [cert])
    assert "signing_time" in err.extra


def test_not_yet_valid_certificate_is_refused(tmp_path, pki, svc):
    now = dt.datetime.now(dt.UTC)
    key, cert = issue_certificate(
        ca_key=load_private_key(pki.ca_key_path),
        ca_cert=load_certificate(pki.ca_cert_path),
        common_name="BOC file exchange (next)",
        not_before=now + dt.timedelta(days=10),
        not_after=now + dt.timedelta(days=400),
    )
    sealed = envelope.seal(PLAINTEXT, signer_key=key, signer_cert=cert, recipient_certs=[svc[1]])
    assert_refused("envelope_cert_expired", sealed, svc, [cert])


def test_signature_without_signed_attributes_is_refused(tmp_path, pki, svc, boc, boc_cert):
    """``-noattr`` drops the signed attributes; the spec's checks need them, so it is refused."""
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        sign_args=("-noattr",),
    )
    assert_refused("envelope_malformed", data, svc, [boc_cert])


@pytest.mark.parametrize("keep", [0.5, 0.99, 10, 1])
def test_truncated_file_is_refused(tmp_path, pki, svc, boc, boc_cert, keep):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
    )
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    assert_refused("envelope_truncated", data[:cut], svc, [boc_cert])


def test_truncated_streamed_file_is_refused(tmp_path, pki, svc, boc, boc_cert):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        encrypt_args=("-stream",),
    )
    assert_refused("envelope_truncated", data[:-300], svc, [boc_cert])


def test_trailing_garbage_is_refused(tmp_path, pki, svc, boc, boc_cert):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
    )
    assert_refused("envelope_malformed", data + b"\x00" * 16, svc, [boc_cert])


def test_file_encrypted_for_another_recipient_is_refused(tmp_path, pki, svc, boc, boc_cert):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.partners["ICBC"].cert_path,
    )
    assert_refused("envelope_not_for_us", data, svc, [boc_cert])


def test_signed_but_not_encrypted_is_refused(tmp_path, pki, svc, boc, boc_cert):
    src = tmp_path / "p.bin"
    src.write_bytes(PLAINTEXT)
    signed = openssl(
        "-sign", "-binary", "-nodetach", "-md", "sha256", "-outform", "DER",
        "-in", src, "-signer", boc.cert_path, "-inkey", boc.key_path,
    )  # fmt: skip
    assert_refused("envelope_malformed", signed, svc, [boc_cert])


def test_encrypted_but_not_signed_is_refused(tmp_path, pki, svc, boc_cert):
    src = tmp_path / "p.bin"
    src.write_bytes(PLAINTEXT)
    data = openssl(
        "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", src, pki.service.cert_path
    )
    assert_refused("envelope_unsigned", data, svc, [boc_cert])


def test_aes128_is_refused(tmp_path, pki, svc, boc, boc_cert):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        encrypt_args=("-aes128",),
    )
    assert_refused("envelope_malformed", data, svc, [boc_cert])


def test_sha1_signature_is_refused(tmp_path, pki, svc, boc, boc_cert):
    src = tmp_path / "p.bin"
    src.write_bytes(PLAINTEXT)
    signed = openssl(
        "-sign", "-binary", "-nodetach", "-md", "sha1", "-outform", "DER",
        "-in", src, "-signer", boc.cert_path, "-inkey", boc.key_path,
    )  # fmt: skip
    sealed = envelope.encrypt(signed, recipient_certs=[svc[1]])
    assert_refused("envelope_malformed", sealed, svc, [boc_cert])


def test_detached_signature_is_refused(tmp_path, pki, svc, boc, boc_cert):
    src = tmp_path / "p.bin"
    src.write_bytes(PLAINTEXT)
    signed = openssl(
        "-sign", "-binary", "-md", "sha256", "-outform", "DER",
        "-in", src, "-signer", boc.cert_path, "-inkey", boc.key_path,
    )  # fmt: skip
    sealed = envelope.encrypt(signed, recipient_certs=[svc[1]])
    assert_refused("envelope_malformed", sealed, svc, [boc_cert])


def test_key_roll_over_accepts_both_configured_certificates(tmp_path, pki, svc, boc, boc_cert):
    ca_key = load_private_key(pki.ca_key_path)
    ca_cert = load_certificate(pki.ca_cert_path)
    new_key, new_cert = issue_certificate(
        ca_key=ca_key, ca_cert=ca_cert, common_name="BOC file exchange 2027", key=generate_ec_key()
    )
    new_key_path = write_private_key(tmp_path / "new.key", new_key)
    new_cert_path = write_certificate(tmp_path / "new.pem", new_cert)
    configured = [boc_cert, new_cert]

    (tmp_path / "old").mkdir()
    old_file = bank_sends(
        tmp_path / "old",
        PLAINTEXT + b"old",
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
    )
    new_file = bank_sends(
        tmp_path,
        PLAINTEXT + b"new",
        signer_cert=new_cert_path,
        signer_key=new_key_path,
        recipient=pki.service.cert_path,
    )
    assert open_as_service(old_file, svc, configured).signer_cert == boc_cert
    assert open_as_service(new_file, svc, configured).signer_cert == new_cert
    # Once the old certificate is removed from the configuration, its files are refused.
    assert_refused("envelope_unknown_signer", old_file, svc, [new_cert])


def test_our_archive_copy_opens_with_the_archive_key(pki, svc):
    archive_key = load_private_key(pki.archive.key_path)
    archive_cert = load_certificate(pki.archive.cert_path)
    sealed = envelope.seal(
        PLAINTEXT,
        signer_key=svc[0],
        signer_cert=svc[1],
        recipient_certs=[load_certificate(pki.partners["BOC"].cert_path), archive_cert],
    )
    opened = envelope.open_envelope(
        sealed, own_key=archive_key, own_cert=archive_cert, partner_certs=[svc[1]]
    )
    assert opened.plaintext == PLAINTEXT


def test_key_loading_errors_name_the_path_not_the_content(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(EnvelopeError) as info:
        load_private_key(bad)
    assert info.value.code == "envelope_config"
    with pytest.raises(EnvelopeError):
        load_certificate(tmp_path / "missing.pem")


def test_load_certificates_reads_a_bundle(tmp_path, pki, boc):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(Path(boc.cert_path).read_bytes() + Path(boc.sign_cert_path).read_bytes())
    certs = envelope.load_certificates(bundle)
    assert [c.public_bytes(serialization.Encoding.DER) for c in certs] == [
        load_certificate(p).public_bytes(serialization.Encoding.DER)
        for p in (boc.cert_path, boc.sign_cert_path)
    ]
    assert all(isinstance(c, x509.Certificate) for c in certs)


# ----------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def sealed_sample(pki, svc):
    boc = pki.partners["BOC"]
    return envelope.seal(
        PLAINTEXT,
        signer_key=load_private_key(boc.key_path),
        signer_cert=load_certificate(boc.cert_path),
        recipient_certs=[svc[1]],
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=st.binary(max_size=400))
def test_junk_only_ever_raises_envelope_error(junk, svc, boc_cert):
    with pytest.raises(EnvelopeError):
        open_as_service(junk, svc, [boc_cert])


def _ciphertext_start(sealed: bytes) -> int:
    """Where the encrypted content starts: everything before it is read as structure."""
    from asn1crypto import cms as asn1_cms

    eci = asn1_cms.ContentInfo.load(sealed)["content"]["encrypted_content_info"]
    return sealed.index(eci["encrypted_content"].contents)


def _recipient_identifier(sealed: bytes) -> tuple[int, int]:
    """The span of the first recipient's issuer and serial number in ``sealed``."""
    from asn1crypto import cms as asn1_cms

    ri = asn1_cms.ContentInfo.load(sealed)["content"]["recipient_infos"][0].chosen
    rid = ri["rid"].chosen.dump()
    start = sealed.index(rid)
    return start, start + len(rid)


def _near_misses(original: int) -> st.SearchStrategy[int]:
    """Another byte, likely one that a lax reader would take for the same: the other case
    of a letter, a tab or line end for a space, one more or less; or any other byte."""
    near = {original ^ 0x20, original ^ 0x01, (original + 1) % 256, (original - 1) % 256}
    if original in b" \t\n\r":
        near |= set(b" \t\n\r\x0b\x0c")
    near.discard(original)
    return st.sampled_from(sorted(near)) | st.integers(0, 255).filter(lambda v: v != original)


# Enough examples that a difference in what is checked (such as the recipient's name read
# with and without case and spaces) is found on every run, not one run in five: positions
# are drawn from the whole file, from the part read as structure, and from the recipient
# identifier; values are as likely to be near misses as arbitrary.
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_byte_change_is_refused_or_harmless(data, sealed_sample, svc, boc_cert):
    structure = _ciphertext_start(sealed_sample)
    rid_start, rid_end = _recipient_identifier(sealed_sample)
    pos = data.draw(
        st.integers(0, len(sealed_sample) - 1)
        | st.integers(0, structure - 1)
        | st.integers(rid_start, rid_end - 1)
    )
    value = data.draw(_near_misses(sealed_sample[pos]))
    mutated = bytearray(sealed_sample)
    mutated[pos] = value
    try:
        opened = open_as_service(bytes(mutated), svc, [boc_cert])
    except EnvelopeError:
        return
    # A change outside everything that is checked (e.g. an unused parameter) must not
    # change what we read.
    assert opened.plaintext == PLAINTEXT


def test_any_change_to_our_recipient_identifier_is_refused(sealed_sample, svc, boc_cert):
    """The recipient is ours only if its issuer and serial are our certificate's, byte for
    byte: every single-byte near miss in them is refused (all of them, not a sample)."""
    start, end = _recipient_identifier(sealed_sample)
    for pos in range(start, end):
        original = sealed_sample[pos]
        near = {original ^ 0x20, original ^ 0x01, (original + 1) % 256, (original - 1) % 256}
        if original == 0x20:
            near |= {0x09, 0x0A, 0x0D}
        for value in sorted(near - {original}):
            mutated = bytearray(sealed_sample)
            mutated[pos] = value
            with pytest.raises(EnvelopeError):
                open_as_service(bytes(mutated), svc, [boc_cert])


@pytest.mark.parametrize("change", ["tab", "case"])
def test_an_issuer_name_that_differs_in_spaces_or_case_is_not_ours(
    change, sealed_sample, svc, boc_cert
):
    """A tab for a space, or another case, in the recipient's issuer name: not our
    certificate's name as it is encoded, so not for us (in memory and streamed alike)."""
    start, end = _recipient_identifier(sealed_sample)
    rid = sealed_sample[start:end]
    if change == "tab":
        mutated_rid = rid.replace(b"Demo CA", b"Demo\tCA")
    else:
        mutated_rid = rid.replace(b"Demo CA", b"DEMO CA")
    assert mutated_rid != rid and len(mutated_rid) == len(rid)
    mutated = sealed_sample[:start] + mutated_rid + sealed_sample[end:]
    assert_refused("envelope_not_for_us", mutated, svc, [boc_cert])


def _signer_identifier_changed(signed: bytes) -> bytes:
    """The SignedData with a tab for a space in the SignerInfo's issuer name (the signature
    does not cover it)."""
    from asn1crypto import cms as asn1_cms

    si = asn1_cms.ContentInfo.load(signed)["content"]["signer_infos"][0]
    sid = si["sid"].chosen.dump()
    assert sid.count(b"Demo CA") == 1
    return signed.replace(sid, sid.replace(b"Demo CA", b"Demo\tCA"))


def test_a_signer_identifier_that_is_not_exactly_the_certificate_is_refused(
    tmp_path, pki, svc, boc, boc_cert
):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        tamper_signed=_signer_identifier_changed,
    )
    assert_refused("envelope_unknown_signer", data, svc, [boc_cert])


def test_inner_content_type_is_id_data_like_openssl_and_id_signed_data_is_accepted(
    pki, svc, boc, boc_cert
):
    """openssl cms -encrypt labels the encrypted SignedData as id-data, and so do we; an
    envelope that labels it id-signedData (RFC 5652 style) is accepted as well."""
    sealed = envelope.seal(
        PLAINTEXT,
        signer_key=load_private_key(boc.key_path),
        signer_cert=boc_cert,
        recipient_certs=[svc[1]],
    )
    id_data = bytes.fromhex("06092a864886f70d010701")
    id_signed_data = bytes.fromhex("06092a864886f70d010702")
    assert sealed.count(id_data) == 1
    relabelled = sealed.replace(id_data, id_signed_data)
    assert open_as_service(relabelled, svc, [boc_cert]).plaintext == PLAINTEXT


def test_signature_without_the_signer_certificate_is_refused(tmp_path, pki, svc, boc, boc_cert):
    data = bank_sends(
        tmp_path,
        PLAINTEXT,
        signer_cert=boc.cert_path,
        signer_key=boc.key_path,
        recipient=pki.service.cert_path,
        sign_args=("-nocerts",),
    )
    err = assert_refused("envelope_malformed", data, svc, [boc_cert])
    assert "证书" in err.message


def _signed_without_signing_time(plaintext: bytes, key, cert) -> bytes:
    """A SignedData whose signed attributes lack signingTime (allowed by RFC 5652)."""
    from asn1crypto import cms as asn1_cms
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    info = asn1_cms.ContentInfo.load(
        envelope.sign(plaintext, signer_key=key, signer_cert=cert)
    ).copy()
    si = info["content"]["signer_infos"][0]
    kept = [a for a in si["signed_attrs"] if a["type"].native != "signing_time"]
    si["signed_attrs"] = asn1_cms.CMSAttributes(kept)
    to_sign = b"\x31" + si["signed_attrs"].dump(force=True)[1:]
    si["signature"] = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
    return info.dump(force=True)


def test_without_signing_time_validity_is_checked_at_the_given_time(pki, svc):
    now = dt.datetime.now(dt.UTC)
    key, cert = issue_certificate(
        ca_key=load_private_key(pki.ca_key_path),
        ca_cert=load_certificate(pki.ca_cert_path),
        common_name="BOC file exchange (2025)",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=30),
    )
    signed = _signed_without_signing_time(PLAINTEXT, key, cert)
    sealed = envelope.encrypt(signed, recipient_certs=[svc[1]])
    # Received back when the certificate was valid (e.g. a re-run over an old file): accepted.
    opened = open_as_service(sealed, svc, [cert], at=now - dt.timedelta(days=100))
    assert opened.plaintext == PLAINTEXT and opened.signing_time is None
    # Checked now: the certificate has expired.
    assert_refused("envelope_cert_expired", sealed, svc, [cert])


def test_a_signing_time_in_the_future_is_refused(pki, svc, boc, boc_cert):
    """The certificate is valid then, but a time to come is no signing time; a clock a
    couple of minutes ahead of ours is fine."""
    key = load_private_key(boc.key_path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ahead = envelope.encrypt(
        signed_at(PLAINTEXT, key, boc_cert, now + dt.timedelta(days=1)), recipient_certs=[svc[1]]
    )
    err = assert_refused("envelope_signing_time", ahead, svc, [boc_cert])
    assert "签名时间" in err.message
    skewed = envelope.encrypt(
        signed_at(PLAINTEXT, key, boc_cert, now + dt.timedelta(minutes=2)),
        recipient_certs=[svc[1]],
    )
    opened = open_as_service(skewed, svc, [boc_cert])
    assert opened.plaintext == PLAINTEXT and opened.signing_time == now + dt.timedelta(minutes=2)
