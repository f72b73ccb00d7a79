"""The working-day calendar table: operations enter a year's State Council notice in the
admin, the reapply wait follows it at once, the seeded years are the package's, and a
missing year raises an alert from 1 December."""

from __future__ import annotations

import datetime as dt
from datetime import date

import chinese_calendar
import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.test import Client

from bank_adapters.models import Alert
from core import workdays
from core.models import AuditLog, WorkCalendarDay, WorkCalendarYear
from core.tasks import working_day_calendar_check
from core.workdays import calendar_check, earliest_reapply_date, is_working_day
from volunteers.roles import OPERATIONS_GROUP

pytestmark = pytest.mark.django_db

HOLIDAY, WORKDAY = WorkCalendarDay.Kind.HOLIDAY, WorkCalendarDay.Kind.WORKDAY


def load_2027(*days: tuple[date, str, str]) -> WorkCalendarYear:
    row = WorkCalendarYear.objects.create(
        year=2027, notice="国务院办公厅关于2027年部分节假日安排的通知"
    )
    for d, kind, name in days:
        WorkCalendarDay.objects.create(calendar=row, date=d, kind=kind, name=name)
    return row


@pytest.fixture
def ops_client() -> Client:
    user = User.objects.create_user("ops1", password="x", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=OPERATIONS_GROUP)[0])
    c = Client()
    c.force_login(user)
    return c


def admin_post(days: list[tuple[str, str, str]]) -> dict[str, str]:
    data = {
        "year": "2027",
        "notice": "国办发明电〔2026〕X号",
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (d, kind, name) in enumerate(days):
        data |= {f"days-{i}-date": d, f"days-{i}-kind": kind, f"days-{i}-name": name}
    return data


def test_a_2027_holiday_entered_in_the_admin_changes_the_reapply_date(ops_client):
    # Cancelled Thu 4 Feb 2027. Weekdays only: Fri 5, Mon 8, Tue 9 → Wednesday 10 Feb.
    assert earliest_reapply_date(date(2027, 2, 4)) == date(2027, 2, 10)
    spring_festival = [(f"2027-02-{d:02d}", HOLIDAY, "春节") for d in range(6, 15)]
    r = ops_client.post("/admin/core/workcalendaryear/add/", admin_post(spring_festival))
    assert r.status_code == 302, r.content.decode()[:2000]
    # Fri 5 counts, 6–14 Feb are the holiday, then Mon 15, Tue 16 → Wednesday 17 Feb, at once
    # in this process (the cached "2027 not loaded" was dropped by the edit).
    assert earliest_reapply_date(date(2027, 2, 4)) == date(2027, 2, 17)
    assert is_working_day(date(2027, 2, 10)) is False
    assert AuditLog.objects.filter(
        action="work_calendar_add", target_id=str(WorkCalendarYear.objects.get(year=2027).pk)
    ).exists()


def test_a_make_up_working_day_counts():
    # Cancelled Fri 19 Feb 2027; weekdays only: Mon 22, Tue 23, Wed 24 → Thursday 25 Feb.
    assert earliest_reapply_date(date(2027, 2, 19)) == date(2027, 2, 25)
    load_2027((date(2027, 2, 20), WORKDAY, "春节"))
    # The make-up Saturday 20 Feb counts: Sat 20, Mon 22, Tue 23 → Wednesday 24 Feb.
    assert is_working_day(date(2027, 2, 20)) is True
    assert earliest_reapply_date(date(2027, 2, 19)) == date(2027, 2, 24)


def test_editing_a_day_in_the_admin_moves_the_date_at_once(ops_client):
    row = load_2027((date(2027, 10, 4), HOLIDAY, "国庆节"))
    assert is_working_day(date(2027, 10, 4)) is False
    listing = ops_client.get("/admin/core/workcalendaryear/").content.decode()
    assert "国务院办公厅关于2027年部分节假日安排的通知" in listing and "调休上班天数" in listing
    assert ops_client.get(f"/admin/core/workcalendaryear/{row.pk}/change/").status_code == 200
    day = row.days.get()
    data = admin_post([]) | {
        "days-TOTAL_FORMS": "1",
        "days-INITIAL_FORMS": "1",
        "days-0-id": str(day.pk),
        "days-0-calendar": str(row.pk),
        "days-0-date": "2027-10-04",
        "days-0-kind": HOLIDAY,
        "days-0-name": "国庆节",
        "days-0-DELETE": "on",
    }
    r = ops_client.post(f"/admin/core/workcalendaryear/{row.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert is_working_day(date(2027, 10, 4)) is True


def test_the_admin_refuses_a_make_up_day_on_a_weekday_and_a_date_of_another_year(ops_client):
    r = ops_client.post(
        "/admin/core/workcalendaryear/add/",
        admin_post([("2027-02-19", WORKDAY, "春节"), ("2025-02-20", HOLIDAY, "春节")]),
    )
    assert r.status_code == 200
    text = r.content.decode()
    assert "调休上班日应为周六或周日" in text
    assert "日期应在2027年内" in text
    assert not WorkCalendarYear.objects.filter(year=2027).exists()
    # December of the year before is allowed (the 2012 notice made 2011-12-31 a working day).
    row = WorkCalendarYear.objects.create(year=2028)
    WorkCalendarDay(calendar=row, date=date(2027, 12, 25), kind=WORKDAY).full_clean()
    with pytest.raises(ValidationError):
        WorkCalendarDay(calendar=row, date=date(2027, 11, 27), kind=WORKDAY).full_clean()


def test_the_seeded_years_agree_with_the_package():
    known = workdays.package_calendar()
    assert min(known) == 2004 and max(known) >= 2026
    assert set(WorkCalendarYear.objects.values_list("year", flat=True)) >= set(known)
    for year in known:
        d = date(year, 1, 1)
        while d.year == year:
            assert is_working_day(d) is chinese_calendar.is_workday(d), d
            d += dt.timedelta(days=1)
    assert WorkCalendarDay.objects.get(date=date(2026, 2, 14)).name == "春节"
    assert WorkCalendarDay.objects.get(date=date(2025, 10, 1)).get_kind_display() == "放假"


def test_the_alert_fires_on_1_december_without_next_years_calendar():
    assert calendar_check(today=date(2026, 11, 30)) == []
    assert not Alert.objects.exists()
    assert calendar_check(today=date(2026, 12, 1)) == [2027]
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.CALENDAR_MISSING
    assert alert.message.startswith("2027年的节假日安排尚未录入")
    # Every day after that: the open alert stands, no second one.
    assert calendar_check(today=date(2026, 12, 2)) == [2027]
    assert Alert.objects.count() == 1


def test_no_alert_when_next_year_is_loaded():
    load_2027((date(2027, 2, 8), HOLIDAY, "春节"))
    assert calendar_check(today=date(2026, 12, 1)) == []
    assert not Alert.objects.exists()


def test_a_missing_current_year_alerts_whatever_the_month():
    WorkCalendarYear.objects.filter(year=2026).delete()
    assert calendar_check(today=date(2026, 3, 2)) == [2026]
    assert Alert.objects.get().message.startswith("2026年")


def test_the_daily_beat_task_runs_the_check(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["working-day-calendar-check"]
    assert entry["task"] == working_day_calendar_check.name
    WorkCalendarYear.objects.filter(year__gte=2026).delete()
    missing = working_day_calendar_check.apply().get()
    assert dt.date.today().year in missing
    assert Alert.objects.filter(kind=Alert.Kind.CALENDAR_MISSING).exists()
