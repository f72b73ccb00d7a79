"""POST /api/register/ never tells an anonymous caller whether an ID number is registered."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from core.models import AuditLog, Notification
from volunteers.models import Volunteer
from volunteers.tests.factories import OrganisationFactory, mainland_id, make_volunteer

pytestmark = pytest.mark.django_db

URL = "/api/register/"


def form(org, **overrides) -> dict:
    body = {
        "username": "newcomer", "password": "Kapok-flower-2026", "name": "陈小明",
        "id_type": "01", "id_number": mainland_id(), "id_expiry": "2099-01-01",
        "mobile": "13912345678", "city_code": "440100", "organisation_ids": [org.pk],
    }  # fmt: skip
    body.update(overrides)
    return body


def test_a_taken_id_with_a_free_username_answers_exactly_as_a_new_registration(api):
    org = OrganisationFactory()
    owner = make_volunteer()
    users_before = get_user_model().objects.count()

    taken = api.post(URL, form(org, id_number=owner.id_number), format="json")
    fresh = api.post(URL, form(org, username="another"), format="json")

    assert fresh.status_code == 202 and Volunteer.objects.filter(user__username="another").exists()
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json())
    assert set(taken.json()) == {"message"} and "短信" in taken.json()["message"]
    # nothing was created for the taken ID; only the new registration added a user
    assert get_user_model().objects.count() == users_before + 1
    assert not get_user_model().objects.filter(username="newcomer").exists()
    assert Volunteer.objects.filter(id_number_index=owner.id_number_index).count() == 1


def test_the_owner_of_a_taken_id_is_told_through_the_notifier_and_it_is_audited(api):
    owner = make_volunteer()
    api.post(URL, form(OrganisationFactory(), id_number=owner.id_number), format="json")

    sent = Notification.objects.filter(user=owner.user, text__contains="尝试使用您的证件号码")
    assert set(sent.values_list("channel", flat=True)) == {"site", "sms"}
    text = sent.first().text
    assert owner.id_number_masked in text and owner.id_number not in text
    row = AuditLog.objects.get(action="volunteer_sign_up_id_taken")
    assert row.target_id == str(owner.pk) and owner.id_number not in str(row.data)


def test_a_new_volunteer_is_told_on_their_mobile_too(api):
    api.post(URL, form(OrganisationFactory()), format="json")
    user = get_user_model().objects.get(username="newcomer")
    assert set(user.notifications.values_list("channel", flat=True)) == {"site", "sms"}


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"mobile": "1391234"}, None),
        ({"city_code": "110100"}, "city_code"),
        ({"password": "12345678"}, "password_weak"),
        ({"username": "has space"}, "username_invalid"),
        ({"username": "taken_name"}, "username_taken"),
    ],
)
def test_other_errors_are_the_same_whether_or_not_the_id_is_taken(api, overrides, code):
    org = OrganisationFactory()
    owner = make_volunteer(username="taken_name")
    with_taken_id = api.post(URL, form(org, id_number=owner.id_number, **overrides), format="json")
    with_free_id = api.post(URL, form(org, **overrides), format="json")
    assert with_taken_id.status_code in (400, 409)
    assert (with_taken_id.status_code, with_taken_id.json()) == (
        with_free_id.status_code,
        with_free_id.json(),
    )
    if code:
        assert with_taken_id.json()["code"] == code
    assert not Notification.objects.filter(user=owner.user).exists()


def test_the_schema_documents_the_choice(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    post = schema["paths"]["/api/register/"]["post"]
    assert set(post["responses"]) >= {"202"}
    assert "不泄露" in post["description"]
