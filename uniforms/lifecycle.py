"""The uniform order's state machine: one transition table, moved by the one state-machine
helper (``core.statemachine``), as cards are.

Every move checks the table and writes a ``UniformEvent``. Moving an order to the state it
is already in does nothing, so a replayed STATUS file is harmless."""

from __future__ import annotations

from core.statemachine import StateMachine
from uniforms.models import UniformEvent, UniformOrder, UniformStatus

S = UniformStatus

# from-state → the states it may move to. Reading it top to bottom is the uniform's life.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.ADDRESS_NEEDED: frozenset({S.ORDERED}),  # the volunteer gives an address
    S.ORDERED: frozenset({S.SENT}),  # the next ORDER file takes it
    # The maker may skip PRODUCING (made and shipped on one day).
    S.SENT: frozenset({S.PRODUCING, S.SHIPPED}),
    S.PRODUCING: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.RETURNED}),
    S.RETURNED: frozenset({S.ORDERED}),  # the volunteer corrects the address: goes out again
    S.DELIVERED: frozenset(),
}

# The maker's STATUS codes (bank-interface.md 4.6) and where they move an order.
MAKER_STATUS_TARGETS: dict[str, str] = {
    "PRODUCING": S.PRODUCING,
    "SHIPPED": S.SHIPPED,
    "DELIVERED": S.DELIVERED,
    "RETURNED": S.RETURNED,
}

ORDERS = StateMachine(
    model=UniformOrder,
    statuses=UniformStatus,
    transitions=TRANSITIONS,
    event_model=UniformEvent,
    event_owner="order",
    noun="服装订单",
    ident=("order_id", "pk"),
    conflict_message="部分服装订单状态已变化，请重试",
)

transition = ORDERS.transition
transition_many = ORDERS.transition_many
