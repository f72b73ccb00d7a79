"""Chinese working days (the calendar table operations keep) and the 3-working-day wait
before reapplying after a cancellation."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from core import workdays
from core.workdays import add_working_days, earliest_reapply_date, is_working_day

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("d", "working"),
    [
        (date(2026, 11, 23), True),  # ordinary Monday
        (date(2026, 11, 28), False),  # ordinary Saturday
        (date(2025, 10, 1), False),  # National Day, a Wednesday
        (date(2025, 10, 8), False),  # last day of the 2025 National Day holiday
        (date(2025, 9, 28), True),  # make-up working Sunday before National Day 2025
        (date(2025, 10, 11), True),  # make-up working Saturday after National Day 2025
        (date(2026, 2, 16), False),  # Spring Festival 2026, a Monday
        (date(2026, 2, 14), True),  # make-up working Saturday before Spring Festival 2026
        (date(2026, 2, 28), True),  # make-up working Saturday after Spring Festival 2026
    ],
)
def test_is_working_day_counts_holidays_and_make_up_days(d, working):
    assert is_working_day(d) is working


@pytest.mark.parametrize(
    ("cancelled_on", "earliest"),
    [
        # Normal week: Tue, Wed, Thu pass → Friday.
        (date(2026, 11, 23), date(2026, 11, 27)),
        # Friday, over a normal weekend: Mon, Tue, Wed pass → Thursday.
        (date(2026, 11, 20), date(2026, 11, 26)),
        # Cancelled on a Saturday: the weekend does not count → Mon, Tue, Wed → Thursday.
        (date(2026, 11, 21), date(2026, 11, 26)),
        # Just before National Day 2025: the make-up Sunday 28 Sep counts (Sun, Mon, Tue),
        # so the volunteer may apply from 1 Oct, the first holiday (applying is online).
        (date(2025, 9, 26), date(2025, 10, 1)),
        # Last day before National Day 2025: 1–8 Oct do not count; Thu 9, Fri 10 and the
        # make-up Saturday 11 Oct do → Sunday 12 Oct.
        (date(2025, 9, 30), date(2025, 10, 12)),
        # Spring Festival 2026: Fri 13 Feb → make-up Sat 14 Feb, then the holiday 15–23 Feb,
        # then Tue 24, Wed 25 → Thursday 26 Feb.
        (date(2026, 2, 13), date(2026, 2, 26)),
        # Cancelled during the holiday: Tue 24, Wed 25, Thu 26 Feb → Friday 27 Feb.
        (date(2026, 2, 17), date(2026, 2, 27)),
        # Make-up Saturday 28 Feb 2026 counts: Fri 27, Sat 28, Mon 2 Mar → Tuesday 3 Mar.
        (date(2026, 2, 26), date(2026, 3, 3)),
    ],
)
def test_earliest_reapply_date(cancelled_on, earliest):
    assert earliest_reapply_date(cancelled_on) == earliest


def test_add_working_days_counts_from_the_day_after_start():
    assert add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)
    assert add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # over a weekend
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)  # over National Day
    assert add_working_days(date(2025, 10, 9), -1) == date(2025, 9, 30)


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(workdays, "_warned_years", set())


def test_a_year_not_in_the_table_falls_back_to_monday_to_friday_with_a_warning(
    fresh_warnings, caplog
):
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert is_working_day(date(2099, 3, 2)) is True  # a Monday
        assert is_working_day(date(2099, 3, 7)) is False  # a Saturday
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per year, not once per call
    assert "2099" in warnings[0].getMessage()


def test_a_wait_crossing_into_an_unknown_year_still_gives_a_date(fresh_warnings, caplog):
    # Thu 31 Dec 2099 → Fri 1 Jan (no holiday data, so counted), Mon 4, Tue 5 → Wed 6 Jan.
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        assert earliest_reapply_date(date(2099, 12, 31)) == date(2100, 1, 6)
    assert any("2100" in r.getMessage() for r in caplog.records)
