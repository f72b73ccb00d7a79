"""Chinese working days: weekends, public holidays and make-up working days (调休).

The source is the calendar table (``core.WorkCalendarYear`` and its ``WorkCalendarDay``
rows), one year per State Council notice, which operations edit in the admin. Migration
``core.0003_calendar_seed`` loaded it from the ``chinesecalendar`` package for the years
that package knows (1.11.0: 2004–2026); later years are entered by hand when the notice is
published. A day is a working day when the table says 调休上班, not when it says 放假, and
otherwise Monday–Friday.

A year that is not loaded: we count Monday–Friday and log a warning (once per year and
process) rather than refuse, because the rules that use this (reapplying after a
cancellation, the banks' cut-offs, the first business day of the month) must never block a
volunteer or stop the exchange. It is not silent: ``calendar_check`` (the daily beat task
``core.tasks.working_day_calendar_check``) raises an alert on the operations page when the
current year is missing, and from 1 December when the next year is missing.

Reads are cached per year in the process for ``CACHE_SECONDS``; an edit (admin or anything
that saves or deletes a row) drops the cache of this process at once, so other processes
(worker, beat) see the edit within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from datetime import date, timedelta

from django.db import transaction

logger = logging.getLogger(__name__)

REAPPLY_WAIT_WORKING_DAYS = 3
CACHE_SECONDS = 300.0
# From this day of December on, next year's notice must be in the table.
NEXT_YEAR_DUE = (12, 1)

# The ``chinesecalendar`` package names its holidays in English; the table keeps Chinese.
PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class _YearCache:
    """Per year: whether it is loaded and the days its notice changes (date → working?)."""

    def __init__(self) -> None:
        self._years: dict[int, tuple[float, bool, dict[date, bool]]] = {}
        self._lock = threading.Lock()

    def get(self, year: int) -> tuple[bool, dict[date, bool]]:
        entry = self._years.get(year)
        if entry is None or entry[0] < time.monotonic():
            entry = (time.monotonic() + CACHE_SECONDS, *_load_year(year))
            with self._lock:
                self._years[year] = entry
        return entry[1], entry[2]

    def clear(self, years: set[int] | None = None) -> None:
        with self._lock:
            if years is None:
                self._years.clear()
            else:
                for y in years:
                    self._years.pop(y, None)


_cache = _YearCache()
_warned_years: set[int] = set()


def _load_year(year: int) -> tuple[bool, dict[date, bool]]:
    from core.models import WorkCalendarDay, WorkCalendarYear

    loaded = WorkCalendarYear.objects.filter(year=year).exists()
    days = {
        d: kind == WorkCalendarDay.Kind.WORKDAY
        for d, kind in WorkCalendarDay.objects.filter(date__year=year).values_list("date", "kind")
    }
    return loaded, days


def calendar_cache_clear(years: set[int] | None = None) -> None:
    """Forget the cached years (all of them by default) in this process."""
    _cache.clear(years)


def calendar_changed() -> None:
    """Called when calendar rows are saved or deleted: drop the cache now and again once the
    transaction commits (a read in between would cache the old rows)."""
    _cache.clear()
    transaction.on_commit(_cache.clear)
    _warned_years.clear()


def is_year_loaded(year: int) -> bool:
    """True when the State Council notice of ``year`` is in the calendar table."""
    return _cache.get(year)[0]


def is_working_day(d: date) -> bool:
    """True if ``d`` is a working day in mainland China (make-up Saturdays/Sundays count)."""
    loaded, days = _cache.get(d.year)
    if d in days:
        return days[d]
    if not loaded and d.year not in _warned_years:
        _warned_years.add(d.year)
        logger.warning(
            "The working-day calendar has no holiday schedule for %s; counting Monday-Friday "
            "as working days. Enter the State Council notice of %s in the admin "
            "(节假日安排（年度）).",
            d.year,
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


def missing_years(today: date) -> list[int]:
    """The years that should be in the calendar table by ``today`` and are not: the current
    year always, the next one from 1 December."""
    due = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_DUE:
        due.append(today.year + 1)
    return [y for y in due if not is_year_loaded(y)]


def calendar_check(*, today: date | None = None) -> list[int]:
    """Raise one operations alert per missing year (``missing_years``), unless an unresolved
    one for that year is already open; returns the missing years."""
    from django.utils import timezone

    # Ops watch the exchange alerts (operations page, admin, email): the calendar's go there.
    from bank_adapters.alerts import alert_raise
    from bank_adapters.models import Alert

    today = today or timezone.localdate()
    missing = missing_years(today)
    for year in missing:
        prefix = f"{year}年"
        if Alert.objects.filter(
            kind=Alert.Kind.CALENDAR_MISSING, resolved_at__isnull=True, message__startswith=prefix
        ).exists():
            continue
        alert_raise(
            kind=Alert.Kind.CALENDAR_MISSING,
            message=(
                f"{prefix}的节假日安排尚未录入：请在管理后台“节假日安排（年度）”中录入国务院"
                f"通知的放假日和调休上班日。未录入前，{year}年按周一至周五计算工作日"
                "（重新申请等待期、银行截止时间、每月首个工作日）。"
            ),
        )
    return missing


def package_calendar() -> dict[int, list[tuple[dt.date, str, str]]]:
    """The holidays and make-up working days the installed ``chinesecalendar`` knows, by
    year: ``(date, "holiday" | "workday", Chinese name)``. Used to seed the table."""
    import chinese_calendar

    by_year: dict[int, list[tuple[dt.date, str, str]]] = {}
    for kind, source in (
        ("holiday", chinese_calendar.holidays),
        ("workday", chinese_calendar.workdays),
    ):
        for d, name in source.items():
            label = PACKAGE_HOLIDAY_NAMES.get(str(name), str(name or ""))
            by_year.setdefault(d.year, []).append((d, kind, label))
    first, last = min(by_year), max(by_year)
    for year in range(first, last + 1):
        by_year.setdefault(year, [])
    return {y: sorted(by_year[y]) for y in sorted(by_year)}


def calendar_seed_from_package(year_model=None, day_model=None) -> int:
    """Load every year the package knows that the table does not hold yet (years already
    there, perhaps edited by operations, are left alone). Returns the years added."""
    import chinese_calendar

    if year_model is None or day_model is None:
        from core.models import WorkCalendarDay, WorkCalendarYear

        year_model, day_model = WorkCalendarYear, WorkCalendarDay
    have = set(year_model.objects.values_list("year", flat=True))
    source = f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
    added = 0
    for year, days in package_calendar().items():
        if year in have:
            continue
        row = year_model.objects.create(year=year, notice=f"{source}（自动导入）")
        day_model.objects.bulk_create(
            [day_model(calendar=row, date=d, kind=kind, name=name) for d, kind, name in days]
        )
        added += 1
    calendar_cache_clear()
    return added
