"""Writes for activities: publishing, sign-up and admission, the face check, attendance and
hours. Each is atomic and audited; notifications leave after commit.

Every function that depends on the clock takes ``now`` (default ``timezone.now()``) so the
rules about days and "from the day after approval" can be tested and replayed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from activities import notifications, qr
from activities.disclosure import counts_from_for, open_for_dispute
from activities.models import (
    SELF_CHECKIN_MIN_PLACES,
    Activity,
    ActivityDay,
    Attendance,
    AttendanceMethod,
    FaceCheck,
    HoursDispute,
    HoursEntry,
    Invitation,
    SignUp,
)
from activities.selectors import activity_for_admin
from core.audit_actions import AuditAction
from core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from core.notify import notify
from core.services import audit_log_write
from volunteers.models import Membership, Organisation, Volunteer
from volunteers.services import GUANGDONG_CITY_CODES, user_administers

NOT_CHECKED_IN = "尚未签到，考勤失败"  # the manual's words, for both failures it describes
FACE_CHECK_MISSING = "未完成面验，时长暂不计入"
PENDING_APPROVAL = "自行签到签退时长待管理员审核，审核通过次日计入"


class AttendanceFailed(Conflict):
    code = "attendance_failed"
    default_message = NOT_CHECKED_IN


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _after_commit(user: Any, text: str, channels: tuple[str, ...]) -> None:
    transaction.on_commit(lambda: notify(user=user, text=text, channels=channels))


# --- geometry ------------------------------------------------------------------------------

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def overlap_minutes(
    checked_in_at: dt.datetime,
    checked_out_at: dt.datetime,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> int:
    """Whole minutes of [check-in, check-out] inside the scheduled [start, end]: never negative,
    never more than scheduled."""
    start, end = max(checked_in_at, starts_at), min(checked_out_at, ends_at)
    return max(0, int((end - start).total_seconds() // 60))


# --- activities ----------------------------------------------------------------------------


def _aware(date: dt.date, t: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, t), timezone.get_default_timezone())


def _check_activity_fields(
    *,
    name: str,
    kind: str,
    category: str,
    city_code: str,
    places: int,
    lat: Any,
    lng: Any,
    self_checkin: bool,
    checkin_radius_m: int,
    days: Sequence[tuple[dt.date, dt.time, dt.time]],
    now: dt.datetime | None,
) -> None:
    """The rules an activity's fields obey, when it is created and when it is edited."""
    if not name.strip():
        raise ValidationFailed("请填写活动名称", code="name_required", extra={"field": "name"})
    if kind not in Activity.Kind.values:
        raise ValidationFailed("请选择活动类型", code="kind", extra={"field": "kind"})
    if category not in Activity.Category.values:
        raise ValidationFailed("请选择服务类别", code="category", extra={"field": "category"})
    if city_code not in GUANGDONG_CITY_CODES:
        raise ValidationFailed(
            "请选择广东省内的活动地市", code="city_code", extra={"field": "city_code"}
        )
    if places < 1:
        raise ValidationFailed("招募人数至少为1人", code="places", extra={"field": "places"})
    if (lat is None) != (lng is None):
        raise ValidationFailed(
            "请同时填写活动地点的经度和纬度", code="location", extra={"field": "lat"}
        )
    if self_checkin:
        if places < SELF_CHECKIN_MIN_PLACES:
            raise ValidationFailed(
                "参与人数超过50人的活动才能启用自行签到签退",
                code="self_checkin_places",
                extra={"field": "self_checkin", "min_places": SELF_CHECKIN_MIN_PLACES},
            )
        if lat is None:
            raise ValidationFailed(
                "启用自行签到签退需要填写活动地点的经纬度",
                code="location_required",
                extra={"field": "lat"},
            )
        if not 50 <= checkin_radius_m <= 5000:
            raise ValidationFailed(
                "自行签到半径应在50至5000米之间", code="radius", extra={"field": "checkin_radius_m"}
            )
    if not days:
        raise ValidationFailed(
            "请至少安排一天活动时间", code="days_required", extra={"field": "days"}
        )
    today = timezone.localdate(_now(now))
    dates = [d for d, _s, _e in days]
    if len(set(dates)) != len(dates):
        raise ValidationFailed("活动日期不能重复", code="days_duplicate", extra={"field": "days"})
    for d, start, end in days:
        if d < today:
            raise ValidationFailed(
                f"活动日期 {d:%Y-%m-%d} 已过", code="day_past", extra={"field": "days"}
            )
        if end <= start:
            raise ValidationFailed(
                f"{d:%Y-%m-%d} 的结束时间应晚于开始时间", code="day_times", extra={"field": "days"}
            )


