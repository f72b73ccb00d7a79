"""Reads of the core app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.models import Notification

INBOX_CHANNEL = "site"


def notification_inbox(*, user: Any) -> QuerySet[Notification]:
    """The user's in-site messages, newest first (SMS copies are not the inbox's)."""
    return Notification.objects.filter(user=user, channel=INBOX_CHANNEL).order_by(
        "-created_at", "-id"
    )


def notification_unread_count(*, user: Any) -> int:
    return notification_inbox(user=user).filter(read_at__isnull=True).count()
