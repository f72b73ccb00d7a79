"""Fixtures of the certificate tests: the manual's organisation tree with admins, 小明 in B
with counted hours in two service activities and one training, and a runner that makes
Celery run the task in the test's process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity, HoursEntry
from volunteers import services as volunteer_services
from volunteers.tests.factories import UserFactory, make_volunteer

CREATED = timezone.make_aware(dt.datetime(2026, 2, 20, 10, 0))
MARCH = dt.date(2026, 3, 2)
JUNE = dt.date(2026, 6, 8)


def activity(org, admin, name, days, *, kind=Activity.Kind.SERVICE) -> Activity:
    return activity_services.activity_create(
        admin=admin, organisation=org, name=name, kind=kind, places=10,
        address="广州市天河区珠江东路4号", city_code="440100", contact_name="陈老师",
        contact_phone="020-12345678",
        days=[(d, dt.time(9, 0), dt.time(12, 0)) for d in days], now=CREATED,
    )  # fmt: skip


def credit(volunteer, act, date, minutes, *, status="credited") -> HoursEntry:
    return HoursEntry.objects.create(
        volunteer=volunteer, activity=act, day=act.days.get(date=date), kind=act.kind,
        service_date=date, minutes=minutes, source="scanned", status=status,
        counts_from=date if status == "credited" else None,
    )  # fmt: skip


@pytest.fixture
def world(org_tree):
    users = {}
    for key in ("A", "B", "C"):
        users[f"admin_{key}"] = UserFactory(username=f"admin_{key.lower()}")
        volunteer_services.organisation_admin_add(
            organisation=org_tree[key], user=users[f"admin_{key}"]
        )
    xiaoming = make_volunteer(organisations=[org_tree["B"]], name="张小明")
    other = make_volunteer(organisations=[org_tree["B"]], name="李大伟")
    b, c = org_tree["B"], org_tree["C"]
    # Two service activities (B in March, C in June) and one training (B, March).
    library = activity(b, users["admin_B"], "图书馆导读服务", [MARCH, MARCH + dt.timedelta(days=1)])
    park = activity(c, users["admin_C"], "公园环保清洁", [JUNE])
    course = activity(b, users["admin_B"], "志愿者通识培训", [MARCH + dt.timedelta(days=3)],
                      kind=Activity.Kind.TRAINING)  # fmt: skip
    credit(xiaoming, library, MARCH, 180)
    credit(xiaoming, library, MARCH + dt.timedelta(days=1), 170)
    credit(xiaoming, park, JUNE, 90)
    credit(xiaoming, course, MARCH + dt.timedelta(days=3), 120)
    # Waiting for approval: never on a certificate.
    late = activity(c, users["admin_C"], "待审核活动", [JUNE + dt.timedelta(days=1)])
    credit(xiaoming, late, JUNE + dt.timedelta(days=1), 600, status="pending")
    return {
        **org_tree, **users, "xiaoming": xiaoming, "other": other,
        "library": library, "park": park, "course": course, "late": late,
    }  # fmt: skip


@pytest.fixture
def eager_celery():
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = old


@pytest.fixture
def issue(eager_celery, django_capture_on_commit_callbacks):
    """``issue(volunteer, scope="all", **kw)`` → the certificate, rendered by the Celery task
    run on commit."""
    from certificates import services
    from certificates.models import Certificate

    def make(volunteer, scope="all", **kw) -> Certificate:
        with django_capture_on_commit_callbacks(execute=True):
            cert = services.certificate_request(volunteer=volunteer, scope=scope, **kw)
        cert.refresh_from_db()
        return cert

    return make
