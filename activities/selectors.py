"""Reads for activities, attendance and hours, with the caller's permissions applied.

The hour selectors are what other apps call (card_service for the star level printed on the
card and the public QR page, insurance for the coverage rules and the hotline):

- ``volunteer_hours(volunteer, *, on=None) -> Totals``
- ``star_level(hours) -> int`` and ``volunteer_star_level(volunteer, *, on=None) -> int``
- ``volunteer_service_hours_bulk(volunteer_ids, *, on=None) -> dict[int, Decimal]``
- ``service_minutes_subquery(*, on=None, volunteer_ref="pk")`` to annotate a queryset
- ``served_between(volunteer, start, end) -> bool`` / ``volunteers_served_between(ids, start, end)``
  / ``service_exists(start=, end=, volunteer_ref=)`` for an ``Exists`` annotation
- ``attendance_at(volunteer, at, window=timedelta(0)) -> AttendanceMatch | None``
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities import qr
from activities.disclosure import counted_q, served_q
from activities.models import (
    Activity,
    ActivityDay,
    Attendance,
    HoursDispute,
    HoursEntry,
    SignUp,
)
from core.errors import NotFound, PermissionDenied
from core.masking import mask_name
from volunteers.models import Volunteer
from volunteers.roles import administered_org_ids
from volunteers.selectors import admin_subtree_q
from volunteers.services import user_administers

# --- star level --------------------------------------------------------------------------

# (service hours, stars), highest first. Printed on the card.
STAR_THRESHOLDS: tuple[tuple[int, int], ...] = ((1500, 5), (1000, 4), (600, 3), (300, 2), (100, 1))


def star_level(hours: Decimal | int | float) -> int:
    """Stars for a number of service hours: 1★ from exactly 100 h, … 5★ from 1500 h."""
    h = Decimal(str(hours))
    for threshold, stars in STAR_THRESHOLDS:
        if h >= threshold:
            return stars
    return 0


def minutes_to_hours(minutes: int | None) -> Decimal:
    """Minutes as hours with one decimal, rounded down so nobody is shown an hour they lack."""
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


# --- totals ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Totals:
    """A volunteer's hours on a date. ``service_scanned`` are the precise hours (activity QR or
    card scan); ``service_backfilled`` the delayed ones (self check-in and admin back-fill)."""

    service: Decimal
    service_scanned: Decimal
    service_backfilled: Decimal
    training: Decimal

    @property
    def star_level(self) -> int:
        return star_level(self.service)


def _counted(on: dt.date | None) -> Q:
    return counted_q(on)


def volunteer_hours(volunteer: Volunteer | int, *, on: dt.date | None = None) -> Totals:
    """Hours counted on ``on`` (default today): credited entries whose counts_from ≤ that day."""
    service = Q(kind=HoursEntry.Kind.SERVICE)
    sums = HoursEntry.objects.filter(_counted(on), volunteer=volunteer).aggregate(
        service=Sum("minutes", filter=service),
        scanned=Sum("minutes", filter=service & Q(source=HoursEntry.Source.SCANNED)),
        delayed=Sum("minutes", filter=service & Q(source__in=HoursEntry.DELAYED)),
        training=Sum("minutes", filter=Q(kind=HoursEntry.Kind.TRAINING)),
    )
    return Totals(
        service=minutes_to_hours(sums["service"]),
        service_scanned=minutes_to_hours(sums["scanned"]),
        service_backfilled=minutes_to_hours(sums["delayed"]),
        training=minutes_to_hours(sums["training"]),
    )


def volunteer_star_level(volunteer: Volunteer | int, *, on: dt.date | None = None) -> int:
    """The stars printed on the card: from the service hours counted on ``on`` (today)."""
    return volunteer_hours(volunteer, on=on).star_level


def volunteer_service_hours_bulk(
    volunteer_ids: Iterable[int], *, on: dt.date | None = None
) -> dict[int, Decimal]:
    """Service hours of many volunteers in one GROUP BY; every asked id is in the result."""
    ids = list(volunteer_ids)
    result = {vid: Decimal("0.0") for vid in ids}
    rows = (
        HoursEntry.objects.filter(_counted(on), volunteer_id__in=ids, kind=HoursEntry.Kind.SERVICE)
        .values("volunteer_id")
        .annotate(minutes=Sum("minutes"))
        .values_list("volunteer_id", "minutes")
    )
    for vid, minutes in rows:
        result[vid] = minutes_to_hours(minutes)
    return result


def service_minutes_subquery(*, on: dt.date | None = None, volunteer_ref: str = "pk") -> Coalesce:
    """An expression for ``.annotate()``: counted service minutes of ``OuterRef(volunteer_ref)``.
    ``Volunteer.objects.annotate(service_minutes=service_minutes_subquery())``."""
    sub = (
        HoursEntry.objects.filter(
            _counted(on), volunteer_id=OuterRef(volunteer_ref), kind=HoursEntry.Kind.SERVICE
        )
        .order_by()
        .values("volunteer_id")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def _served_q(start: Any, end: Any) -> Q:
    # Served = credited and undisputed hours on a day in range (activities.disclosure.served_q).
    return served_q() & Q(
        kind=HoursEntry.Kind.SERVICE,
        minutes__gt=0,
        service_date__gte=start,
        service_date__lte=end,
    )


def service_exists(*, start: Any, end: Any, volunteer_ref: str = "pk") -> Exists:
    """``Exists`` for an annotation: did ``OuterRef(volunteer_ref)`` serve a service activity with
    credited hours on a date in [start, end]? ``start``/``end`` may be dates or expressions
    (``OuterRef("year_start")``), so each row can have its own range."""
    return Exists(
        HoursEntry.objects.filter(_served_q(start, end), volunteer_id=OuterRef(volunteer_ref))
    )


def served_between(volunteer: Volunteer | int, start: dt.date, end: dt.date) -> bool:
    """Did the volunteer serve a service activity with credited hours between the dates
    (inclusive, by the day served)?"""
    return HoursEntry.objects.filter(_served_q(start, end), volunteer=volunteer).exists()


def volunteers_served_between(
    volunteer_ids: Iterable[int] | None, start: dt.date, end: dt.date
) -> set[int]:
    """The ids (of ``volunteer_ids``, or of everyone when None) who served in [start, end]."""
    qs = HoursEntry.objects.filter(_served_q(start, end))
    if volunteer_ids is not None:
        qs = qs.filter(volunteer_id__in=list(volunteer_ids))
    return set(qs.values_list("volunteer_id", flat=True).distinct())


# --- attendance at a moment ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttendanceMatch:
    activity_id: int
    activity_name: str
    activity_kind: str
    organisation_name: str
    day: dt.date
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    during: bool  # True when ``at`` lies between the check-in and the check-out itself


def attendance_at(
    volunteer: Volunteer | int, at: dt.datetime, window: dt.timedelta = dt.timedelta(0)
) -> AttendanceMatch | None:
    """The attendance the volunteer was checked in to at ``at``, or within ``window`` before its
    check-in or after its check-out (the travel window). A day never checked out is taken to
    end at its scheduled end. One indexed range query."""
    vid = volunteer.pk if isinstance(volunteer, Volunteer) else volunteer
    att = (
        Attendance.objects.filter(volunteer_id=vid, checked_in_at__lte=at + window)
        .annotate(until=Coalesce("checked_out_at", "day__ends_at"))
        .filter(until__gte=at - window)
        .select_related("day__activity__organisation")
        .order_by("-checked_in_at")
        .first()
    )
    if att is None:
        return None
    activity = att.day.activity
    return AttendanceMatch(
        activity_id=activity.pk,
        activity_name=activity.name,
        activity_kind=activity.kind,
        organisation_name=activity.organisation.name,
        day=att.day.date,
        checked_in_at=att.checked_in_at,
        checked_out_at=att.checked_out_at,
        during=att.checked_in_at <= at <= att.until,
    )


# --- activities ----------------------------------------------------------------------------


def _days_prefetch() -> Prefetch:
    return Prefetch("days", queryset=ActivityDay.objects.order_by("date"))


def _with_counts(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    # A correlated count, not a JOIN … GROUP BY: a page of a long list (an organisation's
    # 1,500 past activities) counts the sign-ups of its own rows, not of every row it sorts.
    admitted = (
        SignUp.objects.filter(activity=OuterRef("pk"), status=SignUp.Status.ADMITTED)
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.select_related("organisation")
        .prefetch_related(_days_prefetch())
        .annotate(admitted_count=Coalesce(Subquery(admitted, output_field=IntegerField()), 0))
    )


# ``when`` of activity_search: 未结束 (open for sign-up or under way, a day today or later)
# and 已结束 (finished, or every day past). Drafts and cancelled activities are in neither.
WHEN_CURRENT, WHEN_PAST = "current", "past"
WHEN_CHOICES = [(WHEN_CURRENT, "招募中和进行中"), (WHEN_PAST, "已结束")]


def _day_bound(order: str) -> Subquery:
    # One row of the (activity, date) unique index per activity.
    days = ActivityDay.objects.filter(activity=OuterRef("pk")).order_by(order).values("date")
    return Subquery(days[:1])


def _when(qs: QuerySet[Activity], when: str, today: dt.date) -> QuerySet[Activity]:
    qs = qs.annotate(first_date=_day_bound("date"), last_date=_day_bound("-date"))
    current = Q(status__in=Activity.OPEN_FOR_SIGNUP, last_date__gte=today)
    if when == WHEN_CURRENT:
        return qs.filter(current).order_by("first_date", "id")
    return (
        qs.filter(status__in=Activity.VISIBLE)
        .exclude(current)
        .order_by(F("last_date").desc(nulls_last=True), "-id")
    )


def activity_search(
    *,
    user: Any = None,
    status: str | None = None,
    city_code: str | None = None,
    category: str | None = None,
    kind: str | None = None,
    on: dt.date | None = None,
    keyword: str | None = None,
    organisation_id: int | None = None,
    when: str | None = None,
    today: dt.date | None = None,
) -> QuerySet[Activity]:
    """Published activities (plus the drafts and cancelled ones the user administers).
    ``when`` (``WHEN_CURRENT`` or ``WHEN_PAST``) keeps the public ones not over yet, soonest
    first, or those over, latest first."""
    visible = Q(status__in=Activity.VISIBLE)
    if user is not None and administered_org_ids(user):
        visible |= admin_subtree_q(user, "organisation__")
    qs = Activity.objects.filter(visible)
    if status:
        qs = qs.filter(status=status)
    if city_code:
        qs = qs.filter(city_code=city_code)
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    if on:
        qs = qs.filter(Exists(ActivityDay.objects.filter(activity=OuterRef("pk"), date=on)))
    if keyword:
        qs = qs.filter(Q(name__icontains=keyword) | Q(address__icontains=keyword))
    if when:
        return _with_counts(_when(qs, when, today or timezone.localdate()))
    return _with_counts(qs).order_by("-created_at", "-id")


def organisation_service_hours(organisation_id: int, *, on: dt.date | None = None) -> Decimal:
    """Service hours counted on ``on`` (today) in the activities the organisation itself
    published, its sub-organisations' not included: one SUM over the (activity, status)
    index of the organisation's activities, with the one counted-hours predicate."""
    minutes = HoursEntry.objects.filter(
        counted_q(on),
        kind=HoursEntry.Kind.SERVICE,
        activity__organisation_id=organisation_id,
    ).aggregate(total=Sum("minutes"))["total"]
    return minutes_to_hours(minutes)


