"""Writes of the core app."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field
from django.utils import timezone

from core.masking import mask_text
from core.models import AuditLog


def audit_log_write(
    *,
    action: str,
    actor: Any = None,
    actor_label: str = "",
    target: Any = None,
    target_type: str = "",
    target_id: str | int = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit row. Free text in ``reason`` is masked; ``data`` must hold no clear
    personal data (callers pass masked values or ids)."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    if not actor_label:
        actor_label = user.get_username() if user else "system"
    row = AuditLog(
        actor=user,
        actor_label=actor_label[:64],
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=mask_text(reason)[:200],
        data=data or {},
    )
    _insert(row)
    return row


def _insert(row: AuditLog) -> None:
    """INSERT one audit row with SQL made once per database. Every hotline look-up writes a
    row, and building the statement with the ORM's compiler cost more than running it; the
    values still go through each field's own conversion, as ``save()`` would."""
    alias = router.db_for_write(AuditLog)
    connection = connections[alias]
    sql, fields, returning = _insert_sql(alias)
    params = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row.pk = cur.fetchone()[0] if returning else cur.lastrowid
    row._state.adding = False
    row._state.db = alias


@cache
def _insert_sql(alias: str) -> tuple[str, list[Field], bool]:
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


@transaction.atomic
def notification_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one of ``user``'s in-site messages read, or all of them when no id is given.
    Another person's message is not found. Returns how many changed."""
    from core.errors import NotFound
    from core.selectors import notification_inbox

    qs = notification_inbox(user=user).filter(read_at__isnull=True)
    if notification_id is not None:
        if not notification_inbox(user=user).filter(pk=notification_id).exists():
            raise NotFound("未找到该消息", code="notification_not_found")
        qs = qs.filter(pk=notification_id)
    changed = qs.update(read_at=timezone.now())
    if changed:
        audit_log_write(
            action="notification_mark_read",
            actor=user,
            target_type="core.notification",
            target_id=notification_id or "all",
            data={"count": changed},
        )
    return changed
