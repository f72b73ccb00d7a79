"""The page an activity QR opens says which activity and day it is for and whether it is a
check-in or a check-out, before the volunteer confirms; a bad code says why and offers nothing."""

from __future__ import annotations

import pytest

from activities import qr
from activities.tests.conftest import day_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action,label", [("in", "签到"), ("out", "签退")])
def test_the_scan_page_names_the_activity_and_the_direction(
    client, world, publish, ready, action, label
):
    activity = publish(world["B"], world["admin_B"], days=1)
    ready(activity, world["xiaoming"], world["admin_B"])
    day = day_of(activity)
    code = qr.make_code(activity_id=activity.pk, day_id=day.pk, action=action)
    client.force_login(world["xiaoming"].user)
    html = client.get(f"/activities/scan/{code}/").content.decode()
    assert activity.name in html and world["B"].name in html
    assert f"本次为<strong>{label}</strong>" in html
    assert f"确认{label}" in html


def test_a_forged_code_shows_why_and_no_button(client, world):
    client.force_login(world["xiaoming"].user)
    response = client.get("/activities/scan/A1.2.I.1.XXXX/")
    html = response.content.decode()
    assert qr.ActivityQrInvalid.default_message in html
    assert "<form" not in html.split("</header>", 1)[-1]
