"""The API: roles reach what they should, list endpoints stay within a query budget, and the
OpenAPI schema builds."""

import datetime as dt

import pytest

from activities import services
from activities.models import Activity, HoursEntry, SignUp
from activities.tests.conftest import CREATED, DAY1, at, day_of
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(world, publish, ready):
    """Several activities, sign-ups and hours, so that N+1 queries would show."""
    activities = [publish(world["B"], world["admin_B"], days=2, name=f"活动{i}") for i in range(4)]
    volunteers = [
        world["xiaoming"],
        *(make_volunteer(organisations=[world["B"]]) for _ in range(3)),
    ]
    for v in volunteers:
        ready(activities[0], v, world["admin_B"])
        for n in (0, 1):
            day = day_of(activities[0], n)
            for action, hh in (("in", 9), ("out", 12)):
                services.attendance_scan_card(
                    admin=world["admin_B"],
                    activity_day=day,
                    volunteer=v,
                    action=action,
                    now=at(day.date, hh),
                )
        for a in activities[1:]:
            services.signup_create(volunteer=v, activity_id=a.pk, now=CREATED)
    return {**world, "activities": activities, "volunteers": volunteers}


@pytest.mark.parametrize(
    ("who", "url", "budget"),
    [
        ("anon", "/api/activities/", 4),
        (
            "anon",
            "/api/activities/?city=440100&category=community&q=活动&date=2030-05-07&status=ongoing",
            4,
        ),
        ("admin_B", "/api/activities/", 6),
        ("admin_B", "/api/activities/{a0}/signups/", 5),
        ("admin_B", "/api/activities/{a0}/hours/", 5),
        ("xiaoming", "/api/activities/me/signups/", 4),
        ("xiaoming", "/api/activities/me/hours/entries/", 4),
    ],
)
def test_list_endpoints_stay_within_a_query_budget(
    busy, api, client_for, django_assert_max_num_queries, who, url, budget
):
    if who == "anon":
        client = api
    elif who == "xiaoming":
        client = client_for(busy["xiaoming"].user)
    else:
        client = client_for(busy[who])
    url = url.format(a0=busy["activities"][0].pk)
    with django_assert_max_num_queries(budget):
        r = client.get(url)
    assert r.status_code == 200, r.data
    assert r.data["count"] >= 1


def test_search_filters(busy, api):
    a0 = busy["activities"][0]
    assert api.get("/api/activities/?q=活动2").data["count"] == 1
    assert api.get("/api/activities/?status=ongoing").data["results"][0]["id"] == a0.pk
    assert api.get("/api/activities/?date=2030-05-07").data["count"] == 4
    assert api.get("/api/activities/?date=2030-05-08").data["count"] == 0
    assert api.get("/api/activities/?city=440300").data["count"] == 0
    assert api.get("/api/activities/?category=emergency").data["count"] == 0
    assert api.get("/api/activities/?date=2030-13-01").status_code == 400


def test_a_volunteer_cannot_admit(busy, client_for):
    signup = SignUp.objects.filter(status="applied").first()
    c = client_for(busy["xiaoming"].user)
    r = c.post(f"/api/activities/signups/{signup.pk}/admit/")
    assert r.status_code == 403 and r.data["code"] == "permission_denied"
    assert c.get(f"/api/activities/{busy['activities'][0].pk}/signups/").status_code == 403
    signup.refresh_from_db()
    assert signup.status == "applied"


def test_an_admin_of_another_organisation_gets_404(busy, client_for):
    signup = SignUp.objects.filter(status="applied").first()
    a0 = busy["activities"][0]
    c = client_for(busy["admin_C"])
    assert c.post(f"/api/activities/signups/{signup.pk}/admit/").status_code == 404
    assert c.post(f"/api/activities/signups/{signup.pk}/remove/").status_code == 404
    assert c.get(f"/api/activities/{a0.pk}/signups/").status_code == 404
    assert c.get(f"/api/activities/{a0.pk}/hours/").status_code == 404
    assert c.get(f"/api/activities/{a0.pk}/days/{day_of(a0).pk}/qr/").status_code == 404
    assert (
        c.post(
            f"/api/activities/{a0.pk}/status/", {"status": "cancelled"}, format="json"
        ).status_code
        == 404
    )
    r = c.post(
        f"/api/activities/{a0.pk}/face-checks/",
        {"volunteer_id": busy["xiaoming"].pk},
        format="json",
    )
    assert r.status_code == 404
    # …and the admin above (A) reaches it.
    assert (
        client_for(busy["admin_A"]).post(f"/api/activities/signups/{signup.pk}/admit/").status_code
        == 200
    )


