"""uniforms.fast against its plain-ORM equivalent: the same uniform state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from uniforms import fast
from uniforms.models import UniformOrder
from uniforms.tests.conftest import TZ, bank_event, issued_card
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def orm_uniform_state(volunteer_id: int):
    row = (
        UniformOrder.objects.filter(volunteer_id=volunteer_id)
        .values_list("status", "first_spend_at")
        .first()
    )
    return (row[0], timezone.localdate(row[1])) if row else None


def test_the_uniform_state_is_what_the_orm_reads():
    v = make_volunteer()
    assert fast.uniform_state(v.pk) is None and orm_uniform_state(v.pk) is None
    issued_card(v, "REF-A")
    # 23:30 in Guangdong is still 15:30 UTC: the date is the local one.
    bank_event("BOC", "E1", "REF-A", "FIRST_SPEND", at=dt.datetime(2026, 12, 2, 23, 30, tzinfo=TZ))
    assert UniformOrder.objects.filter(volunteer=v).exists()
    assert fast.uniform_state(v.pk) == orm_uniform_state(v.pk)
    assert fast.uniform_state(v.pk)[1] == dt.date(2026, 12, 2)
    other = make_volunteer()
    assert fast.uniform_state(other.pk) is None
