"""Progress of a running send or receive, kept in a row per partner and direction so that any
process (a Celery worker, the ``exchange`` command) can write it and the operations page can
read it: ``exchange.deliver`` and ``exchange.receive`` call ``progress(n)`` after each file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import F
from django.utils import timezone

from bank_adapters.models import ExchangeProgress, PartnerFile


@contextmanager
def exchange_progress_tracked(
    partner: str, direction: str, *, also: Callable[[int], Any] | None = None
) -> Iterator[Callable[[int], None]]:
    """Record a run of ``partner``'s ``direction`` ("out" or "in"): yields the ``progress``
    callback for the exchange; marks the run done, or failed with the error, at the end.
    ``also`` is called with each step too (the command's progress bar)."""
    now = timezone.now()
    total = None
    if direction == PartnerFile.Direction.OUT:
        total = PartnerFile.objects.filter(
            partner=partner, direction=direction, state=PartnerFile.State.PREPARED
        ).count()
        if total == 0:  # nothing to send: the last real run stays on the page
            yield also or (lambda n=1: None)
            return
    # The beat polls for inbound files every few minutes; a poll that finds none puts the
    # last real run back rather than showing "0 files" all day.
    previous = (
        ExchangeProgress.objects.filter(partner=partner, direction=direction).values().first()
    )
    ExchangeProgress.objects.update_or_create(
        partner=partner,
        direction=direction,
        defaults={
            "state": ExchangeProgress.State.RUNNING,
            "files_done": 0,
            "files_total": total,
            "error": "",
            "started_at": now,
            "updated_at": now,
            "finished_at": None,
        },
    )
    rows = ExchangeProgress.objects.filter(partner=partner, direction=direction)

    def step(n: int = 1) -> None:
        rows.update(files_done=F("files_done") + n, updated_at=timezone.now())
        if also:
            also(n)

    try:
        yield step
    except BaseException as exc:
        message = getattr(exc, "message", "") or exc.__class__.__name__
        rows.update(
            state=ExchangeProgress.State.FAILED,
            error=str(message)[:300],
            updated_at=timezone.now(),
            finished_at=timezone.now(),
        )
        raise
    if not rows.filter(files_done__gt=0).exists():
        if previous:
            previous.pop("id")
            rows.update(**previous)
        else:
            rows.delete()
        return
    rows.update(
        state=ExchangeProgress.State.DONE, updated_at=timezone.now(), finished_at=timezone.now()
    )


def exchange_progress_rows() -> list[dict[str, Any]]:
    """Every partner's latest send and receive run, for the operations page and its poll."""
    labels = dict(PartnerFile._meta.get_field("partner").choices)
    out = []
    for row in ExchangeProgress.objects.order_by("partner", "-direction"):
        out.append(
            {
                "partner": row.partner,
                "partner_name": str(labels.get(row.partner, row.partner)),
                "direction": row.direction,
                "direction_label": "发送" if row.direction == "out" else "接收",
                "state": row.state,
                "state_label": str(row.get_state_display()),
                "files_done": row.files_done,
                "files_total": row.files_total,
                "error": row.error,
                "started_at": timezone.localtime(row.started_at).strftime("%Y-%m-%d %H:%M:%S"),
                "finished_at": (
                    timezone.localtime(row.finished_at).strftime("%Y-%m-%d %H:%M:%S")
                    if row.finished_at
                    else ""
                ),
            }
        )
    return out
