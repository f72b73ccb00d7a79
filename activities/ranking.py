"""活跃志愿者: rankings by counted service hours, per organisation and per city, per month
and per year, computed set-wise for the whole province.

``ranking_rebuild(on=)`` replaces the table's rows (the month and the year containing ``on``)
with one INSERT … SELECT: the hours that count on ``on`` (``activities.disclosure.counted_sql``)
served in the period, summed per scope and volunteer, ranked with rank() OVER (PARTITION BY
period, scope) — the same SQL on PostgreSQL and SQLite (window functions since 3.25). Rows
go in ranking-page order, so the page index is appended to rather than split at random."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from activities.disclosure import counted_sql
from activities.models import ActiveVolunteerRank
from core.audit_actions import AuditAction
from core.masking import mask_name
from core.services import audit_log_write

TABLE = ActiveVolunteerRank._meta.db_table


def periods_of(on: dt.date) -> tuple[dt.date, dt.date]:
    """(month start, year start) of the periods containing ``on``."""
    return on.replace(day=1), on.replace(month=1, day=1)


def ranking_sql() -> str:
    """The INSERT … SELECT; parameters: month start, year start, on (dates), computed_at."""
    counted = counted_sql("e", "%(on)s")
    # Only the table name and the fixed predicate are formatted in; values are parameters.
    return f"""
INSERT INTO {TABLE}
    (period, period_start, scope, scope_key, volunteer_id, minutes, rank, computed_at)
WITH h AS (
    SELECT e.volunteer_id, e.minutes, e.service_date,
           CAST(a.organisation_id AS TEXT) AS org, a.city_code AS city
    FROM activities_hoursentry e JOIN activities_activity a ON a.id = e.activity_id
    WHERE e.kind = 'service' AND {counted} AND e.minutes > 0
      AND e.service_date >= %(year)s AND e.service_date <= %(on)s
),
agg AS (
    SELECT 'year' AS period, 'org' AS scope, org AS scope_key, volunteer_id,
           SUM(minutes) AS minutes
    FROM h GROUP BY org, volunteer_id
    UNION ALL
    SELECT 'year', 'city', city, volunteer_id, SUM(minutes) FROM h GROUP BY city, volunteer_id
    UNION ALL
    SELECT 'month', 'org', org, volunteer_id, SUM(minutes)
    FROM h WHERE service_date >= %(month)s GROUP BY org, volunteer_id
    UNION ALL
    SELECT 'month', 'city', city, volunteer_id, SUM(minutes)
    FROM h WHERE service_date >= %(month)s GROUP BY city, volunteer_id
)
SELECT period, CASE WHEN period = 'year' THEN %(year)s ELSE %(month)s END, scope, scope_key,
       volunteer_id, minutes,
       rank() OVER (PARTITION BY period, scope, scope_key ORDER BY minutes DESC),
       %(computed_at)s
FROM agg
ORDER BY 1, 3, 4, 7
"""  # noqa: S608


@transaction.atomic
def ranking_rebuild(*, on: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Recompute the rankings of the month and the year containing ``on`` (default today).
    The table holds the current periods only: it is emptied, filled by one INSERT … SELECT
    with its two secondary indexes dropped, and the indexes are built again in one sort each
    (cheaper than maintaining them row by row). One transaction: readers see the old
    rankings until it commits. Returns the rows."""
    at = now or timezone.now()
    on = on or timezone.localdate(at)
    month, year = periods_of(on)
    model = ActiveVolunteerRank
    # PostgreSQL only: SQLite's schema editor cannot run inside a transaction.
    bulk = connection.vendor == "postgresql"
    if bulk:
        with connection.schema_editor(atomic=False) as editor:
            for index in model._meta.indexes:
                editor.remove_index(model, index)
    with connection.cursor() as cur:
        empty = "TRUNCATE" if bulk else "DELETE FROM"
        cur.execute(f"{empty} {TABLE}")
        cur.execute(ranking_sql(), {"month": month, "year": year, "on": on, "computed_at": at})
        rows = cur.rowcount
    if bulk:
        with connection.schema_editor(atomic=False) as editor:
            for index in model._meta.indexes:
                editor.add_index(model, index)
    audit_log_write(
        action=AuditAction.ACTIVE_RANKING_REBUILD,
        target_type="activities.activevolunteerrank",
        data={"on": str(on), "rows": rows},
    )
    return rows


# --- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RankLine:
    rank: int
    volunteer_name: str  # masked
    hours: str


def ranking_page(
    *, scope: str, scope_key: str, period: str, on: dt.date | None = None, limit: int = 50
) -> list[RankLine]:
    """One ranking in rank order, names masked (public)."""
    from activities.selectors import minutes_to_hours

    month, year = periods_of(on or timezone.localdate())
    rows = (
        ActiveVolunteerRank.objects.filter(
            period=period,
            period_start=year if period == "year" else month,
            scope=scope,
            scope_key=scope_key,
        )
        .select_related("volunteer")
        .order_by("rank", "volunteer_id")[:limit]
    )
    return [
        RankLine(rank=r.rank, volunteer_name=mask_name(r.volunteer.name),
                 hours=str(minutes_to_hours(r.minutes)))
        for r in rows
    ]  # fmt: skip


def volunteer_ranks(volunteer: Any, *, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The volunteer's own ranks this month and this year, in every scope they rank in."""
    from activities.selectors import minutes_to_hours
    from volunteers.models import Organisation

    month, year = periods_of(on or timezone.localdate())
    rows = list(
        ActiveVolunteerRank.objects.filter(volunteer=volunteer, period="month", period_start=month)
        | ActiveVolunteerRank.objects.filter(volunteer=volunteer, period="year", period_start=year)
    )
    org_names = dict(
        Organisation.objects.filter(
            pk__in=[int(r.scope_key) for r in rows if r.scope == "org"]
        ).values_list("pk", "name")
    )
    out = []
    for r in sorted(rows, key=lambda r: (r.period != "month", r.scope, r.scope_key)):
        where = org_names.get(int(r.scope_key), "") if r.scope == "org" else r.scope_key
        out.append(
            {
                "period": r.period,
                "period_display": r.get_period_display(),
                "scope": r.scope,
                "scope_key": r.scope_key,
                "scope_name": where,
                "rank": r.rank,
                "hours": str(minutes_to_hours(r.minutes)),
            }
        )
    return out
