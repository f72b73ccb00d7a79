"""Property: whatever sequence of check-ins and check-outs happens on a day, its hours are
never negative and never more than the day's scheduled time."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities import services
from activities.models import Attendance, HoursEntry
from activities.services import overlap_minutes
from activities.tests.conftest import DAY1, at, day_of
from core.errors import ServiceError

pytestmark = pytest.mark.django_db

BASE = at(DAY1, 0)
# Offsets in seconds over the whole day and beyond, so events fall before, inside and after
# the window as well as the schedule.
offsets = st.one_of(
    st.integers(min_value=7 * 3600, max_value=14 * 3600),
    st.integers(min_value=0, max_value=26 * 3600),
)
events = st.lists(st.tuples(st.sampled_from(["in", "out"]), offsets), max_size=8)


def test_any_sequence_of_check_ins_and_outs_gives_hours_within_the_schedule(world, publish, ready):
    activity = publish(world["B"], world["admin_B"], days=2)
    ready(activity, world["xiaoming"], world["admin_B"])
    day = day_of(activity)
    scheduled = day.scheduled_minutes

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(events)
    def run(seq):
        Attendance.objects.all().delete()
        HoursEntry.objects.all().delete()
        for action, offset in seq:
            try:
                services.attendance_scan_card(
                    admin=world["admin_B"],
                    activity_day=day,
                    volunteer=world["xiaoming"],
                    action=action,
                    now=BASE + dt.timedelta(seconds=offset),
                )
            except ServiceError:
                pass
        entries = list(HoursEntry.objects.all())
        assert len(entries) <= 1
        for e in entries:
            assert 0 <= e.minutes <= scheduled

    run()


@given(
    st.datetimes(min_value=dt.datetime(2030, 1, 1), max_value=dt.datetime(2030, 1, 3)),
    st.datetimes(min_value=dt.datetime(2030, 1, 1), max_value=dt.datetime(2030, 1, 3)),
    st.integers(min_value=0, max_value=24 * 60),
    st.integers(min_value=1, max_value=24 * 60),
)
def test_overlap_is_never_negative_nor_more_than_scheduled(check_in, check_out, start_min, length):
    start = dt.datetime(2030, 1, 2) + dt.timedelta(minutes=start_min - 12 * 60)
    end = start + dt.timedelta(minutes=length)
    assert 0 <= overlap_minutes(check_in, check_out, start, end) <= length
