"""Attendance: the three ways to check in and out, per day, and the manual's failures."""

import datetime as dt

import pytest

from activities import qr, services
from activities.models import Activity, Attendance, HoursEntry
from activities.selectors import volunteer_hours
from activities.tests.conftest import DAY1, PLACE, at, day_of
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(world, publish, ready):
    activity = publish(world["B"], world["admin_B"], days=3)
    ready(activity, world["xiaoming"], world["admin_B"])
    return {**world, "activity": activity}


def scan(s, action, when, n=0):
    day = day_of(s["activity"], n)
    code = qr.make_code(activity_id=s["activity"].pk, day_id=day.pk, action=action, at=when)
    return services.attendance_scan_activity_qr(volunteer=s["xiaoming"], code=code, now=when)


def card(s, action, when, n=0, admin="admin_B"):
    return services.attendance_scan_card(
        admin=s[admin],
        activity_day=day_of(s["activity"], n),
        volunteer=s["xiaoming"],
        action=action,
        now=when,
    )


def test_check_out_without_check_in_fails_with_the_manuals_message(setting):
    with pytest.raises(Conflict) as exc:
        scan(setting, "out", at(DAY1, 12))
    assert exc.value.message == "尚未签到，考勤失败"
    with pytest.raises(Conflict) as exc:
        card(setting, "out", at(DAY1, 12))
    assert exc.value.message == "尚未签到，考勤失败"
    assert not HoursEntry.objects.exists()


def test_a_second_check_out_fails_with_the_same_message(setting):
    scan(setting, "in", at(DAY1, 8, 55))
    scan(setting, "out", at(DAY1, 12, 5))
    with pytest.raises(Conflict) as exc:
        scan(setting, "out", at(DAY1, 12, 10))
    assert exc.value.message == "尚未签到，考勤失败"
    assert HoursEntry.objects.get().minutes == 180


def test_a_second_check_in_is_refused(setting):
    scan(setting, "in", at(DAY1, 8, 55))
    with pytest.raises(Conflict, match="请勿重复签到"):
        card(setting, "in", at(DAY1, 9, 5))


def test_scanned_hours_count_at_once_and_are_clamped_to_the_schedule(setting):
    scan(setting, "in", at(DAY1, 8, 0, 30))  # before the start: counts from 09:00
    scan(setting, "out", at(DAY1, 11, 30))
    entry = HoursEntry.objects.get()
    assert (entry.minutes, entry.status, entry.source) == (150, "credited", "scanned")
    assert entry.counts_from == DAY1
    assert volunteer_hours(setting["xiaoming"], on=DAY1).service_scanned == 2.5
    setting["activity"].refresh_from_db()
    assert setting["activity"].status == Activity.Status.ONGOING  # the first check-in started it


def test_a_three_day_activity_with_one_missing_day_counts_two_days(setting):
    for n in (0, 2):
        d = DAY1 + dt.timedelta(days=n)
        scan(setting, "in", at(d, 9), n=n)
        scan(setting, "out", at(d, 12), n=n)
    # day 2: checked in, never out — and checking out on day 3 for day 2 is impossible
    day2 = DAY1 + dt.timedelta(days=1)
    card(setting, "in", at(day2, 9), n=1)
    totals = volunteer_hours(setting["xiaoming"], on=DAY1 + dt.timedelta(days=3))
    assert totals.service == 6
    assert HoursEntry.objects.count() == 2


def test_checking_in_on_day_one_and_out_on_day_three_fails(setting):
    scan(setting, "in", at(DAY1, 9))
    with pytest.raises(Conflict, match="尚未签到，考勤失败"):
        scan(setting, "out", at(DAY1 + dt.timedelta(days=2), 12), n=2)
    with pytest.raises(ValidationFailed) as exc:  # day one's code, two days later
        card(setting, "out", at(DAY1 + dt.timedelta(days=2), 12), n=0)
    assert exc.value.code == "outside_window"


def test_an_expired_activity_qr_is_refused(setting):
    day = day_of(setting["activity"])
    code = qr.make_code(
        activity_id=setting["activity"].pk, day_id=day.pk, action="in", at=at(DAY1, 9)
    )
    # Still good in the next minute's slot…
    services.attendance_scan_activity_qr(
        volunteer=setting["xiaoming"], code=code, now=at(DAY1, 9, 1, 30)
    )
    Attendance.objects.all().delete()
    # …but a photo of it is useless two minutes later, and the next day.
    for later in (at(DAY1, 9, 2, 0), at(DAY1 + dt.timedelta(days=1), 9)):
        with pytest.raises(qr.ActivityQrExpired) as exc:
            services.attendance_scan_activity_qr(
                volunteer=setting["xiaoming"], code=code, now=later
            )
        assert "已过期" in exc.value.message
    assert not Attendance.objects.exists()


