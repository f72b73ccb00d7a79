"""Reads for the operations page and the ``exchange status`` command."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from bank_adapters import partners
from bank_adapters.models import Alert, Batch, PartnerFile
from core.workdays import is_working_day


def next_cutoff(cutoff: dt.time, now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    day = local.date()
    for _ in range(30):
        at = timezone.make_aware(dt.datetime.combine(day, cutoff))
        if at > now and is_working_day(day):
            return at
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, cutoff))


def partner_cutoff(partner: str) -> dt.time | None:
    """The partner's configured daily cut-off (the partners file, which the sender reads);
    None when the partner is not configured or not enabled."""
    try:
        pcfg = partners.load().partner(partner)
    except partners.ConfigError:
        return None
    return pcfg.cutoff if pcfg.enabled else None


def partner_next_cutoff(partner: str, now: dt.datetime) -> dt.datetime | None:
    """When the sender next sends this partner's batch: its configured cut-off on the next
    working day after ``now``. One answer for the ops page and the volunteer's page."""
    cutoff = partner_cutoff(partner)
    return next_cutoff(cutoff, now) if cutoff is not None else None


def exchange_status(*, now: dt.datetime) -> list[dict[str, Any]]:
    """Per partner: last send and receive, pending files, inbound files refused (format)
    and quarantined (envelope, or known name with new bytes), next cut-off, open alerts."""
    try:
        cfg = partners.load()
        configured = {p.code: p for p in cfg.partners.values()}
    except partners.ConfigError:
        configured = {}
    files = PartnerFile.objects.values("partner").annotate(
        last_send=Max("delivered_at", filter=Q(direction="out")),
        last_receive=Max("created_at", filter=Q(direction="in")),
        pending_out=Count("id", filter=Q(direction="out", state=PartnerFile.State.PREPARED)),
        refused_in=Count("id", filter=Q(direction="in", state=PartnerFile.State.REFUSED)),
        quarantined_in=Count("id", filter=Q(direction="in", state=PartnerFile.State.QUARANTINED)),
    )
    by_partner = {row["partner"]: row for row in files}
    alerts = dict(
        Alert.objects.filter(resolved_at__isnull=True)
        .values_list("partner")
        .annotate(n=Count("id"))
        .values_list("partner", "n")
    )
    rows = []
    for code in partners.PARTNER_CODES:
        p = configured.get(code)
        f = by_partner.get(code, {})
        rows.append(
            {
                "partner": code,
                "enabled": bool(p and p.enabled),
                "cutoff": p.cutoff if p else None,
                "next_cutoff": partner_next_cutoff(code, now),
                "last_send": f.get("last_send"),
                "last_receive": f.get("last_receive"),
                "pending_out": f.get("pending_out", 0),
                "refused_in": f.get("refused_in", 0),
                "quarantined_in": f.get("quarantined_in", 0),
                "open_alerts": alerts.get(code, 0),
            }
        )
    return rows


def recent_batches(limit: int = 50):
    return Batch.objects.select_related("data_file", "photo_file").order_by("-created_at")[:limit]


def recent_files(limit: int = 100):
    return PartnerFile.objects.order_by("-created_at")[:limit]


def open_alerts(limit: int = 100):
    return Alert.objects.filter(resolved_at__isnull=True).select_related("file")[:limit]
