"""The requests that gave a 500 before each query parameter and form field was parsed with
bounds, on the API and on the pages the fuzz test does not reach. Each must be refused (or
ignored) with a 4xx, or served, and never reach the database or date arithmetic unchecked."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from volunteers.models import Organisation
from volunteers.roles import HOTLINE_GROUP, OPERATIONS_GROUP
from volunteers.services import organisation_admin_add
from volunteers.tests.factories import OrganisationFactory, make_volunteer

HUGE = "9" * 30


@pytest.fixture
def staff(db):
    """A volunteer who administers the root organisation, answers the hotline and runs
    operations; a few organisations so that the lists have rows to page through."""
    root = OrganisationFactory(name="广东省志愿者联合会", kind=Organisation.Kind.FEDERATION)
    org = OrganisationFactory(name="测试组织", parent=root)
    for i in range(3):
        OrganisationFactory(name=f"组织{i}", parent=root)
    volunteer = make_volunteer(organisations=[org])
    user = volunteer.user
    from django.contrib.auth.models import Group

    for name in (HOTLINE_GROUP, OPERATIONS_GROUP):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    organisation_admin_add(organisation=root, user=user)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


API_GETS = [
    "/api/organisations/?parent=%C2%B2",  # a superscript two passes str.isdigit
    "/api/organisations/?parent=" + HUGE,
    f"/api/organisations/?limit={HUGE}",
    f"/api/organisations/?limit={HUGE}&offset={HUGE}",
    "/api/organisations/?q=a%00b",
    "/api/card/branches/?bank=B%00C&city=44%000",
    "/api/activities/?date=0001-01-01",
    "/api/activities/?date=9999-12-31",
    "/api/activities/?organisation=" + HUGE,
    "/api/activities/?q=%00",
    f"/api/activities/{HUGE}/",
    f"/api/activities/1/days/{HUGE}/qr/",
    "/api/activities/1/signups/?status=%00",
    "/api/activities/1/hours/?status=%00",
]


@pytest.mark.parametrize("url", API_GETS)
def test_api_query_parameters_never_give_a_server_error(staff, url):
    response = staff.get(url)
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json")


def test_api_page_size_is_capped(staff):
    body = staff.get(f"/api/organisations/?limit={HUGE}").json()
    assert body["count"] >= 5
    body = staff.get("/api/organisations/?limit=1").json()
    assert len(body["results"]) == 1


@pytest.mark.parametrize(
    "value, field",
    [
        ("²", "parent"),
        (HUGE, "parent"),
    ],
)
def test_api_bad_query_values_are_named(staff, value, field):
    response = staff.get("/api/organisations/", {field: value})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["extra"]["fields"]


API_POSTS = [
    ("/api/me/memberships/", {"organisation_id": int(HUGE)}),
    ("/api/activities/attendance/self/", {"activity_id": int(HUGE), "action": "in", "lat": 23, "lng": 113}),
    ("/api/hotline/coverage/", {"reason": "来电", "incident_at": "0001-01-01T00:00:00+14:00", "volunteer_no": "1"}),
    ("/api/hotline/coverage/", {"reason": "来电", "incident_at": "9999-12-31T23:59:59-12:00", "volunteer_no": "1"}),
    ("/api/hotline/coverage/", {"reason": "来\x00电", "incident_at": "2030-01-01T00:00:00", "volunteer_no": "1\x00"}),
    ("/api/card/hotline/progress/", {"reason": "来电", "volunteer_id": int(HUGE)}),
    ("/api/hotline/volunteers/lookup/", {"reason": "x\x00", "volunteer_no": "\x00"}),
    ("/api/activities/create/", {
        "organisation_id": 1, "name": "x", "contact_name": "x", "contact_phone": "1",
        "address": "x", "city_code": "440100", "places": int(HUGE),
        "days": [{"date": "0001-01-01", "start": "09:00", "end": "10:00"}],
    }),
    ("/api/register/", {
        "username": "u", "password": "p" * 10, "name": "张三", "id_type": "01",
        "id_number": "1", "id_expiry": "0001-01-01", "mobile": "1", "city_code": "440100",
        "organisation_ids": [int(HUGE)], "birth_date": "0001-01-01",
    }),
]  # fmt: skip


@pytest.mark.parametrize("url, body", API_POSTS)
def test_api_bodies_never_give_a_server_error(staff, url, body):
    response = staff.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code < 500, response.content[:500]
    assert response.json()["code"]


def test_deeply_nested_json_is_a_parse_error(staff):
    body = "[" * 100_000 + "]" * 100_000
    response = staff.post("/api/me/memberships/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "嵌套" in response.json()["message"]


def test_moderately_nested_json_is_refused_too(staff):
    body = json.dumps(
        {"organisation_id": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
    )
    response = staff.post("/api/me/memberships/", body, content_type="application/json")
    assert response.status_code == 400


PAGE_GETS = [
    "/activities/?q=a%00b&city=%00",
    "/staff/insurance/reconciliation/?bank=%00",
    "/staff/donations/?bank=%00",
    "/staff/donations/?from=9999-12&to=9999-12",
    "/staff/donations/?from=0001-01&to=0001-01",
    "/staff/donations.csv?to=9999-12&bank=%00",
    "/activities/scan/a%00b/",
]


@pytest.mark.parametrize("url", PAGE_GETS)
def test_pages_query_parameters_never_give_a_server_error(staff, url):
    response = staff.get(url)
    assert response.status_code < 500, response.content[:500]


PAGE_POSTS = [
    ("/me/card/apply/", {"branch_id": "²", "bank_code": "BOC", "product": "D"}),
    ("/me/card/apply/", {"branch_id": HUGE, "bank_code": "BOC", "product": "D"}),
    ("/me/card/apply/", {"bank_code": "B\x00", "mail_address": "广州\x00", "postcode": "\x00"}),
    ("/staff/hotline/", {"kind": "volunteer_no", "key": "1\x00", "incident_at": "2030-01-01 10:00", "reason": "x"}),
    ("/staff/hotline/", {"kind": "id_number", "key": "1", "incident_at": "0001-01-01 00:00", "reason": "x"}),
    ("/staff/hotline/", {"kind": "id_number", "key": "1", "incident_at": "9999-12-31 23:59", "reason": "\x00"}),
    ("/staff/ops/alerts/1/resolve/", {"note": "\x00"}),
    ("/me/uniform/", {"mail_address": "广州\x00", "postcode": "\x00", "size": "\x00"}),
]  # fmt: skip


@pytest.mark.parametrize("url, data", PAGE_POSTS)
def test_page_forms_never_give_a_server_error(staff, url, data):
    response = staff.post(url, data)
    assert response.status_code < 500, response.content[:500]


@pytest.mark.parametrize("day_id", ["abc", "²", HUGE, "\x00"])
def test_qr_page_day_id_that_is_not_a_number(staff, day_id):
    from card_service.tests.helpers import submit

    volunteer = make_volunteer(organisations=[OrganisationFactory()], name="欧阳娜娜")
    token = submit(volunteer).qr_payload.rpartition("/")[2]
    response = staff.post(f"/q/{token}/", {"day_id": day_id, "action": "in"})
    assert response.status_code == 302  # back to the page, with the reason in a message
    page = staff.get(f"/q/{token}/").content.decode()
    assert "请选择" in page


def test_apply_page_names_the_bad_branch(staff):
    response = staff.post("/me/card/apply/", {"branch_id": "²", "bank_code": "BOC"})
    assert response.status_code == 200  # the form again, every mistake by its field
    assert "整数" in response.content.decode()


def test_year_bounds_are_named(staff):
    response = staff.get("/api/activities/", {"date": "0001-01-01"})
    assert response.status_code == 400
    assert "1900" in json.dumps(response.json(), ensure_ascii=False)


# str.isdigit() says yes to superscript and other scripts' digits: every six-digit postcode
# check asked it alone, so "²²²²²²" was stored and sent on to the banks and the uniform maker.
NON_ASCII_POSTCODES = ["²²²²²²", "٥١٠٦٢٠", "５１０６２０"]


@pytest.mark.parametrize("postcode", NON_ASCII_POSTCODES)
def test_profile_postcode_must_be_ascii_digits(staff, postcode):
    response = staff.patch(
        "/api/me/", json.dumps({"postcode": postcode}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["extra"]["field"] == "postcode"


@pytest.mark.parametrize("postcode", NON_ASCII_POSTCODES)
def test_card_mail_postcode_must_be_ascii_digits(db, postcode):
    from card_service.tests.helpers import submit
    from core.errors import ValidationFailed

    volunteer = make_volunteer(organisations=[OrganisationFactory()])
    with pytest.raises(ValidationFailed) as caught:
        submit(volunteer, product="C", postcode=postcode)
    assert caught.value.code == "postcode_invalid"


@pytest.mark.parametrize("postcode", NON_ASCII_POSTCODES)
def test_uniform_postcode_must_be_ascii_digits(postcode):
    from core.errors import ValidationFailed
    from uniforms.services import check_address

    with pytest.raises(ValidationFailed) as caught:
        check_address("广东省广州市天河区体育西路103号", postcode)
    assert caught.value.extra["field"] == "postcode"
