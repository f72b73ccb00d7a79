"""Celery entry points of the core app: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from core import workdays


@shared_task(acks_late=True)
def working_day_calendar_check() -> list[int]:
    """Daily: alert operations when this year's, or from 1 December next year's, holiday
    notice is not in the working-day calendar (one open alert per year)."""
    return workdays.calendar_check()