def test_a_tampered_activity_qr_is_refused(setting):
    day = day_of(setting["activity"])
    code = qr.make_code(
        activity_id=setting["activity"].pk, day_id=day.pk, action="in", at=at(DAY1, 9)
    )
    forged = code.replace(".I.", ".O.")
    with pytest.raises(qr.ActivityQrInvalid):
        services.attendance_scan_activity_qr(
            volunteer=setting["xiaoming"], code=forged, now=at(DAY1, 9)
        )


def test_a_volunteer_who_was_not_admitted_cannot_check_in(setting):
    from volunteers.tests.factories import make_volunteer

    stranger = make_volunteer(organisations=[setting["B"]])
    day = day_of(setting["activity"])
    code = qr.make_code(
        activity_id=setting["activity"].pk, day_id=day.pk, action="in", at=at(DAY1, 9)
    )
    with pytest.raises(PermissionDenied) as exc:
        services.attendance_scan_activity_qr(volunteer=stranger, code=code, now=at(DAY1, 9))
    assert exc.value.code == "not_admitted"


def test_card_scan_by_an_admin_of_another_organisation_is_not_found(setting):
    with pytest.raises(NotFound):
        card(setting, "in", at(DAY1, 9), admin="admin_C")
    card(setting, "in", at(DAY1, 9), admin="admin_A")  # A is above B: allowed
    assert Attendance.objects.get().check_in_method == "card_scan"


def test_without_the_face_check_no_hours_are_credited_and_the_volunteer_is_told_why(
    world, publish, ready, client_for
):
    activity = publish(world["B"], world["admin_B"])
    ready(activity, world["xiaoming"], world["admin_B"], face_check=False)
    s = {**world, "activity": activity}
    card(s, "in", at(DAY1, 9))
    card(s, "out", at(DAY1, 12))
    entry = HoursEntry.objects.get()
    assert entry.status == HoursEntry.Status.WITHHELD
    assert entry.reason == "未完成面验，时长暂不计入"
    assert volunteer_hours(world["xiaoming"], on=DAY1 + dt.timedelta(days=30)).service == 0
    r = client_for(world["xiaoming"].user).get("/api/activities/me/hours/entries/")
    assert r.data["results"][0]["note"] == "未完成面验，时长暂不计入"


@pytest.fixture
def marathon(world, publish, ready):
    activity = publish(
        world["B"], world["admin_B"], places=200, self_checkin=True, checkin_radius_m=300
    )
    ready(activity, world["xiaoming"], world["admin_B"])
    return {**world, "activity": activity}


def self_att(s, action, when, *, north_m=0.0):
    # 1 degree of latitude is about 111.2 km.
    return services.attendance_self(
        volunteer=s["xiaoming"],
        activity_id=s["activity"].pk,
        action=action,
        lat=PLACE["lat"] + north_m / 111_195,
        lng=PLACE["lng"],
        now=when,
    )


def test_self_check_in_outside_the_radius_is_refused(marathon):
    with pytest.raises(ValidationFailed) as exc:
        self_att(marathon, "in", at(DAY1, 9), north_m=400)
    assert exc.value.code == "outside_radius"
    assert "300米以内" in exc.value.message
    self_att(marathon, "in", at(DAY1, 9), north_m=250)
    assert Attendance.objects.get().check_in_method == "self"


def test_self_check_in_outside_the_window_is_refused(marathon):
    with pytest.raises(ValidationFailed) as exc:
        self_att(marathon, "in", at(DAY1, 7, 59))  # the window opens 60 minutes before 09:00
    assert exc.value.code == "outside_window"
    with pytest.raises(ValidationFailed):
        self_att(marathon, "in", at(DAY1, 13, 1))  # and closes 60 minutes after 12:00
    self_att(marathon, "in", at(DAY1, 8, 0))


def test_self_check_in_is_refused_where_not_enabled(setting):
    with pytest.raises(Conflict) as exc:
        self_att(setting, "in", at(DAY1, 9))
    assert exc.value.code == "self_checkin_disabled"


def test_self_check_in_hours_wait_for_approval_and_count_from_the_next_day(marathon):
    self_att(marathon, "in", at(DAY1, 9))
    self_att(marathon, "out", at(DAY1, 12))
    entry = HoursEntry.objects.get()
    assert (entry.status, entry.source, entry.minutes) == ("pending", "self", 180)
    assert volunteer_hours(marathon["xiaoming"], on=DAY1 + dt.timedelta(days=5)).service == 0
    approved_on = DAY1 + dt.timedelta(days=2)
    services.hours_decide(
        admin=marathon["admin_B"], entry_id=entry.pk, approve=True, now=at(approved_on, 10)
    )
    assert volunteer_hours(marathon["xiaoming"], on=approved_on).service == 0
    totals = volunteer_hours(marathon["xiaoming"], on=approved_on + dt.timedelta(days=1))
    assert (totals.service, totals.service_backfilled, totals.service_scanned) == (3, 3, 0)
