"""Reads for volunteers and organisations, with the caller's permissions applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from core.audit_actions import AuditAction
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.masking import mask_id_number, mask_mobile, mask_name
from core.services import audit_log_write
from volunteers import identity
from volunteers.fast import first_volunteer
from volunteers.models import Membership, Organisation, Volunteer
from volunteers.roles import administered_org_ids, is_hotline


def volunteer_of(user: Any) -> Volunteer:
    volunteer = first_volunteer("user_id", [user.pk]) if user.is_authenticated else None
    if volunteer is None:
        raise NotFound("当前账号不是志愿者", code="not_a_volunteer")
    return volunteer


def admin_subtree_q(user: Any, prefix: str = "") -> Q:
    """A filter for objects in the subtrees of the organisations ``user`` administers."""
    ids = administered_org_ids(user)
    if not ids:
        return Q(pk__in=[])
    paths = Organisation.objects.filter(pk__in=ids).values_list("path", flat=True)
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def organisations_administered(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(admin_subtree_q(user))


def organisation_list(
    *,
    parent_id: int | None = None,
    keyword: str = "",
    city_code: str | None = None,
    kind: str | None = None,
) -> QuerySet[Organisation]:
    """The public directory and the pickers: organisations in tree order (``path``), each
    filter served by an index (see ``Organisation.Meta.indexes``)."""
    qs = Organisation.objects.select_related("parent")
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if city_code:
        qs = qs.filter(city_code=city_code)
    if kind:
        qs = qs.filter(kind=kind)
    if keyword:
        qs = qs.filter(name__icontains=keyword)
    return qs.order_by("path")


def organisation_member_counts(organisation_ids: list[int]) -> dict[int, int]:
    """Members (approved memberships) of each organisation itself, sub-organisations not
    included: one GROUP BY over the (organisation, status) index for a whole page, every asked
    id in the result."""
    counts = dict.fromkeys(organisation_ids, 0)
    rows = (
        Membership.objects.filter(
            organisation_id__in=organisation_ids, status=Membership.Status.APPROVED
        )
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    counts.update(rows)
    return counts


def with_member_counts(organisations: Iterable[Organisation]) -> list[Organisation]:
    """The organisations of one page, each with ``members_count`` (one query for the page)."""
    orgs = list(organisations)
    counts = organisation_member_counts([o.pk for o in orgs])
    for org in orgs:
        org.members_count = counts[org.pk]
    return orgs


# An organisation's hours total is a SUM over all its hours entries: for a busy organisation
# (a university's association: 10^5–10^6 entries) that is the page's one costly read, so it
# is kept for a while. Hours count days after they are served (时长公示), so a total some
# minutes old is as true as a fresh one.
ORG_HOURS_CACHE_SECONDS = 600


def organisation_profile(*, organisation_id: int, on: dt.date | None = None) -> Organisation:
    """One organisation as its public page shows it (every organisation is public), with
    ``members_count`` and ``service_hours`` of the organisation itself (sub-organisations not
    included: see ``activities.selectors.organisation_service_hours``; cached
    ``ORG_HOURS_CACHE_SECONDS``) and ``children_count``. Four indexed queries at most."""
    from django.core.cache import cache
    from django.utils import timezone

    from activities.selectors import organisation_service_hours

    org = Organisation.objects.select_related("parent").filter(pk=organisation_id).first()
    if org is None:
        raise NotFound("未找到该组织", code="organisation_not_found")
    with_member_counts([org])
    day = on or timezone.localdate()
    org.service_hours = cache.get_or_set(
        f"org-service-hours:{org.pk}:{day.isoformat()}",
        lambda: organisation_service_hours(org.pk, on=day),
        ORG_HOURS_CACHE_SECONDS,
    )
    org.children_count = Organisation.objects.filter(parent_id=org.pk).count()
    return org


def organisation_children(*, parent_id: int | None) -> QuerySet[Organisation]:
    """One level of the organisation tree (the roots when ``parent_id`` is None), each with
    ``has_children``; ordered by city then age, as the tree is browsed."""
    qs = (
        Organisation.objects.filter(parent_id=parent_id)
        if parent_id
        else (Organisation.objects.filter(parent__isnull=True))
    )
    return qs.annotate(
        has_children=Exists(Organisation.objects.filter(parent_id=OuterRef("pk")))
    ).order_by("city_code", "id")


def organisation_volunteers(*, user: Any, organisation_id: int) -> QuerySet[Volunteer]:
    """Volunteers with a live membership in the organisation, for its admins only."""
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None or not organisations_administered(user).filter(pk=org.pk).exists():
        raise NotFound("未找到该组织")
    return (
        Volunteer.objects.filter(
            memberships__organisation=org, memberships__status__in=Membership.LIVE
        )
        .distinct()
        .order_by("id")
    )


def organisation_pending_memberships(*, user: Any, organisation_id: int) -> QuerySet[Membership]:
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None or not organisations_administered(user).filter(pk=org.pk).exists():
        raise NotFound("未找到该组织")
    return Membership.objects.filter(organisation=org).select_related("volunteer", "organisation")


def volunteer_visible_to(*, user: Any, volunteer_id: int) -> Volunteer:
    """A volunteer record as ``user`` may see it: their own, their organisations' (admins)."""
    v = Volunteer.objects.filter(pk=volunteer_id).first()
    if v is None:
        raise NotFound("未找到该志愿者")
    if v.user_id == user.pk:
        return v
    in_admin_tree = Membership.objects.filter(
        admin_subtree_q(user, "organisation__"), volunteer=v, status__in=Membership.LIVE
    ).exists()
    if not in_admin_tree:
        raise NotFound("未找到该志愿者")
    return v


