"""Celery routing (config.celery.route_task, settings' queues): each partner's exchange tasks
on the partner's own queue, the nightly rebuilds on ``nightly``, the rest on the default
queue; every queue a task is routed to is one a worker started without -Q consumes."""

from __future__ import annotations

import pytest
from django.conf import settings

from bank_adapters.partners import PARTNER_CODES
from config.celery import NIGHTLY_TASKS, PARTNER_TASKS
from config.celery import app as celery_app

DECLARED = {q.name for q in settings.CELERY_TASK_QUEUES}


def queue_of(name: str, *args: str, **kwargs: str) -> str:
    route = celery_app.amqp.router.route({}, name, args, kwargs)
    return route["queue"].name


@pytest.mark.parametrize("code", PARTNER_CODES)
@pytest.mark.parametrize("task", sorted(PARTNER_TASKS))
def test_a_partner_task_goes_to_its_partner_queue(task, code):
    assert queue_of(task, code) == f"exchange.{code}"
    assert queue_of(task, partner=code) == f"exchange.{code}"


def test_the_queues_are_the_partners():
    assert set(settings.EXCHANGE_PARTNER_CODES) == set(PARTNER_CODES)


def test_an_unknown_partner_stays_on_the_default_queue():
    assert queue_of("bank_adapters.tasks.exchange_send_partner", "XYZ") == "celery"


@pytest.mark.parametrize("task", sorted(NIGHTLY_TASKS))
def test_the_nightly_rebuilds_go_to_nightly(task):
    assert queue_of(task) == "nightly"


def test_everything_else_goes_to_the_default_queue_and_every_queue_is_consumed():
    celery_app.loader.import_default_modules()
    names = {n for n in celery_app.tasks if not n.startswith("celery.")}
    assert PARTNER_TASKS | NIGHTLY_TASKS <= names  # the routes name real tasks
    for name in names - PARTNER_TASKS - NIGHTLY_TASKS:
        assert queue_of(name) == "celery", name
    routed = {queue_of(n, PARTNER_CODES[0]) for n in names}
    assert routed <= DECLARED
    assert settings.CELERY_TASK_DEFAULT_QUEUE in DECLARED
