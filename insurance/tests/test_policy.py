"""POLICY records (bank-interface.md 4.4): one policy per bank and number, the latest record
wins; a record for a card the bank never issued for us refuses the file."""

import datetime as dt

import pytest

from bank_adapters.records import PolicyRecord
from card_service.bank_events import UnknownRecord
from insurance.models import Policy
from insurance.services import policy_record_apply
from insurance.tests.helpers import card
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db
D = dt.date


def record(card_ref: str, status: str = "I") -> PolicyRecord:
    return PolicyRecord(card_ref=card_ref, policy_no="BOCINS2025000123", insurer="BOCINS",
                        coverage_start=D(2025, 2, 1), coverage_end=D(2026, 1, 31),
                        status=status)  # fmt: skip


def test_a_later_record_replaces_the_status_of_the_same_policy():
    app = card(make_volunteer(), applied=D(2025, 1, 1), activated=D(2025, 2, 1))
    assert policy_record_apply(bank="BOC", record=record(app.card_ref), source_ref="F1") is True
    assert (
        policy_record_apply(bank="BOC", record=record(app.card_ref, "C"), source_ref="F2") is False
    )
    policy = Policy.objects.get()
    assert (policy.status, policy.source_file) == (Policy.Status.CANCELLED, "F2")


def test_a_card_the_bank_did_not_issue_is_refused():
    app = card(make_volunteer(), applied=D(2025, 1, 1), activated=D(2025, 2, 1), bank="ICBC")
    with pytest.raises(UnknownRecord):
        policy_record_apply(bank="BOC", record=record(app.card_ref), source_ref="F1")
    assert not Policy.objects.exists()
