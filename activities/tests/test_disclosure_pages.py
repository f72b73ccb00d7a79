"""时长公示 over the API and the pages: the public list with masked names, 我有异议, the
organisation's dispute list in the console, and the schema."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from activities import services
from activities.models import HoursDispute, HoursEntry
from activities.tests.conftest import DAY1, at, day_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _disclosure(settings):
    settings.HOURS_DISCLOSURE_DAYS = 7


@pytest.fixture
def published(world, publish, ready):
    activity = publish(world["B"], world["admin_B"])
    ready(activity, world["xiaoming"], world["admin_B"])
    day = day_of(activity)
    for action, hh in (("in", 9), ("out", 12)):
        services.attendance_scan_card(
            admin=world["admin_B"], activity_day=day, volunteer=world["xiaoming"], action=action,
            now=at(DAY1, hh),
        )  # fmt: skip
    return {**world, "activity": activity, "entry": HoursEntry.objects.get()}


def api(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def test_the_public_sees_the_disclosure_with_masked_names(published, django_assert_max_num_queries):
    url = reverse("activity-disclosure", args=[published["activity"].pk])
    with django_assert_max_num_queries(6):
        rows = api().get(url).json()
    assert [(r["volunteer_name"], r["minutes"]) for r in rows] == [("张**", 180)]
    assert "张小明" not in str(rows)


def test_raise_list_and_answer_over_the_api(published, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(DAY1, 18))
    entry = published["entry"]
    r = api(published["admin_C"]).post(
        reverse("hours-dispute", args=[entry.pk]), {"reason": "当天未到场"}, format="json"
    )
    assert r.status_code == 201, r.content
    assert api().post(reverse("hours-dispute", args=[entry.pk]), {"reason": "x"}).status_code in (
        401,
        403,
    )
    listed = api(published["admin_B"]).get(reverse("dispute-list") + "?status=open").json()
    assert [d["id"] for d in listed["results"]] == [r.json()["id"]]
    assert api(published["admin_C"]).get(reverse("dispute-list")).json()["count"] == 0
    answered = api(published["admin_B"]).post(
        reverse("dispute-answer", args=[r.json()["id"]]),
        {"uphold": True, "answer": "已核实更正", "minutes": 120},
        format="json",
    )
    assert answered.status_code == 200, answered.content
    entry.refresh_from_db()
    assert entry.minutes == 120 and not entry.under_dispute


def test_the_schema_has_the_dispute_operations():
    schema = api().get(reverse("schema") + "?format=json").json()
    paths = schema["paths"]
    assert "/api/activities/hours/{entry_id}/disputes/" in paths
    assert "/api/activities/disputes/{dispute_id}/answer/" in paths
    assert "/api/activities/{activity_id}/disclosure/" in paths


def test_the_disclosure_page_takes_a_dispute_and_the_console_answers_it(published, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(DAY1, 18))
    activity, entry = published["activity"], published["entry"]
    page = Client().get(reverse("activity-disclosure-page", args=[activity.pk]))
    assert "张**" in page.content.decode() and "登录后提出异议" in page.content.decode()

    objector = Client()
    objector.force_login(published["admin_C"])
    page = objector.get(reverse("activity-disclosure-page", args=[activity.pk])).content.decode()
    assert "我有异议" in page and 'style="' not in page and "<script>" not in page
    r = objector.post(
        reverse("hours-dispute-page", args=[entry.pk]),
        {"reason": "签到表上没有此人", "activity": activity.pk},
    )
    assert r.status_code == 302
    dispute = HoursDispute.objects.get()

    org = Client()
    org.force_login(published["admin_B"])
    listing = org.get(reverse("org-disputes")).content.decode()
    assert "签到表上没有此人" in listing and 'style="' not in listing
    org.post(
        reverse("org-dispute-answer", args=[dispute.pk]),
        {"decision": "remove", "answer": "核实无误，撤销"},
    )
    dispute.refresh_from_db()
    entry.refresh_from_db()
    assert dispute.status == HoursDispute.Status.UPHELD
    assert entry.status == HoursEntry.Status.REJECTED
    assert org.get(reverse("org-disputes")).status_code == 200
    stranger = Client()
    stranger.force_login(published["xiaoming"].user)
    assert stranger.get(reverse("org-disputes")).status_code == 403
