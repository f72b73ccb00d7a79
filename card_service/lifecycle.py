"""The card lifecycle: one transition table, one function that moves a card.

Every move checks the table, writes a ``CardEvent`` with its time and source, and defers
side effects (notifications, uniform orders) to after the commit. Moving a card to the
state it is already in does nothing, so a replayed bank file or a double click is harmless.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from card_service.models import CardApplication, CardEvent, CardStatus

S = CardStatus

# from-state → the states it may move to. Reading it top to bottom is the card's life.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.QUEUED, S.WITHDRAWN}),  # real-name check pending
    # Waiting for the bank's cut-off; back to SUBMITTED when a name or ID correction must
    # pass the real-name check again before the bank may see it.
    S.QUEUED: frozenset({S.SENT, S.WITHDRAWN, S.SUBMITTED}),
    S.SENT: frozenset({S.ACCEPTED, S.REJECTED}),  # in an APPLY file at the bank
    S.ACCEPTED: frozenset({S.PRODUCED, S.CANCELLED}),  # bank said yes; card in production
    S.PRODUCED: frozenset({S.AT_BRANCH, S.MAILED, S.CANCELLED}),
    S.AT_BRANCH: frozenset({S.COLLECTED, S.CANCELLED}),  # debit: waiting at the branch
    S.MAILED: frozenset({S.ACTIVATED, S.CANCELLED}),  # credit: posted to the volunteer
    S.COLLECTED: frozenset({S.ACTIVATED, S.CANCELLED}),
    S.ACTIVATED: frozenset({S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# The bank EVENT types that move a card, and where to.
BANK_EVENT_TARGETS: dict[str, str] = {
    "PRODUCED": S.PRODUCED,
    "MAILED": S.MAILED,
    "AT_BRANCH": S.AT_BRANCH,
    "COLLECTED": S.COLLECTED,
    "ACTIVATED": S.ACTIVATED,
    "CANCELLED": S.CANCELLED,
}

# Hooks other apps register to run after a transition commits: (application_id, to_status).
_after_commit_hooks: list[Callable[[int, str], None]] = []


def on_transition(hook: Callable[[int, str], None]) -> Callable[[int, str], None]:
    _after_commit_hooks.append(hook)
    return hook


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def transition(
    application: CardApplication,
    to_status: str,
    *,
    source: str,
    at: dt.datetime | None = None,
    source_ref: str = "",
    actor: Any = None,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> bool:
    """Move ``application`` to ``to_status``; returns False when it is already there.

    The caller holds the row (``select_for_update``) inside a transaction. ``changes`` are
    field values saved together with the move (card reference, tracking number, …).
    """
    from core.errors import IllegalTransition

    current = application.status
    if current == to_status:
        return False
    if not can_move(current, to_status):
        raise IllegalTransition(
            f"志愿者证当前状态为「{CardStatus(current).label}」，不能变更为「{CardStatus(to_status).label}」",
            extra={"from": current, "to": to_status, "application_no": application.application_no},
        )
    when = at or timezone.now()
    application.status = to_status
    application.status_changed_at = when
    fields = ["status", "status_changed_at"]
    for name, value in (changes or {}).items():
        setattr(application, name, value)
        fields.append(name)
    application.save(update_fields=fields)
    CardEvent.objects.create(
        application=application,
        from_status=current,
        to_status=to_status,
        at=when,
        source=source,
        source_ref=source_ref[:80],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:120],
    )
    app_id = application.pk
    for hook in list(_after_commit_hooks):
        transaction.on_commit(lambda hook=hook: hook(app_id, to_status))
    return True


def record_fact(
    application: CardApplication,
    fact: str,
    *,
    source: str,
    at: dt.datetime,
    source_ref: str = "",
    note: str = "",
) -> None:
    """Record a fact about the card that is not a move (the first purchase)."""
    CardEvent.objects.create(
        application=application,
        from_status=application.status,
        to_status=application.status,
        fact=fact,
        at=at,
        source=source,
        source_ref=source_ref[:80],
        note=note[:120],
    )


def _insert_events(
    ids: list[int], from_status: str, to_status: str, *, source: str, at: dt.datetime,
    source_ref: str,
) -> None:  # fmt: skip
    """One event row per id, as ``bulk_create`` would write them, in one INSERT … SELECT:
    the database makes the rows, not 5,000 model instances and their parameters."""
    meta = CardEvent._meta
    qn = connection.ops.quote_name

    def col(name: str) -> str:
        return qn(meta.get_field(name).column)

    def db_value(name: str, value: Any) -> Any:
        return meta.get_field(name).get_db_prep_save(value, connection)

    def placeholder(name: str) -> str:
        # PostgreSQL types a bare parameter in a SELECT list as text; say what it is.
        if connection.vendor == "postgresql":
            return f"CAST(%s AS {meta.get_field(name).cast_db_type(connection)})"
        return "%s"

    values = {
        "from_status": from_status,
        "to_status": to_status,
        "fact": "",
        "at": at,
        "recorded_at": timezone.now(),  # auto_now_add
        "source": source,
        "source_ref": source_ref[:80],
        "note": "",
    }  # actor: NULL, the column's default
    apps = CardApplication._meta
    pk = qn(apps.pk.column)
    # Identifiers come from the models' metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({col('application')}, "  # noqa: S608
        f"{', '.join(col(name) for name in values)}) "
        f"SELECT {pk}, {', '.join(placeholder(name) for name in values)} "
        f"FROM {qn(apps.db_table)} WHERE {pk} IN ({', '.join(['%s'] * len(ids))}) "
        f"ORDER BY {pk}"
    )
    params = [db_value(name, value) for name, value in values.items()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids])


def transition_many(
    ids: list[int],
    from_status: str,
    to_status: str,
    *,
    source: str,
    at: dt.datetime,
    source_ref: str = "",
    changes: dict[str, Any] | None = None,
) -> int:
    """Move many cards that are all in ``from_status`` at once (a batch going out): one
    guarded UPDATE per chunk and one event row each. Any card no longer in ``from_status``
    aborts the move (the caller's transaction rolls back)."""
    from core.errors import Conflict, IllegalTransition

    if not can_move(from_status, to_status):
        raise IllegalTransition(extra={"from": from_status, "to": to_status})
    moved = 0
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        n = CardApplication.objects.filter(pk__in=chunk, status=from_status).update(
            status=to_status, status_changed_at=at, **(changes or {})
        )
        if n != len(chunk):
            raise Conflict("部分申请状态已变化，请重试", code="concurrent_change")
        _insert_events(chunk, from_status, to_status, source=source, at=at, source_ref=source_ref)
        moved += n
    for hook in list(_after_commit_hooks):
        for i in ids:
            transaction.on_commit(lambda hook=hook, i=i: hook(i, to_status))
    return moved
