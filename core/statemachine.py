"""One function that moves a row through its state machine (a card, a uniform order).

Each machine is a transition table, the model whose ``status`` moves and the model of its
event rows. A move checks the table, saves the row with its ``status_changed_at``, writes
one event row with its time and source, and fires the machine's ``moved`` hook (after the
commit) with the row's id and its new state. Moving a row to the state it is already in does
nothing, so a replayed partner file or a double click is harmless.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.errors import Conflict, IllegalTransition
from core.hooks import Hook

CHUNK = 5000


@dataclass(frozen=True)
class StateMachine:
    """A status field's life: ``transitions`` maps a state to the states it may move to."""

    model: type[models.Model]  # has ``status`` and ``status_changed_at``
    statuses: type[models.TextChoices]
    transitions: Mapping[str, frozenset[str]]
    event_model: type[models.Model]  # one row per move
    event_owner: str  # the event's foreign key to the moving row
    noun: str  # what a refusal calls the row: 志愿者证, 服装订单
    ident: tuple[str, str]  # (extra key, row attribute) that names the row in a refusal
    conflict_message: str  # when a set-wise move finds a row that moved meanwhile
    moved: Hook | None = None  # fired with (row id, new state) for every move

    def can_move(self, from_status: str, to_status: str) -> bool:
        return to_status in self.transitions.get(from_status, frozenset())

    def transition(
        self,
        row: models.Model,
        to_status: str,
        *,
        source: str,
        at: dt.datetime | None = None,
        source_ref: str = "",
        actor: Any = None,
        note: str = "",
        changes: dict[str, Any] | None = None,
    ) -> bool:
        """Move ``row`` to ``to_status``; returns False when it is already there.

        The caller holds the row (``select_for_update``) inside a transaction. ``changes`` are
        field values saved together with the move (card reference, tracking number, …)."""
        current = row.status
        if current == to_status:
            return False
        if not self.can_move(current, to_status):
            key, attr = self.ident
            raise IllegalTransition(
                f"{self.noun}当前状态为「{self.statuses(current).label}」，"
                f"不能变更为「{self.statuses(to_status).label}」",
                extra={"from": current, "to": to_status, key: getattr(row, attr)},
            )
        when = at or timezone.now()
        row.status = to_status
        row.status_changed_at = when
        fields = ["status", "status_changed_at"]
        for name, value in (changes or {}).items():
            setattr(row, name, value)
            fields.append(name)
        row.save(update_fields=fields)
        self.event_model.objects.create(
            **{self.event_owner: row},
            from_status=current,
            to_status=to_status,
            at=when,
            source=source,
            source_ref=source_ref[:80],
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            note=note[:120],
        )
        if self.moved:
            self.moved.fire(row.pk, to_status)
        return True

    def transition_many(
        self,
        ids: list[int],
        from_status: str,
        to_status: str,
        *,
        source: str,
        at: dt.datetime,
        source_ref: str = "",
        changes: dict[str, Any] | None = None,
    ) -> int:
        """Move many rows that are all in ``from_status`` at once (a file going out): one
        guarded UPDATE per chunk and one event row each. A row no longer in ``from_status``
        aborts the move (the caller's transaction rolls back)."""
        if not self.can_move(from_status, to_status):
            raise IllegalTransition(extra={"from": from_status, "to": to_status})
        moved = 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            n = self.model.objects.filter(self._among(chunk), status=from_status).update(
                status=to_status, status_changed_at=at, **(changes or {})
            )
            if n != len(chunk):
                raise Conflict(self.conflict_message, code="concurrent_change")
            self._insert_events(chunk, from_status, to_status, source=source, at=at,
                                source_ref=source_ref)  # fmt: skip
            moved += n
        if self.moved:
            self.moved.fire_each((i, to_status) for i in ids)
        return moved

    def _among(self, ids: list[int]) -> RawSQL:
        """The rows with these ids (``_id_in``)."""
        qn = connection.ops.quote_name
        meta = self.model._meta
        column = f"{qn(meta.db_table)}.{qn(meta.pk.column)}"  # from the model's metadata
        return RawSQL(*_id_in(column, ids), output_field=models.BooleanField())  # noqa: S611

    def _insert_events(
        self, ids: list[int], from_status: str, to_status: str, *, source: str,
        at: dt.datetime, source_ref: str,
    ) -> None:  # fmt: skip
        """One event row per id, as ``bulk_create`` would write them, in one INSERT … SELECT:
        the database makes the rows, not thousands of model instances and their parameters."""
        meta = self.event_model._meta
        qn = connection.ops.quote_name
        values: dict[str, Any] = {
            "from_status": from_status,
            "to_status": to_status,
            "at": at,
            "source": source,
            "source_ref": source_ref[:80],
        }
        for f in meta.concrete_fields:
            if f.primary_key or f.name in values or f.name == self.event_owner or f.null:
                continue  # a nullable column (the actor) stays NULL
            values[f.name] = (
                timezone.now() if getattr(f, "auto_now_add", False) else f.get_default()
            )

        def placeholder(name: str) -> str:
            # PostgreSQL types a bare parameter in a SELECT list as text; say what it is.
            if connection.vendor == "postgresql":
                return f"CAST(%s AS {meta.get_field(name).cast_db_type(connection)})"
            return "%s"

        rows = self.model._meta
        pk = qn(rows.pk.column)
        among, id_params = _id_in(pk, ids)
        columns = [meta.get_field(self.event_owner).column, *(meta.get_field(n).column
                                                                for n in values)]  # fmt: skip
        # Identifiers come from the models' metadata; every value is a parameter.
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
            f"SELECT {pk}, {', '.join(placeholder(name) for name in values)} "
            f"FROM {qn(rows.db_table)} WHERE {among} ORDER BY {pk}"
        )
        params = [meta.get_field(n).get_db_prep_save(v, connection) for n, v in values.items()]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *id_params])


def _id_in(column: str, ids: list[int]) -> tuple[str, list[Any]]:
    """``column`` is one of ``ids``: the SQL and its parameters. On PostgreSQL one array
    parameter, ``= ANY(%s)``, not ``IN`` with a parameter per id: the client neither builds
    nor parses thousands of placeholders. bench (7 chunks of 5,000, an UPDATE and an INSERT
    each, client CPU in psycopg's query conversion): 0.27 -> 0.07 s."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)
