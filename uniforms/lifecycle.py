"""The uniform order's state machine: one transition table, one function that moves an order.

Every move checks the table and writes a ``UniformEvent``; side effects (asking the
volunteer for an address) run after the commit. Moving an order to the state it is already
in does nothing, so a replayed STATUS file is harmless."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import IllegalTransition
from uniforms.models import UniformEvent, UniformOrder, UniformStatus

S = UniformStatus

# from-state → the states it may move to. Reading it top to bottom is the uniform's life.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.ADDRESS_NEEDED: frozenset({S.ORDERED}),  # the volunteer gives an address
    S.ORDERED: frozenset({S.SENT}),  # the next ORDER file takes it
    # The maker may skip PRODUCING (made and shipped on one day).
    S.SENT: frozenset({S.PRODUCING, S.SHIPPED}),
    S.PRODUCING: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.RETURNED}),
    S.RETURNED: frozenset({S.ORDERED}),  # the volunteer corrects the address: goes out again
    S.DELIVERED: frozenset(),
}

# The maker's STATUS codes (bank-interface.md 4.6) and where they move an order.
MAKER_STATUS_TARGETS: dict[str, str] = {
    "PRODUCING": S.PRODUCING,
    "SHIPPED": S.SHIPPED,
    "DELIVERED": S.DELIVERED,
    "RETURNED": S.RETURNED,
}

# Run after a move commits, with (order_id, to_status).
_after_commit_hooks: list[Callable[[int, str], None]] = []


def on_transition(hook: Callable[[int, str], None]) -> Callable[[int, str], None]:
    _after_commit_hooks.append(hook)
    return hook


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def transition(
    order: UniformOrder,
    to_status: str,
    *,
    source: str,
    at: dt.datetime | None = None,
    source_ref: str = "",
    actor: Any = None,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> bool:
    """Move ``order`` to ``to_status``; False when it is already there. The caller holds the
    row (``select_for_update``) inside a transaction; ``changes`` are saved with the move."""
    current = order.status
    if current == to_status:
        return False
    if not can_move(current, to_status):
        raise IllegalTransition(
            f"服装订单当前状态为「{UniformStatus(current).label}」，"
            f"不能变更为「{UniformStatus(to_status).label}」",
            extra={"from": current, "to": to_status, "order_id": order.pk},
        )
    when = at or timezone.now()
    order.status = to_status
    order.status_changed_at = when
    fields = ["status", "status_changed_at"]
    for name, value in (changes or {}).items():
        setattr(order, name, value)
        fields.append(name)
    order.save(update_fields=fields)
    UniformEvent.objects.create(
        order=order,
        from_status=current,
        to_status=to_status,
        at=when,
        source=source,
        source_ref=source_ref[:80],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:120],
    )
    order_id = order.pk
    for hook in list(_after_commit_hooks):
        transaction.on_commit(lambda hook=hook: hook(order_id, to_status))
    return True


def transition_many(
    ids: list[int],
    from_status: str,
    to_status: str,
    *,
    source: str,
    at: dt.datetime,
    source_ref: str = "",
) -> int:
    """Move many orders that are all in ``from_status`` (an ORDER file going out): one
    guarded UPDATE and one event row each. An order no longer in ``from_status`` aborts the
    move (the caller's transaction rolls back)."""
    from core.errors import Conflict

    if not can_move(from_status, to_status):
        raise IllegalTransition(extra={"from": from_status, "to": to_status})
    n = UniformOrder.objects.filter(pk__in=ids, status=from_status).update(
        status=to_status, status_changed_at=at
    )
    if n != len(ids):
        raise Conflict("部分服装订单状态已变化，请重试", code="concurrent_change")
    UniformEvent.objects.bulk_create(
        [
            UniformEvent(
                order_id=i,
                from_status=from_status,
                to_status=to_status,
                at=at,
                source=source,
                source_ref=source_ref[:80],
            )
            for i in ids
        ],
        batch_size=2000,
    )
    for hook in list(_after_commit_hooks):
        for i in ids:
            transaction.on_commit(lambda hook=hook, i=i: hook(i, to_status))
    return n