def activity_detail(*, user: Any, activity_id: int) -> Activity:
    """One activity as ``user`` may see it: published ones to everyone, others to their admins."""
    activity = _with_counts(Activity.objects.filter(pk=activity_id)).first()
    if activity is None:
        raise NotFound("未找到该活动", code="activity_not_found")
    if activity.status not in Activity.VISIBLE and not user_administers(
        user, activity.organisation
    ):
        raise NotFound("未找到该活动", code="activity_not_found")
    return activity


def activity_for_admin(*, user: Any, activity_id: int) -> Activity:
    """The activity if ``user`` administers its organisation (or an ancestor). Users who
    administer nothing get 403; admins of other organisations 404, which leaks nothing."""
    if not administered_org_ids(user):
        raise PermissionDenied("只有活动发布组织的管理员可以执行该操作")
    activity = Activity.objects.select_related("organisation").filter(pk=activity_id).first()
    if activity is None or not user_administers(user, activity.organisation):
        raise NotFound("未找到该活动", code="activity_not_found")
    return activity


def activity_signups(*, user: Any, activity_id: int, status: str | None = None) -> QuerySet[SignUp]:
    activity = activity_for_admin(user=user, activity_id=activity_id)
    qs = SignUp.objects.filter(activity=activity).select_related("volunteer", "activity")
    return qs.filter(status=status) if status else qs


