"""Reads for insurance, with the caller's role checked: the policy reconciliation for
operations and the hotline's "was this person covered then?" answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from activities.selectors import attendance_at
from card_service.models import CardApplication
from card_service.selectors import card_progress
from core.audit_actions import AuditAction
from core.errors import PermissionDenied, ValidationFailed
from core.masking import mask_text
from core.services import audit_log_write
from insurance.coverage import YearResult, volunteer_coverage, year_at
from insurance.directory import INSURER_BY_CODE, insurer_for_bank
from insurance.models import CoverageYear, Policy
from volunteers.models import Volunteer
from volunteers.roles import is_hotline, is_operations
from volunteers.selectors import hotline_lookup, hotline_reason_check

R = CoverageYear.Reason

# --- reconciliation -------------------------------------------------------------------------


def _require_operations(user: Any) -> None:
    if not is_operations(user):
        raise PermissionDenied("只有运营人员可以查看保单核对")


def policies_missing(*, user: Any, bank: str | None = None) -> QuerySet[CoverageYear]:
    """Coverage years the rules say are covered for which no bank sent an in-force policy
    overlapping the year."""
    _require_operations(user)
    overlapping = Policy.objects.filter(
        volunteer_id=OuterRef("volunteer_id"),
        status=Policy.Status.IN_FORCE,
        coverage_start__lte=OuterRef("ends_on"),
        coverage_end__gte=OuterRef("starts_on"),
    )
    qs = CoverageYear.objects.filter(covered=True).filter(~Exists(overlapping))
    if bank:
        qs = qs.filter(
            Exists(
                CardApplication.objects.filter(
                    volunteer_id=OuterRef("volunteer_id"), bank_id=bank, card_ref__isnull=False
                )
            )
        )
    return qs.select_related("volunteer").order_by("starts_on", "volunteer_id")


def _not_computed() -> Exists:
    """The volunteer has an activated card but no coverage year computed yet (before the
    first nightly rebuild): the rules have not spoken, so nothing is a mismatch yet."""
    return Exists(
        CardApplication.objects.filter(
            volunteer_id=OuterRef("volunteer_id"), activated_at__isnull=False
        )
    ) & ~Exists(CoverageYear.objects.filter(volunteer_id=OuterRef("volunteer_id")))


def policies_unexpected(*, user: Any, bank: str | None = None) -> QuerySet[Policy]:
    """In-force policies with no covered coverage year of the volunteer overlapping them,
    among volunteers whose years are computed (or who never activated a card)."""
    _require_operations(user)
    covered = CoverageYear.objects.filter(
        volunteer_id=OuterRef("volunteer_id"),
        covered=True,
        starts_on__lte=OuterRef("coverage_end"),
        ends_on__gte=OuterRef("coverage_start"),
    )
    qs = (
        Policy.objects.filter(status=Policy.Status.IN_FORCE)
        .filter(~Exists(covered))
        .filter(~_not_computed())
    )
    if bank:
        qs = qs.filter(bank_id=bank)
    return qs.select_related("volunteer", "bank").order_by("coverage_start", "id")


def policies_not_computed(*, user: Any, bank: str | None = None) -> QuerySet[Policy]:
    """In-force policies of volunteers whose coverage years are not computed yet: not
    compared, only counted, until the nightly rebuild (or an activation) computes them."""
    _require_operations(user)
    qs = Policy.objects.filter(status=Policy.Status.IN_FORCE).filter(_not_computed())
    if bank:
        qs = qs.filter(bank_id=bank)
    return qs


def coverage_computed_at() -> dt.datetime | None:
    """When coverage years were computed, None when never. The nightly rebuild stamps every
    row alike, so the first row along the unique index tells (an activation since then
    recomputes only its volunteer's rows)."""
    return CoverageYear.objects.values_list("computed_at", flat=True).first()


# --- the hotline --------------------------------------------------------------------------


def reason_text(year: YearResult | None, anchor_note: str = "") -> str:
    """Why the volunteer is (not) covered in ``year``, in words for the hotline."""
    if year is None:
        return anchor_note or "事发时该志愿者尚未激活志愿者证，不在保障期内"
    d = f"{year.qualifying_date:%Y-%m-%d}" if year.qualifying_date else ""
    if year.reason == R.ACTIVATION:
        return f"{year.label}：{d} 首张志愿者证激活，首年保障"
    if year.reason == R.SERVICE:
        return f"{year.label}：{d} 参加志愿服务活动「{year.activity_name}」"
    if year.reason == R.PURCHASE:
        return f"{year.label}：{d} 持卡消费"
    prev_end = year.starts_on - dt.timedelta(days=1)
    if year.reason == R.NO_CARD:
        return (
            f"{year.label}（{year.starts_on:%Y-%m-%d}至{year.ends_on:%Y-%m-%d}）不在保障内："
            f"上一保障年度结束时（{prev_end:%Y-%m-%d}）未持有志愿者证（已注销且未补办）"
        )
    return (
        f"{year.label}（{year.starts_on:%Y-%m-%d}至{year.ends_on:%Y-%m-%d}）不在保障内："
        f"上一保障年度（截至{prev_end:%Y-%m-%d}）既未参加志愿服务活动（培训不计），也没有持卡消费"
    )


def _find(
    *, user: Any, reason: str, id_type: str | None, id_number: str | None,
    volunteer_no: str | None, card_ref: str | None, mobile: str | None = None,
    name: str | None = None, birth_date: dt.date | None = None,
) -> Volunteer | None:  # fmt: skip
    if id_number or volunteer_no or mobile or name or birth_date:
        return hotline_lookup(
            user=user, reason=reason, id_type=id_type, id_number=id_number,
            volunteer_no=volunteer_no, mobile=mobile, name=name, birth_date=birth_date,
        )  # fmt: skip
    if not card_ref or not card_ref.strip():
        raise ValidationFailed("请输入证件号码、志愿者编号或卡片参考号", code="lookup_key_required")
    ref = card_ref.strip()
    app = CardApplication.objects.select_related("volunteer").filter(card_ref=ref).first()
    found = app.volunteer if app else None
    audit_log_write(
        action=AuditAction.HOTLINE_LOOKUP,
        actor=user,
        target_type="volunteers.volunteer",
        target_id=found.pk if found else "",
        reason=reason,
        # A caller may read out the card number instead of the reference: masked like one.
        data={"card_ref": mask_text(ref[:32]), "found": found is not None},
    )
    return found


def _bank_at(volunteer: Volunteer, day: dt.date) -> str | None:
    """The bank of the card the volunteer held on ``day`` (else of their latest card)."""
    cards = CardApplication.objects.filter(volunteer=volunteer, card_ref__isnull=False)
    held = cards.filter(applied_at__date__lte=day).filter(
        Q(cancelled_at__isnull=True) | Q(cancelled_at__date__gte=day)
    )
    card = held.order_by("-applied_at").first() or cards.order_by("-applied_at").first()
    return card.bank_id if card else None


def hotline_coverage(
    *,
    user: Any,
    reason: str,
    incident_at: dt.datetime,
    id_type: str | None = None,
    id_number: str | None = None,
    volunteer_no: str | None = None,
    card_ref: str | None = None,
    mobile: str | None = None,
    name: str | None = None,
    birth_date: dt.date | None = None,
) -> dict[str, Any]:
    """Hotline staff: was this person covered at ``incident_at``? The coverage year and its
    policy, the reason in words, whether they were on an activity (or travelling to or from
    it), the insurer, the number to call and the claim steps. Personal data masked; every
    look-up is audited (the look-up itself, and the answer given)."""
    if not is_hotline(user):
        raise PermissionDenied("只有热线客服可以查询保险保障")
    hotline_reason_check(reason)
    if timezone.is_naive(incident_at):
        incident_at = timezone.make_aware(incident_at)
    if incident_at > timezone.now():
        raise ValidationFailed("事发时间不能晚于当前时间", code="incident_in_future")
    volunteer = _find(
        user=user, reason=reason, id_type=id_type, id_number=id_number,
        volunteer_no=volunteer_no, card_ref=card_ref, mobile=mobile, name=name,
        birth_date=birth_date,
    )  # fmt: skip
    if volunteer is None:
        return {"found": False, "message": "未找到该志愿者，请核对证件号码、志愿者编号或卡片参考号"}

    day = timezone.localtime(incident_at).date()
    years = volunteer_coverage(volunteer.pk)
    year = year_at(years, day)
    note = ""
    if not years:
        note = "该志愿者尚未激活志愿者证，不在保障范围内"
    elif year is None:
        note = f"事发日期早于首张志愿者证激活日（{years[0].starts_on:%Y-%m-%d}），不在保障期内"
    policy = (
        Policy.objects.filter(
            volunteer=volunteer,
            status=Policy.Status.IN_FORCE,
            coverage_start__lte=day,
            coverage_end__gte=day,
        )
        .order_by("-coverage_start")
        .first()
    )
    by_rule = bool(year and year.covered)
    warnings = []
    if by_rule and policy is None:
        warnings.append("按规则应在保障期内，但尚未收到银行回传的保单，请以保险公司核实为准")
    if policy is not None and not by_rule:
        warnings.append("银行已回传有效保单，但按规则本年度不应续保，请以保单为准并通知运营核对")

    window = dt.timedelta(hours=settings.INSURANCE_TRAVEL_WINDOW_HOURS)
    match = attendance_at(volunteer, incident_at, window)
    if match is None:
        warnings.append(
            f"事发时及前后 {settings.INSURANCE_TRAVEL_WINDOW_HOURS} 小时内没有活动签到记录；"
            "保险只保障志愿服务期间（含前后必要交通时间）"
        )
    insurer = INSURER_BY_CODE.get(policy.insurer) if policy else None
    bank = policy.bank_id if policy else _bank_at(volunteer, day)
    insurer = insurer or (insurer_for_bank(bank) if bank else None)
    covered = by_rule or policy is not None
    # The incident's answer: insured that day AND on an activity (or travelling to or from
    # it). The page puts this in the headline, so "covered" never sits above a note that
    # says the incident itself is not.
    incident_covered = covered and match is not None
    if incident_covered:
        headline = "事发时在保险保障范围内"
    elif not covered:
        headline = "事发时不在保险保障期内"
    else:
        headline = "在保障期内，但事发时不在志愿服务活动中（含前后交通时间），该事故不在保障范围内"

    answer = {
        "found": True,
        "volunteer": {
            "volunteer_no": volunteer.volunteer_no,
            "name": volunteer.name_masked,
            "id_number": volunteer.id_number_masked,
        },
        "incident_at": incident_at,
        "covered": covered,
        "incident_covered": incident_covered,
        "headline": headline,
        "coverage_year": (
            {
                "year_index": year.year_index,
                "label": year.label,
                "starts_on": year.starts_on,
                "ends_on": year.ends_on,
                "covered": year.covered,
                "reason": year.reason,
            }
            if year
            else None
        ),
        "reason_text": reason_text(year, note),
        "policy": (
            {
                "policy_no": policy.policy_no,
                "insurer": policy.insurer,
                "coverage_start": policy.coverage_start,
                "coverage_end": policy.coverage_end,
            }
            if policy
            else None
        ),
        "attendance": (
            {
                "on_activity": True,
                "during": match.during,
                "activity_name": match.activity_name,
                "activity_kind": match.activity_kind,
                "organisation_name": match.organisation_name,
                "day": match.day,
                "checked_in_at": match.checked_in_at,
                "checked_out_at": match.checked_out_at,
            }
            if match
            else {"on_activity": False, "during": False}
        ),
        "travel_window_hours": settings.INSURANCE_TRAVEL_WINDOW_HOURS,
        "insurer": insurer.as_dict() if insurer else None,
        "warnings": warnings,
        "card_progress": card_progress(volunteer),
    }
    audit_log_write(
        action=AuditAction.INSURANCE_COVERAGE_LOOKUP,
        actor=user,
        target=volunteer,
        reason=reason,
        data={
            "incident_at": incident_at.isoformat(),
            "covered": covered,
            "incident_covered": incident_covered,
            "year_index": year.year_index if year else None,
            "policy_no": policy.policy_no if policy else "",
        },
    )
    return answer