@transaction.atomic
def activity_create(
    *,
    admin: Any,
    organisation: Organisation,
    name: str,
    days: Sequence[tuple[dt.date, dt.time, dt.time]],
    places: int,
    address: str,
    city_code: str,
    contact_name: str,
    contact_phone: str,
    kind: str = Activity.Kind.SERVICE,
    category: str = Activity.Category.COMMUNITY,
    description: str = "",
    lat: Decimal | float | None = None,
    lng: Decimal | float | None = None,
    members_only: bool = False,
    self_checkin: bool = False,
    checkin_radius_m: int = 500,
    checkin_before_min: int = 60,
    checkin_after_min: int = 60,
    now: dt.datetime | None = None,
) -> Activity:
    """An admin of ``organisation`` creates a draft activity with its days (Asia/Shanghai)."""
    if not user_administers(admin, organisation):
        raise PermissionDenied("只有该组织的管理员可以发布活动")
    _check_activity_fields(
        name=name,
        kind=kind,
        category=category,
        city_code=city_code,
        places=places,
        lat=lat,
        lng=lng,
        self_checkin=self_checkin,
        checkin_radius_m=checkin_radius_m,
        days=days,
        now=now,
    )
    activity = Activity.objects.create(
        name=name.strip(),
        kind=kind,
        category=category,
        description=description,
        organisation=organisation,
        contact_name=contact_name,
        contact_phone=contact_phone,
        address=address,
        city_code=city_code,
        lat=lat,
        lng=lng,
        places=places,
        members_only=members_only,
        self_checkin=self_checkin,
        checkin_radius_m=checkin_radius_m,
        checkin_before_min=checkin_before_min,
        checkin_after_min=checkin_after_min,
        created_by=admin,
    )
    ActivityDay.objects.bulk_create(
        ActivityDay(activity=activity, date=d, starts_at=_aware(d, s), ends_at=_aware(d, e))
        for d, s, e in sorted(days)
    )
    audit_log_write(action=AuditAction.ACTIVITY_CREATE, actor=admin, target=activity)
    return activity


EDITABLE_FIELDS = (
    "name",
    "kind",
    "category",
    "description",
    "contact_name",
    "contact_phone",
    "address",
    "city_code",
    "lat",
    "lng",
    "places",
    "members_only",
    "self_checkin",
    "checkin_radius_m",
    "checkin_before_min",
    "checkin_after_min",
)


@transaction.atomic
def activity_update(
    *,
    admin: Any,
    activity_id: int,
    days: Sequence[tuple[dt.date, dt.time, dt.time]],
    now: dt.datetime | None = None,
    **fields: Any,
) -> Activity:
    """Edit a draft activity (every field and its days) before it is published; a published
    activity is not edited: volunteers signed up for what it said."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    activity_for_admin(user=admin, activity_id=activity_id)
    activity = _locked_activity(activity_id)
    if activity.status != Activity.Status.DRAFT:
        raise Conflict(
            f"活动已{activity.get_status_display()}，发布后不能再修改", code="activity_not_draft"
        )
    for key, value in fields.items():
        setattr(activity, key, value.strip() if isinstance(value, str) else value)
    _check_activity_fields(
        name=activity.name,
        kind=activity.kind,
        category=activity.category,
        city_code=activity.city_code,
        places=activity.places,
        lat=activity.lat,
        lng=activity.lng,
        self_checkin=activity.self_checkin,
        checkin_radius_m=activity.checkin_radius_m,
        days=days,
        now=now,
    )
    activity.save(update_fields=list(fields))
    activity.days.all().delete()  # a draft has no sign-ups or attendance on its days
    ActivityDay.objects.bulk_create(
        ActivityDay(activity=activity, date=d, starts_at=_aware(d, s), ends_at=_aware(d, e))
        for d, s, e in sorted(days)
    )
    audit_log_write(
        action=AuditAction.ACTIVITY_UPDATE,
        actor=admin,
        target=activity,
        data={"fields": sorted(fields)},
    )
    return activity


def _transition(activity: Activity, to: str, *, actor: Any, now: dt.datetime | None = None) -> None:
    """The one place an activity's status moves; checks ``Activity.TRANSITIONS``."""
    if to not in Activity.TRANSITIONS[activity.status]:
        raise IllegalTransition(
            f"活动当前为「{activity.get_status_display()}」，不能改为「{Activity.Status(to).label}」",
            extra={"from": activity.status, "to": to},
        )
    old = activity.status
    activity.status = to
    activity.status_changed_at = _now(now)
    activity.save(update_fields=["status", "status_changed_at"])
    audit_log_write(
        action=AuditAction.ACTIVITY_TRANSITION,
        actor=actor,
        target=activity,
        data={"from": old, "to": to},
    )


