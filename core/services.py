"""Writes of the core app."""

from __future__ import annotations

from typing import Any

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
    return AuditLog.objects.create(
        actor=user,
        actor_label=actor_label[:64],
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=mask_text(reason)[:200],
        data=data or {},
    )
