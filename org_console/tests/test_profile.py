"""组织资料: an organisation's admins (and staff in the Django admin) edit the introduction and
contacts its public page shows; every change is audited, a bad value changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditLog
from org_console.tests.helpers import as_user
from volunteers import services as volunteer_services
from volunteers.models import Organisation
from volunteers.tests.factories import UserFactory, make_volunteer

pytestmark = pytest.mark.django_db

GOOD = {
    "intro": "我们是社区志愿服务团体。",
    "address": "广州市天河区体育西路1号",
    "contact_name": "陈老师",
    "help_phone": "020-87654321 转 8",
    "help_email": "help@example.org",
    "verification_phone": "12355",
    "verification_note": "工作日 9:00–17:00，携带证件原件",
}


def test_an_admin_edits_the_profile_and_the_public_page_shows_it(world):
    b = world["B"]
    c = as_user(world["admin_a"])  # A administers B through the tree
    page = c.get(f"/org/{b.pk}/profile/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "咨询电话" in html and "实名核验联系电话" in html and 'id="public-page"' in html
    resp = c.post(f"/org/{b.pk}/profile/", GOOD)
    assert resp.status_code == 302 and resp.url == f"/org/{b.pk}/profile/"
    b.refresh_from_db()
    assert {f: getattr(b, f) for f in GOOD} == GOOD
    row = AuditLog.objects.get(action="organisation_profile_update")
    assert row.actor == world["admin_a"] and row.target_id == str(b.pk)
    assert sorted(row.data["fields"]) == sorted(GOOD)
    public = Client().get(f"/organisations/{b.pk}/").content.decode()
    assert "我们是社区志愿服务团体。" in public and 'href="tel:02087654321;ext=8"' in public
    # saving the same values again changes nothing and writes nothing
    c.post(f"/org/{b.pk}/profile/", GOOD)
    assert AuditLog.objects.filter(action="organisation_profile_update").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("help_phone", "call me", "电话号码只能包含数字"),
        ("verification_phone", "12", "电话号码只能包含数字"),
        ("help_email", "not-an-email", "邮件"),
        ("contact_name", "陈" * 41, "40"),
    ],
)
def test_a_bad_value_is_refused_in_chinese_and_changes_nothing(world, field, value, words):
    b = world["B"]
    resp = as_user(world["admin_a"]).post(f"/org/{b.pk}/profile/", {**GOOD, field: value})
    assert resp.status_code == 200
    assert words in resp.content.decode()
    b.refresh_from_db()
    assert b.intro == "" and getattr(b, field) == ""
    assert not AuditLog.objects.filter(action="organisation_profile_update").exists()


def test_other_admins_and_volunteers_cannot_edit(world):
    b = world["B"]
    assert as_user(world["admin_c"]).get(f"/org/{b.pk}/profile/").status_code == 404
    assert as_user(world["admin_c"]).post(f"/org/{b.pk}/profile/", GOOD).status_code == 404
    v = make_volunteer(organisations=[b])
    assert as_user(v.user).post(f"/org/{b.pk}/profile/", GOOD).status_code == 403
    b.refresh_from_db()
    assert b.intro == ""


def test_the_service_checks_what_the_form_checks(world):
    b = world["B"]
    update = volunteer_services.organisation_profile_update
    with pytest.raises(PermissionDenied):
        update(organisation_id=b.pk, actor=world["admin_c"], intro="x")
    with pytest.raises(ValidationFailed) as bad:
        update(organisation_id=b.pk, actor=world["admin_a"], help_phone="无")
    assert bad.value.extra == {"field": "help_phone"} and "咨询电话" in bad.value.message
    with pytest.raises(ValidationFailed) as long:
        update(organisation_id=b.pk, actor=world["admin_a"], intro="长" * 2001)
    assert long.value.extra == {"field": "intro"}
    with pytest.raises(ValidationFailed):  # only the public page's fields
        update(organisation_id=b.pk, actor=world["admin_a"], name="改名")
    b.refresh_from_db()
    assert b.name == "B组织" and b.intro == "" and b.help_phone == ""
    staff = UserFactory(is_staff=True)
    update(organisation_id=b.pk, actor=staff, help_phone=" 020-1234567 ")
    b.refresh_from_db()
    assert b.help_phone == "020-1234567"


def test_staff_edit_in_the_django_admin_with_chinese_labels_and_an_audit_row(world):
    b = world["B"]
    staff = UserFactory(is_staff=True, is_superuser=True)
    c = as_user(staff)
    html = c.get(f"/admin/volunteers/organisation/{b.pk}/change/").content.decode()
    for label in (
        "组织简介",
        "办公地址",
        "联系人",
        "咨询电话",
        "咨询邮箱",
        "实名核验联系电话",
        "实名核验说明",
    ):
        assert label in html, label
    form = {
        "name": b.name,
        "code": b.code,
        "kind": b.kind,
        "parent": b.parent_id,
        "city_code": b.city_code,
        **GOOD,
        "help_phone": "不是电话",
    }
    resp = c.post(f"/admin/volunteers/organisation/{b.pk}/change/", form)
    assert resp.status_code == 200 and "电话号码只能包含数字" in resp.content.decode()
    resp = c.post(f"/admin/volunteers/organisation/{b.pk}/change/", {**form, "help_phone": "12355"})
    assert resp.status_code == 302
    b.refresh_from_db()
    assert b.help_phone == "12355"
    row = AuditLog.objects.get(action="organisation_change")
    assert row.actor == staff and "help_phone" in row.data["fields"]
    assert Organisation.objects.get(pk=b.pk).path == b.path
