"""Fixtures for the uniform tests: the exchange's demo PKI and real sshd, cards that the
bank has issued, and the maker's side of the files."""

from __future__ import annotations

import datetime as dt

import pytest

from bank_adapters.tests.helpers import Bank
from card_service import bank_events
from card_service.lifecycle import transition
from card_service.models import CardApplication, CardEvent, CardStatus
from card_service.tests.helpers import submit

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def maker(env) -> Bank:
    """The uniform maker: opens our ORDER files, puts STATUS files."""
    return Bank(env, code="UNF")


def issued_card(volunteer, ref: str, *, now: dt.datetime | None = None, **kw) -> CardApplication:
    """A card the bank accepted (card reference ``ref``), without the APPLY round trip."""
    app = submit(volunteer, **({"now": now} if now else {}), **kw)
    app.refresh_from_db()
    assert app.status == CardStatus.QUEUED
    transition(app, CardStatus.SENT, source=CardEvent.Source.SYSTEM)
    transition(
        app,
        CardStatus.ACCEPTED,
        source=CardEvent.Source.BANK_FILE,
        changes={"card_ref": ref, "masked_pan": "621661******1234"},
    )
    return app


def bank_event(bank: str, eid: str, ref: str, kind: str, detail=None, at=None) -> bool:
    """Apply one bank EVENT record as the exchange does (the event id never seen before)."""
    from bank_adapters.records import EventRecord

    record = EventRecord(
        event_id=eid,
        card_ref=ref,
        event_type=kind,
        event_time=at or dt.datetime(2026, 12, 2, 10, 0, tzinfo=TZ),
        detail=detail,
    )
    return bank_events.apply_event(bank=bank, record=record, source_ref=f"{bank}_EVENT_TEST")
