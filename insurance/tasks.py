"""Celery entry points for insurance: thin, idempotent (the tables are the truth)."""

from __future__ import annotations

from celery import shared_task

from bank_adapters.sftp import SftpError
from insurance import services


@shared_task(acks_late=True)
def coverage_years_rebuild() -> int:
    """Nightly: recompute every volunteer's coverage years."""
    return services.coverage_years_rebuild()


@shared_task(acks_late=True, autoretry_for=(SftpError, OSError), retry_backoff=60,
             retry_backoff_max=1800, max_retries=5)  # fmt: skip
def service_files_send() -> dict[str, str]:
    """Daily: from the first business day of the month, the SERVICE file per bank for the
    month before (once per bank and month), then deliveries."""
    return services.service_files_send()
