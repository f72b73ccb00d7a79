"""Operations see where the rules and the banks' POLICY files disagree."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import PermissionDenied
from insurance import selectors
from insurance.coverage import coverage_rebuild
from insurance.models import Policy
from insurance.tests.helpers import card, spent
from volunteers.tests.factories import hotline_user, make_volunteer, operations_user

pytestmark = pytest.mark.django_db
D = dt.date


def policy(app, start, end, no, status=Policy.Status.IN_FORCE):
    return Policy.objects.create(
        bank_id=app.bank_id, application=app, volunteer=app.volunteer, policy_no=no,
        insurer="BOCINS", coverage_start=start, coverage_end=end, status=status,
        source_file="BOC_POLICY_20250101_0001",
    )  # fmt: skip


@pytest.fixture
def people():
    # ok: covered years 0 and 1, with policies for both.
    ok = make_volunteer(name="王一")
    a = card(ok, applied=D(2024, 1, 1), activated=D(2024, 3, 1))
    spent(a, D(2024, 5, 1))
    policy(a, D(2024, 3, 1), D(2025, 2, 28), "P-OK-0")
    policy(a, D(2025, 3, 1), D(2026, 2, 28), "P-OK-1")
    # missing: renewed by a purchase, but the bank sent no policy for year 1 (only a
    # cancelled one).
    missing = make_volunteer(name="李二")
    b = card(missing, applied=D(2024, 1, 1), activated=D(2024, 4, 1))
    spent(b, D(2024, 6, 1))
    policy(b, D(2024, 4, 1), D(2025, 3, 31), "P-MISS-0")
    policy(b, D(2025, 4, 1), D(2026, 3, 31), "P-MISS-1", status=Policy.Status.CANCELLED)
    # unexpected: no activity in year 0, yet an in-force policy for year 1.
    unexpected = make_volunteer(name="赵三")
    c = card(unexpected, applied=D(2024, 1, 1), activated=D(2024, 5, 1))
    policy(c, D(2024, 5, 1), D(2025, 4, 30), "P-UNX-0")
    policy(c, D(2025, 5, 1), D(2026, 4, 30), "P-UNX-1")
    coverage_rebuild(today=D(2025, 9, 1))
    return {"ok": ok, "missing": missing, "unexpected": unexpected}


def test_reconciliation_finds_a_missing_and_an_unexpected_policy(people):
    ops = operations_user()
    missing = list(selectors.policies_missing(user=ops))
    assert [(y.volunteer_id, y.year_index) for y in missing] == [(people["missing"].pk, 1)]
    unexpected = list(selectors.policies_unexpected(user=ops))
    assert [p.policy_no for p in unexpected] == ["P-UNX-1"]
    assert list(selectors.policies_missing(user=ops, bank="ICBC")) == []


def test_reconciliation_is_for_operations_only(people, client):
    with pytest.raises(PermissionDenied):
        selectors.policies_missing(user=hotline_user())
    client.force_login(hotline_user())
    assert client.get("/staff/insurance/reconciliation/").status_code == 403
    client.force_login(operations_user())
    page = client.get("/staff/insurance/reconciliation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "P-UNX-1" in html and "应投保但没有有效保单（1）" in html
    assert "李二" not in html  # names masked


def test_before_coverage_is_computed_genuine_policies_are_not_listed_as_mismatches(client):
    """No nightly rebuild yet: the page says so and counts the policies it cannot compare,
    instead of listing every genuine policy as unexpected."""
    new = make_volunteer(name="孙四")
    a = card(new, applied=D(2026, 9, 1), activated=D(2026, 10, 8))
    policy(a, D(2026, 10, 8), D(2027, 10, 7), "P-NEW-0")
    # a policy for someone whose card was never activated is a mismatch all the same
    never = make_volunteer(name="周五")
    b = card(never, applied=D(2026, 9, 1))
    policy(b, D(2026, 10, 1), D(2027, 9, 30), "P-NOACT-0")
    ops = operations_user()
    assert [p.policy_no for p in selectors.policies_unexpected(user=ops)] == ["P-NOACT-0"]
    assert selectors.policies_not_computed(user=ops).count() == 1
    assert selectors.coverage_computed_at() is None
    client.force_login(ops)
    html = client.get("/staff/insurance/reconciliation/").content.decode()
    assert "尚未计算" in html and "另有 1 份有效保单" in html
    assert "P-NEW-0" not in html and "P-NOACT-0" in html

    coverage_rebuild(today=D(2026, 12, 1))
    assert [p.policy_no for p in selectors.policies_unexpected(user=ops)] == ["P-NOACT-0"]
    assert selectors.policies_not_computed(user=ops).count() == 0


def test_activating_a_card_computes_its_coverage_year_at_once(
    django_capture_on_commit_callbacks,
):
    from bank_adapters.records import EventRecord
    from card_service import bank_events
    from card_service.models import CardStatus
    from insurance.models import CoverageYear

    v = make_volunteer(name="吴六")
    app = card(v, applied=D(2026, 10, 1), status=CardStatus.COLLECTED)
    policy(app, D(2026, 11, 30), D(2027, 11, 29), "P-ACT-0")
    at = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with django_capture_on_commit_callbacks(execute=True):
        bank_events.apply_event(
            bank="BOC",
            record=EventRecord(
                event_id="A1", card_ref=app.card_ref, event_type="ACTIVATED", event_time=at
            ),
            source_ref="BOC_EVENT_20261130_0001.dat",
        )
    year0 = CoverageYear.objects.get(volunteer=v, year_index=0)
    assert (year0.starts_on, year0.covered, year0.reason) == (
        D(2026, 11, 30), True, CoverageYear.Reason.ACTIVATION,
    )  # fmt: skip
    ops = operations_user()
    assert not selectors.policies_unexpected(user=ops).filter(policy_no="P-ACT-0").exists()
    assert not selectors.policies_missing(user=ops).filter(volunteer=v).exists()
