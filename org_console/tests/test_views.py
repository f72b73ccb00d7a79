"""The organisation admin console through Django's test client: who may open what, that each
action reaches its service (and its audit row), and that refusals change nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity, HoursEntry, SignUp
from activities.tests.helpers import all_day_today
from core.models import AuditLog, Notification
from org_console.tests.helpers import as_user
from volunteers.models import Membership, Volunteer
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
NAMES = "一二三四五六七八九十百千万甲乙丙丁戊己庚辛壬癸子丑寅卯"


def make_activity(world, *, org="A", publish=True, **options) -> Activity:
    fields = {
        "name": "社区长者探访",
        "places": 10,
        "address": "广州市天河区体育西路1号",
        "city_code": "440100",
        "contact_name": "陈老师",
        "contact_phone": "020-12345678",
        **options,
    }
    a = activity_services.activity_create(
        admin=world["admin_a"],
        organisation=world[org],
        days=[all_day_today()],
        **fields,
    )
    if publish:
        activity_services.activity_change_status(
            admin=world["admin_a"], activity_id=a.pk, status="published"
        )
    return a


# --- access ----------------------------------------------------------------------------------


def test_a_volunteer_gets_403_and_another_organisations_admin_404(world):
    v = make_volunteer(organisations=[world["A"]])
    activity = make_activity(world)
    assert as_user(v.user).get("/org/").status_code == 403
    assert as_user(v.user).get(f"/org/activities/{activity.pk}/").status_code == 403
    other = as_user(world["admin_c"])
    assert other.get(f"/org/{world['A'].pk}/members/").status_code == 404
    assert other.get(f"/org/activities/{activity.pk}/signups/").status_code == 404
    assert Client().get("/org/").status_code == 302  # to the login page


def test_an_admin_of_a_parent_organisation_manages_its_subtree(world):
    c = as_user(world["admin_a"])
    assert c.get(f"/org/{world['B'].pk}/members/").status_code == 200
    page = c.get("/org/").content.decode()
    assert "B组织" in page and "C组织" not in page


# --- members ---------------------------------------------------------------------------------


def test_pending_applications_show_who_applied_masked_and_are_approved(
    world, django_capture_on_commit_callbacks
):
    v = make_volunteer(organisations=[world["A"]], approve=False, name="李小红")
    c = as_user(world["admin_a"])
    page = c.get(f"/org/{world['A'].pk}/members/").content.decode()
    assert "李小红" in page and v.id_number_masked in page and v.id_number not in page
    m = v.memberships.get()
    r = c.post(f"/org/{world['A'].pk}/members/{m.pk}/decide/", {"decision": "approve"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == Membership.Status.APPROVED and m.decided_by == world["admin_a"]
    assert AuditLog.objects.filter(action="membership_decide", target_id=str(m.pk)).exists()


def test_refusing_an_application_needs_a_reason(world):
    v = make_volunteer(organisations=[world["A"]], approve=False)
    m = v.memberships.get()
    c = as_user(world["admin_a"])
    r = c.post(f"/org/{world['A'].pk}/members/{m.pk}/decide/", {"decision": "refuse"}, follow=True)
    assert "请填写不通过的原因" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Membership.Status.PENDING
    c.post(
        f"/org/{world['A'].pk}/members/{m.pk}/decide/",
        {"decision": "refuse", "note": "不在服务区域"},
    )
    m.refresh_from_db()
    assert (m.status, m.note) == (Membership.Status.REJECTED, "不在服务区域")


def test_an_admin_removes_a_member_from_their_only_organisation(world):
    v = make_volunteer(organisations=[world["A"]])
    m = v.memberships.get()
    c = as_user(world["admin_a"])
    r = c.post(
        f"/org/{world['A'].pk}/members/{m.pk}/remove/", {"reason": "长期未参加活动"}, follow=True
    )
    assert "须重新申请" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Membership.Status.REMOVED
    assert AuditLog.objects.filter(action="membership_remove", target_id=str(m.pk)).exists()


def test_another_organisations_membership_is_404_through_this_organisations_url(world):
    v = make_volunteer(organisations=[world["C"]], approve=False)
    m = v.memberships.get()
    r = as_user(world["admin_a"]).post(
        f"/org/{world['A'].pk}/members/{m.pk}/decide/", {"decision": "approve"}
    )
    assert r.status_code == 404
    m.refresh_from_db()
    assert m.status == Membership.Status.PENDING


def test_members_search_by_full_id_number_and_paginate(world):
    people = [make_volunteer(organisations=[world["A"]], name=f"成员{c}") for c in NAMES[:23]]
    c = as_user(world["admin_a"])
    url = f"/org/{world['A'].pk}/members/?status=approved"
    assert "第 1 / 2 页" in c.get(url).content.decode()
    assert "成员" in c.get(url + "&page=2").content.decode()
    found = c.get(url + f"&q={people[5].id_number}").content.decode()
    assert f"成员{NAMES[5]}" in found and f"成员{NAMES[6]}" not in found


def test_members_list_has_a_query_budget(world, django_assert_max_num_queries):
    for c in NAMES[:15]:
        make_volunteer(organisations=[world["A"]], approve=False, name=f"申请人{c}")
    c = as_user(world["admin_a"])
    with django_assert_max_num_queries(12):
        c.get(f"/org/{world['A'].pk}/members/")


# --- manual verification -----------------------------------------------------------------


def test_the_full_passport_number_is_shown_on_the_verification_page_only_and_audited(world):
    v = make_volunteer(
        organisations=[world["A"]],
        approve=False,
        id_type="05",
        id_number="E98765432",
        name="JOHN SMITH",
        gender="M",
        birth_date=dt.date(1990, 1, 1),
        nationality="USA",
    )
    c = as_user(world["admin_a"])
    assert "E98765432" not in c.get(f"/org/{world['A'].pk}/members/").content.decode()
    listing = c.get(f"/org/{world['A'].pk}/verification/").content.decode()
    assert "JOHN SMITH" in listing and "E98765432" not in listing
    detail = c.get(f"/org/{world['A'].pk}/verification/{v.pk}/").content.decode()
    assert "E98765432" in detail
    assert (
        AuditLog.objects.filter(action="volunteer_identity_view", actor=world["admin_a"]).count()
        == 1
    )
    assert (
        as_user(world["admin_c"]).get(f"/org/{world['C'].pk}/verification/{v.pk}/").status_code
        == 404
    )
    c.post(f"/org/{world['A'].pk}/verification/{v.pk}/", {"decision": "approve"})
    v.refresh_from_db()
    assert v.verification == Volunteer.Verification.VERIFIED
    assert c.get(f"/org/{world['A'].pk}/verification/{v.pk}/").status_code == 404


# --- activities --------------------------------------------------------------------------


def form_data(**over) -> dict:
    data = {
        "name": "海滩清洁",
        "kind": "service",
        "category": "environment",
        "description": "",
        "address": "珠海市香洲区情侣路",
        "city_code": "440400",
        "lat": "",
        "lng": "",
        "places": "30",
        "contact_name": "王老师",
        "contact_phone": "0756-1234567",
        "checkin_radius_m": "500",
        "checkin_before_min": "60",
        "checkin_after_min": "60",
        "day_0_date": (TODAY() + dt.timedelta(days=3)).isoformat(),
        "day_0_start": "09:00",
        "day_0_end": "12:00",
    }
    data.update(over)
    return data


def test_an_activity_is_created_as_a_draft_with_its_days(world):
    c = as_user(world["admin_a"])
    r = c.post(
        f"/org/{world['A'].pk}/activities/new/",
        form_data(
            day_1_date=(TODAY() + dt.timedelta(days=4)).isoformat(),
            day_1_start="14:00",
            day_1_end="17:00",
            members_only="on",
        ),
    )
    a = Activity.objects.get(name="海滩清洁")
    assert r.status_code == 302 and r["Location"] == f"/org/activities/{a.pk}/"
    assert a.status == Activity.Status.DRAFT and a.members_only and a.days.count() == 2
    assert AuditLog.objects.filter(action="activity_create", target_id=str(a.pk)).exists()


def test_a_refused_activity_form_keeps_what_was_typed_and_says_why(world):
    c = as_user(world["admin_a"])
    r = c.post(f"/org/{world['A'].pk}/activities/new/", form_data(self_checkin="on"))
    page = r.content.decode()
    assert r.status_code == 200 and "参与人数超过50人的活动才能启用自行签到签退" in page
    assert 'value="海滩清洁"' in page
    assert not Activity.objects.exists()


def test_a_draft_is_edited_and_a_published_one_is_not(world):
    a = make_activity(world, publish=False)
    c = as_user(world["admin_a"])
    edit = c.get(f"/org/activities/{a.pk}/edit/").content.decode()
    assert 'value="社区长者探访"' in edit and 'value="00:00"' in edit
    assert f'value="{TODAY().isoformat()}"' in edit
    c.post(f"/org/activities/{a.pk}/edit/", form_data(name="改名的活动"))
    a.refresh_from_db()
    assert a.name == "改名的活动" and a.days.get().date == TODAY() + dt.timedelta(days=3)
    c.post(f"/org/activities/{a.pk}/status/", {"status": "published"})
    a.refresh_from_db()
    assert a.status == Activity.Status.PUBLISHED
    r = c.post(f"/org/activities/{a.pk}/edit/", form_data(name="再改名"), follow=True)
    assert "发布后不能再修改" in r.content.decode()
    a.refresh_from_db()
    assert a.name == "改名的活动"


def test_cancelling_tells_the_admitted_volunteers(world, django_capture_on_commit_callbacks):
    a = make_activity(world)
    v = make_volunteer(organisations=[world["A"]])
    s = activity_services.signup_create(volunteer=v, activity_id=a.pk)
    activity_services.signup_admit(admin=world["admin_a"], signup_id=s.pk)
    with django_capture_on_commit_callbacks(execute=True):
        as_user(world["admin_a"]).post(f"/org/activities/{a.pk}/status/", {"status": "cancelled"})
    a.refresh_from_db()
    assert a.status == Activity.Status.CANCELLED
    assert Notification.objects.filter(user=v.user, text__contains="已取消").exists()


# --- sign-ups ----------------------------------------------------------------------------


def test_refusing_a_sign_up_sends_the_manuals_text(world, django_capture_on_commit_callbacks):
    a = make_activity(world)
    v = make_volunteer(organisations=[world["A"]])
    s = activity_services.signup_create(volunteer=v, activity_id=a.pk)
    with django_capture_on_commit_callbacks(execute=True):
        as_user(world["admin_a"]).post(f"/org/activities/{a.pk}/signups/{s.pk}/refuse/")
    s.refresh_from_db()
    assert s.status == SignUp.Status.REMOVED
    sms = Notification.objects.get(user=v.user, channel="sms").text
    assert sms.startswith(
        "【i志愿】您好，您已被志愿服务活动社区长者探访活动管理员：admin_a 移出了本活动"
    )


def test_admit_face_check_and_invite(world, django_capture_on_commit_callbacks):
    a = make_activity(world)
    v, w = make_volunteer(organisations=[world["A"]]), make_volunteer(organisations=[world["B"]])
    s = activity_services.signup_create(volunteer=v, activity_id=a.pk)
    c = as_user(world["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/org/activities/{a.pk}/signups/{s.pk}/admit/")
    assert Notification.objects.get(user=v.user, channel="sms").text.startswith(
        "【i志愿】您已被活动社区长者探访录用"
    )
    c.post(f"/org/activities/{a.pk}/face-check/{v.pk}/")
    assert AuditLog.objects.filter(action="face_check_record").count() == 1
    c.post(f"/org/activities/{a.pk}/invite/", {"volunteer_no": w.volunteer_no.lower()})
    assert a.invitations.filter(volunteer=w).exists()
    r = c.post(f"/org/activities/{a.pk}/invite/", {"volunteer_no": "000000000000"}, follow=True)
    assert "请输入本组织志愿者的志愿者编号" in r.content.decode()


def test_a_sign_up_of_another_activity_is_404(world):
    a, b = make_activity(world), make_activity(world, name="另一个活动")
    v = make_volunteer(organisations=[world["A"]])
    s = activity_services.signup_create(volunteer=v, activity_id=b.pk)
    r = as_user(world["admin_a"]).post(f"/org/activities/{a.pk}/signups/{s.pk}/admit/")
    assert r.status_code == 404
    s.refresh_from_db()
    assert s.status == SignUp.Status.APPLIED


# --- attendance and hours ----------------------------------------------------------------


def test_the_qr_image_is_a_fresh_svg_for_admins_only(world):
    a = make_activity(world)
    day = a.days.get()
    url = f"/org/activities/{a.pk}/days/{day.pk}/qr/in/code.svg"
    r = as_user(world["admin_a"]).get(url)
    assert r["Content-Type"] == "image/svg+xml" and r["Cache-Control"] == "no-store"
    assert r.content.startswith(b"<svg")
    assert as_user(world["admin_c"]).get(url).status_code == 404
    assert as_user(world["admin_a"]).get(url.replace("/in/", "/sideways/")).status_code == 404


def test_self_check_in_hours_wait_for_approval(world, django_capture_on_commit_callbacks):
    a = make_activity(world, places=60, self_checkin=True, lat=23.117, lng=113.326)
    v = make_volunteer(organisations=[world["A"]])
    s = activity_services.signup_create(volunteer=v, activity_id=a.pk)
    activity_services.signup_admit(admin=world["admin_a"], signup_id=s.pk)
    activity_services.face_check_record(admin=world["admin_a"], activity_id=a.pk, volunteer_id=v.pk)
    now = timezone.now()
    activity_services.attendance_self(
        volunteer=v, activity_id=a.pk, action="in", lat=23.117, lng=113.326, now=now
    )
    activity_services.attendance_self(
        volunteer=v,
        activity_id=a.pk,
        action="out",
        lat=23.117,
        lng=113.326,
        now=now + dt.timedelta(seconds=1),
    )
    entry = HoursEntry.objects.get(volunteer=v)
    assert entry.status == HoursEntry.Status.PENDING
    c = as_user(world["admin_a"])
    assert "1 条自行签到签退时长待审核" in c.get(f"/org/activities/{a.pk}/hours/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/org/activities/{a.pk}/hours/{entry.pk}/decide/", {"decision": "approve"})
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.CREDITED and entry.approved_by == world["admin_a"]
    assert Notification.objects.filter(user=v.user, text__contains="审核通过").exists()


def test_a_day_is_back_filled_with_a_reason(world):
    yesterday = TODAY() - dt.timedelta(days=1)
    created = timezone.now() - dt.timedelta(days=2)
    a = activity_services.activity_create(
        admin=world["admin_a"],
        organisation=world["A"],
        name="昨天的活动",
        days=[(yesterday, dt.time(9, 0), dt.time(12, 0))],
        places=10,
        address="广州市天河区",
        city_code="440100",
        contact_name="陈老师",
        contact_phone="020-12345678",
        now=created,
    )
    activity_services.activity_change_status(
        admin=world["admin_a"], activity_id=a.pk, status="published", now=created
    )
    w = make_volunteer(organisations=[world["A"]])
    s = activity_services.signup_create(volunteer=w, activity_id=a.pk, now=created)
    activity_services.signup_admit(admin=world["admin_a"], signup_id=s.pk, now=created)
    activity_services.face_check_record(
        admin=world["admin_a"], activity_id=a.pk, volunteer_id=w.pk, now=created
    )
    day = a.days.get()
    c = as_user(world["admin_a"])
    data = {
        "volunteer_id": w.pk,
        "day_id": day.pk,
        "checked_in_at": f"{yesterday}T09:05",
        "checked_out_at": f"{yesterday}T11:35",
        "reason": "",
    }
    r = c.post(f"/org/activities/{a.pk}/hours/", data)
    assert r.status_code == 200 and not HoursEntry.objects.filter(volunteer=w).exists()
    r = c.post(
        f"/org/activities/{a.pk}/hours/",
        {**data, "checked_out_at": f"{yesterday}T08:00", "reason": "纸质签到"},
    )
    assert "补录的签退时间应晚于签到时间" in r.content.decode()
    assert not HoursEntry.objects.filter(volunteer=w).exists()
    r = c.post(f"/org/activities/{a.pk}/hours/", {**data, "reason": "手机没电，现场纸质签到"})
    assert r.status_code == 302
    entry = HoursEntry.objects.get(volunteer=w)
    assert (entry.source, entry.minutes) == (HoursEntry.Source.BACKFILL, 150)
    assert entry.counts_from == TODAY() + dt.timedelta(days=1)
    assert AuditLog.objects.filter(action="hours_backfill", target_id=str(entry.pk)).exists()


def test_an_admitted_volunteer_is_removed_not_refused(world):
    a = make_activity(world)
    v = make_volunteer(organisations=[world["A"]])
    s = activity_services.signup_create(volunteer=v, activity_id=a.pk)
    activity_services.signup_admit(admin=world["admin_a"], signup_id=s.pk)
    c = as_user(world["admin_a"])
    r = c.post(f"/org/activities/{a.pk}/signups/{s.pk}/refuse/", follow=True)
    assert "只能拒绝待录用的报名" in r.content.decode()
    s.refresh_from_db()
    assert s.status == SignUp.Status.ADMITTED
    c.post(f"/org/activities/{a.pk}/signups/{s.pk}/remove/")
    s.refresh_from_db()
    assert s.status == SignUp.Status.REMOVED


# --- content security policy -------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_the_console_templates_have_no_inline_script_or_style():
    """The site's CSP (default-src 'self') forbids them: scripts and styles are static files."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<style" not in text, path
        assert not re.search(r"\sstyle=", text), path
        assert not re.search(r"\son[a-z]+=", text), path
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag, (path, tag)


def test_sign_up_and_activity_lists_have_a_query_budget(world, django_assert_max_num_queries):
    a = make_activity(world)
    for c in NAMES[:12]:
        v = make_volunteer(organisations=[world["A"]], name=f"报名人{c}")
        activity_services.signup_create(volunteer=v, activity_id=a.pk)
    for i in range(12):
        make_activity(world, name=f"活动{NAMES[i]}")
    client = as_user(world["admin_a"])
    with django_assert_max_num_queries(14):
        assert "报名人一" in client.get(f"/org/activities/{a.pk}/signups/").content.decode()
    with django_assert_max_num_queries(14):
        assert "活动一" in client.get(f"/org/{world['A'].pk}/activities/").content.decode()
