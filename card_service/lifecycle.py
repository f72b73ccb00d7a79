"""The card lifecycle: one transition table, moved by the one state-machine helper.

Every move checks the table, writes a ``CardEvent`` with its time and source, and fires
``CARD_MOVED`` after the commit (insurance recomputes a volunteer's coverage on
activation). Moving a card to the state it is already in does nothing, so a replayed bank
file or a double click is harmless.
"""

from __future__ import annotations

import datetime as dt

from card_service.models import CardApplication, CardEvent, CardStatus
from core.hooks import AFTER_COMMIT, Hook
from core.statemachine import StateMachine

S = CardStatus

# from-state → the states it may move to. Reading it top to bottom is the card's life.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.QUEUED, S.WITHDRAWN}),  # real-name check pending
    # Waiting for the bank's cut-off; back to SUBMITTED when a name or ID correction must
    # pass the real-name check again before the bank may see it.
    S.QUEUED: frozenset({S.SENT, S.WITHDRAWN, S.SUBMITTED}),
    S.SENT: frozenset({S.ACCEPTED, S.REJECTED}),  # in an APPLY file at the bank
    S.ACCEPTED: frozenset({S.PRODUCED, S.CANCELLED}),  # bank said yes; card in production
    S.PRODUCED: frozenset({S.AT_BRANCH, S.MAILED, S.CANCELLED}),
    S.AT_BRANCH: frozenset({S.COLLECTED, S.CANCELLED}),  # debit: waiting at the branch
    S.MAILED: frozenset({S.ACTIVATED, S.CANCELLED}),  # credit: posted to the volunteer
    S.COLLECTED: frozenset({S.ACTIVATED, S.CANCELLED}),
    S.ACTIVATED: frozenset({S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

CARD_MOVED = Hook(
    "card_service.card_moved",
    when=AFTER_COMMIT,
    doc="A card moved: called with (application id, new status) after the commit.",
)

CARDS = StateMachine(
    model=CardApplication,
    statuses=CardStatus,
    transitions=TRANSITIONS,
    event_model=CardEvent,
    event_owner="application",
    noun="志愿者证",
    ident=("application_no", "application_no"),
    conflict_message="部分申请状态已变化，请重试",
    moved=CARD_MOVED,
)

transition = CARDS.transition
transition_many = CARDS.transition_many


def record_fact(
    application: CardApplication,
    fact: str,
    *,
    source: str,
    at: dt.datetime,
    source_ref: str = "",
    note: str = "",
) -> None:
    """Record a fact about the card that is not a move (the first purchase)."""
    CardEvent.objects.create(
        application=application,
        from_status=application.status,
        to_status=application.status,
        fact=fact,
        at=at,
        source=source,
        source_ref=source_ref[:80],
        note=note[:120],
    )