@transaction.atomic
def activity_change_status(
    *, admin: Any, activity_id: int, status: str, now: dt.datetime | None = None
) -> Activity:
    """Publish, start, finish or cancel an activity; cancelling tells the admitted volunteers."""
    activity = activity_for_admin(user=admin, activity_id=activity_id)
    activity = (
        Activity.objects.select_for_update().select_related("organisation").get(pk=activity.pk)
    )
    if status not in Activity.Status.values:
        raise ValidationFailed("未知的活动状态", code="status", extra={"field": "status"})
    _transition(activity, status, actor=admin, now=now)
    if status == Activity.Status.CANCELLED:
        text = notifications.cancelled_text(activity)
        for s in activity.signups.filter(status=SignUp.Status.ADMITTED).select_related(
            "volunteer__user"
        ):
            _after_commit(s.volunteer.user, text, notifications.ALL_CHANNELS)
    return activity


# --- sign-up and admission -----------------------------------------------------------------


def _locked_activity(activity_id: int) -> Activity:
    activity = (
        Activity.objects.select_for_update()
        .select_related("organisation")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None:
        raise NotFound("未找到该活动", code="activity_not_found")
    return activity


def _refuse_if_full(activity: Activity) -> None:
    admitted = SignUp.objects.filter(activity=activity, status=SignUp.Status.ADMITTED).count()
    if admitted >= activity.places:
        raise Conflict("活动报名人数已满", code="activity_full", extra={"places": activity.places})


def _check_eligible(activity: Activity, volunteer: Volunteer) -> None:
    approved = Membership.objects.filter(volunteer=volunteer, status=Membership.Status.APPROVED)
    if not approved.exists():
        raise ValidationFailed(
            "您还没有已审核通过的归属组织，暂不能报名活动：请先申请加入归属组织，等待组织管理员审核通过后再报名",
            code="membership_required",
        )
    if activity.members_only and not approved.filter(organisation=activity.organisation).exists():
        raise PermissionDenied(
            f"该活动只允许本组织志愿者报名：只有直接加入「{activity.organisation.name}」的志愿者可以报名，"
            "下级组织/团体的志愿者不在其列",
            code="members_only",
        )


@transaction.atomic
def signup_create(
    *, volunteer: Volunteer, activity_id: int, now: dt.datetime | None = None
) -> SignUp:
    """A volunteer signs up (我要报名). An invited volunteer is admitted at once, without the
    admission SMS (as the manual says)."""
    activity = _locked_activity(activity_id)
    if activity.status not in Activity.OPEN_FOR_SIGNUP:
        raise Conflict(f"该活动{activity.get_status_display()}，不能报名", code="activity_closed")
    last_day = activity.days.order_by("-ends_at").first()
    if last_day is not None and last_day.ends_at <= _now(now):
        raise Conflict("该活动已结束，不能报名", code="activity_closed")
    _check_eligible(activity, volunteer)
    existing = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if existing is not None:
        if existing.status == SignUp.Status.REMOVED:
            raise Conflict(
                f"您已被移出该活动，如有疑问请联系负责人：{activity.contact_name}",
                code="signup_removed",
            )
        raise Conflict("您已报名该活动，请勿重复报名", code="signup_exists")
    _refuse_if_full(activity)
    invited = Invitation.objects.filter(activity=activity, volunteer=volunteer).exists()
    signup = SignUp.objects.create(
        activity=activity,
        volunteer=volunteer,
        invited=invited,
        status=SignUp.Status.ADMITTED if invited else SignUp.Status.APPLIED,
        decided_at=_now(now) if invited else None,
    )
    audit_log_write(
        action=AuditAction.SIGNUP_CREATE,
        actor=volunteer.user,
        target=signup,
        data={"invited": invited},
    )
    return signup


def _locked_signup_for_admin(admin: Any, signup_id: int) -> SignUp:
    activity_id = SignUp.objects.filter(pk=signup_id).values_list("activity_id", flat=True).first()
    activity_for_admin(user=admin, activity_id=activity_id or 0)  # 403 non-admins, 404 others
    _locked_activity(activity_id)  # admissions of one activity are serialised: places are exact
    return (
        SignUp.objects.select_for_update()
        .select_related("activity__organisation", "volunteer__user")
        .get(pk=signup_id)
    )


_SIGNUP_AUDIT = {
    SignUp.Status.ADMITTED: AuditAction.SIGNUP_ADMITTED,
    SignUp.Status.REMOVED: AuditAction.SIGNUP_REMOVED,
}


def _signup_transition(signup: SignUp, to: str, *, admin: Any, now: dt.datetime | None) -> None:
    if to not in SignUp.TRANSITIONS[signup.status]:
        raise IllegalTransition(
            f"该报名当前为「{signup.get_status_display()}」，不能改为「{SignUp.Status(to).label}」",
            extra={"from": signup.status, "to": to},
        )
    signup.status = to
    signup.decided_at = _now(now)
    signup.decided_by = admin
    signup.save(update_fields=["status", "decided_at", "decided_by"])
    audit_log_write(action=_SIGNUP_AUDIT[to], actor=admin, target=signup)


@transaction.atomic
def signup_admit(*, admin: Any, signup_id: int, now: dt.datetime | None = None) -> SignUp:
    """The publishing organisation's admin admits (录用) a sign-up; the volunteer gets the SMS."""
    signup = _locked_signup_for_admin(admin, signup_id)
    if signup.status == SignUp.Status.APPLIED:
        _refuse_if_full(signup.activity)
    _signup_transition(signup, SignUp.Status.ADMITTED, admin=admin, now=now)
    _after_commit(
        signup.volunteer.user,
        notifications.admitted_text(signup.activity),
        notifications.ALL_CHANNELS,
    )
    return signup


@transaction.atomic
def signup_remove(*, admin: Any, signup_id: int, now: dt.datetime | None = None) -> SignUp:
    """The admin removes (移出) a volunteer from the activity; the volunteer is told who did it."""
    signup = _locked_signup_for_admin(admin, signup_id)
    _signup_transition(signup, SignUp.Status.REMOVED, admin=admin, now=now)
    _after_commit(
        signup.volunteer.user,
        notifications.removed_text(signup.activity, admin),
        notifications.ALL_CHANNELS,
    )
    return signup


@transaction.atomic
def invitation_create(*, admin: Any, activity_id: int, volunteer_id: int) -> Invitation:
    """The admin invites a volunteer of the organisation (or its subtree; for a members-only
    activity, of the organisation itself)."""
    activity = activity_for_admin(user=admin, activity_id=activity_id)
    if activity.status not in Activity.OPEN_FOR_SIGNUP:
        raise Conflict(f"该活动{activity.get_status_display()}，不能邀请", code="activity_closed")
    members = Membership.objects.filter(
        volunteer_id=volunteer_id, status=Membership.Status.APPROVED
    )
    if activity.members_only:
        members = members.filter(organisation=activity.organisation)
    else:
        members = members.filter(organisation__path__startswith=activity.organisation.path)
    volunteer = Volunteer.objects.select_related("user").filter(pk=volunteer_id).first()
    if volunteer is None or not members.exists():
        raise NotFound("只能邀请本组织的志愿者", code="volunteer_not_found")
    invitation, created = Invitation.objects.get_or_create(
        activity=activity, volunteer=volunteer, defaults={"invited_by": admin}
    )
    if created:
        audit_log_write(action=AuditAction.INVITATION_CREATE, actor=admin, target=invitation)
        _after_commit(volunteer.user, notifications.invited_text(activity), ("wechat", "site"))
    return invitation


# --- face check ----------------------------------------------------------------------------


@transaction.atomic
def face_check_record(
    *, admin: Any, activity_id: int, volunteer_id: int, now: dt.datetime | None = None
) -> FaceCheck:
    """面验: an admin of the activity confirms a signed-up volunteer against their ID. Once in a
    volunteer's life; recording it again returns the first."""
    activity = activity_for_admin(user=admin, activity_id=activity_id)
    signup = (
        SignUp.objects.filter(activity=activity, volunteer_id=volunteer_id)
        .exclude(status=SignUp.Status.REMOVED)
        .select_related("volunteer")
        .first()
    )
    if signup is None:
        raise NotFound("该志愿者未报名本活动", code="signup_not_found")
    existing = FaceCheck.objects.filter(volunteer_id=volunteer_id).first()
    if existing is not None:
        return existing
    face_check = FaceCheck.objects.create(
        volunteer=signup.volunteer, activity=activity, checked_by=admin, checked_at=_now(now)
    )
    audit_log_write(action=AuditAction.FACE_CHECK_RECORD, actor=admin, target=face_check)
    return face_check


# --- attendance ----------------------------------------------------------------------------


def _window(day: ActivityDay) -> tuple[dt.datetime, dt.datetime]:
    a = day.activity
    return (
        day.starts_at - dt.timedelta(minutes=a.checkin_before_min),
        day.ends_at + dt.timedelta(minutes=a.checkin_after_min),
    )


def _check_window(day: ActivityDay, at: dt.datetime) -> None:
    opens, closes = _window(day)
    if not opens <= at <= closes:
        local = timezone.localtime
        raise ValidationFailed(
            f"不在该活动日的签到签退时间内：{local(opens):%Y-%m-%d %H:%M} 至 {local(closes):%H:%M}",
            code="outside_window",
            extra={"opens": opens.isoformat(), "closes": closes.isoformat()},
        )


_ATTENDANCE_AUDIT = {"in": AuditAction.ATTENDANCE_IN, "out": AuditAction.ATTENDANCE_OUT}


def _record(
    *,
    day: ActivityDay,
    volunteer: Volunteer,
    action: str,
    method: str,
    at: dt.datetime,
    by: Any = None,
) -> Attendance:
    """Check in or out of one day, by any method; a check-out earns the day's hours."""
    # No lock on the activity: thousands check in to one marathon at once.
    activity = Activity.objects.get(pk=day.activity_id)
    day.activity = activity
    if activity.status not in Activity.OPEN_FOR_ATTENDANCE:
        raise Conflict(
            f"该活动{activity.get_status_display()}，不能签到签退", code="activity_closed"
        )
    if not SignUp.objects.filter(
        activity=activity, volunteer=volunteer, status=SignUp.Status.ADMITTED
    ).exists():
        raise PermissionDenied("您未被录用参加该活动，不能签到签退", code="not_admitted")
    _check_window(day, at)
    att = Attendance.objects.select_for_update().filter(day=day, volunteer=volunteer).first()
    if action == "in":
        if att is not None:
            raise Conflict("今日已签到，请勿重复签到", code="already_checked_in")
        try:
            with transaction.atomic():
                att = Attendance.objects.create(
                    day=day,
                    volunteer=volunteer,
                    checked_in_at=at,
                    check_in_method=method,
                    check_in_by=by,
                )
        except IntegrityError as exc:  # a concurrent check-in of the same day
            raise Conflict("今日已签到，请勿重复签到", code="already_checked_in") from exc
        if activity.status == Activity.Status.PUBLISHED:  # the first check-in starts it
            locked = Activity.objects.select_for_update().get(pk=activity.pk)
            if locked.status == Activity.Status.PUBLISHED:
                _transition(locked, Activity.Status.ONGOING, actor=by, now=at)
    elif action == "out":
        if att is None or att.checked_out_at is not None:
            raise AttendanceFailed(
                extra={"reason": "not_checked_in" if att is None else "checked_out"}
            )
        att.day = day
        att.checked_out_at = at
        att.check_out_method = method
        att.check_out_by = by
        att.save(update_fields=["checked_out_at", "check_out_method", "check_out_by"])
        source = HoursEntry.Source.SELF if att.is_self else HoursEntry.Source.SCANNED
        _hours_create(attendance=att, source=source, at=at)
    else:
        raise ValidationFailed("请选择签到或签退", code="action", extra={"field": "action"})
    audit_log_write(
        action=_ATTENDANCE_AUDIT[action],
        actor=by or volunteer.user,
        target=att,
        data={"method": method, "day": day.pk},
    )
    return att


def _hours_create(
    *,
    attendance: Attendance,
    source: str,
    at: dt.datetime,
    approved_by: Any = None,
    reason: str = "",
) -> HoursEntry:
    """The hours of a closed attendance: credited, pending approval, or withheld (no 面验)."""
    day, activity = attendance.day, attendance.day.activity
    if HoursEntry.objects.filter(volunteer_id=attendance.volunteer_id, day=day).exists():
        raise Conflict("该志愿者当日已有时长记录", code="hours_exist")
    minutes = overlap_minutes(
        attendance.checked_in_at, attendance.checked_out_at, day.starts_at, day.ends_at
    )
    today = timezone.localdate(at)
    fields: dict[str, Any] = {"reason": reason[:200]}
    if not FaceCheck.objects.filter(volunteer_id=attendance.volunteer_id).exists():
        fields.update(status=HoursEntry.Status.WITHHELD, reason=FACE_CHECK_MISSING)
    elif source == HoursEntry.Source.SCANNED:  # precise: counts once its disclosure ends
        fields.update(
            status=HoursEntry.Status.CREDITED,
            published_on=today,
            counts_from=counts_from_for(delay_from=today, published_on=today),
        )
    elif source == HoursEntry.Source.SELF:
        fields.update(status=HoursEntry.Status.PENDING, reason=PENDING_APPROVAL)
    else:  # a back-fill is approved by the admin who enters it
        fields.update(
            status=HoursEntry.Status.CREDITED,
            published_on=today,
            counts_from=counts_from_for(
                delay_from=today + dt.timedelta(days=1), published_on=today
            ),
            approved_by=approved_by,
            approved_at=at,
        )
    return HoursEntry.objects.create(
        volunteer_id=attendance.volunteer_id,
        activity=activity,
        day=day,
        attendance=attendance,
        kind=activity.kind,
        service_date=day.date,
        minutes=minutes,
        source=source,
        **fields,
    )


@transaction.atomic
def attendance_scan_activity_qr(
    *, volunteer: Volunteer, code: str, now: dt.datetime | None = None
) -> Attendance:
    """The volunteer scanned the rotating check-in or check-out QR (精准计时)."""
    at = _now(now)
    claim = qr.verify_code(code, now=at)
    day = ActivityDay.objects.filter(pk=claim.day_id, activity_id=claim.activity_id).first()
    if day is None:
        raise qr.ActivityQrInvalid()
    return _record(
        day=day,
        volunteer=volunteer,
        action=claim.action,
        method=AttendanceMethod.ACTIVITY_QR,
        at=at,
    )


@transaction.atomic
def attendance_scan_card(
    *,
    admin: Any,
    activity_day: ActivityDay,
    volunteer: Volunteer,
    action: str,
    now: dt.datetime | None = None,
) -> Attendance:
    """An admin scanned the volunteer's card QR (精准计时). ``volunteer`` is already verified
    from the card by card_service; ``action`` is "in" or "out"."""
    activity_for_admin(user=admin, activity_id=activity_day.activity_id)
    return _record(
        day=activity_day,
        volunteer=volunteer,
        action=action,
        method=AttendanceMethod.CARD_SCAN,
        at=_now(now),
        by=admin,
    )


@transaction.atomic
def attendance_self(
    *,
    volunteer: Volunteer,
    activity_id: int,
    action: str,
    lat: float,
    lng: float,
    now: dt.datetime | None = None,
) -> Attendance:
    """Self check-in/out (自行签到签退) inside the activity's radius and time window; the hours
    wait for an admin's approval and then count from the next day."""
    at = _now(now)
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise NotFound("未找到该活动", code="activity_not_found")
    if not activity.self_checkin:
        raise Conflict(
            "该活动未启用自行签到签退，请扫描管理员出示的二维码", code="self_checkin_disabled"
        )
    days = list(activity.days.all())
    for d in days:
        d.activity = activity
    day = next((d for d in days if _window(d)[0] <= at <= _window(d)[1]), None)
    if day is None:
        raise ValidationFailed(
            "现在不在活动的签到签退时间内", code="outside_window", extra={"activity": activity.pk}
        )
    distance = haversine_m(float(lat), float(lng), float(activity.lat), float(activity.lng))
    if distance > activity.checkin_radius_m:
        raise ValidationFailed(
            f"您不在活动地点附近：距离约{distance:.0f}米，须在{activity.checkin_radius_m}米以内",
            code="outside_radius",
            extra={"distance_m": round(distance), "radius_m": activity.checkin_radius_m},
        )
    return _record(day=day, volunteer=volunteer, action=action, method=AttendanceMethod.SELF, at=at)


# --- hours ---------------------------------------------------------------------------------


@transaction.atomic
def hours_decide(
    *, admin: Any, entry_id: int, approve: bool, now: dt.datetime | None = None, reason: str = ""
) -> HoursEntry:
    """The admin approves or rejects self check-in hours; approved ones count from tomorrow."""
    activity_id = (
        HoursEntry.objects.filter(pk=entry_id).values_list("activity_id", flat=True).first()
    )
    if activity_id is None:
        raise NotFound("未找到该时长记录", code="hours_not_found")
    activity_for_admin(user=admin, activity_id=activity_id)
    entry = (
        HoursEntry.objects.select_for_update()
        .select_related("activity", "volunteer__user")
        .get(pk=entry_id)
    )
    if entry.status != HoursEntry.Status.PENDING:
        raise Conflict("该时长记录不在待审核状态", code="hours_not_pending")
    at = _now(now)
    entry.approved_by, entry.approved_at = admin, at
    if approve:
        today = timezone.localdate(at)
        entry.status = HoursEntry.Status.CREDITED
        entry.published_on = today
        entry.counts_from = counts_from_for(
            delay_from=today + dt.timedelta(days=1), published_on=today
        )
        entry.reason = ""
    else:
        entry.status = HoursEntry.Status.REJECTED
        entry.reason = (reason or "审核未通过")[:200]
    entry.save(
        update_fields=[
            "status",
            "counts_from",
            "published_on",
            "reason",
            "approved_by",
            "approved_at",
        ]
    )
    audit_log_write(
        action=AuditAction.HOURS_DECIDE,
        actor=admin,
        target=entry,
        reason=reason,
        data={"approve": approve},
    )
    _after_commit(
        entry.volunteer.user,
        notifications.hours_decided_text(
            entry.activity, approved=approve, counts_from=entry.counts_from
        ),
        ("site",),
    )
    return entry


@transaction.atomic
def hours_backfill(
    *,
    admin: Any,
    activity_day: ActivityDay,
    volunteer: Volunteer,
    checked_in_at: dt.datetime,
    checked_out_at: dt.datetime,
    reason: str,
    now: dt.datetime | None = None,
) -> HoursEntry:
    """补录: an admin enters a day's check-in and check-out afterwards, with a reason. The
    hours count from the day after (the entry is approved as it is made)."""
    activity = activity_for_admin(user=admin, activity_id=activity_day.activity_id)
    at = _now(now)
    if not reason.strip():
        raise ValidationFailed("请填写补录原因", code="reason_required", extra={"field": "reason"})
    if activity.status not in Activity.OPEN_FOR_BACKFILL:
        raise Conflict(f"该活动{activity.get_status_display()}，不能补录", code="activity_closed")
    if not checked_in_at < checked_out_at <= at:
        raise ValidationFailed(
            "补录的签退时间应晚于签到时间，且不能晚于现在",
            code="backfill_times",
            extra={"field": "checked_out_at"},
        )
    if not SignUp.objects.filter(
        activity=activity, volunteer=volunteer, status=SignUp.Status.ADMITTED
    ).exists():
        raise PermissionDenied("该志愿者未被录用参加本活动，不能补录", code="not_admitted")
    activity_day.activity = activity
    att = (
        Attendance.objects.select_for_update().filter(day=activity_day, volunteer=volunteer).first()
    )
    if att is None:
        att = Attendance.objects.create(
            day=activity_day,
            volunteer=volunteer,
            checked_in_at=checked_in_at,
            check_in_method=AttendanceMethod.BACKFILL,
            check_in_by=admin,
        )
    elif att.checked_out_at is not None:
        raise Conflict("该志愿者当日已签退，已有时长记录", code="hours_exist")
    att.checked_out_at, att.check_out_method, att.check_out_by = (
        checked_out_at,
        AttendanceMethod.BACKFILL,
        admin,
    )
    att.save(update_fields=["checked_out_at", "check_out_method", "check_out_by"])
    entry = _hours_create(
        attendance=att, source=HoursEntry.Source.BACKFILL, at=at, approved_by=admin, reason=reason
    )
    audit_log_write(action=AuditAction.HOURS_BACKFILL, actor=admin, target=entry, reason=reason)
    return entry


# --- 时长公示 / 我有异议 ---------------------------------------------------------------------

DISPUTE_REASON_MAX = 500


def _org_admin_users(organisation_id: int) -> list[Any]:
    from volunteers.models import OrganisationAdmin

    return [
        r.user
        for r in OrganisationAdmin.objects.filter(organisation_id=organisation_id).select_related(
            "user"
        )
    ]


@transaction.atomic
def hours_dispute_raise(
    *, user: Any, entry_id: int, reason: str, now: dt.datetime | None = None
) -> HoursDispute:
    """我有异议: any signed-in person objects to a published entry with a reason; the entry
    stops counting until the organisation answers."""
    at = _now(now)
    today = timezone.localdate(at)
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录再提出异议", code="login_required")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写异议理由", code="reason_required", extra={"field": "reason"})
    if len(reason) > DISPUTE_REASON_MAX:
        raise ValidationFailed(
            f"异议理由不能超过{DISPUTE_REASON_MAX}字",
            code="reason_too_long",
            extra={"field": "reason", "max": DISPUTE_REASON_MAX},
        )
    entry = (
        HoursEntry.objects.select_for_update()
        .select_related("activity", "volunteer__user")
        .filter(pk=entry_id, published_on__isnull=False)
        .first()
    )
    if entry is None or entry.activity.status not in Activity.VISIBLE:
        raise NotFound("未找到该时长记录", code="hours_not_found")
    if entry.under_dispute:
        raise Conflict("该时长已有异议正在处理，请等待组织答复", code="dispute_open")
    if not open_for_dispute(entry, today):
        raise Conflict(
            "该时长不在公示期内，不能提出异议；如有疑问，请联系活动发布组织",
            code="not_in_disclosure",
            extra={"published_on": str(entry.published_on), "counts_from": str(entry.counts_from)},
        )
    dispute = HoursDispute.objects.create(entry=entry, raised_by=user, reason=reason, raised_at=at)
    entry.under_dispute = True
    entry.save(update_fields=["under_dispute"])
    audit_log_write(
        action=AuditAction.HOURS_DISPUTE_RAISE,
        actor=user,
        target=dispute,
        reason=reason,
        data={"entry": entry.pk, "activity": entry.activity_id},
    )
    _after_commit(user, notifications.dispute_received_text(entry.activity), ("site",))
    _after_commit(
        entry.volunteer.user, notifications.dispute_on_you_text(entry.activity), ("site",)
    )
    for admin_user in _org_admin_users(entry.activity.organisation_id):
        _after_commit(admin_user, notifications.dispute_for_org_text(entry.activity), ("site",))
    return dispute


