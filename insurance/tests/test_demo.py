"""The demo data: coverage years and a first-year policy per activated card; twice is once."""

from __future__ import annotations

import datetime as dt

import pytest

from insurance import demo
from insurance.models import CoverageYear, Policy
from insurance.tests.helpers import card
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent():
    v = make_volunteer()
    card(v, applied=dt.date(2025, 1, 1), activated=dt.date(2025, 2, 1))
    assert "1 demo policies" in demo.seed()
    assert "0 demo policies" in demo.seed()
    assert Policy.objects.get().coverage_end == dt.date(2026, 1, 31)
    assert CoverageYear.objects.filter(volunteer=v).exists()
