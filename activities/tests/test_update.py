"""Editing an activity before publication (activity_update)."""

from __future__ import annotations

import datetime as dt

import pytest

from activities import services
from activities.models import Activity
from activities.tests.conftest import CREATED, DAY1
from core.errors import Conflict, ValidationFailed
from core.models import AuditLog


def draft(world, **options):
    return services.activity_create(
        admin=world["admin_A"],
        organisation=world["A"],
        name="草稿活动",
        days=[(DAY1, dt.time(9), dt.time(12))],
        places=10,
        address="广州市天河区",
        city_code="440100",
        contact_name="陈老师",
        contact_phone="020-12345678",
        now=CREATED,
        **options,
    )


def test_a_draft_is_edited_with_its_days_and_audited(world):
    a = draft(world)
    services.activity_update(
        admin=world["admin_A"],
        activity_id=a.pk,
        name="改名后的活动",
        places=20,
        members_only=True,
        days=[
            (DAY1, dt.time(8), dt.time(11)),
            (DAY1 + dt.timedelta(days=1), dt.time(9), dt.time(10)),
        ],
        now=CREATED,
    )
    a.refresh_from_db()
    assert (a.name, a.places, a.members_only) == ("改名后的活动", 20, True)
    assert [d.date for d in a.days.all()] == [DAY1, DAY1 + dt.timedelta(days=1)]
    assert AuditLog.objects.filter(action="activity_update", target_id=str(a.pk)).exists()


def test_a_bad_edit_changes_nothing(world):
    a = draft(world)
    with pytest.raises(ValidationFailed) as e:
        services.activity_update(
            admin=world["admin_A"],
            activity_id=a.pk,
            name="新名字",
            self_checkin=True,
            days=[(DAY1, dt.time(9), dt.time(12))],
            now=CREATED,
        )
    assert e.value.code == "self_checkin_places"
    a.refresh_from_db()
    assert a.name == "草稿活动" and a.days.count() == 1


def test_a_published_activity_is_not_edited(world, publish):
    a = publish(world["A"], world["admin_A"])
    with pytest.raises(Conflict) as e:
        services.activity_update(
            admin=world["admin_A"],
            activity_id=a.pk,
            name="偷偷改名",
            days=[(DAY1, dt.time(9), dt.time(12))],
            now=CREATED,
        )
    assert e.value.code == "activity_not_draft"
    assert Activity.objects.get(pk=a.pk).name == "3D手绘公益活动"
