"""Chinese working days: weekends, public holidays and make-up working days (调休).

Backed by the maintained ``chinesecalendar`` package, which knows each year only once the
State Council has published its holiday schedule (1.11.0: 2004–2026). For a year it does not
know yet we fall back to Monday–Friday and log a warning (once per year) rather than refuse:
the rule that uses this (reapplying after a cancellation) must never block a volunteer. The
fallback can only count an unknown holiday as a working day or miss a make-up day, so at
worst the wait ends a little early or late, until the package is upgraded.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)

REAPPLY_WAIT_WORKING_DAYS = 3

_warned_years: set[int] = set()


def is_working_day(d: date) -> bool:
    """True if ``d`` is a working day in mainland China (make-up Saturdays/Sundays count)."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        # The package raises this for years whose holiday schedule it does not hold.
        if d.year not in _warned_years:
            _warned_years.add(d.year)
            logger.warning(
                "chinesecalendar %s has no holiday data for %s; counting Monday-Friday as "
                "working days. Upgrade the chinesecalendar package.",
                getattr(chinese_calendar, "__version__", "?"),
                d.year,
            )
        return d.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted); ``n`` may
    be negative to count backwards, and ``n == 0`` returns ``start`` unchanged."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    d = start
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d


def earliest_reapply_date(cancelled_on: date) -> date:
    """First date a new card application is allowed after a card cancelled on
    ``cancelled_on`` (product rule: "3 Chinese working days after the cancellation").

    Read as: the cancellation day itself never counts, whether or not it is a working day;
    the next 3 working days must pass in full, and the volunteer may apply from the
    calendar day after the 3rd one, even if that day is a weekend or holiday (applying is
    online). Cancelled Monday 2026-11-23 → Tue, Wed, Thu pass → apply from Friday 2026-11-27.
    """
    return add_working_days(cancelled_on, REAPPLY_WAIT_WORKING_DAYS) + timedelta(days=1)
