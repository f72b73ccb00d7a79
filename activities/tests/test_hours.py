"""Hours: delayed hours count from the day after approval, training stays apart, star levels,
and the set-wise selectors other apps call."""

import datetime as dt
from decimal import Decimal

import pytest

from activities import selectors, services
from activities.models import Activity, HoursEntry
from activities.selectors import star_level, volunteer_hours
from activities.tests.conftest import DAY1, at, day_of
from core.errors import Conflict, ValidationFailed
from volunteers.models import Volunteer
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def attend(activity, volunteer, admin, *, n=0, start=(9, 0), end=(12, 0)):
    day = day_of(activity, n)
    services.attendance_scan_card(
        admin=admin, activity_day=day, volunteer=volunteer, action="in", now=at(day.date, *start)
    )
    services.attendance_scan_card(
        admin=admin, activity_day=day, volunteer=volunteer, action="out", now=at(day.date, *end)
    )


@pytest.fixture
def done(world, publish, ready):
    """An activity on DAY1 that 小明 was admitted to and face-checked for."""
    activity = publish(world["B"], world["admin_B"])
    ready(activity, world["xiaoming"], world["admin_B"])
    return {**world, "activity": activity}


def test_backfilled_hours_approved_today_count_tomorrow_not_today(done):
    approved = DAY1 + dt.timedelta(days=3)
    entry = services.hours_backfill(
        admin=done["admin_B"],
        activity_day=day_of(done["activity"]),
        volunteer=done["xiaoming"],
        checked_in_at=at(DAY1, 9),
        checked_out_at=at(DAY1, 11),
        reason="现场网络故障，按纸质签到表补录",
        now=at(approved, 15),
    )
    assert entry.counts_from == approved + dt.timedelta(days=1)
    assert entry.approved_by == done["admin_B"]
    assert volunteer_hours(done["xiaoming"], on=approved).service == 0
    tomorrow = volunteer_hours(done["xiaoming"], on=approved + dt.timedelta(days=1))
    assert (tomorrow.service, tomorrow.service_backfilled) == (2, 2)


def test_backfill_with_the_clock_moved(done, monkeypatch):
    """The same rule through ``timezone.now()``, as production calls it."""
    from django.utils import timezone

    approved = DAY1 + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: at(approved, 23, 59))
    services.hours_backfill(
        admin=done["admin_B"],
        activity_day=day_of(done["activity"]),
        volunteer=done["xiaoming"],
        checked_in_at=at(DAY1, 9),
        checked_out_at=at(DAY1, 12),
        reason="补录",
    )
    assert volunteer_hours(done["xiaoming"]).service == 0
    monkeypatch.setattr(timezone, "now", lambda: at(approved + dt.timedelta(days=1), 0, 0))
    assert volunteer_hours(done["xiaoming"]).service == 3


def test_backfill_needs_a_reason_and_refuses_a_second_entry(done):
    kwargs = dict(
        admin=done["admin_B"],
        activity_day=day_of(done["activity"]),
        volunteer=done["xiaoming"],
        checked_in_at=at(DAY1, 9),
        checked_out_at=at(DAY1, 12),
        now=at(DAY1, 18),
    )
    with pytest.raises(ValidationFailed, match="补录原因"):
        services.hours_backfill(reason="  ", **kwargs)
    attend(done["activity"], done["xiaoming"], done["admin_B"])
    with pytest.raises(Conflict):
        services.hours_backfill(reason="重复", **kwargs)


def test_backfill_closes_a_day_that_was_never_checked_out(done):
    day = day_of(done["activity"])
    services.attendance_scan_card(
        admin=done["admin_B"],
        activity_day=day,
        volunteer=done["xiaoming"],
        action="in",
        now=at(DAY1, 9, 30),
    )
    entry = services.hours_backfill(
        admin=done["admin_B"],
        activity_day=day,
        volunteer=done["xiaoming"],
        checked_in_at=at(DAY1, 9),
        checked_out_at=at(DAY1, 12),
        reason="忘记签退",
        now=at(DAY1, 18),
    )
    assert entry.minutes == 150  # the real check-in stands
    assert entry.attendance.check_out_method == "backfill"


def test_training_hours_never_reach_service_hours(world, publish, ready):
    training = publish(world["B"], world["admin_B"], kind=Activity.Kind.TRAINING, name="急救培训")
    ready(training, world["xiaoming"], world["admin_B"])
    attend(training, world["xiaoming"], world["admin_B"])
    totals = volunteer_hours(world["xiaoming"], on=DAY1)
    assert totals.training == 3
    assert totals.service == totals.service_scanned == totals.service_backfilled == 0
    assert selectors.volunteer_service_hours_bulk([world["xiaoming"].pk], on=DAY1) == {
        world["xiaoming"].pk: Decimal("0.0")
    }
    assert not selectors.served_between(world["xiaoming"], DAY1, DAY1)


@pytest.mark.parametrize(
    ("hours", "stars"),
    [
        (Decimal("0"), 0),
        (Decimal("99.9"), 0),
        (Decimal("100.0"), 1),
        (Decimal("299.9"), 1),
        (Decimal("300.0"), 2),
        (600, 3),
        (Decimal("999.9"), 3),
        (1000, 4),
        (Decimal("1499.9"), 4),
        (1500, 5),
        (99999, 5),
    ],
)
def test_star_level_thresholds(hours, stars):
    assert star_level(hours) == stars


