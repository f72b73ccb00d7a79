"""What the banks' RESULT and EVENT records do to cards. Called by the exchange inside the
one transaction that applies a whole file: any error here refuses the whole file."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from bank_adapters.records import EventRecord, ResultRecord
from card_service.lifecycle import BANK_EVENT_TARGETS, record_fact, transition
from card_service.models import CardApplication, CardEvent, CardSpend, CardStatus
from core.errors import IntegrationError

# Called (inside the transaction) with the application when a volunteer's card reports its
# first purchase; the uniform order hangs here.
on_first_spend: list[Callable[[CardApplication, object], object]] = []

# Purchases: each becomes one CardSpend row under its event id, unique per bank, and that row
# is the mark that the event was applied (the exchange registers the other kinds).
SPEND_EVENTS = frozenset({"FIRST_SPEND", "SPENDS"})


class UnknownRecord(IntegrationError):
    """A record names an application or card the service does not know: refuse the file."""

    code = "unknown_record"


class ConflictingRecord(IntegrationError):
    code = "conflicting_record"


def _application(bank: str, **lookup: str) -> CardApplication:
    app = (
        CardApplication.objects.select_for_update(of=("self",))
        .select_related("volunteer")
        .filter(bank_id=bank, **lookup)
        .first()
    )
    if app is None:
        what = "申请编号" if "application_no" in lookup else "卡片参考号"
        value = next(iter(lookup.values()))
        raise UnknownRecord(
            f"文件引用了未知的{what} {value}",
            extra={"bank": bank, **lookup},
        )
    return app


def apply_result(*, bank: str, record: ResultRecord, source_ref: str) -> bool:
    """Accept or reject a sent application. A repeated identical result does nothing."""
    app = _application(bank, application_no=record.application_no)
    accepted = record.result == "A"
    target = CardStatus.ACCEPTED if accepted else CardStatus.REJECTED
    if app.status != CardStatus.SENT:
        same = (accepted and app.card_ref == record.card_ref) or (
            not accepted
            and app.status == CardStatus.REJECTED
            and app.reason_code == record.reason_code
        )
        if same:
            return False
        raise ConflictingRecord(
            f"申请 {record.application_no} 当前状态为「{CardStatus(app.status).label}」，不能再处理审核结果",
            extra={"application_no": record.application_no, "status": app.status},
        )
    if accepted:
        changes = {
            "card_ref": record.card_ref,
            "masked_pan": record.masked_pan,
            "expected_ready_date": record.expected_ready_date,
        }
        note = ""
    else:
        changes = {"reason_code": record.reason_code, "reason_text": record.reason_text or ""}
        note = record.reason_code
    return transition(
        app,
        target,
        source=CardEvent.Source.BANK_FILE,
        source_ref=source_ref,
        changes=changes,
        note=note,
    )


def apply_event(*, bank: str, record: EventRecord, source_ref: str) -> bool:
    """Move a card, or record a purchase, for one bank event (the caller has made sure the
    event id was never applied before; a purchase's CardSpend row is its applied mark)."""
    app = _application(bank, card_ref=record.card_ref)
    at = record.event_time
    kind = record.event_type
    if kind in BANK_EVENT_TARGETS:
        changes: dict[str, object] = {}
        if kind == "MAILED":
            changes["tracking_no"] = record.detail or ""
        elif kind == "ACTIVATED":
            changes["activated_at"] = at
        elif kind == "CANCELLED":
            changes.update(cancelled_at=at, cancel_reason=record.detail or "")
        return transition(
            app,
            BANK_EVENT_TARGETS[kind],
            source=CardEvent.Source.BANK_FILE,
            at=at,
            source_ref=f"{source_ref}#{record.event_id}",
            changes=changes,
        )
    count = 1 if kind == "FIRST_SPEND" else int(record.detail or "0")
    CardSpend.objects.create(
        bank_id=bank,
        application=app,
        event_id=record.event_id,
        event_type=kind,
        day=timezone.localtime(at).date(),
        count=count,
        city_code=app.volunteer.city_code,
    )
    if kind == "FIRST_SPEND" and app.first_spend_at is None:
        app.first_spend_at = at
        app.save(update_fields=["first_spend_at"])
        record_fact(
            app, "first_spend", source=CardEvent.Source.BANK_FILE, at=at, source_ref=source_ref
        )
        for hook in on_first_spend:
            hook(app, at)
    return True


def spend_event_applied(*, bank: str, event_id: str) -> bool:
    """Whether a purchase with this event id was recorded (event ids are unique per bank)."""
    return CardSpend.objects.filter(bank_id=bank, event_id=event_id).exists()
