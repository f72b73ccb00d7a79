"""Fixtures of the activities tests: the manual's organisation tree with admins, 小明 in B,
and helpers that publish an activity and get a volunteer ready (admitted, face-checked)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activities import services
from activities.models import Activity, ActivityDay
from volunteers import services as volunteer_services
from volunteers.tests.factories import UserFactory, make_volunteer

# Every test runs on the same calendar: the activity days are in May 2030, created the day before.
DAY1 = dt.date(2030, 5, 6)
CREATED = timezone.make_aware(dt.datetime(2030, 5, 1, 10, 0))
PLACE = {"lat": 23.117, "lng": 113.326}  # 广州图书馆


def at(date: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hh, mm, ss)))


@pytest.fixture
def world(org_tree):
    users = {}
    for key in ("A", "B", "C"):
        users[f"admin_{key}"] = UserFactory(username=f"admin_{key.lower()}")
        volunteer_services.organisation_admin_add(
            organisation=org_tree[key], user=users[f"admin_{key}"]
        )
    xiaoming = make_volunteer(organisations=[org_tree["B"]], name="张小明")
    return {**org_tree, **users, "xiaoming": xiaoming}


@pytest.fixture
def publish():
    """``publish(org, admin, days=1, **options)`` → a published activity from DAY1, 09:00–12:00."""

    def make(org, admin, *, days: int = 1, **options) -> Activity:
        fields = {
            "name": options.pop("name", "3D手绘公益活动"),
            "places": options.pop("places", 10),
            "address": "广州市天河区珠江东路4号",
            "city_code": "440100",
            "contact_name": "陈老师",
            "contact_phone": "020-12345678",
            **PLACE,
            **options,
        }
        activity = services.activity_create(
            admin=admin,
            organisation=org,
            days=[
                (DAY1 + dt.timedelta(days=i), dt.time(9, 0), dt.time(12, 0)) for i in range(days)
            ],
            now=CREATED,
            **fields,
        )
        services.activity_change_status(
            admin=admin, activity_id=activity.pk, status=Activity.Status.PUBLISHED, now=CREATED
        )
        activity.refresh_from_db()
        return activity

    return make


@pytest.fixture
def ready():
    """``ready(activity, volunteer, admin, face_check=True)``: signed up, admitted, face-checked."""

    def make(activity, volunteer, admin, *, face_check: bool = True) -> None:
        signup = services.signup_create(volunteer=volunteer, activity_id=activity.pk, now=CREATED)
        services.signup_admit(admin=admin, signup_id=signup.pk, now=CREATED)
        if face_check:
            services.face_check_record(
                admin=admin, activity_id=activity.pk, volunteer_id=volunteer.pk, now=CREATED
            )

    return make


def day_of(activity: Activity, n: int = 0) -> ActivityDay:
    return activity.days.order_by("date")[n]
