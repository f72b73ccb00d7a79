"""The coverage rules, in one set-wise SQL statement: for everyone at once (the nightly
rebuild of ``CoverageYear``), for one volunteer when their card is activated, and read live
for one volunteer by the hotline. The same rules written in plain Python, one volunteer at a
time, are the tests' oracle (``insurance/tests/oracle.py``), not a second production path.

The rules as implemented:

- **Anchor.** Coverage years run from the business date (Asia/Shanghai) on which the
  volunteer's *first* card was activated, whichever bank issued it. Coverage belongs to the
  volunteer, not to the card: replacements, even at another bank, carry the years on.
- **Years.** Year k runs from the k-th anniversary of the anchor to the day before the
  (k+1)-th. An anchor on 29 February has its anniversary on **1 March** in common years, so
  no year is shorter than 365 days and no day is ever left between two years
  (2024-02-29 → year 0 ends 2025-02-28, year 1 is 2025-03-01 … 2026-02-28).
  People see years counted from 1: year index 0 is 第1保障年度.
- **Year 0** is always covered (the bank buys it on activation).
- **Year k+1** is covered when both hold:
  1. on the last day of year k the volunteer *held a card*: some card of theirs applied for
     on or before that day and not cancelled, rejected or withdrawn on or before it (an
     activated card, or a replacement still in the bank's hands: the volunteer stays in
     the programme while the replacement is made). Cancelling without a replacement stops
     renewal; the years still run, so a later replacement renews again on the same dates.
  2. in year k the volunteer served at least one service activity (service hours on that
     day, credited and not under dispute: ``activities.disclosure.served_q``; training
     never counts) or made at least one purchase with any of their cards (a SPENDS
     ``CardSpend`` row with a count on a day in year k; a FIRST_SPEND is always inside its
     day's SPENDS and is not read).
  The first qualifying day is kept; a service day wins a tie with a purchase on the same day.
  Hours credited later (an approved back-fill) count by the day served, so the nightly
  rebuild may turn a year covered after the fact.
- Years are computed up to the one containing ``today``; nothing is recorded for the future.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from activities.disclosure import served_q, served_sql
from activities.models import HoursEntry
from card_service.models import CardApplication, CardStatus
from insurance.models import CoverageYear

R = CoverageYear.Reason
TERMINAL = (CardStatus.CANCELLED, CardStatus.REJECTED, CardStatus.WITHDRAWN)


# --- dates -------------------------------------------------------------------------------


def anniversary(anchor: dt.date, k: int) -> dt.date:
    """The k-th anniversary of ``anchor``; 29 February falls on 1 March in common years."""
    try:
        return anchor.replace(year=anchor.year + k)
    except ValueError:  # 29 February in a common year
        return dt.date(anchor.year + k, 3, 1)


def year_bounds(anchor: dt.date, k: int) -> tuple[dt.date, dt.date]:
    """First and last day of coverage year ``k``."""
    return anniversary(anchor, k), anniversary(anchor, k + 1) - dt.timedelta(days=1)


def year_index_of(anchor: dt.date, day: dt.date) -> int:
    """The coverage year ``day`` falls in (negative before the anchor). Comparing (month, day)
    gives the 1 March rule for free: 28 Feb < 29 Feb ≤ 1 Mar."""
    return day.year - anchor.year - (1 if (day.month, day.day) < (anchor.month, anchor.day) else 0)


def local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


# --- the years of one volunteer ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearResult:
    year_index: int
    starts_on: dt.date
    ends_on: dt.date
    covered: bool
    reason: str
    qualifying_date: dt.date | None
    activity_name: str = ""  # the qualifying service activity, when the reason is service

    @property
    def label(self) -> str:
        return f"第{self.year_index + 1}保障年度"

    def key(self) -> tuple:
        """What the nightly table holds, for comparing the two computations."""
        return (self.year_index, self.starts_on, self.ends_on, self.covered, self.reason,
                self.qualifying_date)  # fmt: skip


def year_at(years: list[YearResult], day: dt.date) -> YearResult | None:
    return next((y for y in years if y.starts_on <= day <= y.ends_on), None)


# --- everyone, in SQL --------------------------------------------------------------------


class _Dialect:
    """The few date expressions that differ between PostgreSQL and SQLite. Asia/Shanghai has
    kept UTC+8 without daylight saving since 1991, so SQLite may add eight hours."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"
        self.tz = settings.TIME_ZONE

    def local_date(self, col: str) -> str:
        if self.pg:
            return f"(({col}) AT TIME ZONE '{self.tz}')::date"
        return f"date({col}, '+8 hours')"

    def year(self, d: str) -> str:
        return (
            f"EXTRACT(YEAR FROM {d})::int" if self.pg else f"CAST(strftime('%%Y', {d}) AS INTEGER)"
        )

    def month_day(self, d: str) -> str:
        if self.pg:
            return f"(EXTRACT(MONTH FROM {d})::int * 100 + EXTRACT(DAY FROM {d})::int)"
        return f"CAST(strftime('%%m%%d', {d}) AS INTEGER)"

    def anniversary(self, k: str) -> str:
        """Anniversary ``k`` of anc.a; 29 Feb + 1 year is 1 March in both dialects."""
        if self.pg:
            return f"(make_date(anc.ay + {k}, anc.am, 1) + (anc.ad - 1))"
        return f"date(anc.a, '+' || ({k}) || ' years')"

    def day_before(self, d: str) -> str:
        return f"({d} - 1)" if self.pg else f"date({d}, '-1 days')"

    def parts(self) -> str:
        if self.pg:
            return ", EXTRACT(MONTH FROM a)::int AS am, EXTRACT(DAY FROM a)::int AS ad"
        return ""

    def in_list(self, name: str) -> str:
        """``IN`` the list parameter ``name``: an array on PostgreSQL, JSON text on SQLite
        (``list_param``)."""
        if self.pg:
            return f"= ANY(%({name})s)"
        return f"IN (SELECT value FROM json_each(%({name})s))"  # noqa: S608  (a parameter)

    def list_param(self, values: list[int]) -> list[int] | str:
        return values if self.pg else json.dumps(values)

    def index_of(self, d: str) -> str:
        """Coverage year index of date ``d`` relative to anc (see ``year_index_of``)."""
        return (
            f"({self.year(d)} - anc.ay - CASE WHEN {self.month_day(d)} < anc.amd THEN 1 ELSE 0 END)"
        )


