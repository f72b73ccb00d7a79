"""Operations: what the operations page shows, and resolving an alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from bank_adapters import selectors
from bank_adapters.models import Alert, Partner
from bank_adapters.progress import exchange_progress_rows
from core.audit_actions import AuditAction
from core.errors import Conflict, NotFound, PermissionDenied
from core.services import audit_log_write
from volunteers.roles import is_operations


def require_operations(user: Any) -> None:
    if not is_operations(user):
        raise PermissionDenied("只有运维人员可以查看交换状态和处理告警")


def ops_overview(*, user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Per partner the exchange status, recent batches and files, and the open alerts."""
    require_operations(user)
    now = now or timezone.now()
    names = dict(Partner.choices)
    rows = selectors.exchange_status(now=now)
    for row in rows:
        row["partner_name"] = str(names.get(row["partner"], row["partner"]))
    return {
        "now": now,
        "partners": rows,
        "progress": exchange_progress_rows(),
        "batches": list(selectors.recent_batches(30)),
        "files": list(selectors.recent_files(50)),
        "alerts": list(selectors.open_alerts(100)),
    }


def ops_progress(*, user: Any) -> dict[str, Any]:
    """The live view's poll: every partner's latest send and receive run."""
    require_operations(user)
    rows = exchange_progress_rows()
    return {
        "running": any(r["state"] == "running" for r in rows),
        "runs": rows,
        "at": timezone.localtime().strftime("%H:%M:%S"),
    }


@transaction.atomic
def alert_resolve(*, alert_id: int, actor: Any, note: str = "") -> Alert:
    """Operations mark an alert as handled; the audit row keeps who and why."""
    require_operations(actor)
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("未找到该告警", code="alert_not_found")
    if alert.resolved_at is not None:
        raise Conflict("该告警已处理", code="alert_already_resolved")
    alert.resolved_at = timezone.now()
    alert.resolved_by = actor
    alert.save(update_fields=["resolved_at", "resolved_by"])
    audit_log_write(
        action=AuditAction.ALERT_RESOLVE,
        actor=actor,
        target=alert,
        reason=note,
        data={"kind": alert.kind, "partner": alert.partner},
    )
    return alert
