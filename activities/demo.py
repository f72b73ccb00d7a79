"""Demo activities for 天河区图书馆志愿服务队 (O0001): one open for sign-up next week, and one
that took place last week where 张小明 (xiaoming) was face-checked and scanned in and out, so
his profile shows hours. Runs after volunteers.demo; running it twice changes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from activities import services
from activities.models import Activity
from volunteers.models import Organisation, Volunteer

UPCOMING = "周末亲子导读志愿服务"
PAST = "世界读书日图书整理志愿服务"


def _at(date: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hour, minute)))


def seed() -> str:
    lib = Organisation.objects.filter(code="O0001").first()
    admin = get_user_model().objects.filter(username="orgadmin").first()
    xiaoming = Volunteer.objects.filter(user__username="xiaoming").first()
    if lib is None or admin is None or xiaoming is None:
        return "skipped: run volunteers.demo first"
    made = 0
    place = {
        "address": "广州市天河区珠江新城珠江东路4号 广州图书馆",
        "city_code": "440100",
        "lat": 23.1170,
        "lng": 113.3260,
        "contact_name": "陈老师",
        "contact_phone": "020-00000000",
    }
    today = timezone.localdate()
    if not Activity.objects.filter(organisation=lib, name=UPCOMING).exists():
        start = today + dt.timedelta(days=7)
        a = services.activity_create(
            admin=admin,
            organisation=lib,
            name=UPCOMING,
            category=Activity.Category.CULTURE,
            description="在少儿阅览区为亲子家庭导读绘本，维持阅览秩序。",
            days=[(start + dt.timedelta(days=i), dt.time(9, 30), dt.time(12, 0)) for i in range(2)],
            places=20,
            **place,
        )
        services.activity_change_status(
            admin=admin, activity_id=a.pk, status=Activity.Status.PUBLISHED
        )
        made += 1
    if not Activity.objects.filter(organisation=lib, name=PAST).exists():
        day = today - dt.timedelta(days=7)
        then = _at(day, 8)
        a = services.activity_create(
            admin=admin,
            organisation=lib,
            name=PAST,
            category=Activity.Category.CULTURE,
            description="整理归架图书，引导读者。",
            days=[(day, dt.time(9, 0), dt.time(17, 0))],
            places=10,
            now=then,
            **place,
        )
        services.activity_change_status(
            admin=admin, activity_id=a.pk, status=Activity.Status.PUBLISHED, now=then
        )
        services.signup_create(volunteer=xiaoming, activity_id=a.pk, now=then)
        signup = a.signups.get(volunteer=xiaoming)
        services.signup_admit(admin=admin, signup_id=signup.pk, now=then)
        services.face_check_record(
            admin=admin, activity_id=a.pk, volunteer_id=xiaoming.pk, now=then
        )
        d = a.days.get()
        for action, at in (("in", _at(day, 8, 55)), ("out", _at(day, 16, 30))):
            services.attendance_scan_card(
                admin=admin, activity_day=d, volunteer=xiaoming, action=action, now=at
            )
        services.activity_change_status(
            admin=admin, activity_id=a.pk, status=Activity.Status.FINISHED, now=_at(day, 18)
        )
        made += 1
    return f"{made} new activities for {lib.name}; xiaoming has 7.5 h from {PAST}"
