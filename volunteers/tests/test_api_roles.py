"""Each role reaches exactly what it should and gets 403/404 elsewhere."""

import pytest

from core.models import AuditLog
from volunteers import services
from volunteers.tests.factories import (
    UserFactory,
    hotline_user,
    make_volunteer,
    operations_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_tree):
    admin_a = UserFactory(username="admin_a")
    services.organisation_admin_add(organisation=org_tree["A"], user=admin_a)
    member_b = make_volunteer(organisations=[org_tree["B"]], name="李四")
    member_c = make_volunteer(organisations=[org_tree["C"]], name="王五")
    return {
        **org_tree,
        "admin_a": admin_a,
        "member_b": member_b,
        "member_c": member_c,
        "hotline": hotline_user(),
        "ops": operations_user(),
    }


def status(client, method, url, data=None):
    return getattr(client, method)(url, data, format="json").status_code


def test_anonymous_reaches_only_public_endpoints(api, world):
    assert status(api, "get", "/api/organisations/") == 200
    assert status(api, "get", "/api/schema/") == 200
    assert status(api, "get", "/api/me/") in (401, 403)
    assert status(api, "get", f"/api/volunteers/{world['member_b'].pk}/") in (401, 403)
    assert status(api, "post", "/api/hotline/volunteers/lookup/", {"reason": "x"}) in (401, 403)


def test_a_volunteer_sees_only_their_own_record(client_for, world):
    me, other = world["member_b"], world["member_c"]
    c = client_for(me.user)
    r = c.get("/api/me/")
    assert r.status_code == 200
    assert r.data["volunteer_no"] == me.volunteer_no
    assert r.data["id_number"] != me.id_number and "*" in r.data["id_number"]
    assert "*" in r.data["mobile"]
    assert status(c, "get", f"/api/volunteers/{me.pk}/") == 200
    assert status(c, "get", f"/api/volunteers/{other.pk}/") == 404
    assert status(c, "get", f"/api/organisations/{world['B'].pk}/volunteers/") == 404
    assert (
        status(
            c,
            "post",
            "/api/hotline/volunteers/lookup/",
            {"reason": "x", "volunteer_no": other.volunteer_no},
        )
        == 403
    )


def test_an_org_admin_sees_their_subtree_volunteers_only(client_for, world):
    c = client_for(world["admin_a"])
    r = c.get(f"/api/organisations/{world['B'].pk}/volunteers/")
    assert r.status_code == 200
    assert [v["volunteer_no"] for v in r.data["results"]] == [world["member_b"].volunteer_no]
    assert "*" in r.data["results"][0]["id_number"]
    assert status(c, "get", f"/api/organisations/{world['C'].pk}/volunteers/") == 404
    assert status(c, "get", f"/api/volunteers/{world['member_b'].pk}/") == 200
    assert status(c, "get", f"/api/volunteers/{world['member_c'].pk}/") == 404
    assert status(c, "get", "/api/me/") == 404
    assert (
        status(c, "post", "/api/hotline/volunteers/lookup/", {"reason": "x", "volunteer_no": "1"})
        == 403
    )


def test_hotline_staff_look_up_read_only_and_every_look_up_is_audited(client_for, world):
    c = client_for(world["hotline"])
    target = world["member_c"]
    r = c.post(
        "/api/hotline/volunteers/lookup/",
        {"reason": "12355来电咨询保险", "id_number": target.id_number.lower()},
        format="json",
    )
    assert r.status_code == 200 and r.data["volunteer_no"] == target.volunteer_no
    assert r.data["id_number"] == target.id_number_masked
    r = c.post(
        "/api/hotline/volunteers/lookup/",
        {"reason": "来电", "volunteer_no": "000000000000"},
        format="json",
    )
    assert r.status_code == 404
    rows = AuditLog.objects.filter(action="hotline_lookup", actor=world["hotline"])
    assert rows.count() == 2
    assert target.id_number not in str(list(rows.values("data", "reason")))
    assert status(c, "get", f"/api/volunteers/{target.pk}/") == 404
    assert status(c, "get", f"/api/organisations/{world['C'].pk}/volunteers/") == 404
    assert status(c, "patch", "/api/me/", {"mobile": "13900000000"}) == 404


def test_operations_cannot_use_volunteer_or_hotline_endpoints(client_for, world):
    c = client_for(world["ops"])
    assert status(c, "get", f"/api/volunteers/{world['member_b'].pk}/") == 404
    assert (
        status(c, "post", "/api/hotline/volunteers/lookup/", {"reason": "x", "volunteer_no": "1"})
        == 403
    )


def test_list_endpoints_stay_within_a_query_budget(
    client_for, world, django_assert_max_num_queries
):
    for _ in range(5):
        make_volunteer(organisations=[world["B"]])
    c = client_for(world["admin_a"])
    with django_assert_max_num_queries(8):
        r = c.get(f"/api/organisations/{world['B'].pk}/volunteers/")
    assert r.status_code == 200 and r.data["count"] == 6
    with django_assert_max_num_queries(4):
        assert c.get("/api/organisations/").status_code == 200


def test_registration_api_refuses_with_code_message_extra(api, world):
    r = api.post(
        "/api/register/",
        {
            "username": "newbie", "password": "long-enough-pw", "name": "陳小明", "id_type": "01",
            "id_number": "44010319950615123X", "id_expiry": "2099-01-01", "mobile": "13800000000",
            "city_code": "440100", "organisation_ids": [world["B"].pk],
        },
        format="json",
    )  # fmt: skip
    assert r.status_code == 400
    assert set(r.data) == {"code", "message", "extra"}
