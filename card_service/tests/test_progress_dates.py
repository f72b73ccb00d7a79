"""Dates the volunteer is shown come from the one place that decides them: the cut-off from
the partners file the sender reads, the uniform window from ``uniforms``, the reapply date
from the working-day rule the submit service enforces."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bank_adapters.selectors import exchange_status
from card_service.models import CardApplication, CardStatus
from card_service.selectors import card_progress
from card_service.tests.helpers import partners_file, submit
from core.workdays import earliest_reapply_date
from uniforms.models import UniformOrder, UniformStatus
from uniforms.tests.conftest import bank_event
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def aware(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, h, mi))


def test_the_cut_off_shown_after_submission_is_the_partners_configured_one(
    client, settings, tmp_path
):
    settings.CARD_PARTNERS_FILE = partners_file(tmp_path, {"BOC": "15:30", "CEB": "16:30"})
    v = make_volunteer()
    now = aware(2026, 11, 30, 10)  # a Monday, before the cut-off
    app = submit(v, now=now)
    assert app.status == CardStatus.QUEUED
    progress = card_progress(v, now=now)["current"]
    assert progress["next_step"].startswith("申请将于 2026-11-30 15:30 前后报送中国银行")
    # the ops page shows the same moment, and after today's cut-off the next working day's
    ops = {row["partner"]: row for row in exchange_status(now=now)}
    assert ops["BOC"]["next_cutoff"] == aware(2026, 11, 30, 15, 30)
    later = aware(2026, 11, 30, 16)
    assert card_progress(v, now=later)["current"]["next_step"].startswith(
        "申请将于 2026-12-01 15:30"
    )
    assert {row["partner"]: row for row in exchange_status(now=later)}["BOC"][
        "next_cutoff"
    ] == aware(2026, 12, 1, 15, 30)

    client.force_login(v.user)
    assert "15:30 前后报送中国银行" in client.get("/me/card/").content.decode()


def test_no_configured_partner_no_invented_cut_off(settings, tmp_path):
    settings.CARD_PARTNERS_FILE = partners_file(tmp_path, {"BOC": "15:30"}, disabled=("BOC",))
    v = make_volunteer()
    submit(v, now=aware(2026, 11, 30, 10))
    step = card_progress(v, now=aware(2026, 11, 30, 10))["current"]
    assert step["next_step"] == "申请将在中国银行的下一个报送时间报送，报送前可以撤回。"
    assert step["expected_window"] is None


def _activated(v, ref: str) -> CardApplication:
    app = submit(v)
    CardApplication.objects.filter(pk=app.pk).update(status=CardStatus.ACTIVATED, card_ref=ref)
    return app


def test_the_card_page_shows_the_uniforms_window_and_nothing_to_send_once_delivered(client):
    v = make_volunteer()
    _activated(v, "REF7")
    first = aware(2026, 11, 30, 12)
    bank_event("BOC", "F1", "REF7", "FIRST_SPEND", at=first)
    step = card_progress(v)["current"]
    # 1 and 2 months after 30 November (not 30 and 60 days: 2026-12-30 to 2027-01-29)
    assert step["expected_window"] == {
        "earliest": dt.date(2026, 12, 30),
        "latest": dt.date(2027, 1, 30),
    }
    client.force_login(v.user)
    page = client.get("/me/card/").content.decode()
    assert "预计于 2026-12-30 至 2027-01-30 寄送给您" in page
    assert "预计 2026-12-30 至 2027-01-30 寄达" in page  # the uniform box: the same window

    UniformOrder.objects.filter(volunteer=v).update(status=UniformStatus.DELIVERED)
    step = card_progress(v)["current"]
    assert "寄送" not in step["next_step"] and "已签收" in step["next_step"]
    assert step["expected_window"] is None


def test_a_replacement_card_does_not_promise_a_second_uniform(client):
    """One uniform per volunteer: a replacement card's page follows the volunteer's order."""
    v = make_volunteer()
    first = _activated(v, "REF8")
    bank_event("BOC", "F1", "REF8", "FIRST_SPEND", at=aware(2026, 6, 1))
    UniformOrder.objects.filter(volunteer=v).update(status=UniformStatus.DELIVERED)
    CardApplication.objects.filter(pk=first.pk).update(
        status=CardStatus.CANCELLED, cancelled_at=aware(2026, 7, 1)
    )
    second = _activated(v, "REF9")
    assert second.card_serial == 2
    step = card_progress(v)["current"]
    assert step["application_no"] == second.application_no
    assert "寄送" not in step["next_step"] and "已签收" in step["next_step"]


def test_after_a_cancellation_no_apply_offer_until_the_reapply_date(client, client_for):
    v = make_volunteer()
    app = submit(v, now=aware(2026, 6, 1))
    CardApplication.objects.filter(pk=app.pk).update(
        status=CardStatus.CANCELLED, cancelled_at=aware(2026, 11, 23, 9), card_ref="REF2"
    )  # Monday: Tue, Wed, Thu pass, a new application from Friday 27 November
    before = card_progress(v, now=aware(2026, 11, 26, 23))
    assert before["can_apply"] is False and before["reapply_from"] == dt.date(2026, 11, 27)
    after = card_progress(v, now=aware(2026, 11, 27, 0))
    assert after["can_apply"] is True and after["reapply_from"] is None

    # cancelled today: the page names the date instead of offering 重新申请
    CardApplication.objects.filter(pk=app.pk).update(cancelled_at=timezone.now())
    earliest = earliest_reapply_date(timezone.localdate())
    client.force_login(v.user)
    page = client.get("/me/card/").content.decode()
    assert "重新申请</a>" not in page
    assert f"您可于 {earliest:%Y-%m-%d} 起重新申请" in page
    body = client_for(v.user).get("/api/card/me/progress/").json()
    assert body["can_apply"] is False and body["reapply_from"] == earliest.isoformat()
