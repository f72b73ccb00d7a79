"""Orders from first purchases: one uniform per volunteer, ever; the address from the card,
else the volunteer's own, else the volunteer is asked; corrections until the order is sent."""

from __future__ import annotations

import datetime as dt

import pytest

from card_service.models import CardSpend
from core.errors import Conflict, IllegalTransition, ValidationFailed
from core.models import Notification
from uniforms import lifecycle, services
from uniforms.models import UniformEvent, UniformOrder, UniformStatus
from uniforms.selectors import add_months, uniform_progress
from uniforms.tests.conftest import TZ, bank_event, issued_card
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def test_two_first_spends_of_one_volunteer_on_two_cards_make_one_order():
    v = make_volunteer()
    first = issued_card(v, "REF-A", product="C")
    bank_event("BOC", "E1", "REF-A", "FIRST_SPEND")
    bank_event("BOC", "E2", "REF-A", "CANCELLED", "L", at=dt.datetime(2026, 12, 3, 9, tzinfo=TZ))
    second = issued_card(v, "REF-B", now=dt.datetime(2026, 12, 10, 9, tzinfo=TZ))
    assert second.apply_type == "R"
    bank_event("BOC", "E3", "REF-B", "FIRST_SPEND", at=dt.datetime(2026, 12, 20, 9, tzinfo=TZ))

    order = UniformOrder.objects.get()
    assert order.volunteer == v and order.application == first
    assert order.first_spend_at == dt.datetime(2026, 12, 2, 10, tzinfo=TZ)
    assert order.status == UniformStatus.ORDERED
    second.refresh_from_db()
    assert second.first_spend_at is not None  # the card's own progress still shows it
    assert CardSpend.objects.count() == 2  # each FIRST_SPEND applied once (donations read SPENDS)


def test_a_credit_card_orders_to_its_mailing_address_with_its_size():
    v = make_volunteer()
    issued_card(v, "REF-C", product="C", uniform_size="XXL")
    bank_event("BOC", "E1", "REF-C", "FIRST_SPEND")
    order = UniformOrder.objects.get()
    assert (order.mail_address, order.postcode) == ("广东省广州市天河区体育西路103号", "510620")
    assert order.size == "XXL" and order.mobile == v.mobile
    # encrypted at rest: the column does not hold the clear text
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT mail_address, mobile FROM uniforms_uniformorder")
        raw_address, raw_mobile = c.fetchone()
    assert "体育西路" not in raw_address and v.mobile not in raw_mobile


def test_a_debit_card_orders_to_the_volunteers_own_address():
    v = make_volunteer(address="广东省佛山市禅城区祖庙路1号", postcode="528000")
    issued_card(v, "REF-D")  # collected at a branch: no mailing address on the card
    bank_event("BOC", "E1", "REF-D", "FIRST_SPEND")
    order = UniformOrder.objects.get()
    assert (order.mail_address, order.postcode) == ("广东省佛山市禅城区祖庙路1号", "528000")
    assert order.status == UniformStatus.ORDERED


def test_no_address_anywhere_waits_and_asks_the_volunteer(django_capture_on_commit_callbacks):
    v = make_volunteer(address="", postcode="")
    issued_card(v, "REF-E")
    with django_capture_on_commit_callbacks(execute=True):
        bank_event("BOC", "E1", "REF-E", "FIRST_SPEND")
    order = UniformOrder.objects.get()
    assert order.status == UniformStatus.ADDRESS_NEEDED
    texts = list(Notification.objects.filter(user=v.user).values_list("text", flat=True))
    assert texts and "邮寄地址" in texts[0]
    progress = uniform_progress(v)
    assert progress["address_needed"] and progress["editable"]

    with pytest.raises(ValidationFailed) as exc:
        services.uniform_order_correct(volunteer=v, actor=v.user, size="M")
    assert exc.value.code == "address_required"
    with pytest.raises(ValidationFailed) as exc:
        services.uniform_order_correct(
            volunteer=v, actor=v.user, mail_address="广州市" + "很长的路" * 40, postcode="510000"
        )
    assert exc.value.extra["field"] == "mail_address"
    with pytest.raises(ValidationFailed) as exc:
        services.uniform_order_correct(
            volunteer=v, actor=v.user, mail_address="广州市越秀区1号", postcode="5100"
        )
    assert exc.value.extra["field"] == "postcode"

    services.uniform_order_correct(
        volunteer=v, actor=v.user, mail_address="广州市越秀区北京路1号", postcode="510030"
    )
    order.refresh_from_db()
    assert order.status == UniformStatus.ORDERED
    assert order.events.filter(source=UniformEvent.Source.VOLUNTEER).count() == 1


def test_the_volunteer_can_correct_until_the_order_is_sent():
    v = make_volunteer()
    issued_card(v, "REF-F", product="C")
    bank_event("BOC", "E1", "REF-F", "FIRST_SPEND")
    order = services.uniform_order_correct(volunteer=v, actor=v.user, size="S")
    assert order.size == "S" and order.status == UniformStatus.ORDERED
    order = services.uniform_order_correct(
        volunteer=v, actor=v.user, mail_address="珠海市香洲区1号"
    )
    assert order.mail_address == "珠海市香洲区1号" and order.postcode == "510620"
    UniformOrder.objects.filter(pk=order.pk).update(status=UniformStatus.SENT)
    with pytest.raises(Conflict) as exc:
        services.uniform_order_correct(volunteer=v, actor=v.user, size="M")
    assert exc.value.code == "uniform_order_sent"


def test_no_order_without_a_purchase_and_the_window_is_one_to_two_months():
    v = make_volunteer()
    issued_card(v, "REF-G")
    assert uniform_progress(v) is None
    bank_event("BOC", "E2", "REF-G", "FIRST_SPEND", at=dt.datetime(2027, 1, 31, 23, 30, tzinfo=TZ))
    p = uniform_progress(v)
    assert p["first_spend_date"] == dt.date(2027, 1, 31)
    assert (p["expected_from"], p["expected_to"]) == (dt.date(2027, 2, 28), dt.date(2027, 3, 31))
    assert p["extra_uniform_phone"] == "0755-83127504"
    assert p["progress_hotline"] == "95566"
    assert [e["status"] for e in p["timeline"]] == ["ordered"]


def test_add_months_clamps_to_the_month_end():
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


def test_the_transition_table_refuses_a_skip():
    v = make_volunteer()
    issued_card(v, "REF-H", product="C")
    bank_event("BOC", "E1", "REF-H", "FIRST_SPEND")
    order = UniformOrder.objects.get()
    with pytest.raises(IllegalTransition):
        lifecycle.transition(order, UniformStatus.DELIVERED, source="system")
    assert lifecycle.transition(order, UniformStatus.ORDERED, source="system") is False
    assert order.events.count() == 1


def test_backfill_orders_for_first_spends_before_the_hook_and_seed_is_repeatable():
    from card_service import bank_events
    from uniforms import demo

    v = make_volunteer()
    issued_card(v, "REF-I", product="C")
    with bank_events.FIRST_SPEND.replaced():
        bank_event("BOC", "E1", "REF-I", "FIRST_SPEND")
    assert not UniformOrder.objects.exists()
    assert "1" in demo.seed()
    order = UniformOrder.objects.get()
    assert order.first_spend_at == dt.datetime(2026, 12, 2, 10, tzinfo=TZ)
    assert demo.seed().startswith("nothing to seed")
