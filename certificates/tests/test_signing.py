"""The certificate token: a round trip, and no changed character ever verifies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates import signing

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" + "0189abc-/ "


def good_token() -> str:
    token, _ = signing.make_token(
        certificate_id=42, volunteer_no="GD2026000042", issued_on=dt.date(2026, 12, 3),
        service_hours=Decimal("7.3"), training_hours=Decimal("2.0"), star_level=1,
        scope="period", digest_hex="0f" * 32,
    )  # fmt: skip
    return token


def test_round_trip():
    claim = signing.verify_token(good_token())
    assert (claim.certificate_id, claim.volunteer_no, claim.scope) == (42, "GD2026000042", "period")
    assert (claim.service_hours, claim.training_hours) == (Decimal("7.3"), Decimal("2.0"))
    assert claim.issued_on == dt.date(2026, 12, 3) and claim.star_level == 1
    assert claim.content_digest == "0f" * 16 and claim.number == "ZS202600000042"
    assert len(good_token()) == signing.TOKEN_LEN == 89


@given(position=st.integers(min_value=0, max_value=88), char=st.sampled_from(ALPHABET))
def test_changing_any_character_is_refused(position, char):
    token = good_token()
    if token[position] == char:
        char = "Z" if char != "Z" else "Y"
    changed = token[:position] + char + token[position + 1 :]
    with pytest.raises(signing.InvalidCertificateToken):
        signing.verify_token(changed)


@given(position=st.integers(min_value=0, max_value=54), bit=st.integers(min_value=0, max_value=7))
def test_changing_any_bit_of_the_signed_bytes_is_refused(position, bit):
    import base64

    token = good_token()
    raw = bytearray(base64.b32decode(token[1:]))
    raw[position] ^= 1 << bit
    with pytest.raises(signing.InvalidCertificateToken):
        signing.verify_token(token[0] + base64.b32encode(bytes(raw)).decode())


@given(st.text(max_size=120))
def test_no_text_verifies_or_raises_anything_else(text):
    with pytest.raises(signing.InvalidCertificateToken):
        signing.verify_token(text)
