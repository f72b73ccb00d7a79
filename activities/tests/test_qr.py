"""The rotating activity QR: round trip, slots, forgeries; no input does anything but return a
claim or raise the project's error."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activities import qr
from core.errors import ValidationFailed

T = dt.datetime(2030, 5, 6, 1, 0, 30, tzinfo=dt.UTC)


def test_round_trip_in_the_current_and_the_next_slot_only():
    code = qr.make_code(activity_id=12, day_id=34, action="out", at=T)
    claim = qr.verify_code(code, now=T)
    assert (claim.activity_id, claim.day_id, claim.action) == (12, 34, "out")
    assert qr.verify_code(code, now=T + dt.timedelta(seconds=60)).action == "out"
    with pytest.raises(qr.ActivityQrExpired):
        qr.verify_code(code, now=T + dt.timedelta(seconds=120))
    with pytest.raises(qr.ActivityQrExpired):  # nor a code from the future
        qr.verify_code(code, now=T - dt.timedelta(seconds=60))
    assert qr.expires_at(qr.slot_of(T)) == dt.datetime(2030, 5, 6, 1, 2, tzinfo=dt.UTC)


def test_the_scan_url_is_accepted_whole():
    code = qr.make_code(activity_id=1, day_id=2, action="in", at=T)
    assert qr.verify_code(qr.payload_url(code), now=T).day_id == 2


def test_a_code_for_another_day_or_action_does_not_verify():
    code = qr.make_code(activity_id=1, day_id=2, action="in", at=T)
    for forged in (code.replace("A1.2.", "A1.3."), code.replace(".I.", ".O."), code[:-1] + "A"):
        if forged != code:
            with pytest.raises(qr.ActivityQrInvalid):
                qr.verify_code(forged, now=T)


def test_another_key_does_not_verify(settings):
    code = qr.make_code(activity_id=1, day_id=2, action="in", at=T)
    settings.ACTIVITY_QR_KEY = "another-key"
    with pytest.raises(qr.ActivityQrInvalid):
        qr.verify_code(code, now=T)


@given(st.text(max_size=80))
def test_no_input_does_anything_but_verify_or_raise_the_projects_error(text):
    try:
        qr.verify_code(text, now=T)
    except ValidationFailed:
        pass
