"""组织主页 and 找组织: the public page and directory, over the pages and the API — what
counts (members and service hours of the organisation itself, with the one counted-hours
predicate), what is hidden (drafts, cancelled activities), filters, pagination, bad query
parameters, the query budget and the throttle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from activities import selectors as activity_selectors
from activities import services
from activities.models import Activity
from activities.tests.conftest import DAY1, at, day_of
from volunteers.models import Membership, Organisation
from volunteers.selectors import organisation_profile
from volunteers.tests.factories import OrganisationFactory, make_volunteer

pytestmark = pytest.mark.django_db

COUNTED_ON = DAY1 + dt.timedelta(days=10)  # after the 7 days of disclosure


@pytest.fixture(autouse=True)
def _disclosure(settings):
    settings.HOURS_DISCLOSURE_DAYS = 7


def _serve(activity, volunteer, admin, *, day: int = 0, hours: tuple[int, int] = (9, 12)):
    d = day_of(activity, day)
    for action, hh in zip(("in", "out"), hours, strict=True):
        services.attendance_scan_card(
            admin=admin, activity_day=d, volunteer=volunteer, action=action, now=at(d.date, hh)
        )


def _move(activity, delta: dt.timedelta) -> None:
    for d in activity.days.order_by("-date"):
        d.date, d.starts_at, d.ends_at = d.date + delta, d.starts_at + delta, d.ends_at + delta
        d.save(update_fields=["date", "starts_at", "ends_at"])


@pytest.fixture
def scene(world, publish, ready):
    """B: one activity still recruiting, one finished with 3 + 3 + 2 service hours (one entry
    then disputed), a training with hours, a draft and a cancelled one; A (B's parent) one
    finished activity with 1 hour; B has 3 members and one applicant."""
    b, admin_b = world["B"], world["admin_B"]
    xiaoming = world["xiaoming"]
    others = [make_volunteer(organisations=[b], name=n) for n in ("李四", "王五")]
    make_volunteer(organisations=[b], approve=False, name="赵六")
    recruiting = publish(b, admin_b, name="社区图书整理", days=2)
    _move(recruiting, dt.timedelta(days=30))  # still ahead on the counted day
    done = publish(b, admin_b, name="敬老院探访")
    for v in (xiaoming, *others):
        ready(done, v, admin_b)
    _serve(done, xiaoming, admin_b)
    _serve(done, others[0], admin_b)
    _serve(done, others[1], admin_b, hours=(9, 11))
    training = publish(b, admin_b, name="急救培训", kind=Activity.Kind.TRAINING)
    ready(training, xiaoming, admin_b, face_check=False)
    _serve(training, xiaoming, admin_b)
    for a in (done, training):
        services.activity_change_status(
            admin=admin_b, activity_id=a.pk, status=Activity.Status.FINISHED, now=at(DAY1, 13)
        )
    disputed = done.hours_entries.get(volunteer=others[1])
    services.hours_dispute_raise(
        user=world["admin_C"], entry_id=disputed.pk, reason="当天未到场", now=at(DAY1, 18)
    )
    draft = services.activity_create(
        admin=admin_b,
        organisation=b,
        name="草稿活动",
        days=[(DAY1, dt.time(9), dt.time(12))],
        places=5,
        address="广州市",
        city_code="440100",
        contact_name="陈老师",
        contact_phone="020-12345678",
        now=at(DAY1 - dt.timedelta(days=5), 9),
    )
    cancelled = publish(b, admin_b, name="已取消的活动")
    services.activity_change_status(
        admin=admin_b, activity_id=cancelled.pk, status=Activity.Status.CANCELLED
    )
    parent_done = publish(world["A"], world["admin_A"], name="A的活动")
    ready(parent_done, xiaoming, world["admin_A"], face_check=False)
    _serve(parent_done, xiaoming, world["admin_A"], hours=(9, 10))
    return {
        **world,
        "recruiting": recruiting,
        "done": done,
        "training": training,
        "draft": draft,
        "cancelled": cancelled,
    }


@pytest.fixture
def on_counted_day(monkeypatch):
    """ "Today" is ten days after the activities, when their undisputed hours count."""
    monkeypatch.setattr(timezone, "now", lambda: at(COUNTED_ON, 12))


# --- what counts -----------------------------------------------------------------------------


def test_counts_are_the_organisation_itself_with_the_counted_hours_predicate(scene):
    b = organisation_profile(organisation_id=scene["B"].pk, on=COUNTED_ON)
    # 3 h + 3 h; the disputed 2 h, the training and A's hour do not count for B
    assert b.service_hours == activity_selectors.minutes_to_hours(360)
    assert str(b.service_hours) == "6.0"
    assert b.members_count == 3  # the applicant is not a member yet
    assert b.children_count == 0
    a = organisation_profile(organisation_id=scene["A"].pk, on=COUNTED_ON)
    assert str(a.service_hours) == "1.0"  # B's hours are not A's: the organisation itself
    assert a.members_count == 0 and a.children_count == 1
    # while published (时长公示) nothing counts yet
    assert str(organisation_profile(organisation_id=scene["B"].pk, on=DAY1).service_hours) == "0.0"


def test_the_public_page_shows_the_organisation(scene, on_counted_day):
    b = scene["B"]
    Organisation.objects.filter(pk=b.pk).update(
        intro="我们在社区开展读书会。",
        contact_name="陈老师",
        help_phone="020-87654321",
        help_email="help@example.org",
        verification_phone="020-11112222",
        verification_note="工作日 9:00–17:00 携带证件到团委办公室",
    )
    resp = Client().get(f"/organisations/{b.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "B组织" in html and f'href="/organisations/{scene["A"].pk}/"' in html
    assert 'id="stat-hours"><strong>6.0</strong>' in html
    assert 'id="stat-members"><strong>3</strong>' in html
    assert "不含下级组织" in html  # the page says what the numbers count
    assert 'href="tel:02087654321"' in html and 'href="mailto:help@example.org"' in html
    assert "团委办公室" in html and 'href="tel:02011112222"' in html
    assert "社区图书整理" in html  # still recruiting: the default tab
    for hidden in ("敬老院探访", "草稿活动", "已取消的活动", "A的活动"):
        assert hidden not in html, hidden
    past = Client().get(f"/organisations/{b.pk}/?when=past").content.decode()
    assert "敬老院探访" in past and "急救培训" in past
    for hidden in ("社区图书整理", "草稿活动", "已取消的活动"):
        assert hidden not in past, hidden


def test_an_unknown_organisation_is_a_chinese_404():
    resp = Client().get("/organisations/999999/")
    assert resp.status_code == 404 and "未找到该组织" in resp.content.decode()
    body = APIClient().get("/api/organisations/999999/").json()
    assert body["code"] == "organisation_not_found" and body["message"] == "未找到该组织"


def test_the_page_offers_joining_to_a_volunteer_and_shows_a_membership(scene):
    c = Client()
    c.force_login(scene["xiaoming"].user)
    assert 'id="my-membership"' in c.get(f"/organisations/{scene['B'].pk}/").content.decode()
    html = c.get(f"/organisations/{scene['C'].pk}/").content.decode()
    assert 'id="join-form"' in html
    resp = c.post("/me/organisations/join/", {"organisation_id": scene["C"].pk})
    assert resp.status_code == 302
    assert Membership.objects.filter(
        volunteer=scene["xiaoming"], organisation=scene["C"], status="pending"
    ).exists()
    anon = Client().get(f"/organisations/{scene['C'].pk}/").content.decode()
    assert 'id="join-form"' not in anon and "登录</a>后可申请加入" in anon


def test_the_page_links_its_admins_to_the_console(scene):
    c = Client()
    c.force_login(scene["admin_A"])  # A administers B's subtree
    assert 'id="edit-profile"' in c.get(f"/organisations/{scene['B'].pk}/").content.decode()
    c.force_login(scene["admin_C"])
    assert 'id="edit-profile"' not in c.get(f"/organisations/{scene['B'].pk}/").content.decode()


def test_pages_link_to_the_organisation(scene):
    b = scene["B"]
    link = f'href="/organisations/{b.pk}/"'
    assert link in Client().get(f"/activities/{scene['recruiting'].pk}/").content.decode()
    assert link in Client().get("/activities/").content.decode()
    c = Client()
    c.force_login(scene["xiaoming"].user)
    assert link in c.get("/me/organisations/").content.decode()
    assert 'href="/organisations/"' in Client().get("/accounts/login/").content.decode()
    resp = Client().post("/register/", {"action": "search", "q": "B组织"})
    assert link in resp.content.decode()


def test_the_page_query_count_does_not_grow_with_activities(
    scene, publish, django_assert_max_num_queries
):
    """The organisation and its three numbers, the activities' count, page and days."""
    url = f"/organisations/{scene['B'].pk}/"
    with django_assert_max_num_queries(7):
        assert Client().get(url).status_code == 200
    for i in range(12):
        publish(scene["B"], scene["admin_B"], name=f"更多活动{i}")
    with django_assert_max_num_queries(7):
        html = Client().get(url).content.decode()
    assert "第 1 / 2 页，共 13 条" in html


# --- the directory ---------------------------------------------------------------------------


@pytest.fixture
def directory(org_tree):
    """25 organisations in 深圳 (20 organisations, 5 groups) under one district, and the tree."""
    district = OrganisationFactory(
        name="深圳市南山区志愿者联合会",
        kind=Organisation.Kind.DISTRICT,
        parent=org_tree["province"],
        city_code="440300",
    )
    orgs = [
        OrganisationFactory(
            name=f"南山青年志愿服务队{i:02d}",
            parent=district,
            city_code="440300",
            kind=Organisation.Kind.GROUP if i % 5 == 0 else Organisation.Kind.ORGANISATION,
        )
        for i in range(25)
    ]
    for org in orgs[:3]:
        make_volunteer(organisations=[org])
    return {**org_tree, "district": district, "orgs": orgs}


def test_directory_api_filters_and_pages(directory, api):
    body = api.get("/api/organisations/", {"city": "440300"}).json()
    assert body["count"] == 26
    first = body["results"][0]
    assert first["name"] == "深圳市南山区志愿者联合会" and first["city_name"] == "深圳市"
    assert first["parent_name"] == "广东省志愿者联合会" and first["kind_display"] == "区县"
    assert api.get("/api/organisations/", {"city": "440300", "kind": "group"}).json()["count"] == 5
    assert api.get("/api/organisations/", {"q": "青年志愿服务队0"}).json()["count"] == 10
    assert api.get("/api/organisations/", {"q": "不存在的组织"}).json()["count"] == 0
    by_parent = api.get("/api/organisations/", {"parent": directory["district"].pk}).json()
    assert by_parent["count"] == 25
    page = api.get("/api/organisations/", {"city": "440300", "limit": 10, "offset": 20}).json()
    assert len(page["results"]) == 6 and page["previous"] and page["next"] is None
    members = {r["name"]: r["members_count"] for r in by_parent["results"]}
    assert members["南山青年志愿服务队00"] == 1 and members["南山青年志愿服务队03"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"city": "999999"}, "city"),
        ({"city": "440300x"}, "city"),
        ({"kind": "club"}, "kind"),
        ({"q": "青" * 51}, "q"),
        ({"parent": "abc"}, "parent"),
        ({"parent": "9" * 30}, "parent"),
    ],
)
def test_directory_bad_parameters_are_a_400_in_chinese(directory, api, params, field):
    resp = api.get("/api/organisations/", params)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "invalid" and body["message"] == "输入有误"
    message = body["extra"]["fields"][field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    page = Client().get("/organisations/", params)
    assert page.status_code == 200  # the form again, the message beside the field
    html = page.content.decode()
    assert "筛选条件有误" in html and message.replace('"', "&quot;") in html
    assert 'id="org-directory"' not in html


def test_directory_bad_when_is_a_400(api):
    resp = api.get("/api/activities/", {"when": "soon"})
    assert resp.status_code == 400 and "when" in resp.json()["extra"]["fields"]


def test_directory_page_filters_and_pages(directory):
    c = Client()
    html = c.get("/organisations/", {"city": "440300", "kind": "organisation"}).content.decode()
    assert "共 20 条" in html and "南山青年志愿服务队01" in html
    assert "南山青年志愿服务队00" not in html  # a group
    html = c.get("/organisations/", {"city": "440300", "page": "2"}).content.decode()
    assert "第 2 / 2 页，共 26 条" in html and "南山青年志愿服务队24" in html
    # blank fields of the form mean "any"
    assert c.get("/organisations/", {"q": " ", "city": "", "kind": ""}).status_code == 200
    html = c.get("/organisations/", {"parent": directory["district"].pk}).content.decode()
    assert 'id="parent-filter"' in html and "共 25 条" in html


@pytest.mark.parametrize("n_orgs", [5, 25])
def test_directory_query_budget(directory, api, n_orgs, django_assert_max_num_queries):
    """Count, page and the page's member counts: the same three queries for 5 or 25 rows."""
    limit = {"limit": n_orgs, "city": "440300"}
    with django_assert_max_num_queries(3):
        body = api.get("/api/organisations/", limit).json()
    assert len(body["results"]) == n_orgs
    with django_assert_max_num_queries(3):
        assert Client().get("/organisations/", {"city": "440300"}).status_code == 200


def test_profile_api_and_activities_api(scene, api, on_counted_day):
    b = scene["B"]
    body = api.get(f"/api/organisations/{b.pk}/").json()
    assert body["service_hours"] == "6.0" and body["members_count"] == 3
    assert body["parent_id"] == scene["A"].pk and body["parent_name"] == "A组织"
    assert {"help_phone", "help_email", "verification_phone", "verification_note"} <= set(body)
    current = api.get("/api/activities/", {"organisation": b.pk, "when": "current"}).json()
    assert [a["name"] for a in current["results"]] == ["社区图书整理"]
    past = api.get("/api/activities/", {"organisation": b.pk, "when": "past"}).json()
    assert {a["name"] for a in past["results"]} == {"敬老院探访", "急救培训"}
    # an admin sees their drafts in the plain list, never in either tab
    admin = APIClient()
    admin.force_authenticate(scene["admin_B"])
    for when in ("current", "past"):
        names = {
            a["name"]
            for a in admin.get("/api/activities/", {"organisation": b.pk, "when": when}).json()[
                "results"
            ]
        }
        assert not names & {"草稿活动", "已取消的活动"}, when


def test_past_lists_the_latest_first_and_current_the_soonest(world, publish):
    b, admin = world["B"], world["admin_B"]
    later = publish(b, admin, name="后开始", days=1)
    sooner = publish(b, admin, name="先开始", days=3)
    _move(later, dt.timedelta(days=7))  # 先开始 starts first, 后开始 ends last
    current = activity_selectors.activity_search(organisation_id=b.pk, when="current", today=DAY1)
    assert [a.name for a in current] == ["先开始", "后开始"]
    # a week after 后开始, both are over although still "published": 已结束, latest first
    over = DAY1 + dt.timedelta(days=8)
    past = activity_selectors.activity_search(organisation_id=b.pk, when="past", today=over)
    assert [a.name for a in past] == ["后开始", "先开始"]
    assert sooner.status == Activity.Status.PUBLISHED


def test_directory_api_is_throttled_with_its_page(directory, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "directory", "3/min")
    api = APIClient()
    for _ in range(2):
        assert api.get("/api/organisations/").status_code == 200
    assert Client().get(f"/organisations/{directory['district'].pk}/").status_code == 200
    resp = api.get("/api/organisations/")
    assert resp.status_code == 429 and resp.json()["code"] == "throttled"
    page = Client().get("/organisations/")
    assert page.status_code == 429 and "请求过于频繁" in page.content.decode()
    assert APIClient(REMOTE_ADDR="10.9.9.9").get("/api/organisations/").status_code == 200


def test_the_schema_documents_the_directory(api):
    schema = api.get("/api/schema/?format=json").json()
    params = {p["name"] for p in schema["paths"]["/api/organisations/"]["get"]["parameters"]}
    assert {"q", "city", "kind", "parent", "limit", "offset"} <= params
    when = [
        p for p in schema["paths"]["/api/activities/"]["get"]["parameters"] if p["name"] == "when"
    ]
    assert when and when[0]["schema"]["enum"] == ["current", "past"]
    profile = schema["components"]["schemas"]["OrganisationProfile"]["properties"]
    assert "不含下级组织" in profile["service_hours"]["description"]
