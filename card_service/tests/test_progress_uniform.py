"""The card progress page carries the uniform's timeline once the first purchase is in."""

import datetime as dt

import pytest
from django.utils import timezone

from bank_adapters.records import EventRecord
from card_service import bank_events
from card_service.models import CardApplication, CardStatus
from card_service.tests.helpers import submit
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def test_progress_page_shows_the_uniform_after_the_first_purchase(client):
    v = make_volunteer()
    app = submit(v)
    CardApplication.objects.filter(pk=app.pk).update(status=CardStatus.ACTIVATED, card_ref="REF9")
    client.force_login(v.user)
    assert "志愿者实名服装进度" not in client.get("/me/card/").content.decode()
    at = timezone.make_aware(dt.datetime(2026, 11, 20, 12, 0))
    bank_events.apply_event(
        bank="BOC",
        record=EventRecord(event_id="F1", card_ref="REF9", event_type="FIRST_SPEND", event_time=at),
        source_ref="BOC_EVENT_20261120_0001.txt.p7m",
    )
    page = client.get("/me/card/").content.decode()
    assert "志愿者实名服装进度" in page
    assert "2026-12-20 至 2027-01-20" in page
    assert "0755-83127504" in page
