"""The Celery app. Broker: kombu's filesystem transport by default, Redis in production;
the worker code path is the same in both. ``route_task`` puts each partner's exchange tasks
on the partner's own queue and the nightly rebuilds on ``nightly`` (queues in settings)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("card_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


PARTNER_TASKS = frozenset(
    {"bank_adapters.tasks.exchange_send_partner", "bank_adapters.tasks.exchange_receive_partner"}
)
NIGHTLY_TASKS = frozenset(
    {"insurance.tasks.coverage_years_rebuild", "activities.tasks.active_ranking_rebuild"}
)


def exchange_queue(partner: str) -> str:
    """The queue of one partner's sends and receives."""
    return f"exchange.{partner}"


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str] | None:
    """Celery router (``CELERY_TASK_ROUTES``): a partner task goes to its partner's queue, a
    nightly rebuild to ``nightly``, the rest to the default queue. A partner with no queue of
    its own (not a known code) stays on the default queue rather than on one nobody reads."""
    from django.conf import settings

    if name in PARTNER_TASKS:
        partner = (kwargs or {}).get("partner") or (args[0] if args else "")
        if partner in settings.EXCHANGE_PARTNER_CODES:
            return {"queue": exchange_queue(partner)}
        return None
    if name in NIGHTLY_TASKS:
        return {"queue": "nightly"}
    return None
