"""Celery entry points of the exchange: thin, idempotent (the registry is the source of
truth), retried with backoff on network errors only."""

from __future__ import annotations

from celery import shared_task

from bank_adapters import exchange
from bank_adapters.sftp import HostKeyMismatch, SftpError

NETWORK_ERRORS = (SftpError, OSError)


@shared_task(
    acks_late=True,
    autoretry_for=NETWORK_ERRORS,
    dont_autoretry_for=(HostKeyMismatch,),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=5,
)
def exchange_send_due() -> dict[str, int]:
    """Every few minutes: send at each partner's cut-off, re-deliver what is pending."""
    reports = exchange.send_due()
    return {code: len(r.delivered) for code, r in reports.items()}


@shared_task(acks_late=True, autoretry_for=NETWORK_ERRORS, dont_autoretry_for=(HostKeyMismatch,),
             retry_backoff=30, retry_backoff_max=900, max_retries=5)  # fmt: skip
def exchange_receive_all() -> dict[str, int]:
    """Every few minutes: fetch and apply what the partners left for us."""
    reports = exchange.receive_all()
    return {code: len(r.applied) for code, r in reports.items()}