def _only_volunteer(
    candidates: QuerySet[Volunteer], ambiguous: str, *, user: Any, reason: str, target: dict
) -> Volunteer | None:
    """The one volunteer among ``candidates``; several is an error (audited as such), since
    answering for the wrong person would be worse than asking for another key."""
    found = list(candidates.order_by("id")[:2])
    if len(found) > 1:
        audit_log_write(
            action=AuditAction.HOTLINE_LOOKUP, actor=user, target_type="volunteers.volunteer",
            target_id="", reason=reason, data={**target, "found": False, "ambiguous": True},
        )  # fmt: skip
        raise ValidationFailed(ambiguous, code="lookup_ambiguous")
    return found[0] if found else None


def hotline_reason_check(reason: str | None) -> None:
    """Every hotline look-up (a volunteer, a card's progress, insurance cover) says why: the
    reason is written to the audit log, so one without it is refused."""
    if not (reason or "").strip():
        raise ValidationFailed(
            "请填写查询原因（如来电事由）", code="reason_required", extra={"field": "reason"}
        )


def hotline_lookup(
    *,
    user: Any,
    reason: str,
    id_type: str | None = None,
    id_number: str | None = None,
    volunteer_no: str | None = None,
    mobile: str | None = None,
    name: str | None = None,
    birth_date: dt.date | None = None,
) -> Volunteer | None:
    """Hotline staff find a volunteer by ID number or mobile (through the blind indexes),
    volunteer number, or name and birth date together. Every look-up, found or not, writes an
    audit row. A mobile or a name shared by several volunteers asks for another key."""
    from volunteers.services import id_number_index, mobile_index

    if not is_hotline(user):
        raise PermissionDenied("只有热线客服可以查询志愿者")
    hotline_reason_check(reason)
    if id_number:
        types = [id_type] if id_type else list(identity.IdType.values)
        indexes = [id_number_index(t, identity.normalize_id_number(t, id_number)) for t in types]
        found = first_volunteer("id_number_index", indexes)
        target = {"id_number": mask_id_number(id_number)}
    elif volunteer_no:
        found = first_volunteer("volunteer_no", [volunteer_no.strip().upper()])
        target = {"volunteer_no": volunteer_no.strip().upper()[:12]}
    elif mobile:
        try:
            clean = identity.validate_mobile(mobile)
        except ValidationFailed:
            clean = mobile.strip()
        found = _only_volunteer(
            Volunteer.objects.filter(mobile_index=mobile_index(clean)),
            "该手机号码登记在多名志愿者名下，请改用证件号码或志愿者编号查询",
            user=user, reason=reason, target={"mobile": mask_mobile(clean)},
        )  # fmt: skip
        target = {"mobile": mask_mobile(clean)}
    elif name or birth_date:
        if not (name and name.strip() and birth_date):
            raise ValidationFailed(
                "按姓名查询时请同时填写出生日期，如 1990-05-06", code="name_and_birth_date"
            )
        target = {"name": mask_name(name.strip()), "birth_date": birth_date.isoformat()}
        found = _only_volunteer(
            Volunteer.objects.filter(name=name.strip(), birth_date=birth_date),
            "同名同出生日期的志愿者不止一名，请改用证件号码或手机号码查询",
            user=user, reason=reason, target=target,
        )  # fmt: skip
    else:
        raise ValidationFailed("请输入证件号码或志愿者编号", code="lookup_key_required")
    audit_log_write(
        action=AuditAction.HOTLINE_LOOKUP,
        actor=user,
        target_type="volunteers.volunteer",
        target_id=found.pk if found else "",
        reason=reason,
        data={**target, "found": found is not None},
    )
    return found


