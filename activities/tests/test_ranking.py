"""活跃志愿者: the nightly ranking ranks counted service hours per organisation and city, per
month and year, with ties sharing a rank; the volunteer sees their own rank; names masked."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from activities.models import ActiveVolunteerRank, Activity, ActivityDay, HoursEntry
from activities.ranking import ranking_rebuild, volunteer_ranks
from activities.tests.conftest import at
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

ON = dt.date(2030, 5, 20)


def hours(volunteer, activity, day: dt.date, minutes: int, **over) -> HoursEntry:
    d, _ = ActivityDay.objects.get_or_create(
        activity=activity, date=day, defaults={"starts_at": at(day, 8), "ends_at": at(day, 20)}
    )
    fields = {"status": "credited", "counts_from": day, "published_on": day, **over}
    return HoursEntry.objects.create(
        volunteer=volunteer, activity=activity, day=d, kind=activity.kind, service_date=day,
        minutes=minutes, source="scanned", **fields,
    )  # fmt: skip


def make_activity(org, city="440100", kind="service") -> Activity:
    return Activity.objects.create(
        name="社区服务", kind=kind, organisation=org, contact_name="陈", contact_phone="020",
        address="广州", city_code=city, places=10, status="finished",
    )  # fmt: skip


@pytest.fixture
def scene(org_tree):
    a_b = make_activity(org_tree["B"])
    a_c = make_activity(org_tree["C"], city="440300")
    v1 = make_volunteer(organisations=[org_tree["B"]], name="张三丰")
    v2 = make_volunteer(organisations=[org_tree["B"]], name="李四")
    v3 = make_volunteer(organisations=[org_tree["C"]], name="王五")
    hours(v1, a_b, dt.date(2030, 5, 3), 300)
    hours(v2, a_b, dt.date(2030, 5, 4), 300)  # ties with v1 this month
    hours(v2, a_b, dt.date(2030, 2, 4), 600)  # earlier this year: v2 leads the year
    hours(v3, a_c, dt.date(2030, 5, 5), 120)
    hours(v3, a_b, dt.date(2030, 5, 6), 999, under_dispute=True)  # disputed: not counted
    hours(v1, a_b, dt.date(2030, 5, 7), 999, counts_from=dt.date(2030, 5, 25))  # disclosing
    hours(v1, make_activity(org_tree["B"], kind="training"), dt.date(2030, 5, 8), 999)
    hours(v3, a_b, dt.date(2029, 12, 31), 5000)  # last year
    return {**org_tree, "v1": v1, "v2": v2, "v3": v3}


def ranks(scope, key, period):
    start = dt.date(2030, 5, 1) if period == "month" else dt.date(2030, 1, 1)
    return list(
        ActiveVolunteerRank.objects.filter(
            scope=scope, scope_key=key, period=period, period_start=start
        )
        .order_by("rank", "volunteer_id")
        .values_list("volunteer_id", "minutes", "rank")
    )


def test_the_ranking_counts_only_counted_service_hours_and_shares_ties(scene):
    ranking_rebuild(on=ON)
    b, v1, v2, v3 = str(scene["B"].pk), scene["v1"].pk, scene["v2"].pk, scene["v3"].pk
    assert ranks("org", b, "month") == [(v1, 300, 1), (v2, 300, 1)]
    assert ranks("org", b, "year") == [(v2, 900, 1), (v1, 300, 2)]
    assert ranks("city", "440300", "month") == [(v3, 120, 1)]
    assert ranks("city", "440100", "year") == [(v2, 900, 1), (v1, 300, 2)]


def test_rebuilding_twice_replaces_the_periods_rows(scene):
    ranking_rebuild(on=ON)
    n = ActiveVolunteerRank.objects.count()
    ranking_rebuild(on=ON)
    assert ActiveVolunteerRank.objects.count() == n


def test_the_volunteer_sees_their_rank_and_the_public_page_masks_names(scene, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(ON, 12))
    ranking_rebuild(on=ON)
    mine = volunteer_ranks(scene["v2"], on=ON)
    assert {(r["period"], r["scope"], r["rank"]) for r in mine} >= {
        ("year", "org", 1),
        ("month", "org", 1),
    }
    c = Client()
    c.force_login(scene["v2"].user)
    page = c.get(reverse("my-hours-page")).content.decode()
    assert "活跃志愿者排名" in page and "第 1 名" in page
    public = (
        Client()
        .get(reverse("active-ranking-page") + f"?scope=org&key={scene['B'].pk}&period=year")
        .content.decode()
    )
    assert "李*" in public and "张**" in public and "张三丰" not in public
    api = Client().get(reverse("active-ranking") + f"?scope=org&key={scene['B'].pk}&period=year")
    assert [r["volunteer_name"] for r in api.json()] == ["李*", "张**"]
