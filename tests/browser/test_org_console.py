"""The organisation admin's journey in a real browser: approve a member, create and publish
an activity, admit a sign-up, show the rotating QR, a volunteer checks in with its link; and
the card-QR scanner page."""

from __future__ import annotations

import io
from urllib.parse import urlparse

import zxingcpp
from django.utils import timezone
from PIL import Image

from activities.models import Activity, Attendance, AttendanceMethod, SignUp
from activities.tests.helpers import all_day_today
from volunteers.models import Membership
from volunteers.tests.factories import make_volunteer


def decode_qr(png: bytes) -> str:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code found in the screenshot"
    return found[0].text


def test_org_admin_runs_an_activity_and_a_volunteer_checks_in_by_the_activity_qr(web, roles):
    org = roles["organisation"]
    applicant = make_volunteer(organisations=[org], approve=False, name="李小红")
    admin = web.page(roles["org_admin"])

    # The console's home lists the organisation with its pending count; the header links it.
    web.visit(admin, "/org/", "org-home")
    assert admin.locator("header a", has_text="组织管理").get_attribute("href") == "/org/"
    admin.click(f"a[href='/org/{org.pk}/members/?status=pending']")
    web.check(admin, "org-members-pending")

    # The pending application shows who applied: name, masked ID, date.
    card = admin.locator(".card.member", has_text="李小红")
    assert applicant.id_number_masked in card.inner_text()
    assert applicant.id_number not in admin.content()
    card.get_by_role("button", name="通过", exact=True).click()
    admin.wait_for_load_state()
    assert "已通过该志愿者的入会申请" in admin.locator(".msg-success").inner_text()
    assert applicant.memberships.get().status == Membership.Status.APPROVED

    # Create an activity that runs today (so the QR works now), then publish it.
    web.visit(admin, f"/org/{org.pk}/activities/", "org-activities")
    admin.click("text=发布新活动")
    web.check(admin, "org-activity-new")
    today = timezone.localdate().isoformat()
    admin.fill("#id_name", "社区长者探访")
    admin.fill("#id_address", "广州市天河区体育西路1号")
    admin.fill("#id_places", "10")
    admin.fill("#id_contact_name", "陈老师")
    admin.fill("#id_contact_phone", "020-12345678")
    admin.fill("#id_day_0_date", today)
    admin.fill("#id_day_0_start", "00:00")
    admin.fill("#id_day_0_end", "23:59")
    admin.click("button:has-text('保存草稿')")
    admin.wait_for_url("**/org/activities/*/")
    web.check(admin, "org-activity-draft")
    activity = Activity.objects.get(name="社区长者探访")
    assert activity.status == Activity.Status.DRAFT
    admin.click("button:has-text('发布活动')")
    admin.wait_for_load_state()
    assert "活动已发布" in admin.locator(".msg-success").inner_text()
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED
    web.check(admin, "org-activity-published")

    # 张小明 signs up on the activity page.
    volunteer = web.page(roles["volunteer_user"])
    web.visit(volunteer, f"/activities/{activity.pk}/", "activity-detail")
    volunteer.click("button:has-text('我要报名')")
    volunteer.wait_for_load_state()
    assert "请等待活动发布方管理员审核录用" in volunteer.content()

    # The admin admits the sign-up and records the face check.
    web.visit(admin, f"/org/activities/{activity.pk}/signups/", "org-signups")
    row = admin.locator(".card.signup", has_text="张小明")
    row.locator("button", has_text="录用").click()
    admin.wait_for_load_state()
    assert "已录用" in admin.locator(".msg-success").inner_text()
    admin.locator(".card.signup", has_text="张小明").locator("button", has_text="面验通过").click()
    admin.wait_for_load_state()
    web.check(admin, "org-signups-admitted")
    assert SignUp.objects.get(activity=activity).status == SignUp.Status.ADMITTED

    # The check-in QR, full screen; the volunteer follows the link it holds.
    web.visit(admin, f"/org/activities/{activity.pk}/attendance/", "org-attendance")
    admin.click("text=出示签到二维码")
    admin.wait_for_url("**/qr/in/")
    web.check(admin, "org-qr")
    url = decode_qr(admin.locator("#qr-image").screenshot())
    path = urlparse(url).path
    assert path.startswith("/activities/scan/A")
    web.visit(volunteer, path.lower(), "activity-scan")
    volunteer.click("button:has-text('确认')")
    volunteer.wait_for_load_state()
    assert "签到成功" in volunteer.content()
    web.check(volunteer, "activity-scan-done")
    att = Attendance.objects.get(day__activity=activity, volunteer=roles["volunteer"])
    assert att.check_in_method == AttendanceMethod.ACTIVITY_QR


def test_the_activity_qr_refreshes_without_reloading(web, roles, today_activity):
    activity, day = today_activity["activity"], today_activity["day"]
    admin = web.page(roles["org_admin"])
    admin.clock.install()
    web.visit(admin, f"/org/activities/{activity.pk}/days/{day.pk}/qr/in/", "org-qr-day")
    admin.evaluate("() => { window.__same_page = true; }")
    image = admin.locator("#qr-image")
    assert image.get_attribute("data-updated") is None
    admin.clock.run_for(31_000)
    admin.wait_for_function("() => document.getElementById('qr-image').dataset.updated")
    assert "?t=" in image.get_attribute("src")
    assert admin.evaluate("() => window.__same_page") is True
    assert decode_qr(image.screenshot()).startswith("http")
    web.check(admin, "org-qr-refreshed", shot=False)
    # Logged out (or offline), the page says the code is no longer being renewed.
    admin.context.clear_cookies()
    admin.clock.run_for(31_000)
    admin.wait_for_function(
        "() => document.getElementById('qr-status').classList.contains('stale')"
    )
    assert "未能更新" in admin.locator("#qr-status").inner_text()