def coverage_sql(vendor: str, *, one: bool = False, some: bool = False) -> str:
    """The one SELECT of the coverage years: (volunteer_id, year_index, starts_on, ends_on,
    covered, reason, qualifying_date, computed_at). Parameters: today, max_k, computed_at;
    volunteer_id when ``one`` (the years of that volunteer only); volunteer_ids, a list,
    when ``some`` (theirs only).

    Everything is a hash join or a GROUP BY over whole tables, never a per-row subquery:
    ``anc`` the first activation per volunteer; ``yr`` its years up to today; ``svc`` and
    ``buy`` the first service day and purchase day per (volunteer, year they renew), by
    integer arithmetic on the dates; ``gaps`` the stretches when the volunteer held no card
    (the union of [applied, ended) of all their cards, by a running MAX and LEAD over their
    cards), so "held a card on the last day of year k" is "that day is in no gap". Rows go
    in volunteer order: the unique index is appended to, and a volunteer's years sit
    together on disk for the hotline."""
    q = _Dialect(vendor)
    terminal = ", ".join(f"'{s.value}'" for s in TERMINAL)
    ends = (
        f"CASE WHEN c.status = '{CardStatus.CANCELLED.value}' "
        "THEN COALESCE(c.cancelled_at, c.status_changed_at) ELSE c.status_changed_at END"
    )
    today_d = "CAST(%(today)s AS date)" if q.pg else "%(today)s"
    # "Held until further notice": the end of a card that is not (yet) terminal.
    forever = "DATE '9999-12-31'" if q.pg else "'9999-12-31'"
    # One volunteer: their cards only; the other CTEs join these.
    only = only_c = ""
    if one:
        only = "AND volunteer_id = %(volunteer_id)s"
        only_c = "WHERE c.volunteer_id = %(volunteer_id)s"
    elif some:
        only = f"AND volunteer_id {q.in_list('volunteer_ids')}"
        only_c = f"WHERE c.volunteer_id {q.in_list('volunteer_ids')}"
    # Only constants and the dialect's fixed fragments are formatted in; values are parameters.
    return f"""
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < %(max_k)s),
act AS (
    SELECT volunteer_id, MIN({q.local_date("activated_at")}) AS a
    FROM card_service_cardapplication WHERE activated_at IS NOT NULL {only}
    GROUP BY volunteer_id
),
anc AS (
    SELECT volunteer_id, a, {q.year("a")} AS ay, {q.month_day("a")} AS amd{q.parts()}
    FROM act WHERE a <= {today_d}
),
yr AS (
    SELECT anc.volunteer_id, n.k, {q.anniversary("n.k")} AS ys,
           {q.day_before(q.anniversary("n.k + 1"))} AS ye, anc.a
    FROM anc JOIN n ON n.k <= {q.index_of(today_d)}
),
svc AS (
    SELECT h.volunteer_id, {q.index_of("h.service_date")} + 1 AS k, MIN(h.service_date) AS d
    FROM activities_hoursentry h JOIN anc ON anc.volunteer_id = h.volunteer_id
    WHERE h.kind = 'service' AND {served_sql("h")} AND h.minutes > 0
      AND h.service_date >= anc.a AND h.service_date <= {today_d}
    GROUP BY 1, 2
),
buy AS (
    SELECT c.volunteer_id, {q.index_of("s.day")} + 1 AS k, MIN(s.day) AS d
    FROM card_service_cardspend s
    JOIN card_service_cardapplication c ON c.id = s.application_id
    JOIN anc ON anc.volunteer_id = c.volunteer_id
    WHERE s.event_type = 'SPENDS' AND s.count > 0 AND s.day >= anc.a AND s.day <= {today_d}
    GROUP BY 1, 2
),
cards AS (
    SELECT c.volunteer_id, {q.local_date("c.applied_at")} AS s,
        CASE WHEN c.status IN ({terminal}) THEN {q.local_date(ends)} ELSE {forever} END AS e
    FROM card_service_cardapplication c {only_c}
),
runs AS (
    SELECT volunteer_id,
        MAX(e) OVER (PARTITION BY volunteer_id ORDER BY s, e
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS reach,
        LEAD(s) OVER (PARTITION BY volunteer_id ORDER BY s, e) AS next_s
    FROM cards
),
gaps AS (
    SELECT volunteer_id, reach AS gs, COALESCE(next_s, {forever}) AS ge
    FROM runs WHERE reach < {forever} AND (next_s IS NULL OR next_s > reach)
)
SELECT yr.volunteer_id, yr.k, yr.ys, yr.ye,
    CASE WHEN yr.k = 0 THEN TRUE
         WHEN gap.volunteer_id IS NULL AND (svc.d IS NOT NULL OR buy.d IS NOT NULL) THEN TRUE
         ELSE FALSE END,
    CASE WHEN yr.k = 0 THEN 'activation'
         WHEN gap.volunteer_id IS NOT NULL THEN 'no_card'
         WHEN svc.d IS NOT NULL AND (buy.d IS NULL OR svc.d <= buy.d) THEN 'service'
         WHEN buy.d IS NOT NULL THEN 'purchase'
         ELSE 'no_activity' END,
    CASE WHEN yr.k = 0 THEN yr.a
         WHEN gap.volunteer_id IS NOT NULL THEN NULL
         WHEN svc.d IS NOT NULL AND (buy.d IS NULL OR svc.d <= buy.d) THEN svc.d
         ELSE buy.d END,
    %(computed_at)s
FROM yr
LEFT JOIN gaps gap ON gap.volunteer_id = yr.volunteer_id AND yr.k > 0
    AND gap.gs < yr.ys AND yr.ys <= gap.ge
LEFT JOIN svc ON svc.volunteer_id = yr.volunteer_id AND svc.k = yr.k
LEFT JOIN buy ON buy.volunteer_id = yr.volunteer_id AND buy.k = yr.k
ORDER BY yr.volunteer_id, yr.k
"""  # noqa: S608


