"""Pluggable notifications (SMS, WeChat, in-site). The backend is chosen by
``settings.NOTIFIER_BACKEND``; tests and the demo use the in-site one."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class Notifier(Protocol):
    def send(self, *, user: Any, text: str, channels: tuple[str, ...] = ("site",)) -> None: ...


class InSiteNotifier:
    """Stores the message in the volunteer's in-site inbox; other channels are logged only."""

    def send(self, *, user: Any, text: str, channels: tuple[str, ...] = ("site",)) -> None:
        from core.models import Notification

        for channel in channels:
            Notification.objects.create(user=user, channel=channel, text=text)
            if channel != "site":
                logger.info("notification via %s to user %s queued", channel, user.pk)


def get_notifier() -> Notifier:
    return import_string(settings.NOTIFIER_BACKEND)()


def notify(*, user: Any, text: str, channels: tuple[str, ...] = ("site",)) -> None:
    get_notifier().send(user=user, text=text, channels=channels)
