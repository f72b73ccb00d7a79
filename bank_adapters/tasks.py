"""Celery entry points of the exchange: thin, idempotent (the registry is the source of
truth), one task per partner and direction, retried with backoff on network errors only.

Beat runs the two fan-outs; each queues one task per enabled partner, so that one partner's
outage neither hides another's files nor stops its retries. A partner task lets a network
error through to Celery, which retries it with exponential backoff; after the last try (or
at once for an error that no retry can fix) operations get an alert."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval

from bank_adapters import exchange, partners
from bank_adapters.alerts import alert_delivery_failed, alert_receive_failed
from bank_adapters.progress import exchange_progress_tracked
from bank_adapters.sftp import HostKeyMismatch, SftpError

NETWORK_ERRORS = (SftpError, OSError)
MAX_RETRIES = 5
BACKOFF_SECONDS = 30
BACKOFF_MAX_SECONDS = 900


def _retry_or_give_up(
    task: Task, exc: Exception, give_up: Callable[..., object], partner: str
) -> NoReturn:
    """Raise Celery's Retry for a network error that may pass; otherwise call ``give_up``
    (the alert) and re-raise. A changed host key is never retried and already alerted."""
    if isinstance(exc, HostKeyMismatch):
        raise exc
    retryable = getattr(exc, "retryable", True)
    if retryable and task.request.retries < task.max_retries:
        countdown = get_exponential_backoff_interval(
            factor=BACKOFF_SECONDS,
            retries=task.request.retries,
            maximum=BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise task.retry(exc=exc, countdown=countdown)
    give_up(partner=partner, exc=exc)
    raise exc


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def exchange_send_partner(self: Task, partner: str) -> dict[str, int]:
    """One partner: at its cut-off prepare what waits, then deliver what is prepared."""
    if not _enabled(partner):  # disabled since beat queued this
        return {"delivered": 0, "busy": 0}
    try:
        report = exchange.send_due(partner)
    except NETWORK_ERRORS as exc:
        _retry_or_give_up(self, exc, alert_delivery_failed, partner)
    return {"delivered": len(report.delivered), "busy": len(report.busy)}


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def exchange_receive_partner(self: Task, partner: str) -> dict[str, int]:
    """One partner: fetch and apply what it left for us."""
    if not _enabled(partner):
        return {"applied": 0, "refused": 0}
    try:
        with exchange_progress_tracked(partner, "in") as step:
            report = exchange.receive(partner, progress=step)
    except NETWORK_ERRORS as exc:
        _retry_or_give_up(self, exc, alert_receive_failed, partner)
    return {"applied": len(report.applied), "refused": len(report.refused)}


def _enabled(partner: str) -> bool:
    cfg = partners.load()
    return partner in cfg.partners and cfg.partner(partner).enabled


@shared_task(acks_late=True)
def exchange_send_due() -> list[str]:
    """Beat, every few minutes: one send task per enabled partner."""
    codes = [p.code for p in partners.load().enabled_partners()]
    for code in codes:
        exchange_send_partner.delay(code)
    return codes


@shared_task(acks_late=True)
def exchange_receive_all() -> list[str]:
    """Beat, every few minutes: one receive task per enabled partner."""
    codes = [p.code for p in partners.load().enabled_partners()]
    for code in codes:
        exchange_receive_partner.delay(code)
    return codes
