"""What the banks' RESULT and EVENT records do to cards, record by record. Called by the
exchange inside the one transaction that applies a whole file: any error here refuses the
whole file. ``card_service.bulk_events`` does the same to a big EVENT file set-wise; both
read ``EVENT_KINDS``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.utils import timezone

from bank_adapters.models import AppliedBankEvent, PartnerFile
from bank_adapters.records import EventRecord, ResultRecord
from card_service.lifecycle import record_fact, transition
from card_service.models import CardApplication, CardEvent, CardSpend, CardStatus
from core.errors import IntegrationError
from core.hooks import IN_TRANSACTION, Hook

S = CardStatus
DETAIL: Literal["detail"] = "detail"  # the record's detail ("" when it has none)
TIME: Literal["time"] = "time"  # the event's time
ONE: Literal["one"] = "one"  # a purchase event that counts one purchase


@dataclass(frozen=True)
class EventKind:
    """What one kind of bank EVENT does to a card: a move (to ``moves_to``, writing
    ``writes``: card field → ``DETAIL`` or ``TIME``), or a purchase (``spend``: how many it
    counts, ``ONE`` or the ``DETAIL``; its ``CardSpend`` row, unique per bank and event id,
    is the mark that it was applied). A ``first_spend`` purchase sets the card's
    ``first_spend_at`` once, with its fact row, and fires ``FIRST_SPEND``."""

    moves_to: str | None = None
    writes: Mapping[str, Literal["detail", "time"]] = field(default_factory=dict)
    spend: Literal["one", "detail"] | None = None
    first_spend: bool = False

    def __post_init__(self) -> None:
        if (self.moves_to is None) == (self.spend is None):
            raise ValueError("an EVENT kind is either a move or a purchase")
        if (self.writes and not self.moves_to) or (self.first_spend and not self.spend):
            raise ValueError("writes belong to a move, first_spend to a purchase")


# Every kind of the EVENT file (bank-interface.md 4.3); a new kind is one row here (and its
# code in the file format, bank_adapters.fields.EVENT_TYPES).
EVENT_KINDS: dict[str, EventKind] = {
    "PRODUCED": EventKind(moves_to=S.PRODUCED),
    "MAILED": EventKind(moves_to=S.MAILED, writes={"tracking_no": DETAIL}),
    "AT_BRANCH": EventKind(moves_to=S.AT_BRANCH),
    "COLLECTED": EventKind(moves_to=S.COLLECTED),
    "ACTIVATED": EventKind(moves_to=S.ACTIVATED, writes={"activated_at": TIME}),
    "CANCELLED": EventKind(
        moves_to=S.CANCELLED, writes={"cancelled_at": TIME, "cancel_reason": DETAIL}
    ),
    "FIRST_SPEND": EventKind(spend=ONE, first_spend=True),
    "SPENDS": EventKind(spend=DETAIL),
}

FIRST_SPEND = Hook(
    "card_service.first_spend",
    when=IN_TRANSACTION,
    doc="A card's first purchase: called with (application, time) in the file's transaction; "
    "the uniform order hangs here.",
)


class UnknownRecord(IntegrationError):
    """A record names an application or card the service does not know: refuse the file."""

    code = "unknown_record"


class ConflictingRecord(IntegrationError):
    code = "conflicting_record"


def application_for(bank: str, **lookup: str) -> CardApplication:
    """The bank's application named by a record, locked; ``UnknownRecord`` when none."""
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
    app = application_for(bank, application_no=record.application_no)
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
    app = application_for(bank, card_ref=record.card_ref)
    at = record.event_time
    kind = EVENT_KINDS[record.event_type]
    if kind.moves_to is not None:
        return transition(
            app,
            kind.moves_to,
            source=CardEvent.Source.BANK_FILE,
            at=at,
            source_ref=f"{source_ref}#{record.event_id}",
            changes={
                name: at if value == TIME else record.detail or ""
                for name, value in kind.writes.items()
            },
        )
    CardSpend.objects.create(
        bank_id=bank,
        application=app,
        event_id=record.event_id,
        event_type=record.event_type,
        day=timezone.localtime(at).date(),
        count=1 if kind.spend == ONE else int(record.detail or "0"),
        city_code=app.volunteer.city_code,
    )
    if kind.first_spend and app.first_spend_at is None:
        app.first_spend_at = at
        app.save(update_fields=["first_spend_at"])
        record_fact(
            app, "first_spend", source=CardEvent.Source.BANK_FILE, at=at, source_ref=source_ref
        )
        FIRST_SPEND.fire(app, at)
    return True


def event_apply_once(*, partner: str, record: EventRecord, file: PartnerFile) -> bool:
    """One record of an EVENT file. Each event id is applied once, ever, whichever file
    repeats it. A purchase is registered by its own CardSpend row (unique per bank and event
    id), so the one kind that comes by the million is written once, not twice; every other
    kind is registered as an ``AppliedBankEvent``."""
    if event_applied(bank=partner, event_id=record.event_id):
        return False
    if EVENT_KINDS[record.event_type].spend is None:
        AppliedBankEvent.objects.create(partner=partner, event_id=record.event_id, file=file)
    return apply_event(bank=partner, record=record, source_ref=file.name)


def event_applied(*, bank: str, event_id: str) -> bool:
    """Whether this event id was applied (event ids are unique per bank)."""
    if AppliedBankEvent.objects.filter(partner=bank, event_id=event_id).exists():
        return True
    return CardSpend.objects.filter(bank_id=bank, event_id=event_id).exists()
