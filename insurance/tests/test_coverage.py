"""The coverage rules on dates: the set-wise SQL (the nightly rebuild, the refresh of one
volunteer and the hotline's live read) gives the years the plain-Python oracle gives."""

from __future__ import annotations

import datetime as dt

import pytest

from activities.models import HoursEntry
from insurance.coverage import (
    anniversary,
    coverage_rebuild,
    coverage_volunteer_refresh,
    volunteer_coverage,
    year_bounds,
)
from insurance.models import CoverageYear
from insurance.tests import oracle
from insurance.tests.helpers import card, served, spent
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

D = dt.date
R = CoverageYear.Reason


def _table(volunteer):
    return [
        (r.year_index, r.starts_on, r.ends_on, r.covered, r.reason, r.qualifying_date)
        for r in CoverageYear.objects.filter(volunteer=volunteer).order_by("year_index")
    ]


def both(volunteer, today):
    """The years the hotline reads, after checking that they, the nightly table and the
    refreshed rows of this volunteer are what the oracle says."""
    expected = oracle.volunteer_coverage(volunteer.pk, today=today)
    years = volunteer_coverage(volunteer.pk, today=today)
    assert years == expected
    coverage_rebuild(today=today)
    assert _table(volunteer) == [y.key() for y in expected]
    CoverageYear.objects.all().delete()
    coverage_volunteer_refresh(volunteer.pk, today=today)
    assert _table(volunteer) == [y.key() for y in expected]
    return years


def test_29_february_anniversary_is_1_march_in_common_years():
    a = D(2024, 2, 29)
    assert anniversary(a, 1) == D(2025, 3, 1)
    assert anniversary(a, 4) == D(2028, 2, 29)
    assert year_bounds(a, 0) == (D(2024, 2, 29), D(2025, 2, 28))
    assert year_bounds(a, 1) == (D(2025, 3, 1), D(2026, 2, 28))
    assert year_bounds(a, 3) == (D(2027, 3, 1), D(2028, 2, 28))
    assert year_bounds(a, 4) == (D(2028, 2, 29), D(2029, 2, 28))


def test_activated_on_29_february_purchase_on_last_day_renews():
    v = make_volunteer()
    c = card(v, applied=D(2024, 1, 10), activated=D(2024, 2, 29))
    spent(c, D(2025, 2, 28))  # the last day of year 0
    years = both(v, D(2025, 6, 1))
    assert [(y.year_index, y.starts_on, y.ends_on) for y in years] == [
        (0, D(2024, 2, 29), D(2025, 2, 28)),
        (1, D(2025, 3, 1), D(2026, 2, 28)),
    ]
    assert years[1].covered and years[1].reason == R.PURCHASE
    assert years[1].qualifying_date == D(2025, 2, 28)


def test_purchase_a_day_after_year_end_does_not_renew():
    v = make_volunteer()
    c = card(v, applied=D(2024, 1, 10), activated=D(2024, 2, 29))
    spent(c, D(2025, 3, 1))  # the first day of year 1: counts for year 2, not year 1
    years = both(v, D(2026, 3, 1))
    assert not years[1].covered and years[1].reason == R.NO_ACTIVITY
    assert years[2].covered and years[2].reason == R.PURCHASE
    assert years[2].starts_on == D(2026, 3, 1)


def test_training_only_does_not_renew_service_does():
    v = make_volunteer()
    card(v, applied=D(2024, 5, 1), activated=D(2024, 6, 10))
    served(v, D(2024, 8, 1), kind=HoursEntry.Kind.TRAINING, name="志愿者通识培训")
    served(v, D(2024, 9, 1), status=HoursEntry.Status.PENDING)  # not credited
    years = both(v, D(2025, 7, 1))
    assert years[1].covered is False and years[1].reason == R.NO_ACTIVITY

    served(v, D(2025, 6, 9), name="图书馆导读服务")  # last day of year 0
    years = both(v, D(2025, 7, 1))
    assert years[1].covered and years[1].reason == R.SERVICE
    assert years[1].qualifying_date == D(2025, 6, 9)
    assert years[1].activity_name == "图书馆导读服务"


def test_service_wins_a_tie():
    v = make_volunteer()
    c = card(v, applied=D(2024, 5, 1), activated=D(2024, 6, 10))
    spent(c, D(2024, 7, 1))
    served(v, D(2024, 7, 1))
    years = both(v, D(2025, 7, 1))
    assert years[1].reason == R.SERVICE and years[1].qualifying_date == D(2024, 7, 1)


def test_the_earliest_qualifying_day_counts():
    v = make_volunteer()
    c = card(v, applied=D(2024, 5, 1), activated=D(2024, 6, 10))
    spent(c, D(2024, 7, 1))
    served(v, D(2024, 7, 1))
    spent(c, D(2024, 6, 20))
    years = both(v, D(2025, 7, 1))
    assert years[1].reason == R.PURCHASE and years[1].qualifying_date == D(2024, 6, 20)


