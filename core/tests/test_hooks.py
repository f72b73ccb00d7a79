"""One hook mechanism: receivers run in the firing transaction or after its commit, as the
hook says; each is connected once, by its app's ``AppConfig.ready``."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from core.hooks import AFTER_COMMIT, IN_TRANSACTION, Hook

_names = itertools.count()


def _hook(when, **kwargs) -> Hook:
    return Hook(f"test.hook{next(_names)}", when=when, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_a_receiver_in_the_transaction_runs_at_once_and_its_error_undoes_the_transaction():
    from volunteers.models import Organisation

    hook = _hook(IN_TRANSACTION)
    calls = []

    def receiver(n):
        calls.append((n, transaction.get_connection().in_atomic_block))
        raise RuntimeError("refused")

    hook.connect(receiver)
    with pytest.raises(RuntimeError), transaction.atomic():
        Organisation.objects.create(name="甲组织")
        hook.fire(1)
    assert calls == [(1, True)]
    assert not Organisation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_receiver_after_commit_runs_only_when_the_transaction_commits():
    hook = _hook(AFTER_COMMIT)
    calls = []
    hook.connect(lambda n, *, to: calls.append((n, to)))
    with pytest.raises(RuntimeError), transaction.atomic():
        hook.fire(1, to="a")
        raise RuntimeError("rolled back")
    assert calls == []
    with transaction.atomic():
        hook.fire(2, to="b")
        assert calls == []
    assert calls == [(2, "b")]


@pytest.mark.django_db(transaction=True)
def test_fire_each_makes_every_call_in_order_in_the_transaction_or_at_the_commit():
    now, later = _hook(IN_TRANSACTION), _hook(AFTER_COMMIT)
    calls = []
    now.connect(lambda i, s: calls.append(("now", i, s)))
    later.connect(lambda i, s: calls.append(("later", i, s)))
    with transaction.atomic():
        now.fire_each((i, "sent") for i in (3, 1, 2))
        later.fire_each((i, "sent") for i in (3, 1, 2))
        assert calls == [("now", 3, "sent"), ("now", 1, "sent"), ("now", 2, "sent")]
    assert calls[3:] == [("later", 3, "sent"), ("later", 1, "sent"), ("later", 2, "sent")]


@pytest.mark.django_db(transaction=True)
def test_fire_each_hands_the_whole_list_to_a_receivers_set_wise_form():
    now, later = _hook(IN_TRANSACTION), _hook(AFTER_COMMIT)
    calls = []
    now.connect(lambda i: calls.append(("one", i)), many=lambda c: calls.append(("now", c)))
    later.connect(lambda i: calls.append(("one", i)), many=lambda c: calls.append(("later", c)))
    with transaction.atomic():
        now.fire_each((i,) for i in (3, 1))
        later.fire_each((i,) for i in (3, 1))
        later.fire_each([])  # nothing moved: no call at all
        assert calls == [("now", [(3,), (1,)])]
        now.fire(5)  # one call still goes to the receiver itself
        assert calls[-1] == ("one", 5)
    assert calls[2:] == [("later", [(3,), (1,)])]
    with now.replaced():
        now.fire_each([(9,)])
    assert calls[-1] == ("later", [(3,), (1,)])


def test_a_receiver_connected_twice_runs_once_and_replaced_silences_it():
    hook = _hook(IN_TRANSACTION)
    calls = []

    def receiver(n):
        calls.append(n)

    hook.connect(receiver)
    hook.connect(receiver)
    hook.fire(1)
    with hook.replaced():
        assert not hook
        hook.fire(2)
    hook.fire(3)
    assert calls == [1, 3]


def test_a_keyed_hook_takes_one_receiver_per_key():
    hook = _hook(IN_TRANSACTION, keyed=True)
    first, second = object(), object()
    hook.connect(first, key="EVENT")
    hook.connect(first, key="EVENT")  # the same again: nothing happens
    with pytest.raises(ValueError, match="already handled"):
        hook.connect(second, key="EVENT")
    assert hook.get("EVENT") is first and hook.get("RESULT") is None
    assert hook.keys() == ["EVENT"]
    with pytest.raises(TypeError):
        hook.fire()


def test_a_hook_name_is_declared_once():
    name = f"test.hook{next(_names)}"
    Hook(name, when=AFTER_COMMIT)
    with pytest.raises(ValueError, match="declared twice"):
        Hook(name, when=AFTER_COMMIT)


def test_every_app_connects_its_receivers_once_and_every_partner_file_type_is_handled():
    from bank_adapters import codecs
    from bank_adapters.exchange import INBOUND, OUTBOUND
    from card_service.bank_events import FIRST_SPEND
    from card_service.lifecycle import CARD_MOVED
    from card_service.services import (
        card_application_identity_corrected,
        card_applications_release,
    )
    from insurance.services import coverage_on_card_transition
    from uniforms.services import uniform_order_on_first_spend
    from volunteers.services import VOLUNTEER_IDENTITY_CORRECTED, VOLUNTEER_VERIFIED

    assert CARD_MOVED.receivers == (coverage_on_card_transition,)
    assert FIRST_SPEND.receivers == (uniform_order_on_first_spend,)
    assert VOLUNTEER_VERIFIED.receivers == (card_applications_release,)
    assert VOLUNTEER_IDENTITY_CORRECTED.receivers == (card_application_identity_corrected,)
    assert (CARD_MOVED.when, FIRST_SPEND.when, VOLUNTEER_VERIFIED.when) == (
        AFTER_COMMIT,
        IN_TRANSACTION,
        IN_TRANSACTION,
    )
    partners = codecs.PARTNERS.values()
    assert sorted(INBOUND.keys()) == sorted({t for p in partners for t in p.inbound})
    assert sorted(OUTBOUND.keys()) == sorted({t for p in partners for t in p.outbound})
