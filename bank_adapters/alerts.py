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