def activity_hours(
    *, user: Any, activity_id: int, status: str | None = None
) -> QuerySet[HoursEntry]:
    """Each activity's hour list, for its admins."""
    activity = activity_for_admin(user=user, activity_id=activity_id)
    qs = HoursEntry.objects.filter(activity=activity).select_related("volunteer", "day", "activity")
    return qs.filter(status=status) if status else qs.order_by("day__date", "volunteer_id")


def my_signups(*, volunteer: Volunteer) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(volunteer=volunteer)
        .select_related("activity__organisation")
        .order_by("-applied_at", "-id")
    )


def my_hours_entries(*, volunteer: Volunteer) -> QuerySet[HoursEntry]:
    return (
        HoursEntry.objects.filter(volunteer=volunteer)
        .select_related("activity", "day", "volunteer")
        .order_by("-service_date", "-id")
    )


def activity_qr_for_admin(
    *, user: Any, activity_id: int, day_id: int, action: str, now: dt.datetime | None = None
) -> tuple[str, dt.datetime]:
    """The rotating code an admin shows for one day's check-in or check-out, and its expiry."""
    activity = activity_for_admin(user=user, activity_id=activity_id)
    day = ActivityDay.objects.filter(pk=day_id, activity=activity).first()
    if day is None:
        raise NotFound("未找到该活动日", code="activity_day_not_found")
    code = qr.make_code(activity_id=activity.pk, day_id=day.pk, action=action, at=now)
    return code, qr.expires_at(qr.slot_of(now or timezone.now()))


