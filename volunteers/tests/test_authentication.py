"""API token authentication: DRF's rules, with the user's groups read in the same query."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from core.models import AuditLog
from volunteers.roles import HOTLINE_GROUP
from volunteers.services import api_token_issue
from volunteers.tests.factories import UserFactory, hotline_user, make_volunteer

pytestmark = pytest.mark.django_db

LOOKUP = "/api/hotline/volunteers/lookup/"


def token_client(user) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)[1]}")
    return c


def test_a_hotline_token_looks_up_in_three_queries(django_assert_num_queries):
    target = make_volunteer()
    c = token_client(hotline_user(username="hl"))
    body = {"reason": "来电查询", "id_type": target.id_type, "id_number": target.id_number}
    # the token with its user and groups, the volunteer, the audit row
    with django_assert_num_queries(3):
        r = c.post(LOOKUP, body, format="json")
    assert r.status_code == 200 and r.data["volunteer_no"] == target.volunteer_no
    assert r.data["id_number"] == target.id_number_masked
    row = AuditLog.objects.get(action="hotline_lookup")
    assert row.actor.username == "hl" and row.target_id == str(target.pk)


def test_an_unknown_token_is_refused():
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    r = c.post(LOOKUP, {"reason": "来电查询", "volunteer_no": "X"}, format="json")
    assert r.status_code in (401, 403) and r.data["code"] == "authentication_failed"
    assert not AuditLog.objects.filter(action="hotline_lookup").exists()


def test_an_inactive_user_is_refused():
    c = token_client(hotline_user(is_active=False))
    r = c.post(LOOKUP, {"reason": "来电查询", "volunteer_no": "X"}, format="json")
    assert r.status_code in (401, 403) and r.data["code"] == "authentication_failed"
    assert not AuditLog.objects.filter(action="hotline_lookup").exists()


def test_roles_follow_group_changes_at_the_next_request():
    user = UserFactory(groups=["operations"])  # another group beside: names stay apart
    c = token_client(user)
    target = make_volunteer()
    body = {"reason": "来电查询", "volunteer_no": target.volunteer_no}
    assert c.post(LOOKUP, body, format="json").status_code == 403
    user.groups.add(Group.objects.get_or_create(name=HOTLINE_GROUP)[0])
    assert c.post(LOOKUP, body, format="json").status_code == 200
    user.groups.clear()
    assert c.post(LOOKUP, body, format="json").status_code == 403


def test_a_volunteer_token_reads_their_own_profile():
    v = make_volunteer()
    r = token_client(v.user).get("/api/me/")
    assert r.status_code == 200 and r.data["volunteer_no"] == v.volunteer_no
