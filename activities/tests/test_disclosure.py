"""时长公示 / 我有异议: published hours count only after the disclosure; a dispute holds an
entry out of every total until the organisation answers; the delay rules still apply."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_h
from hypothesis import strategies as st

from activities import selectors, services
from activities.disclosure import counted_q, entry_counts
from activities.models import HoursDispute, HoursEntry
from activities.selectors import volunteer_hours
from activities.tests.conftest import DAY1, at, day_of
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.models import AuditLog, Notification
from volunteers.tests.factories import UserFactory, make_volunteer

pytestmark = pytest.mark.django_db

DAYS = 7


@pytest.fixture(autouse=True)
def _disclosure(settings):
    settings.HOURS_DISCLOSURE_DAYS = DAYS


@pytest.fixture
def done(world, publish, ready):
    activity = publish(world["B"], world["admin_B"])
    ready(activity, world["xiaoming"], world["admin_B"])
    return {**world, "activity": activity}


def scan(done, volunteer=None):
    day = day_of(done["activity"])
    v = volunteer or done["xiaoming"]
    for action, hh in (("in", 9), ("out", 12)):
        services.attendance_scan_card(
            admin=done["admin_B"], activity_day=day, volunteer=v, action=action, now=at(DAY1, hh)
        )
    return HoursEntry.objects.get(volunteer=v, day=day)


def plus(n: int) -> dt.date:
    return DAY1 + dt.timedelta(days=n)


def test_scanned_hours_are_published_and_count_after_the_disclosure(done):
    entry = scan(done)
    assert (entry.published_on, entry.counts_from) == (DAY1, plus(DAYS))
    note = selectors.hours_entry_note(entry, on=plus(1))
    assert note == f"时长公示中，将于{plus(DAYS):%Y-%m-%d}起计入"
    assert volunteer_hours(done["xiaoming"], on=plus(DAYS - 1)).service == 0
    assert volunteer_hours(done["xiaoming"], on=plus(DAYS)).service == 3


def test_a_backfill_counts_from_the_later_of_the_day_after_and_the_disclosure(done, settings):
    settings.HOURS_DISCLOSURE_DAYS = 0  # the delay rule alone, as before the disclosure
    entry = services.hours_backfill(
        admin=done["admin_B"],
        activity_day=day_of(done["activity"]),
        volunteer=done["xiaoming"],
        checked_in_at=at(DAY1, 9),
        checked_out_at=at(DAY1, 11),
        reason="纸质签到表补录",
        now=at(plus(2), 15),
    )
    assert entry.counts_from == plus(3)


def test_a_dispute_holds_the_entry_out_until_rejected_then_it_counts_from_the_answer(
    done, django_capture_on_commit_callbacks
):
    entry = scan(done)
    other = make_volunteer(organisations=[done["B"]], name="李四")
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.hours_dispute_raise(
            user=other.user, entry_id=entry.pk, reason="当天未见其到场", now=at(plus(3), 10)
        )
    entry.refresh_from_db()
    assert entry.under_dispute and not entry_counts(entry, plus(30))
    assert selectors.hours_entry_note(entry, on=plus(30)) == "公示期内收到异议，组织核实前暂不计入"
    assert volunteer_hours(done["xiaoming"], on=plus(30)).service == 0
    assert AuditLog.objects.filter(action="hours_dispute_raise", target_id=str(dispute.pk)).exists()
    assert Notification.objects.filter(user=done["xiaoming"].user, text__contains="异议").exists()
    assert Notification.objects.filter(user=done["admin_B"], text__contains="时长异议").exists()
    assert Notification.objects.filter(user=other.user, text__contains="已收到").exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.hours_dispute_answer(
            admin=done["admin_B"],
            dispute_id=dispute.pk,
            uphold=False,
            answer="经核对签到表，该志愿者全程在场",
            now=at(plus(10), 9),
        )
    entry.refresh_from_db()
    assert not entry.under_dispute and entry.counts_from == plus(10)
    assert volunteer_hours(done["xiaoming"], on=plus(9)).service == 0
    assert volunteer_hours(done["xiaoming"], on=plus(10)).service == 3
    assert AuditLog.objects.filter(action="hours_dispute_answer").exists()
    assert Notification.objects.filter(user=other.user, text__contains="异议不成立").exists()


def test_an_upheld_dispute_corrects_or_removes_the_entry(done):
    entry = scan(done)
    d = services.hours_dispute_raise(
        user=done["admin_C"], entry_id=entry.pk, reason="实际只服务了1小时", now=at(plus(1), 10)
    )
    services.hours_dispute_answer(
        admin=done["admin_B"], dispute_id=d.pk, uphold=True, answer="已核实", minutes=60,
        now=at(plus(2), 10),
    )  # fmt: skip
    entry.refresh_from_db()
    d.refresh_from_db()
    assert (entry.minutes, d.minutes_before, d.minutes_after) == (60, 180, 60)
    assert volunteer_hours(done["xiaoming"], on=plus(DAYS)).service == 1

    d2 = services.hours_dispute_raise(
        user=done["admin_C"], entry_id=entry.pk, reason="照片显示当天未到场", now=at(plus(3), 10)
    )
    services.hours_dispute_answer(
        admin=done["admin_B"], dispute_id=d2.pk, uphold=True, answer="撤销", now=at(plus(4), 10)
    )
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.REJECTED and entry.counts_from is None
    assert volunteer_hours(done["xiaoming"], on=plus(60)).service == 0


def test_disputes_are_refused_outside_the_disclosure_and_without_a_reason(done):
    entry = scan(done)
    user = done["admin_C"]
    with pytest.raises(ValidationFailed):
        services.hours_dispute_raise(user=user, entry_id=entry.pk, reason="  ", now=at(plus(1), 9))
    with pytest.raises(Conflict) as exc:
        services.hours_dispute_raise(user=user, entry_id=entry.pk, reason="x", now=at(plus(7), 9))
    assert exc.value.code == "not_in_disclosure"
    services.hours_dispute_raise(user=user, entry_id=entry.pk, reason="有误", now=at(plus(1), 9))
    with pytest.raises(Conflict):
        services.hours_dispute_raise(
            user=user, entry_id=entry.pk, reason="又有误", now=at(plus(2), 9)
        )
    assert HoursDispute.objects.count() == 1


def test_only_the_publishing_organisation_answers(done):
    entry = scan(done)
    d = services.hours_dispute_raise(
        user=done["admin_C"], entry_id=entry.pk, reason="有误", now=at(plus(1), 9)
    )
    with pytest.raises(NotFound):
        services.hours_dispute_answer(
            admin=done["admin_C"], dispute_id=d.pk, uphold=False, answer="x"
        )
    with pytest.raises(PermissionDenied):
        services.hours_dispute_answer(
            admin=done["xiaoming"].user, dispute_id=d.pk, uphold=False, answer="x"
        )
    d.refresh_from_db()
    assert d.status == HoursDispute.Status.OPEN


def test_a_disputed_entry_leaves_the_service_files_and_the_insurance_service_days(done):
    """The pattern: every place that sums or tests hours filters the same predicate."""
    entry = scan(done)
    assert selectors.served_between(done["xiaoming"], DAY1, DAY1)
    services.hours_dispute_raise(
        user=done["admin_C"], entry_id=entry.pk, reason="有误", now=at(plus(1), 9)
    )
    assert not selectors.served_between(done["xiaoming"], DAY1, DAY1)
    assert not HoursEntry.objects.filter(counted_q(plus(30))).exists()
    assert selectors.volunteer_service_hours_bulk([done["xiaoming"].pk], on=plus(30)) == {
        done["xiaoming"].pk: 0
    }


# --- the timing, property-tested -----------------------------------------------------------


def expected(source, n, credit, dispute, day):
    """The rules, restated: does the entry count on ``day``?"""
    delay = credit if source == "scanned" else credit + dt.timedelta(days=1)
    start = max(delay, credit + dt.timedelta(days=n))
    if dispute is not None:
        opened, resolved, outcome = dispute
        if credit <= opened < start:  # accepted only while disclosed and not yet counting
            if resolved is None or outcome == "remove":
                return False
            start = max(start, resolved)
    return day >= start


timeline = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["scanned", "backfill", "self"]),
        "n": st.integers(0, 10),
        "credit_after": st.integers(0, 5),
        "dispute": st.none()
        | st.tuples(
            st.integers(-1, 12),
            st.none() | st.integers(0, 15),
            st.sampled_from(["reject", "correct", "remove"]),
        ),
    }
)


def test_an_entry_counts_exactly_when_the_rules_say(done, settings):
    v, admin, activity = done["xiaoming"], done["admin_B"], done["activity"]
    day = day_of(activity)
    objector = UserFactory(username="public_objector")

    @settings_h(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(timeline)
    def run(t):
        HoursDispute.objects.all().delete()
        HoursEntry.objects.all().delete()
        from activities.models import Attendance

        Attendance.objects.all().delete()
        settings.HOURS_DISCLOSURE_DAYS = t["n"]
        credit = plus(t["credit_after"]) if t["source"] != "scanned" else DAY1
        if t["source"] == "scanned":
            entry = scan(done)
        elif t["source"] == "backfill":
            entry = services.hours_backfill(
                admin=admin, activity_day=day, volunteer=v, checked_in_at=at(DAY1, 9),
                checked_out_at=at(DAY1, 12), reason="补录", now=at(credit, 15),
            )  # fmt: skip
        else:
            pending = HoursEntry.objects.create(
                volunteer=v, activity=activity, day=day, kind="service", service_date=DAY1,
                minutes=180, source="self", status="pending",
            )  # fmt: skip
            entry = services.hours_decide(
                admin=admin, entry_id=pending.pk, approve=True, now=at(credit, 15)
            )
        dispute_spec = None
        if t["dispute"] is not None:
            o, r, outcome = t["dispute"]
            opened = credit + dt.timedelta(days=o)
            resolved = None if r is None else opened + dt.timedelta(days=r)
            dispute_spec = (opened, resolved, outcome)
            try:
                d = services.hours_dispute_raise(
                    user=objector, entry_id=entry.pk, reason="有误", now=at(opened, 10)
                )
            except Conflict:
                d = None
            if d is not None and resolved is not None:
                services.hours_dispute_answer(
                    admin=admin, dispute_id=d.pk, uphold=outcome != "reject", answer="已核实",
                    minutes=90 if outcome == "correct" else None, now=at(resolved, 11),
                )  # fmt: skip
        for k in range(-1, 35):
            on = DAY1 + dt.timedelta(days=k)
            got = volunteer_hours(v, on=on).service > 0
            assert got == expected(t["source"], t["n"], credit, dispute_spec, on), (t, on)

    run()