def test_the_card_scanner_says_which_activity_and_checks_in_and_out(web, roles, today_activity):
    from card_service.tests.helpers import submit

    activity, day = today_activity["activity"], today_activity["day"]
    app = submit(roles["volunteer"])
    admin = web.page(roles["org_admin"])
    web.visit(admin, f"/org/activities/{activity.pk}/days/{day.pk}/scan/in/", "org-scanner-in")
    assert admin.locator(".headline").inner_text() == f"{activity.name}：签到"
    admin.fill("#id_token", app.qr_payload)
    admin.click("#scanner-form button[type=submit]")
    admin.wait_for_load_state()
    assert "签到成功" in admin.locator(".msg-success").inner_text()
    web.check(admin, "org-scanner-done")
    admin.click("text=改为签退")
    admin.wait_for_url("**/scan/out/")
    assert admin.locator(".headline").inner_text() == f"{activity.name}：签退"
    admin.fill("#id_token", app.qr_payload)
    admin.click("#scanner-form button[type=submit]")
    admin.wait_for_load_state()
    assert "签退成功" in admin.locator(".msg-success").inner_text()
    att = Attendance.objects.get(day=day, volunteer=roles["volunteer"])
    assert att.check_in_method == att.check_out_method == AttendanceMethod.CARD_SCAN
    # A bad token is refused with the reason, nothing recorded.
    admin.fill("#id_token", "HTTPS://V.GDZYZ.CN/Q/NOTAVALIDTOKEN")
    admin.click("#scanner-form button[type=submit]")
    admin.wait_for_load_state()
    assert admin.locator(".msg-error").count() == 1


def test_every_console_page_fits_and_loads_cleanly(web, roles, today_activity):
    """The pages the journeys above do not pass through, with content in them."""
    import datetime as dt

    from activities import services
    from activities.models import HoursEntry

    org, admin_user = roles["organisation"], roles["org_admin"]
    activity, day = today_activity["activity"], today_activity["day"]
    make_volunteer(
        organisations=[org],
        approve=False,
        id_type="05",
        id_number="E98765432",
        name="JOHN SMITH",
        gender="M",
        birth_date=dt.date(1990, 1, 1),
        nationality="USA",
    )
    big = services.activity_create(
        admin=admin_user,
        organisation=org,
        name="城市马拉松赛道服务",
        days=[all_day_today()],
        places=200,
        address="广州市天河区天河路",
        city_code="440100",
        contact_name="黄老师",
        contact_phone="020-87654321",
        self_checkin=True,
        lat=23.117,
        lng=113.326,
    )
    services.activity_change_status(admin=admin_user, activity_id=big.pk, status="published")
    v = roles["volunteer"]
    s = services.signup_create(volunteer=v, activity_id=big.pk)
    services.signup_admit(admin=admin_user, signup_id=s.pk)
    for action in ("in", "out"):
        services.attendance_self(
            volunteer=v, activity_id=big.pk, action=action, lat=23.117, lng=113.326
        )
    assert HoursEntry.objects.get(activity=big).status == HoursEntry.Status.PENDING
    draft = services.activity_create(
        admin=admin_user,
        organisation=org,
        name="周末图书整理",
        days=[(timezone.localdate() + dt.timedelta(days=7), dt.time(9, 0), dt.time(12, 0))],
        places=8,
        address="广州市越秀区中山四路",
        city_code="440100",
        contact_name="陈老师",
        contact_phone="020-12345678",
    )

    admin = web.page(admin_user)
    web.visit(admin, f"/org/{org.pk}/members/?status=approved", "org-members-approved")
    web.visit(admin, f"/org/{org.pk}/verification/", "org-verification")
    assert "E98765432" not in admin.content()
    admin.get_by_role("link", name="核验", exact=True).click()
    web.check(admin, "org-verification-detail")
    assert admin.locator(".id-number").inner_text() == "E98765432"
    web.visit(admin, f"/org/{org.pk}/activities/", "org-activities-listed")
    assert admin.locator("tbody tr").count() == 3
    web.visit(admin, f"/org/activities/{draft.pk}/edit/", "org-activity-edit")
    assert admin.input_value("#id_day_0_start") == "09:00"
    assert admin.input_value("#id_day_0_date") == draft.days.get().date.isoformat()
    web.visit(admin, f"/org/activities/{big.pk}/", "org-activity-self-checkin")
    web.visit(admin, f"/org/activities/{big.pk}/hours/", "org-hours-pending")
    admin.get_by_role("button", name="审核通过").click()
    admin.wait_for_load_state()
    assert "已审核通过" in admin.locator(".msg-success").inner_text()
    web.check(admin, "org-hours-approved")
    web.visit(admin, f"/org/activities/{activity.pk}/attendance/", "org-attendance-empty")
    web.visit(admin, f"/org/activities/{activity.pk}/days/{day.pk}/scan/out/", "org-scanner-out")
    # Removing a member asks first; dismissed, nothing changes.
    admin.goto(f"/org/{org.pk}/members/?status=approved")
    card = admin.locator(".card.member", has_text="张小明")
    card.locator("input[name=reason]").fill("长期未参加活动")
    admin.once("dialog", lambda dialog: dialog.dismiss())
    card.get_by_role("button", name="移出本组织").click()
    assert v.memberships.get().status == Membership.Status.APPROVED
    admin.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="移出本组织").click()
    admin.wait_for_selector(".msg-success")
    assert v.memberships.get().status == Membership.Status.REMOVED
    web.check(admin, "org-member-removed")
