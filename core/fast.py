"""Speed tricks of core, fenced here: the audit insert in hand-written SQL; the loader the
other apps' ``fast`` modules use to turn the rows of their hand-written reads into model
instances exactly as the ORM would (``from_db``, after each column's converters); and the
representation of an answer through a serializer compiled once.

Every hotline look-up and every card-progress read by the hotline writes an audit row, so
the insert runs on every such request. Its plain-ORM equivalent is ``AuditLog.save()``;
``core/tests/test_fast.py`` asserts both store the same row. The audit log stays
append-only: this only ever INSERTs a new row, and refuses a row that was saved already.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connections, models, router
from django.db.models import Field
from django.utils.translation import get_language
from rest_framework import serializers

from core.models import AuditLog


def audit_insert(row: AuditLog) -> None:
    """INSERT one new audit row, as ``row.save()`` would, with the statement made once per
    database; the values still go through each field's own conversion.

    bench (in-process CPU, one hotline look-up, 2026-12-03): 0.13 ms with ``row.save()``,
    0.05 ms this way: building the statement with the ORM's compiler cost more than
    running it.
    """
    if row.pk is not None or not row._state.adding:
        raise TypeError("the audit log is append-only")
    alias = router.db_for_write(AuditLog)
    connection = connections[alias]
    sql, fields, returning = audit_statement(alias)
    params = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row.pk = cur.fetchone()[0] if returning else cur.lastrowid
    row._state.adding = False
    row._state.db = alias


@cache
def audit_statement(alias: str) -> tuple[str, list[Field], bool]:
    """The audit INSERT, its fields in order, and whether it returns the new id."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = AuditLog._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    returning = connection.features.can_return_columns_from_insert
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if returning:
        sql += f" RETURNING {qn(meta.pk.column)}"
    return sql, fields, returning


class RowLoader:
    """Rows of ``columns`` (concrete fields of ``model``, in the SELECT's order) -> model
    instances: each value through the converters the ORM's compiler applies (decryption of
    an encrypted field, for one), then ``model.from_db`` as a queryset's iterator does."""

    def __init__(self, model: type[models.Model], fields: Sequence[Field], alias: str) -> None:
        connection = connections[alias]
        self.model, self.alias = model, alias
        self.attnames = [f.attname for f in fields]
        self.converters: list[tuple[int, list[Callable[..., Any]], Any]] = []
        for i, f in enumerate(fields):
            col = f.cached_col
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))
        self.connection = connection

    def load(self, row: Sequence[Any]) -> models.Model:
        values = list(row)
        for i, converters, col in self.converters:
            for convert in converters:
                values[i] = convert(values[i], col, self.connection)
        return self.model.from_db(self.alias, self.attnames, values)


def representation(serializer_class: type[serializers.Serializer]) -> Callable[[Any], Any]:
    """``serializer_class(data).data`` for the plain dicts our selectors return, without
    DRF's per-call work: a serializer deep-copies and binds every declared field (and each
    nested serializer's) each time it is instantiated. Here the fields are bound once and
    their own ``to_representation`` is called, nested serializers compiled alike; the
    output is DRF's to the byte (``core/tests/test_fast.py``). Anything but a dict holding
    every field goes to DRF, which knows what to do about it.

    bench (callgrind, in-process, one card progress request, 2026-12-03): the answer's
    serialization 2.9 M instructions through ``CardProgressSerializer(...).data``, 0.5 M
    this way.
    """
    return _compiled(serializer_class)


@cache
def _compiled(serializer_class: type[serializers.Serializer]) -> Callable[[Any], Any]:
    serializer = serializer_class()
    steps = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if len(field.source_attrs) != 1:  # a dotted source or "*": DRF's business
            return lambda data: serializer_class(data).data
        steps.append((name, field.source_attrs[0], _to_representation(field)))

    def represent(data: Any) -> Any:
        if not isinstance(data, dict):  # an object: DRF reads attributes and calls methods
            return serializer_class(data).data
        out = {}
        try:
            for name, key, convert in steps:
                value = data[key]
                out[name] = None if value is None else convert(value)
        except KeyError:
            return serializer_class(data).data
        return out

    return represent


def _to_representation(field: serializers.Field) -> Callable[[Any], Any]:
    if isinstance(field, serializers.ListSerializer):
        child = _to_representation(field.child)
        return lambda items: [child(item) for item in items]
    if isinstance(field, serializers.Serializer):
        return _compiled(type(field))
    if type(field) is serializers.CharField:
        return str  # what CharField.to_representation does
    return field.to_representation


def label(choices: type[models.Choices], value: Any) -> Any:
    """The label of ``value`` in ``choices``, in the active language; an unknown value is
    returned as it is. What ``obj.get_FOO_display()`` answers for a field with these
    choices (``core/tests/test_fast.py``), and what ``str(Choices(value).label)`` answers
    for a known value.

    Django's ``get_FOO_display`` rebuilds the whole choices list and a dict of it on each
    call, and an enum's ``values`` and ``choices`` build lists each time; here the labels
    are translated once per language.
    bench (in-process CPU, one card progress request, 2026-12-03): the progress's nine
    labels and its timeline's cost ~0.5 ms that way of its 3.6 ms.
    """
    return _labels(choices, get_language()).get(value, value)


@cache
def _labels(choices: type[models.Choices], language: str | None) -> dict[Any, str]:
    return {member.value: str(member.label) for member in choices}