_INSERT = """INSERT INTO insurance_coverageyear
    (volunteer_id, year_index, starts_on, ends_on, covered, reason, qualifying_date, computed_at)
"""


def _params(today: dt.date, earliest: dt.datetime, now: dt.datetime, **extra: object) -> dict:
    return {
        "today": connection.ops.adapt_datefield_value(today),
        # Years to generate: enough for the earliest activation among those computed.
        "max_k": max(0, today.year - local_date(earliest).year + 1),
        "computed_at": connection.ops.adapt_datetimefield_value(now),
        **extra,
    }


def _earliest_activation(**filters: object) -> dt.datetime | None:
    cards = CardApplication.objects.filter(activated_at__isnull=False, **filters)
    return cards.order_by("activated_at").values_list("activated_at", flat=True).first()


def coverage_rebuild(*, today: dt.date | None = None) -> int:
    """Rebuild the whole ``CoverageYear`` table for ``today`` (default: the business date) in
    one transaction: empty it, then one INSERT … SELECT. Returns the number of years."""
    today = today or timezone.localdate()
    now = timezone.now()
    vendor = connection.vendor
    table = CoverageYear._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        earliest = _earliest_activation()
        if vendor == "postgresql":
            # Readers wait for the commit instead of seeing half a table; no dead rows.
            cur.execute(f"TRUNCATE {table}")
        else:
            cur.execute(f"DELETE FROM {table}")  # noqa: S608
        if earliest is None:
            return 0
        cur.execute(_INSERT + coverage_sql(vendor), _params(today, earliest, now))
        return cur.rowcount


