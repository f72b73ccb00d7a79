"""Donations (一笔消费，十分关爱): every purchase the banks report counts exactly once, summed
per month, bank and city in the database; the report and its CSV are for operations only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from bank_adapters import exchange
from bank_adapters.records import EventRecord
from bank_adapters.tests.helpers import Bank
from card_service.models import Bank as Bank_
from uniforms import selectors
from uniforms.charts import bar_chart_svg
from uniforms.tests.conftest import TZ, issued_card
from volunteers.tests.factories import UserFactory, make_volunteer, operations_user

pytestmark = pytest.mark.django_db


def ev(eid: str, ref: str, kind: str, when: dt.datetime, detail: str | None = None):
    return EventRecord(event_id=eid, card_ref=ref, event_type=kind, event_time=when, detail=detail)


def at(month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=TZ)


@pytest.fixture
def spent(env):
    """Two BOC cardholders (Guangzhou, Foshan) and one ICBC cardholder (Guangzhou); events
    over November and December, each December file repeating the events before it. As
    bank-interface.md 4.3 says, each FIRST_SPEND comes with its day's SPENDS, which counts
    that first purchase too."""
    issued_card(make_volunteer(city_code="440100"), "BOCGZ0001")
    issued_card(make_volunteer(city_code="440600"), "BOCFS0001")
    issued_card(make_volunteer(city_code="440100"), "ICBCGZ0001", bank_code="ICBC", product="C")
    boc, icbc = Bank(env, "BOC"), Bank(env, "ICBC")
    nov = [
        ev("B1", "BOCGZ0001", "FIRST_SPEND", at(11, 20)),
        ev("B1S", "BOCGZ0001", "SPENDS", at(11, 20, 22), "3"),  # the first purchase and 2 more
        ev("B2", "BOCGZ0001", "SPENDS", at(11, 30, 23), "4"),  # 23:00 in Shanghai: still November
        ev("B3", "BOCFS0001", "FIRST_SPEND", at(11, 25)),
        ev("B3S", "BOCFS0001", "SPENDS", at(11, 25, 22), "1"),
    ]
    dec = [
        ev("B4", "BOCGZ0001", "SPENDS", at(12, 1, 0), "7"),
        ev("B5", "BOCFS0001", "SPENDS", at(12, 3), "2"),
    ]
    boc.put("EVENT", nov, day=dt.date(2026, 12, 1), seq=1)
    boc.put("EVENT", nov + dec, day=dt.date(2026, 12, 4), seq=1)  # repeats November
    boc.put("EVENT", [dec[0]], day=dt.date(2026, 12, 5), seq=1)  # repeats one again
    assert len(exchange.receive("BOC").applied) == 3
    # (the test server has one folder for every partner: ICBC's files come after BOC's run)
    icbc.put("EVENT", [ev("I1", "ICBCGZ0001", "FIRST_SPEND", at(12, 2))], seq=1)
    icbc.put(
        "EVENT",
        [
            ev("I1", "ICBCGZ0001", "FIRST_SPEND", at(12, 2)),
            ev("I1S", "ICBCGZ0001", "SPENDS", at(12, 2, 22), "1"),
            ev("I2", "ICBCGZ0001", "SPENDS", at(12, 9), "10"),
        ],
        seq=2,
    )
    assert len(exchange.receive("ICBC").applied) == 2


def test_repeated_event_files_count_every_purchase_exactly_once(spent):
    rows = selectors.donation_totals(user=operations_user())
    got = {(r["month"], r["bank"], r["city_code"]): r["purchases"] for r in rows}
    assert got == {
        (dt.date(2026, 11, 1), "BOC", "440100"): 3 + 4,
        (dt.date(2026, 11, 1), "BOC", "440600"): 1,
        (dt.date(2026, 12, 1), "BOC", "440100"): 7,
        (dt.date(2026, 12, 1), "BOC", "440600"): 2,
        (dt.date(2026, 12, 1), "ICBC", "440100"): 1 + 10,
    }
    by_city = {(r["month"].month, r["bank"], r["city_code"]): r for r in rows}
    assert by_city[(12, "ICBC", "440100")]["min_donation"] == Decimal("1.10")
    assert by_city[(11, "BOC", "440600")]["city_name"] == "佛山市"
    months = selectors.donation_by_month_and_bank(rows)
    assert [(m["month"].month, m["banks"]) for m in months] == [
        (11, {"BOC": 8}),
        (12, {"BOC": 9, "ICBC": 11}),
    ]
    dec_only = selectors.donation_totals(
        user=operations_user(), date_from=dt.date(2026, 12, 1), bank="BOC"
    )
    assert sum(r["purchases"] for r in dec_only) == 9


def test_a_first_spend_is_inside_its_days_spends_and_not_counted_again(db):
    """FIRST_SPEND + SPENDS(3) on one day are 3 purchases (0.30 CNY), not 4, applied one
    record at a time as the in-Python path does; the FIRST_SPEND still dates the first
    purchase and orders the uniform."""
    from uniforms.models import UniformOrder
    from uniforms.tests.conftest import bank_event

    app = issued_card(make_volunteer(city_code="440100"), "BOCONE0001")
    bank_event("BOC", "F1", "BOCONE0001", "FIRST_SPEND", at=at(12, 2, 9))
    bank_event("BOC", "S1", "BOCONE0001", "SPENDS", "3", at=at(12, 2, 22))
    [row] = selectors.donation_totals(user=operations_user())
    assert (row["purchases"], row["cards"], row["min_donation"]) == (3, 1, Decimal("0.30"))
    app.refresh_from_db()
    assert app.first_spend_at == at(12, 2, 9)
    assert UniformOrder.objects.filter(application=app).count() == 1


def test_the_report_page_and_csv_for_operations(spent, django_assert_max_num_queries):
    c = Client()
    c.force_login(operations_user())
    with django_assert_max_num_queries(9):  # + the header menu's roles
        page = c.get("/staff/donations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<script>" not in html  # static script files only (CSP)
    assert Bank_.objects.get(code="ICBC").short_name in html
    assert "消费 28 笔，最低捐赠 2.80 元" in html  # 8 + 9 + 11 purchases

    with django_assert_max_num_queries(6):
        resp = c.get("/staff/donations.csv?from=2026-12&to=2026-12")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    body = resp.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("月份,银行,地市代码")
    assert len(lines) == 1 + 3 and all(line.startswith("2026-12") for line in lines[1:])
    assert any(line.endswith(",11,1.10") for line in lines)


def test_only_operations_and_superusers_see_the_report(db):
    volunteer = make_volunteer()
    for user, expected in [
        (volunteer.user, 403),
        (UserFactory(), 403),
        (operations_user(), 200),
        (UserFactory(is_superuser=True, is_staff=True), 200),
    ]:
        c = Client()
        c.force_login(user)
        assert c.get("/staff/donations/").status_code == expected
        assert c.get("/staff/donations.csv").status_code == expected
    anonymous = Client().get("/staff/donations/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_chart_is_plain_svg_with_escaped_names():
    months = [{"month": dt.date(2026, 11, 1), "banks": {"BOC": 3, "X": 1}}]
    svg = bar_chart_svg(months, [("BOC", "中行"), ("X", "<b>&")])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
    assert bar_chart_svg([], []).startswith("<svg")
