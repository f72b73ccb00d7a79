"""``manage.py demo_seed`` (what ``./bin/demo`` loads each time it starts) runs twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from bank_adapters.records import PolicyRecord
from insurance.models import Policy
from insurance.services import coverage_years_rebuild, policy_record_apply
from insurance.tests.helpers import card
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def seed() -> str:
    out = io.StringIO()
    call_command("demo_seed", stdout=out)
    return out.getvalue()


def test_running_the_demo_loader_twice_leaves_the_same_row_counts():
    seed()
    first = row_counts()
    assert seed()
    assert row_counts() == first


def test_a_second_run_after_the_bank_insured_a_card_adds_no_second_policy():
    seed()
    # Between the runs the simulated bank issued xiaoming's card, activated it and sent its
    # POLICY record, as `demo_partners` does.
    xiaoming = Volunteer.objects.get(user__username="xiaoming")
    app = card(xiaoming, applied=dt.date(2026, 11, 2), activated=dt.date(2026, 11, 9))
    policy_record_apply(
        bank="BOC",
        record=PolicyRecord(
            card_ref=app.card_ref,
            policy_no="BOCINS20261109ABCD1234",
            insurer="BOCINS",
            coverage_start=dt.date(2026, 11, 9),
            coverage_end=dt.date(2027, 11, 8),
            status="I",
        ),
        source_ref="BOC_POLICY_20261109_001.xml.p7m",
    )
    coverage_years_rebuild()  # and the nightly job ran
    before = row_counts()
    seed()
    assert row_counts() == before
    assert list(Policy.objects.filter(volunteer=xiaoming).values_list("policy_no", flat=True)) == [
        "BOCINS20261109ABCD1234"
    ]
