"""Celery entry points of activities: thin, ids only, safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def active_ranking_rebuild() -> int:
    """Nightly: the month's and year's 活跃志愿者 rankings, recomputed set-wise."""
    from activities.ranking import ranking_rebuild

    return ranking_rebuild()