def hours_entry_note(entry: HoursEntry, *, on: dt.date | None = None) -> str:
    """Why an entry does (not yet) count, in words for the volunteer."""
    today = on or timezone.localdate()
    if entry.status == HoursEntry.Status.CREDITED:
        if entry.under_dispute:
            return "公示期内收到异议，组织核实前暂不计入"
        if entry.counts_from and entry.counts_from > today:
            if entry.published_on and entry.source == HoursEntry.Source.SCANNED:
                return f"时长公示中，将于{entry.counts_from:%Y-%m-%d}起计入"
            return f"审核已通过，将于{entry.counts_from:%Y-%m-%d}起计入"
        if entry.kind == HoursEntry.Kind.TRAINING:
            return "培训时长，不计入服务时长"
        return "已计入"
    return entry.reason or entry.get_status_display()


# --- 时长公示 / 我有异议 ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisclosedEntry:
    """One line of an activity's public disclosure: the volunteer's name masked."""

    entry_id: int
    volunteer_name: str
    service_date: dt.date
    minutes: int
    source: str
    published_on: dt.date
    counts_from: dt.date
    state: str  # "disclosing" (open to disputes), "disputed", "counted"
    state_display: str


_STATE_DISPLAY = {"disclosing": "公示中", "disputed": "异议处理中", "counted": "已计入"}


def activity_disclosure(
    *, user: Any, activity_id: int, on: dt.date | None = None
) -> tuple[Activity, list[DisclosedEntry]]:
    """An activity's published hours as the public sees them (时长公示): every credited entry
    that was published, with its state on ``on`` (today). Two queries."""
    from activities.disclosure import open_for_dispute

    today = on or timezone.localdate()
    activity = activity_detail(user=user, activity_id=activity_id)
    if activity.status not in Activity.VISIBLE:
        raise NotFound("未找到该活动", code="activity_not_found")
    rows = []
    for e in (
        HoursEntry.objects.filter(
            activity=activity, status=HoursEntry.Status.CREDITED, published_on__isnull=False
        )
        .select_related("volunteer")
        .order_by("service_date", "id")
    ):
        if e.under_dispute:
            state = "disputed"
        elif open_for_dispute(e, today):
            state = "disclosing"
        else:
            state = "counted"
        rows.append(
            DisclosedEntry(
                entry_id=e.pk,
                volunteer_name=mask_name(e.volunteer.name),
                service_date=e.service_date,
                minutes=e.minutes,
                source=e.get_source_display(),
                published_on=e.published_on,
                counts_from=e.counts_from,
                state=state,
                state_display=_STATE_DISPLAY[state],
            )
        )
    return activity, rows


def disputes_for_admin(*, user: Any, status: str | None = None) -> QuerySet[HoursDispute]:
    """The disputes on hours of the activities ``user`` administers (their subtree)."""
    if not administered_org_ids(user):
        raise PermissionDenied("只有组织管理员可以查看时长异议")
    qs = HoursDispute.objects.filter(
        admin_subtree_q(user, "entry__activity__organisation__")
    ).select_related("entry__activity", "entry__volunteer", "entry__day", "raised_by")
    return qs.filter(status=status) if status else qs.order_by("-raised_at", "-id")


def my_disputes(*, user: Any) -> QuerySet[HoursDispute]:
    return HoursDispute.objects.filter(raised_by=user).select_related("entry__activity")


@dataclass(frozen=True)
class ScanTarget:
    """What a scanned activity QR is for, shown before the volunteer confirms."""

    day: ActivityDay
    action: str  # "in" or "out"

    @property
    def action_label(self) -> str:
        return "签到" if self.action == "in" else "签退"


def activity_scan_target(code: str) -> ScanTarget:
    """The activity day and the direction of a rotating check-in/check-out code; raises the
    code's own error (invalid, expired) as the service would."""
    claim = qr.verify_code(code)
    day = (
        ActivityDay.objects.select_related("activity__organisation")
        .filter(pk=claim.day_id, activity_id=claim.activity_id)
        .first()
    )
    if day is None:
        raise qr.ActivityQrInvalid()
    return ScanTarget(day=day, action=claim.action)