# --- the organisation admin console ----------------------------------------------------------


def organisation_for_admin(*, user: Any, organisation_id: int) -> Organisation:
    """An organisation ``user`` administers (itself or through an ancestor). Users who
    administer nothing get 403; admins of other organisations 404, which leaks nothing."""
    if not administered_org_ids(user):
        raise PermissionDenied("只有组织管理员可以打开组织管理页面")
    org = organisations_administered(user).filter(pk=organisation_id).first()
    if org is None:
        raise NotFound("未找到该组织")
    return org


def organisation_memberships(
    *, user: Any, organisation_id: int, status: str | None = None, keyword: str = ""
) -> QuerySet[Membership]:
    """The organisation's memberships for its admins, newest application first. ``keyword``
    matches the name, the volunteer number, the full ID number or the mobile (the last two
    through their blind indexes: they are encrypted)."""
    from volunteers.services import id_number_index, mobile_index

    org = organisation_for_admin(user=user, organisation_id=organisation_id)
    qs = Membership.objects.filter(organisation=org).select_related("volunteer", "decided_by")
    if status:
        qs = qs.filter(status=status)
    key = keyword.strip()
    if key:
        match = Q(volunteer__name__icontains=key) | Q(volunteer__volunteer_no=key.upper())
        indexes = [
            id_number_index(t, identity.normalize_id_number(t, key)) for t in identity.IdType.values
        ]
        match |= Q(volunteer__id_number_index__in=indexes)
        if key.isdigit() and len(key) == 11:
            match |= Q(volunteer__mobile_index=mobile_index(key))
        qs = qs.filter(match)
    return qs.order_by("-applied_at", "-id")


def organisation_verification_queue(*, user: Any, organisation_id: int) -> QuerySet[Volunteer]:
    """Volunteers of the organisation (a live membership) whose ID waits for the manual check
    (permit and passport holders: the police check covers only mainland ID cards)."""
    org = organisation_for_admin(user=user, organisation_id=organisation_id)
    return (
        Volunteer.objects.filter(
            memberships__organisation=org,
            memberships__status__in=Membership.LIVE,
            verification=Volunteer.Verification.PENDING,
        )
        .distinct()
        .order_by("registered_at", "id")
    )


def volunteer_identity_for_verification(*, user: Any, volunteer_id: int) -> Volunteer:
    """The volunteer with the full ID number, for an admin of one of their organisations who
    verifies it by hand. Only while the check is open; every opening writes an audit row."""
    v = Volunteer.objects.filter(pk=volunteer_id).first()
    admin_of_theirs = (
        v is not None
        and Membership.objects.filter(
            admin_subtree_q(user, "organisation__"), volunteer=v, status__in=Membership.LIVE
        ).exists()
    )
    if not admin_of_theirs:
        raise NotFound("未找到该志愿者")
    if v.verification != Volunteer.Verification.PENDING:
        raise NotFound("该志愿者的实名认证已处理，不再显示完整证件号码", code="verification_done")
    audit_log_write(
        action=AuditAction.VOLUNTEER_IDENTITY_VIEW,
        actor=user,
        target=v,
        reason="人工核验证件",
        data={"id_type": v.id_type, "id_number": mask_id_number(v.id_number)},
    )
    return v
