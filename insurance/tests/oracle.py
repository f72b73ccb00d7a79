"""The coverage rules in plain Python, one volunteer at a time: the tests' oracle for the
set-wise SQL of ``insurance.coverage`` (the product). Written from the rules in that module's
docstring, independently of the SQL; the tests check that both give the same years."""

from __future__ import annotations

import datetime as dt

from activities.disclosure import served_q
from activities.models import HoursEntry
from card_service.models import CardApplication, CardSpend, CardStatus
from insurance.coverage import TERMINAL, YearResult, local_date, year_bounds, year_index_of
from insurance.models import CoverageYear

R = CoverageYear.Reason


def _card_end(card: dict) -> dt.date | None:
    if card["status"] not in TERMINAL:
        return None
    at = card["status_changed_at"]
    if card["status"] == CardStatus.CANCELLED and card["cancelled_at"]:
        at = card["cancelled_at"]
    return local_date(at)


def volunteer_coverage(volunteer_id: int, *, today: dt.date) -> list[YearResult]:
    """Every coverage year of one volunteer up to the one containing ``today``, by the rules
    (three small queries, then a loop over the years)."""
    cards = list(
        CardApplication.objects.filter(volunteer_id=volunteer_id).values(
            "applied_at", "activated_at", "status", "status_changed_at", "cancelled_at"
        )
    )
    activations = [local_date(c["activated_at"]) for c in cards if c["activated_at"]]
    if not activations or min(activations) > today:
        return []
    anchor = min(activations)
    held = [(local_date(c["applied_at"]), _card_end(c)) for c in cards]

    first_service: dict[int, tuple[dt.date, str]] = {}
    for day, name in (
        HoursEntry.objects.filter(
            served_q(),
            volunteer_id=volunteer_id,
            kind=HoursEntry.Kind.SERVICE,
            minutes__gt=0,
            service_date__gte=anchor,
            service_date__lte=today,
        )
        .order_by("service_date", "id")
        .values_list("service_date", "activity__name")
    ):
        first_service.setdefault(year_index_of(anchor, day), (day, name))
    first_purchase: dict[int, dt.date] = {}
    for day in (
        CardSpend.objects.purchases()
        .filter(
            application__volunteer_id=volunteer_id, count__gt=0, day__gte=anchor, day__lte=today
        )
        .order_by("day")
        .values_list("day", flat=True)
    ):
        first_purchase.setdefault(year_index_of(anchor, day), day)

    years = []
    for k in range(year_index_of(anchor, today) + 1):
        start, end = year_bounds(anchor, k)
        if k == 0:
            years.append(YearResult(0, start, end, True, R.ACTIVATION, anchor))
            continue
        last_day = start - dt.timedelta(days=1)
        holds = any(a <= last_day and (e is None or e > last_day) for a, e in held)
        svc = first_service.get(k - 1)
        buy = first_purchase.get(k - 1)
        if not holds:
            years.append(YearResult(k, start, end, False, R.NO_CARD, None))
        elif svc and (buy is None or svc[0] <= buy):
            years.append(YearResult(k, start, end, True, R.SERVICE, svc[0], svc[1]))
        elif buy:
            years.append(YearResult(k, start, end, True, R.PURCHASE, buy))
        else:
            years.append(YearResult(k, start, end, False, R.NO_ACTIVITY, None))
    return years