def test_create_publish_sign_up_admit_over_the_api(world, client_for, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: CREATED)
    admin = client_for(world["admin_B"])
    r = admin.post(
        "/api/activities/create/",
        {
            "organisation_id": world["B"].pk, "name": "社区探访", "contact_name": "陈老师",
            "contact_phone": "020-12345678", "address": "天河路1号", "city_code": "440100",
            "places": 5, "days": [{"date": "2030-05-06", "start": "09:00", "end": "11:30"}],
        },
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.data
    assert r.data["status"] == "draft" and r.data["days"][0]["starts_at"].startswith(
        "2030-05-06T09:00:00+08:00"
    )
    aid = r.data["id"]
    vol = client_for(world["xiaoming"].user)
    assert vol.get(f"/api/activities/{aid}/").status_code == 404  # drafts are the admins' own
    assert (
        admin.post(
            f"/api/activities/{aid}/status/", {"status": "published"}, format="json"
        ).status_code
        == 200
    )
    r = vol.post(f"/api/activities/{aid}/signup/")
    assert r.status_code == 201 and r.data["status"] == "applied"
    r = admin.post(f"/api/activities/signups/{r.data['id']}/admit/")
    assert r.data["status"] == "admitted" and r.data["volunteer"]["name"] == "张**"


def test_scan_and_hours_over_the_api(world, publish, ready, client_for, monkeypatch):
    from django.utils import timezone

    activity = publish(world["B"], world["admin_B"])
    ready(activity, world["xiaoming"], world["admin_B"])
    day = day_of(activity)
    admin, vol = client_for(world["admin_B"]), client_for(world["xiaoming"].user)
    for action, hh in (("in", 9), ("out", 11)):
        monkeypatch.setattr(timezone, "now", lambda hh=hh: at(DAY1, hh))
        qr = admin.get(f"/api/activities/{activity.pk}/days/{day.pk}/qr/?action={action}")
        assert qr.status_code == 200 and "<svg" in qr.data["svg"]
        r = vol.post("/api/activities/attendance/scan/", {"code": qr.data["url"]}, format="json")
        assert r.status_code == 200, r.data
    assert r.data["hours"]["minutes"] == 120 and r.data["hours"]["status"] == "credited"
    r = vol.post("/api/activities/attendance/scan/", {"code": qr.data["code"]}, format="json")
    assert r.status_code == 409 and r.data["message"] == "尚未签到，考勤失败"
    totals = vol.get("/api/activities/me/hours/").data
    assert totals["service"] == "2.0" and totals["star_level"] == 0


def test_self_check_in_approval_and_backfill_over_the_api(
    world, publish, ready, client_for, monkeypatch
):
    from django.utils import timezone

    from activities.tests.conftest import PLACE

    activity = publish(world["B"], world["admin_B"], days=2, places=60, self_checkin=True)
    ready(activity, world["xiaoming"], world["admin_B"])
    admin, vol = client_for(world["admin_B"]), client_for(world["xiaoming"].user)
    for action, hh in (("in", 9), ("out", 12)):
        monkeypatch.setattr(timezone, "now", lambda hh=hh: at(DAY1, hh))
        r = vol.post(
            "/api/activities/attendance/self/",
            {"activity_id": activity.pk, "action": action, **PLACE},
            format="json",
        )
        assert r.status_code == 200, r.data
    pending = admin.get(f"/api/activities/{activity.pk}/hours/?status=pending").data["results"]
    assert [e["note"] for e in pending] == ["自行签到签退时长待管理员审核，审核通过次日计入"]
    assert (
        vol.post(
            f"/api/activities/hours/{pending[0]['id']}/decide/", {"approve": True}, format="json"
        ).status_code
        == 403
    )
    r = admin.post(
        f"/api/activities/hours/{pending[0]['id']}/decide/",
        {"approve": False, "reason": "不在现场"},
        format="json",
    )
    assert r.status_code == 200 and r.data["status"] == "rejected" and r.data["note"] == "不在现场"

    day2 = DAY1 + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: at(day2, 18))
    r = admin.post(
        f"/api/activities/{activity.pk}/backfill/",
        {
            "volunteer_id": world["xiaoming"].pk, "day_id": day_of(activity, 1).pk, "reason": "纸质签到表补录",
            "checked_in_at": "2030-05-07T09:00:00+08:00", "checked_out_at": "2030-05-07T10:00:00+08:00",
        },
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.data
    assert r.data["source"] == "backfill" and r.data["counts_from"] == "2030-05-08"
    assert r.data["note"] == "审核已通过，将于2030-05-08起计入"
    assert vol.get("/api/activities/me/hours/").data["service"] == "0.0"
    monkeypatch.setattr(timezone, "now", lambda: at(day2 + dt.timedelta(days=1), 0))
    assert vol.get("/api/activities/me/hours/").data["service"] == "1.0"
    assert HoursEntry.objects.count() == 2


def test_the_openapi_schema_builds_with_the_activity_endpoints(api):
    r = api.get("/api/schema/?format=json")
    assert r.status_code == 200
    assert "/api/activities/{activity_id}/signups/" in r.json()["paths"]


def test_pages_render(busy, client):
    a0 = busy["activities"][0]
    assert "我要报名" in client.get(f"/activities/{a0.pk}/").content.decode()
    assert "活动1" in client.get("/activities/?q=活动1").content.decode()
    client.force_login(busy["admin_B"])
    page = client.get(f"/activities/{a0.pk}/days/{day_of(a0).pk}/qr/in/").content.decode()
    assert "<svg" in page and "签到二维码" in page
    client.force_login(busy["admin_C"])
    assert client.get(f"/activities/{a0.pk}/days/{day_of(a0).pk}/qr/in/").status_code == 404
    client.force_login(busy["xiaoming"].user)
    assert "未完成面验" not in client.get("/activities/me/hours/").content.decode()
    r = client.post(f"/activities/{busy['activities'][1].pk}/signup/", follow=True)
    assert "请勿重复报名" in r.content.decode()
    assert Activity.objects.count() == 4
