"""Writes for certificates: ask for one, render it (the Celery task's body), revoke it."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from activities.models import Activity, HoursEntry
from activities.selectors import minutes_to_hours, volunteer_star_level
from certificates import selectors, signing
from certificates.models import Certificate
from certificates.pdf import render_certificate_pdf
from core.audit_actions import AuditAction
from core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from core.notify import notify
from core.services import audit_log_write
from volunteers.identity import IdType
from volunteers.models import Volunteer

logger = logging.getLogger(__name__)

ISSUER = "广东省志愿服务联合会"
MAX_IN_PROGRESS = 3  # certificates pending or rendering at once, per volunteer
EARLIEST = dt.date(2000, 1, 1)
REASON_MIN, REASON_MAX = 2, 200


def _move(cert: Certificate, to: str) -> None:
    if to not in Certificate.TRANSITIONS[cert.status]:
        raise IllegalTransition(
            f"证明当前状态为{cert.get_status_display()}，不能改为{Certificate.Status(to).label}",
            extra={"from": cert.status, "to": to},
        )
    cert.status = to


@transaction.atomic
def certificate_request(
    *,
    volunteer: Volunteer,
    scope: str,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    activity_id: int | None = None,
) -> Certificate:
    """A volunteer asks for a certificate of all service, a period or one activity; the
    Celery task renders it after the commit."""
    today = timezone.localdate()
    if not volunteer.volunteer_no:
        raise ValidationFailed(
            "完成实名认证、取得志愿者编号后才能申请证明", code="certificate_no_volunteer_no"
        )
    if scope not in Certificate.Scope.values:
        raise ValidationFailed("证明范围应为全部服务、时间段或单个活动", code="certificate_scope")
    if scope == Certificate.Scope.PERIOD:
        if period_start is None or period_end is None:
            raise ValidationFailed("请填写起始日期和截止日期", code="certificate_period")
        if period_start > period_end:
            raise ValidationFailed("起始日期不能晚于截止日期", code="certificate_period")
        if period_start < EARLIEST or period_end > today:
            raise ValidationFailed("日期应在 2000-01-01 到今天之间", code="certificate_period")
    else:
        period_start = period_end = None
    activity = None
    if scope == Certificate.Scope.ACTIVITY:
        activity = Activity.objects.filter(pk=activity_id).first() if activity_id else None
        if activity is None:
            raise ValidationFailed("请选择一个活动", code="certificate_activity")
    else:
        activity_id = None
    entries = selectors.counted_entries(
        volunteer=volunteer,
        on=today,
        scope=scope,
        period_start=period_start,
        period_end=period_end,
        activity_id=activity_id,
    )
    if not entries.exists():
        raise ValidationFailed(
            "所选范围内没有已计入的服务或培训时长，无法出具证明", code="certificate_empty"
        )
    # Lock the volunteer so two quick requests cannot both pass the in-progress count.
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    busy = Certificate.objects.filter(
        volunteer=volunteer,
        status__in=[Certificate.Status.PENDING, Certificate.Status.RENDERING],
    ).count()
    if busy >= MAX_IN_PROGRESS:
        raise Conflict(f"您已有 {busy} 份证明正在生成，请稍后再申请", code="certificate_busy")
    cert = Certificate.objects.create(
        volunteer=volunteer,
        scope=scope,
        period_start=period_start,
        period_end=period_end,
        activity=activity,
    )
    audit_log_write(
        action=AuditAction.CERTIFICATE_REQUEST,
        actor=volunteer.user,
        target=cert,
        data={"scope": scope, "activity_id": activity_id},
    )
    from certificates.tasks import certificate_render_task

    transaction.on_commit(lambda: certificate_render_task.delay(cert.pk))
    return cert


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": r["activity__name"],
            "organisation": r["activity__organisation__name"],
            "first_date": r["first"].isoformat(),
            "last_date": r["last"].isoformat(),
            "days": r["days"],
            "hours": str(minutes_to_hours(r["minutes"])),
        }
        for r in rows
    ]


def certificate_content(cert: Certificate, *, issued_on: dt.date) -> tuple[dict[str, Any], set]:
    """The frozen content of a certificate issued on ``issued_on`` and the organisation ids it
    names. Training hours are listed apart and never added to the service total."""
    volunteer = cert.volunteer
    entries = selectors.counted_entries(
        volunteer=volunteer,
        on=issued_on,
        scope=cert.scope,
        period_start=cert.period_start,
        period_end=cert.period_end,
        activity_id=cert.activity_id,
    )
    rows = selectors.hours_by_activity(entries)
    if not rows:
        raise ValidationFailed(
            "所选范围内没有已计入的服务或培训时长，无法出具证明", code="certificate_empty"
        )
    service = [r for r in rows if r["kind"] == HoursEntry.Kind.SERVICE]
    training = [r for r in rows if r["kind"] == HoursEntry.Kind.TRAINING]
    service_hours = minutes_to_hours(sum(r["minutes"] for r in service))
    training_hours = minutes_to_hours(sum(r["minutes"] for r in training))
    org_ids: dict[int, str] = {}
    for r in rows:
        org_ids.setdefault(r["activity__organisation_id"], r["activity__organisation__name"])
    if cert.scope == Certificate.Scope.PERIOD:
        scope_label = f"{cert.period_start.isoformat()} 至 {cert.period_end.isoformat()}"
    elif cert.scope == Certificate.Scope.ACTIVITY:
        scope_label = f"单个活动：{cert.activity.name}"
    else:
        scope_label = f"截至 {issued_on.isoformat()} 的全部志愿服务"
    number = signing.certificate_number(cert.pk, issued_on)
    content = {
        "number": number,
        "issued_on": issued_on.isoformat(),
        "issued_on_cn": f"{issued_on.year}年{issued_on.month}月{issued_on.day}日",
        "issuer": ISSUER,
        "scope": cert.scope,
        "scope_label": scope_label,
        "name": volunteer.name,
        "name_masked": volunteer.name_masked,
        "id_type": str(IdType(volunteer.id_type).label),
        "id_number_masked": volunteer.id_number_masked,
        "volunteer_no": volunteer.volunteer_no,
        "organisations": list(org_ids.values()),
        "activities": _rows(service),
        "training": _rows(training),
        "service_hours": str(service_hours),
        "training_hours": str(training_hours),
        # The volunteer's level from all counted service on the day, whatever the scope.
        "star_level": volunteer_star_level(volunteer, on=issued_on),
        "statement": (
            f"兹证明志愿者 {volunteer.name}（志愿者编号 {volunteer.volunteer_no}）参加下列"
            f"志愿服务（证明范围：{scope_label}），经组织确认计入志愿服务时长"
            f" {service_hours} 小时。"
        ),
    }
    return content, set(org_ids)


def certificate_render(*, certificate_id: int, now: dt.datetime | None = None) -> Certificate:
    """Freeze the content, sign the QR and draw the PDF. Running it twice does no harm: a
    ready, failed or revoked certificate is returned as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if cert is None:
            raise NotFound("未找到该志愿服务证明")
        if cert.status not in (Certificate.Status.PENDING, Certificate.Status.RENDERING):
            return cert
        if cert.status == Certificate.Status.PENDING:
            _move(cert, Certificate.Status.RENDERING)
            cert.save(update_fields=["status"])
    # Committed: the page shows 生成中 while the PDF is drawn.
    try:
        with transaction.atomic():
            cert = (
                Certificate.objects.select_for_update(of=("self",))
                .select_related("volunteer", "activity")
                .get(pk=certificate_id)
            )
            if cert.status != Certificate.Status.RENDERING:
                return cert
            issued_on = timezone.localdate(now)
            content, org_ids = certificate_content(cert, issued_on=issued_on)
            digest = signing.content_digest(content)
            token, kid = signing.make_token(
                certificate_id=cert.pk,
                volunteer_no=cert.volunteer.volunteer_no,
                issued_on=issued_on,
                service_hours=content["service_hours"],
                training_hours=content["training_hours"],
                star_level=content["star_level"],
                scope=cert.scope,
                digest_hex=digest,
            )
            cert.pdf = render_certificate_pdf(content, qr_payload=signing.payload(token))
            cert.content, cert.content_digest = content, digest
            cert.number, cert.issued_on = content["number"], issued_on
            cert.token, cert.key_id, cert.ready_at = token, kid, now
            _move(cert, Certificate.Status.READY)
            cert.save()
            cert.organisations.set(org_ids)
            audit_log_write(
                action=AuditAction.CERTIFICATE_READY,
                target=cert,
                data={"number": cert.number, "key_id": kid, "digest": digest},
            )
            return cert
    except Exception as exc:
        message = exc.message if isinstance(exc, ValidationFailed) else "证明生成失败，请重新申请"
        if not isinstance(exc, ValidationFailed):
            logger.exception("certificate %s failed to render", certificate_id)
        with transaction.atomic():
            cert = Certificate.objects.select_for_update().get(pk=certificate_id)
            if cert.status == Certificate.Status.RENDERING:
                _move(cert, Certificate.Status.FAILED)
                cert.error = message[:200]
                cert.save(update_fields=["status", "error"])
                audit_log_write(
                    action=AuditAction.CERTIFICATE_FAILED,
                    target=cert,
                    data={"error": type(exc).__name__},
                )
        return cert


