"""A card application submitted while an admin verifies the volunteer's ID by hand is never
left waiting in ``submitted``: both services lock the volunteer row and read it, so either
the verification releases the new application or the submission sees the verification.

Two threads, each with its own PostgreSQL connection; each ordering is forced by holding one
transaction open until the other thread's statement waits on the row lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from card_service.models import CardStatus
from card_service.tests.helpers import non_mainland, submit
from volunteers import services as vservices
from volunteers.models import Volunteer
from volunteers.tests.factories import make_volunteer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _wait_until_another_backend_waits_on_a_lock(timeout: float = 30.0) -> None:
    """Poll pg_stat_activity until some other connection to this database is blocked on a
    lock (the other thread has reached the row lock); bounded, never a timed assertion."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cur:
        while time.monotonic() < deadline:
            # The statistics views are a snapshot per transaction, and this one stays open.
            cur.execute("SELECT pg_stat_clear_snapshot()")
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the other thread never waited for the volunteer row lock")


def _run(first: Callable[[], object], second: Callable[[], object]) -> None:
    """``first`` runs in a transaction that stays open until ``second`` (started after a
    barrier) waits on a lock; then ``first`` commits and ``second`` goes on."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                first()
                barrier.wait()
                _wait_until_another_backend_waits_on_a_lock()
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    def waiter() -> None:
        try:
            barrier.wait()
            second()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors


@pytest.fixture
def directory(transactional_db):
    """The banks and branches the migrations load: an earlier transactional test's flush
    may have emptied them (``serialized_rollback`` would clash with its content types)."""
    from card_service.directory import load_directory
    from card_service.models import Bank

    if not Bank.objects.exists():
        load_directory()


@pytest.fixture
def pending(directory, django_user_model):
    """A Hong Kong permit holder waiting for the admin's check, the admin, and a copy of the
    volunteer loaded before the race (what a view holds while the other request commits)."""
    v = make_volunteer(**non_mainland("02"))
    assert v.verification == Volunteer.Verification.PENDING
    admin = django_user_model.objects.create_user("race-admin", password="x" * 12)
    vservices.organisation_admin_add(organisation=v.memberships.first().organisation, user=admin)
    return v, admin


def test_a_verification_committed_while_the_submit_waits_for_the_lock_queues_it(pending):
    volunteer, admin = pending
    stale = Volunteer.objects.get(pk=volunteer.pk)
    _run(
        lambda: vservices.volunteer_verify(volunteer=volunteer, actor=admin, approve=True),
        lambda: submit(stale),
    )
    app = volunteer.card_applications.get()
    assert app.status == CardStatus.QUEUED


def test_a_submit_committed_while_the_verification_waits_is_released_by_it(pending):
    volunteer, admin = pending
    stale = Volunteer.objects.get(pk=volunteer.pk)
    _run(
        lambda: submit(volunteer),
        lambda: vservices.volunteer_verify(volunteer=stale, actor=admin, approve=True),
    )
    app = volunteer.card_applications.get()
    assert app.status == CardStatus.QUEUED
    assert Volunteer.objects.get(pk=volunteer.pk).verification == Volunteer.Verification.VERIFIED
