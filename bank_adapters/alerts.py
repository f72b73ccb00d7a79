"""Alerts: an admin-list row, a log line and an email to the configured address."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from bank_adapters.models import Alert, PartnerFile
from core.masking import mask_text

logger = logging.getLogger("bank_adapters.alerts")


def alert_raise(
    *, kind: str, partner: str = "", message: str, file: PartnerFile | None = None
) -> Alert:
    """Record an alert for operations (outside any transaction that is being rolled back)."""
    message = mask_text(message)
    alert = Alert.objects.create(kind=kind, partner=partner, message=message, file=file)
    logger.warning(
        "ALERT %s partner=%s file=%s: %s", kind, partner, file.name if file else "-", message
    )
    recipient = getattr(settings, "ALERT_EMAIL", "")
    if recipient:
        try:
            send_mail(
                f"[志愿者证] {alert.get_kind_display()} {partner}",
                f"{message}\n\n文件：{file.name if file else '-'}",
                None,
                [recipient],
                fail_silently=False,
            )
        except OSError:
            logger.exception("alert email could not be sent")
    return alert


def alert_delivery_failed(*, partner: str, exc: BaseException) -> Alert | None:
    """After the last try of a partner's delivery: an alert naming the files still waiting.
    While one is open for the partner, a later failure adds none (beat tries again often)."""
    if _open(Alert.Kind.DELIVERY_FAILED, partner):
        return None
    waiting = PartnerFile.objects.filter(
        partner=partner, direction=PartnerFile.Direction.OUT, state=PartnerFile.State.PREPARED
    ).order_by("business_date", "seq", "name")
    names = "、".join(waiting.values_list("name", flat=True)[:10]) or "无"
    return alert_raise(
        kind=Alert.Kind.DELIVERY_FAILED,
        partner=partner,
        message=f"向 {partner} 发送文件多次失败，已停止重试；待发文件：{names}。原因：{_reason(exc)}",
        file=waiting.first(),
    )


def alert_receive_failed(*, partner: str, exc: BaseException) -> Alert | None:
    """After the last try of a partner's pickup; one open alert per partner."""
    if _open(Alert.Kind.RECEIVE_FAILED, partner):
        return None
    return alert_raise(
        kind=Alert.Kind.RECEIVE_FAILED,
        partner=partner,
        message=f"从 {partner} 接收文件多次失败，已停止重试。原因：{_reason(exc)}",
    )


def _open(kind: str, partner: str) -> bool:
    return Alert.objects.filter(kind=kind, partner=partner, resolved_at__isnull=True).exists()


def _reason(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)
