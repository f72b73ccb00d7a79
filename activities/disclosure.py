"""时长公示: when an hours entry counts.

The manual (chapter 4, 四、时长公示) publishes service hours "for social supervision" and lets
anyone object with 我有异议, but names no length for the disclosure; it is the setting
``HOURS_DISCLOSURE_DAYS`` (7 days by default). Combined with the delay rules of chapter 2:

- an entry is *published* on the day it is credited (a scanned check-out, a self check-in's
  approval, an admin's back-fill); ``published_on``;
- it counts from ``counts_from = max(delay date, published_on + HOURS_DISCLOSURE_DAYS)``, the
  delay date being the credit day for precise (scanned) hours and the day after approval for
  delayed ones, so with 0 days of disclosure the old rules hold unchanged;
- a dispute may be raised while it is published and not yet counting
  (``published_on <= today < counts_from``); while open, the entry counts nowhere
  (``under_dispute``); once answered it counts from ``max(counts_from, answer day)``, unless
  the dispute was upheld by removing it.

Every total in the service (star level, SERVICE files, insurance, rankings) filters with the
one predicate ``counted_q(on)`` (SQL) / ``entry_counts(entry, on)`` (Python)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from activities.models import HoursEntry


def disclosure_days() -> int:
    """Days an entry stays published before it counts."""
    return int(getattr(settings, "HOURS_DISCLOSURE_DAYS", 7))


def counts_from_for(*, delay_from: dt.date, published_on: dt.date) -> dt.date:
    """The first day a credited entry counts: after its delay and after its disclosure."""
    return max(delay_from, published_on + dt.timedelta(days=disclosure_days()))


def served_q(prefix: str = "") -> Q:
    """Hours that prove service on their day (insurance): credited and not under dispute. The
    delay and the disclosure do not matter here: the insurance counts by the day served, and
    a back-fill approved later may turn a year covered after the fact."""
    return Q(**{f"{prefix}status": HoursEntry.Status.CREDITED, f"{prefix}under_dispute": False})


def served_sql(alias: str) -> str:
    """``served_q`` for raw SQL over ``activities_hoursentry AS alias``."""
    return f"{alias}.status = 'credited' AND NOT {alias}.under_dispute"


def counted_q(on: dt.date | None = None, prefix: str = "") -> Q:
    """The SQL predicate "this entry counts on ``on`` (default today)". ``prefix`` for a
    lookup through a relation (``"hours_entries__"``)."""
    return Q(
        **{
            f"{prefix}status": HoursEntry.Status.CREDITED,
            f"{prefix}counts_from__lte": on or timezone.localdate(),
            f"{prefix}under_dispute": False,
        }
    )


def counted_sql(alias: str, on_param: str = "%s") -> str:
    """The same predicate for raw SQL over ``activities_hoursentry AS alias``."""
    return (
        f"{alias}.status = 'credited' AND {alias}.counts_from <= {on_param} "
        f"AND NOT {alias}.under_dispute"
    )


def entry_counts(entry: HoursEntry, on: dt.date | None = None) -> bool:
    """``counted_q`` in Python, for one loaded entry."""
    day = on or timezone.localdate()
    return (
        entry.status == HoursEntry.Status.CREDITED
        and entry.counts_from is not None
        and entry.counts_from <= day
        and not entry.under_dispute
    )


def open_for_dispute(entry: HoursEntry, on: dt.date | None = None) -> bool:
    """Published and not yet counting: 我有异议 is accepted."""
    day = on or timezone.localdate()
    return (
        entry.status == HoursEntry.Status.CREDITED
        and entry.published_on is not None
        and entry.counts_from is not None
        and entry.published_on <= day < entry.counts_from
    )
