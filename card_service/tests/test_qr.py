"""The personal QR: signed tokens that survive a real decoder, resist tampering, rotate keys
and always fit ``qr_payload`` (A, 64) in a low QR version."""

from __future__ import annotations

import base64
import io

import pytest
import zxingcpp
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from card_service import qr
from core.errors import ValidationFailed

KEY_1 = base64.b64encode(bytes(range(32))).decode()
KEY_2 = base64.b64encode(bytes(range(100, 132))).decode()
FORGER_KEY = base64.b64encode(b"\xaa" * 32).decode()
BASE_URL = "HTTPS://V.GDZYZ.CN/Q/"
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
TOKEN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # every character a token may hold

ONE_KEY = override_settings(
    QR_SIGNING_KEYS=f"1:{KEY_1}", QR_RETIRED_KEY_IDS=[], QR_BASE_URL=BASE_URL
)


def decode_png(png: bytes) -> zxingcpp.Barcode:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    return results[0]


@ONE_KEY
@pytest.mark.parametrize(
    ("volunteer_no", "card_serial"),
    [("GD2026000042", 1), ("440100000001", 2), ("ZZZZZZZZZZZZ", qr.MAX_CARD_SERIAL)],
)
def test_png_decodes_with_a_real_reader_to_the_payload_and_the_claim(volunteer_no, card_serial):
    payload = qr.make_payload(volunteer_no=volunteer_no, card_serial=card_serial)

    barcode = decode_png(qr.render_png(payload))

    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.text == payload
    assert barcode.ec_level == "M"
    assert qr.verify_payload(barcode.text) == qr.QrClaim(volunteer_no, card_serial, "1")


@ONE_KEY
def test_svg_is_a_standalone_document_of_the_same_symbol():
    payload = qr.make_payload(volunteer_no="GD2026000042", card_serial=1)
    svg = qr.render_svg(payload, scale=2)
    assert svg.startswith("<?xml")
    side = (qr.qr_version(payload) * 4 + 17 + 2 * 4) * 2  # modules + quiet zone, 2 px each
    assert f'width="{side}" height="{side}"' in svg


@ONE_KEY
def test_longest_volunteer_number_and_highest_serial_fit_qr_payload_at_a_low_version():
    payload = qr.make_payload(volunteer_no="Z" * 12, card_serial=qr.MAX_CARD_SERIAL)
    version = qr.qr_version(payload)
    print(f"\nQR payload {payload!r}: {len(payload)} characters, version {version}-M")

    assert len(payload) <= 64
    assert version <= 4
    assert decode_png(qr.render_png(payload)).extra["Version"] == str(version)


@ONE_KEY
@pytest.mark.parametrize("card_serial", [1, 31, 32, 500, qr.MAX_CARD_SERIAL])
def test_payload_is_upper_case_qr_alphanumeric_only(card_serial):
    payload = qr.make_payload(volunteer_no="A1B2C3D4E5F6", card_serial=card_serial)
    assert set(payload) <= QR_ALPHANUMERIC
    assert qr.is_qr_alphanumeric(payload)
    assert payload.startswith(BASE_URL)
    assert qr.token_from_payload(payload) == payload[len(BASE_URL) :]


@ONE_KEY
def test_flipping_any_single_token_character_fails_verification():
    payload = qr.make_payload(volunteer_no="GD2026000042", card_serial=7)
    token = qr.token_from_payload(payload)
    tried = 0
    for i, original in enumerate(token):
        for replacement in TOKEN_CHARS:
            if replacement == original:
                continue
            forged = token[:i] + replacement + token[i + 1 :]
            with pytest.raises(qr.InvalidQr):
                qr.verify_payload(BASE_URL + forged)
            with pytest.raises(qr.InvalidQr):
                qr.verify_payload(forged)
            tried += 1
    assert tried == len(token) * (len(TOKEN_CHARS) - 1)


@ONE_KEY
def test_the_token_is_not_derivable_from_the_volunteer_number():
    first = qr.token_from_payload(qr.make_payload(volunteer_no="GD2026000042", card_serial=1))
    second = qr.token_from_payload(qr.make_payload(volunteer_no="GD2026000042", card_serial=2))
    assert first[:13] == second[:13] and first[-16:] != second[-16:]
    with override_settings(QR_SIGNING_KEYS=f"1:{FORGER_KEY}"):
        # Someone who knows the format but not the key signs the same claim: rejected.
        forged = qr.make_payload(volunteer_no="GD2026000042", card_serial=1)
    assert forged != BASE_URL + first
    with pytest.raises(qr.InvalidQr) as excinfo:
        qr.verify_payload(forged)
    assert excinfo.value.code == "qr_invalid"
    assert excinfo.value.message.startswith("二维码无效或已被篡改")


@ONE_KEY
def test_a_token_from_an_unknown_key_id_fails():
    with override_settings(QR_SIGNING_KEYS=f"7:{KEY_2}"):
        foreign = qr.make_payload(volunteer_no="GD2026000042", card_serial=1)
    with pytest.raises(qr.InvalidQr) as excinfo:
        qr.verify_payload(foreign)
    assert excinfo.value.code == "qr_invalid"