def coverage_volunteer_refresh(volunteer_id: int, *, today: dt.date | None = None) -> int:
    """Replace one volunteer's rows of ``CoverageYear`` by the same statement restricted to
    them, e.g. as soon as a card is activated; returns the number of years. Atomic, so a
    reader sees the old years or the new ones."""
    return coverage_volunteers_refresh([volunteer_id], today=today)


# Volunteers per statement: a bank file activates hundreds of cards at once.
REFRESH_CHUNK = 1000


def coverage_volunteers_refresh(volunteer_ids: list[int], *, today: dt.date | None = None) -> int:
    """``coverage_volunteer_refresh`` for many volunteers at once: their rows replaced by the
    same statement restricted to them, a DELETE and an INSERT … SELECT per
    ``REFRESH_CHUNK`` volunteers, in one transaction. Returns the number of years.

    bench (``exchange_inbound.py``, 500 cards activated by a 1,000,000-record BOC file,
    2026-12-03): one refresh per card after the commit cost ~2 s, about 4 ms each."""
    today = today or timezone.localdate()
    ids = sorted(set(volunteer_ids))
    q = _Dialect(connection.vendor)
    total = 0
    with transaction.atomic(), connection.cursor() as cur:
        for start in range(0, len(ids), REFRESH_CHUNK):
            chunk = ids[start : start + REFRESH_CHUNK]
            CoverageYear.objects.filter(volunteer_id__in=chunk).delete()
            earliest = _earliest_activation(volunteer_id__in=chunk)
            if earliest is None:
                continue
            params = _params(today, earliest, timezone.now(), volunteer_ids=q.list_param(chunk))
            cur.execute(_INSERT + coverage_sql(connection.vendor, some=True), params)
            total += cur.rowcount
    return total


def volunteer_coverage(volunteer_id: int, *, today: dt.date | None = None) -> list[YearResult]:
    """Every coverage year of one volunteer up to the one containing ``today``, read live by
    the same statement (the hotline: a back-fill approved today counts at once), with the
    name of the activity that renewed each year renewed by service."""
    today = today or timezone.localdate()
    earliest = _earliest_activation(volunteer_id=volunteer_id)
    if earliest is None:
        return []
    params = _params(today, earliest, timezone.now(), volunteer_id=volunteer_id)
    with connection.cursor() as cur:
        cur.execute(coverage_sql(connection.vendor, one=True), params)
        rows = cur.fetchall()
    years = [
        YearResult(k, _as_date(start), _as_date(end), bool(covered), reason, _as_date(day))
        for _, k, start, end, covered, reason, day, _ in rows
    ]
    return _with_activity_names(volunteer_id, years)


def _as_date(value: dt.date | str | None) -> dt.date | None:
    """SQLite hands dates back as text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _with_activity_names(volunteer_id: int, years: list[YearResult]) -> list[YearResult]:
    """The service years with the activity of their qualifying day (its first entry)."""
    days = {y.qualifying_date for y in years if y.reason == R.SERVICE}
    if not days:
        return years
    names: dict[dt.date, str] = {}
    entries = HoursEntry.objects.filter(
        served_q(), volunteer_id=volunteer_id, kind=HoursEntry.Kind.SERVICE, minutes__gt=0,
        service_date__in=days,
    )  # fmt: skip
    for day, name in entries.order_by("service_date", "id").values_list(
        "service_date", "activity__name"
    ):
        names.setdefault(day, name)
    return [
        dataclasses.replace(y, activity_name=names.get(y.qualifying_date, ""))
        if y.reason == R.SERVICE
        else y
        for y in years
    ]