def test_the_star_level_changes_at_exactly_100_hours_of_service(done):
    HoursEntry.objects.create(
        volunteer=done["xiaoming"], activity=done["activity"], day=day_of(done["activity"]),
        kind="service", service_date=DAY1, minutes=100 * 60 - 1, source="scanned",
        status="credited", counts_from=DAY1,
    )  # fmt: skip
    totals = volunteer_hours(done["xiaoming"], on=DAY1)
    assert totals.service == Decimal("99.9") and totals.star_level == 0  # 99 h 59 min: not yet
    HoursEntry.objects.update(minutes=100 * 60)
    totals = volunteer_hours(done["xiaoming"], on=DAY1)
    assert totals.service == Decimal("100.0") and totals.star_level == 1
    assert selectors.volunteer_star_level(done["xiaoming"], on=DAY1) == 1
    assert selectors.volunteer_star_level(done["xiaoming"], on=DAY1 - dt.timedelta(days=1)) == 0


def test_bulk_hours_and_the_annotation_agree(done, django_assert_max_num_queries):
    other = make_volunteer(organisations=[done["B"]])
    idle = make_volunteer(organisations=[done["B"]])
    services.signup_create(volunteer=other, activity_id=done["activity"].pk, now=at(DAY1, 7))
    from activities.models import SignUp

    services.signup_admit(admin=done["admin_B"], signup_id=SignUp.objects.get(volunteer=other).pk)
    services.face_check_record(
        admin=done["admin_B"], activity_id=done["activity"].pk, volunteer_id=other.pk
    )
    attend(done["activity"], done["xiaoming"], done["admin_B"])
    attend(done["activity"], other, done["admin_B"], start=(10, 0))
    ids = [done["xiaoming"].pk, other.pk, idle.pk]
    with django_assert_max_num_queries(1):
        bulk = selectors.volunteer_service_hours_bulk(ids, on=DAY1)
    assert bulk == {done["xiaoming"].pk: 3, other.pk: 2, idle.pk: 0}
    with django_assert_max_num_queries(1):
        annotated = dict(
            Volunteer.objects.filter(pk__in=ids)
            .annotate(m=selectors.service_minutes_subquery(on=DAY1))
            .values_list("pk", "m")
        )
    assert annotated == {done["xiaoming"].pk: 180, other.pk: 120, idle.pk: 0}
    assert (
        selectors.volunteer_service_hours_bulk(ids, on=DAY1 - dt.timedelta(days=1))[other.pk] == 0
    )


def test_served_between_by_volunteer_by_set_and_as_an_annotation(done):
    attend(done["activity"], done["xiaoming"], done["admin_B"])
    v = done["xiaoming"]
    assert selectors.served_between(v, DAY1, DAY1)
    assert not selectors.served_between(
        v, DAY1 + dt.timedelta(days=1), DAY1 + dt.timedelta(days=365)
    )
    assert selectors.volunteers_served_between(None, DAY1 - dt.timedelta(days=1), DAY1) == {v.pk}
    assert selectors.volunteers_served_between([v.pk + 999], DAY1, DAY1) == set()
    from django.db.models import DateField, OuterRef, Value

    # Each row may bring its own range (insurance: each volunteer's coverage year).
    rows = dict(
        Volunteer.objects.annotate(
            y0=Value(DAY1 - dt.timedelta(days=364), output_field=DateField()),
            y1=Value(DAY1, output_field=DateField()),
        )
        .annotate(served=selectors.service_exists(start=OuterRef("y0"), end=OuterRef("y1")))
        .values_list("pk", "served")
    )
    assert rows[v.pk] is True
    before = Volunteer.objects.annotate(
        served=selectors.service_exists(
            start=DAY1 - dt.timedelta(days=9), end=DAY1 - dt.timedelta(days=1)
        )
    )
    assert before.get(pk=v.pk).served is False


def test_attendance_at_finds_the_activity_and_the_travel_window(done):
    attend(done["activity"], done["xiaoming"], done["admin_B"], start=(9, 0), end=(11, 0))
    v = done["xiaoming"]
    m = selectors.attendance_at(v, at(DAY1, 10))
    assert m is not None and m.during and m.activity_name == "3D手绘公益活动" and m.day == DAY1
    assert m.checked_in_at == at(DAY1, 9) and m.checked_out_at == at(DAY1, 11)
    assert selectors.attendance_at(v, at(DAY1, 11, 30)) is None
    travel = selectors.attendance_at(v.pk, at(DAY1, 11, 30), dt.timedelta(hours=1))
    assert travel is not None and not travel.during
    assert selectors.attendance_at(v, at(DAY1, 8, 30), dt.timedelta(hours=1)) is not None
    assert selectors.attendance_at(v, at(DAY1, 7, 59), dt.timedelta(hours=1)) is None


def test_attendance_at_takes_an_open_day_to_its_scheduled_end(done):
    services.attendance_scan_card(
        admin=done["admin_B"], activity_day=day_of(done["activity"]), volunteer=done["xiaoming"],
        action="in", now=at(DAY1, 9),
    )  # fmt: skip
    assert selectors.attendance_at(done["xiaoming"], at(DAY1, 11, 59)).checked_out_at is None
    assert selectors.attendance_at(done["xiaoming"], at(DAY1, 12, 1)) is None
