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