def test_replacement_card_keeps_the_years_going():
    v = make_volunteer()
    first = card(v, applied=D(2023, 3, 1), activated=D(2023, 4, 15), cancelled=D(2024, 1, 20))
    second = card(v, applied=D(2024, 1, 25), activated=D(2024, 3, 5), bank="ICBC")
    spent(first, D(2023, 12, 1))
    spent(second, D(2024, 9, 1))
    years = both(v, D(2025, 5, 1))
    # The years still run from the first card's activation; purchases on either card count.
    assert [y.starts_on for y in years] == [D(2023, 4, 15), D(2024, 4, 15), D(2025, 4, 15)]
    assert [y.covered for y in years] == [True, True, True]
    assert [y.reason for y in years] == [R.ACTIVATION, R.PURCHASE, R.PURCHASE]


def test_replacement_still_in_production_at_year_end_counts_as_holding_a_card():
    v = make_volunteer()
    card(v, applied=D(2023, 3, 1), activated=D(2023, 4, 15), cancelled=D(2024, 3, 1))
    card(v, applied=D(2024, 3, 6))  # accepted, not yet activated on 2024-04-14
    served(v, D(2023, 10, 1))
    years = both(v, D(2024, 5, 1))
    assert years[1].covered and years[1].reason == R.SERVICE


def test_cancellation_without_replacement_stops_renewal():
    v = make_volunteer()
    c = card(v, applied=D(2023, 3, 1), activated=D(2023, 4, 15), cancelled=D(2024, 4, 14))
    spent(c, D(2023, 5, 1))  # active in year 0 …
    years = both(v, D(2024, 6, 1))
    # … but on the last day of year 0 the card was cancelled and nothing replaced it.
    assert years[1].covered is False and years[1].reason == R.NO_CARD


def test_cancelled_the_day_after_year_end_still_renews():
    v = make_volunteer()
    c = card(v, applied=D(2023, 3, 1), activated=D(2023, 4, 15), cancelled=D(2024, 4, 15))
    spent(c, D(2023, 5, 1))
    years = both(v, D(2024, 6, 1))
    assert years[1].covered and years[1].reason == R.PURCHASE


def test_no_years_before_activation_and_none_in_the_future():
    v = make_volunteer()
    card(v, applied=D(2025, 1, 1))  # accepted, never activated
    assert both(v, D(2025, 6, 1)) == []
    w = make_volunteer()
    card(w, applied=D(2025, 1, 1), activated=D(2025, 2, 1))
    years = both(w, D(2025, 6, 1))
    assert len(years) == 1 and years[0].ends_on == D(2026, 1, 31)


def test_activation_late_in_the_evening_uses_the_shanghai_date():
    import datetime as _dt

    from django.utils import timezone

    v = make_volunteer()
    c = card(v, applied=D(2025, 1, 1), activated=D(2025, 2, 1))
    # 00:30 in Shanghai is 16:30 UTC the day before: the business date is still 2025-02-01.
    c.activated_at = timezone.make_aware(_dt.datetime(2025, 2, 1, 0, 30))
    c.save(update_fields=["activated_at"])
    years = both(v, D(2025, 6, 1))
    assert years[0].starts_on == D(2025, 2, 1)


def test_a_first_spend_alone_is_no_purchase_its_days_spends_is():
    """The purchase rule reads SPENDS (bank-interface.md 4.3): a FIRST_SPEND only dates the
    first purchase, which its day's SPENDS counts; both computations agree."""
    from card_service.models import CardSpend

    v = make_volunteer()
    c = card(v, applied=D(2024, 5, 1), activated=D(2024, 6, 10))
    CardSpend.objects.create(
        bank_id=c.bank_id, application=c, event_id="FS1", event_type="FIRST_SPEND",
        day=D(2025, 6, 1), count=1, city_code="440100",
    )  # fmt: skip
    years = both(v, D(2025, 7, 1))
    assert not years[1].covered and years[1].reason == R.NO_ACTIVITY

    spent(c, D(2025, 6, 9), count=3)  # the SPENDS of a later day
    years = both(v, D(2025, 7, 1))
    assert years[1].covered and years[1].reason == R.PURCHASE
    assert years[1].qualifying_date == D(2025, 6, 9)


def test_hours_under_dispute_do_not_renew_until_the_dispute_is_answered():
    """时长公示: an entry someone disputes proves no service, in both computations."""
    v = make_volunteer()
    card(v, applied=D(2024, 5, 1), activated=D(2024, 6, 10))
    entry = served(v, D(2025, 6, 1))
    HoursEntry.objects.filter(pk=entry.pk).update(under_dispute=True)
    years = both(v, D(2025, 7, 1))
    assert years[1].covered is False and years[1].reason == R.NO_ACTIVITY

    HoursEntry.objects.filter(pk=entry.pk).update(under_dispute=False)
    assert both(v, D(2025, 7, 1))[1].covered


def test_the_service_file_reports_only_hours_that_count():
    """SERVICE records: hours still in disclosure or under dispute are not reported."""
    from insurance.exchange import service_records

    v = make_volunteer()
    card(v, applied=D(2024, 5, 1), activated=D(2024, 6, 10))
    counted = served(v, D(2025, 6, 1), minutes=120)
    disclosing = served(v, D(2025, 6, 2), minutes=60)
    HoursEntry.objects.filter(pk=disclosing.pk).update(counts_from=D(2999, 1, 1))

    def hours():
        return [r.service_hours for r in service_records("BOC", D(2025, 6, 1), D(2025, 6, 30))]

    assert hours() == [20]  # tenths of an hour: 2 h
    HoursEntry.objects.filter(pk=counted.pk).update(under_dispute=True)
    assert hours() == []
