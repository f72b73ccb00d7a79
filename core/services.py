"""Writes of the core app."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit_actions import AuditAction
from core.fast import audit_insert
from core.masking import mask_text
from core.models import AuditLog


def audit_log_write(
    *,
    action: AuditAction,
    actor: Any = None,
    actor_label: str = "",
    target: Any = None,
    target_type: str = "",
    target_id: str | int = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit row. ``action`` is a member of ``AuditAction`` (a value that is not
    one raises ValueError). Free text in ``reason`` is masked; ``data`` must hold no clear
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
        action=AuditAction(action),
        target_type=target_type,
        target_id=str(target_id),
        reason=mask_text(reason)[:200],
        data=data or {},
    )
    audit_insert(row)
    return row


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
            action=AuditAction.NOTIFICATION_MARK_READ,
            actor=user,
            target_type="core.notification",
            target_id=notification_id or "all",
            data={"count": changed},
        )
    return changed