@ONE_KEY
def test_rotation_keeps_old_cards_valid_and_signs_new_ones_with_the_new_key():
    old = qr.make_payload(volunteer_no="GD2026000042", card_serial=1)

    with override_settings(QR_SIGNING_KEYS=f"2:{KEY_2},1:{KEY_1}"):
        new = qr.make_payload(volunteer_no="GD2026000042", card_serial=2)
        assert qr.token_from_payload(new)[0] == "2"
        assert qr.verify_payload(old) == qr.QrClaim("GD2026000042", 1, "1")
        assert qr.verify_payload(new) == qr.QrClaim("GD2026000042", 2, "2")


@ONE_KEY
@pytest.mark.parametrize(
    "keys", [f"2:{KEY_2},1:{KEY_1}", f"2:{KEY_2}"], ids=["key-still-listed", "key-removed"]
)
def test_a_token_signed_with_a_retired_key_id_fails(keys):
    old = qr.make_payload(volunteer_no="GD2026000042", card_serial=1)

    with override_settings(QR_SIGNING_KEYS=keys, QR_RETIRED_KEY_IDS=["1"]):
        with pytest.raises(qr.InvalidQr) as excinfo:
            qr.verify_payload(old)
        assert excinfo.value.code == "qr_key_retired"
        new = qr.make_payload(volunteer_no="GD2026000042", card_serial=2)
        assert qr.verify_payload(new).key_id == "2"


@ONE_KEY
def test_a_forged_token_under_a_retired_key_id_is_reported_as_invalid_when_the_key_is_known():
    with override_settings(QR_SIGNING_KEYS=f"1:{FORGER_KEY}"):
        forged = qr.make_payload(volunteer_no="GD2026000042", card_serial=1)
    with override_settings(QR_SIGNING_KEYS=f"2:{KEY_2},1:{KEY_1}", QR_RETIRED_KEY_IDS=["1"]):
        with pytest.raises(qr.InvalidQr) as excinfo:
            qr.verify_payload(forged)
    assert excinfo.value.code == "qr_invalid"


@pytest.mark.parametrize(
    ("keys", "retired"),
    [
        ("", []),
        (f"12:{KEY_1}", []),
        (f"a:{KEY_1}", []),
        (f"1:{KEY_1},1:{KEY_2}", []),
        ("1:not base64!", []),
        (f"1:{base64.b64encode(b'short').decode()}", []),
        (f"1:{KEY_1},2:{KEY_2}", ["1"]),
    ],
)
def test_a_broken_key_configuration_refuses_to_sign(keys, retired):
    with override_settings(QR_SIGNING_KEYS=keys, QR_RETIRED_KEY_IDS=retired):
        with pytest.raises(ImproperlyConfigured):
            qr.make_payload(volunteer_no="GD2026000042", card_serial=1)


@pytest.mark.parametrize(
    "base_url", ["https://v.gdzyz.cn/q/", "HTTPS://V.GDZYZ.CN/Q", "HTTPS://" + "X" * 30 + "/"]
)
def test_a_base_url_that_would_break_the_payload_is_refused(base_url):
    with override_settings(QR_SIGNING_KEYS=f"1:{KEY_1}", QR_BASE_URL=base_url):
        with pytest.raises(ImproperlyConfigured):
            qr.make_payload(volunteer_no="GD2026000042", card_serial=1)


@ONE_KEY
@pytest.mark.parametrize(
    ("volunteer_no", "card_serial", "code"),
    [
        ("GD202600004", 1, "qr_volunteer_no_invalid"),
        ("GD20260000420", 1, "qr_volunteer_no_invalid"),
        ("gd2026000042", 1, "qr_volunteer_no_invalid"),
        ("GD20260000-2", 1, "qr_volunteer_no_invalid"),
        ("GD2026000042", 0, "qr_card_serial_invalid"),
        ("GD2026000042", qr.MAX_CARD_SERIAL + 1, "qr_card_serial_invalid"),
        ("GD2026000042", True, "qr_card_serial_invalid"),
    ],
)
def test_make_payload_refuses_what_it_cannot_encode_exactly(volunteer_no, card_serial, code):
    with pytest.raises(ValidationFailed) as excinfo:
        qr.make_payload(volunteer_no=volunteer_no, card_serial=card_serial)
    assert excinfo.value.code == code


@ONE_KEY
def test_rendering_refuses_a_payload_outside_the_alphanumeric_set():
    with pytest.raises(qr.InvalidQr):
        qr.render_png("https://v.gdzyz.cn/q/abc")
    with pytest.raises(qr.InvalidQr):
        qr.render_svg("A" * 65)


def _near_tokens() -> st.SearchStrategy[str]:
    token_like = st.from_regex(r"\A[0-9A-Z][0-9A-Z]{12}[A-Z2-7]{2}[A-Z2-7]{16}\Z")
    return st.one_of(
        st.text(),
        st.binary().map(lambda b: b.decode("latin-1")),
        token_like,
        token_like.map(lambda t: BASE_URL + t),
        st.text(alphabet=TOKEN_CHARS + "/: ", max_size=80),
    )


@ONE_KEY
@settings(max_examples=400, deadline=None)
@given(_near_tokens())
def test_verify_payload_returns_a_claim_or_raises_invalid_qr_never_anything_else(text):
    try:
        claim = qr.verify_payload(text)
    except qr.InvalidQr as exc:
        assert exc.code in {"qr_invalid", "qr_key_retired"}
    else:
        assert isinstance(claim, qr.QrClaim)
