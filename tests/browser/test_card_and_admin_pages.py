"""The pages of issue 15 the journeys do not pass through, with content in them, at both
widths: a cardholder's e-card and the card's public QR page (the star level shown the same
way), the donations chart with all three banks, the insurance reconciliation page, the
org admin's landing, and the Django admin's volunteer search by full ID number and its
Chinese labels."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from card_service import qr
from card_service.models import CardStatus
from uniforms.tests.conftest import TZ, bank_event, issued_card
from volunteers.tests.factories import make_volunteer, operations_user


def _active_card(volunteer, ref: str, bank: str):
    """A card through the bank's events to activated, with a first purchase and three more
    (each event applied as the exchange applies it, in its own transaction)."""
    app = issued_card(volunteer, ref, bank_code=bank)
    when = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
    events = [(kind, None, n) for n, kind in enumerate(("PRODUCED", "AT_BRANCH", "COLLECTED"))]
    events += [("ACTIVATED", None, 3), ("FIRST_SPEND", None, 5), ("SPENDS", "3", 5)]
    for n, (kind, detail, days) in enumerate(events):
        with transaction.atomic():
            bank_event(bank, f"{ref}E{n}", ref, kind, detail, at=when + dt.timedelta(days=days))
    app.refresh_from_db()
    assert app.status == CardStatus.ACTIVATED
    return app


def test_cardholder_pages_and_the_donations_chart(web, roles):
    holder = roles["volunteer"]
    app = _active_card(holder, "BOCGZ0001", "BOC")
    _active_card(make_volunteer(), "ICBCGZ0001", "ICBC")
    _active_card(make_volunteer(), "CEBGZ0001", "CEB")

    page = web.page(holder.user)
    web.visit(page, "/me/card/", "card-activated")
    assert page.locator(".status-label").inner_text() == "已激活"
    web.visit(page, "/me/card/ecard/", "ecard")
    stars = page.locator("text=星级").first.inner_text()
    token = qr.token_from_payload(app.qr_payload)
    public = web.page()
    web.visit(public, f"/q/{token}/", "qr-public")
    assert public.locator("th:has-text('星级') + td").inner_text() in stars

    ops = web.page(operations_user())
    web.visit(ops, "/staff/donations/", "donations")
    chart = ops.locator("svg.chart").first
    for bank in ("中行", "工行", "光大"):
        assert chart.locator("text", has_text=bank).count() >= 1, bank
    web.visit(ops, "/staff/insurance/reconciliation/", "insurance-reconciliation")


def test_org_admin_lands_on_the_console_and_the_admin_finds_a_volunteer_by_id_number(web, roles):
    page = web.login(roles["org_admin"], "orgadmin")
    page.wait_for_url("**/org/")
    web.check(page, "landing-orgadmin")

    volunteer = roles["volunteer"]
    admin = web.login(roles["admin"], "admin")
    admin.wait_for_load_state()
    web.visit(admin, f"/admin/volunteers/volunteer/?q={volunteer.id_number}", "admin-volunteers")
    rows = admin.locator("#result_list tbody tr")
    assert rows.count() == 1 and volunteer.volunteer_no in rows.inner_text()
    assert volunteer.id_number not in admin.locator("#result_list").inner_text()  # masked
    web.visit(admin, "/admin/card_service/cardapplication/", "admin-card-applications")
    assert "志愿者证申请" in admin.locator("h1").inner_text()