@transaction.atomic
def hours_dispute_answer(
    *,
    admin: Any,
    dispute_id: int,
    uphold: bool,
    answer: str,
    minutes: int | None = None,
    now: dt.datetime | None = None,
) -> HoursDispute:
    """The organisation answers a dispute. Upheld: the entry is corrected to ``minutes`` or,
    without minutes, removed. Rejected: it stands. Either way it counts again (if it still
    does) from the later of its own date and today."""
    entry_activity = (
        HoursDispute.objects.filter(pk=dispute_id).values_list("entry__activity_id", flat=True)
    ).first()
    if entry_activity is None:
        raise NotFound("未找到该异议", code="dispute_not_found")
    activity_for_admin(user=admin, activity_id=entry_activity)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed("请填写答复内容", code="answer_required", extra={"field": "answer"})
    if len(answer) > DISPUTE_REASON_MAX:
        raise ValidationFailed(
            f"答复不能超过{DISPUTE_REASON_MAX}字", code="answer_too_long", extra={"field": "answer"}
        )
    dispute = (
        HoursDispute.objects.select_for_update()
        .select_related("entry__activity", "entry__day", "entry__volunteer__user", "raised_by")
        .get(pk=dispute_id)
    )
    if dispute.status != HoursDispute.Status.OPEN:
        raise Conflict("该异议已答复", code="dispute_answered")
    entry = dispute.entry
    if minutes is not None:
        if not uphold:
            raise ValidationFailed(
                "只有异议成立时才能更正时长", code="minutes_on_reject", extra={"field": "minutes"}
            )
        limit = entry.day.scheduled_minutes
        if not 0 < minutes <= limit or minutes == entry.minutes:
            raise ValidationFailed(
                f"更正后的时长应在1到{limit}分钟之间，且与原时长不同",
                code="minutes_invalid",
                extra={"field": "minutes", "max": limit},
            )
    at = _now(now)
    today = timezone.localdate(at)
    dispute.status = HoursDispute.Status.UPHELD if uphold else HoursDispute.Status.REJECTED
    dispute.answered_by, dispute.answered_at, dispute.answer = admin, at, answer
    fields = ["under_dispute"]
    entry.under_dispute = False
    if uphold and minutes is None:
        entry.status = HoursEntry.Status.REJECTED
        entry.counts_from = None
        entry.reason = "时长异议成立，该时长已撤销"
        fields += ["status", "counts_from", "reason"]
    else:
        if uphold:
            dispute.minutes_before, dispute.minutes_after = entry.minutes, minutes
            entry.minutes = minutes
            fields.append("minutes")
        entry.counts_from = max(entry.counts_from, today)
        fields.append("counts_from")
    entry.save(update_fields=fields)
    dispute.save(
        update_fields=[
            "status",
            "answered_by",
            "answered_at",
            "answer",
            "minutes_before",
            "minutes_after",
        ]
    )
    audit_log_write(
        action=AuditAction.HOURS_DISPUTE_ANSWER,
        actor=admin,
        target=dispute,
        reason=answer,
        data={"entry": entry.pk, "uphold": uphold, "minutes": minutes},
    )
    text = notifications.dispute_answered_text(entry.activity, dispute)
    _after_commit(dispute.raised_by, text, ("site",))
    if entry.volunteer.user_id != dispute.raised_by_id:
        _after_commit(entry.volunteer.user, text, ("site",))
    return dispute