@transaction.atomic
def certificate_revoke(
    *, admin: Any, certificate_id: int, reason: str, now: dt.datetime | None = None
) -> Certificate:
    """An admin of an organisation on the certificate (or above it) revokes it with a reason;
    the volunteer is told and the public page says 已撤销 from then on."""
    cert = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
    if cert is None:
        raise NotFound("未找到该志愿服务证明")
    if not selectors.may_revoke(admin, cert):
        raise PermissionDenied("只有证明所列组织的管理员可以撤销该证明")
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            f"请填写撤销原因（{REASON_MIN} 到 {REASON_MAX} 个字）",
            code="certificate_revoke_reason",
        )
    _move(cert, Certificate.Status.REVOKED)
    cert.revoked_at = now or timezone.now()
    cert.revoked_by = admin
    cert.revoke_reason = reason
    cert.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
    audit_log_write(
        action=AuditAction.CERTIFICATE_REVOKE, actor=admin, target=cert, reason=reason,
        data={"number": cert.number},
    )  # fmt: skip
    user = cert.volunteer.user
    text = (
        f"您的志愿服务证明 {cert.number} 已被组织管理员撤销，原因：{reason}。如有疑问请联系该组织。"
    )
    transaction.on_commit(lambda: notify(user=user, text=text))
    return cert
