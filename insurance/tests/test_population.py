"""The nightly set-wise rebuild, its one-volunteer form and the plain-Python oracle agree on
a generated population with random histories: replacements, cancellations, rejections, training, pending
hours, purchases of zero, and events on and around every anniversary."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from activities.models import ActivityDay, HoursEntry
from card_service.models import CardApplication, CardSpend, CardStatus
from insurance import coverage
from insurance.coverage import anniversary, coverage_rebuild
from insurance.models import CoverageYear
from insurance.tests.helpers import activity
from insurance.tests.oracle import volunteer_coverage
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 15)
START = dt.date(2020, 1, 1)
N = 2500
S = CardStatus


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour % 24, 7)))


def _rand_day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    if hi <= lo:
        return lo
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


def generate(seed: int = 20261129, n: int = N) -> list[int]:
    rng = random.Random(seed)
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"pop{seed}_{i}") for i in range(n)], batch_size=1000
    )
    vols = Volunteer.objects.bulk_create(
        [
            Volunteer(
                user=u,
                volunteer_no=f"P{i:011d}",
                name="测试",
                surname_pinyin="CE",
                given_pinyin="SHI",
                gender="M",
                birth_date=dt.date(1990, 1, 1),
                id_type="01",
                id_number=f"X{i}",
                id_number_index=f"pop-{seed}-{i}",
                id_expiry=dt.date(2099, 1, 1),
                mobile="13800000000",
                mobile_index="m",
                city_code="440100",
            )
            for i, u in enumerate(users)
        ],
        batch_size=1000,
    )
    act = activity("随机服务活动")
    days = {}
    d = START - dt.timedelta(days=200)
    while d <= TODAY:
        days[d] = ActivityDay(activity=act, date=d, starts_at=_aware(d, 9), ends_at=_aware(d, 12))
        d += dt.timedelta(days=1)
    ActivityDay.objects.bulk_create(list(days.values()), batch_size=2000)

    apps: list[CardApplication] = []
    spends: list[tuple[int, dt.date, int]] = []  # (index into apps, day, count)
    hours: list[HoursEntry] = []
    banks = ["BOC", "ICBC", "CEB"]
    for v in vols:
        roll = rng.random()
        if roll < 0.08:
            continue  # no card at all
        if rng.random() < 0.05:
            first_act = dt.date(2024, 2, 29)
        else:
            first_act = _rand_day(rng, START, TODAY + dt.timedelta(days=20))
        never_activated = roll < 0.14
        cards = []
        applied = first_act - dt.timedelta(days=rng.randint(20, 60))
        activated: dt.date | None = None if never_activated else first_act
        serial = 1
        while True:
            cancelled = None
            status = S.ACTIVATED if activated else rng.choice([S.ACCEPTED, S.PRODUCED, S.SENT])
            if activated and rng.random() < 0.35:
                cancelled = _rand_day(rng, activated, TODAY)
                if rng.random() < 0.2:  # cancelled exactly around an anniversary
                    k = max(1, (cancelled - first_act).days // 365)
                    cancelled = anniversary(first_act, k) - dt.timedelta(days=rng.choice([0, 1, 2]))
                    cancelled = min(max(cancelled, activated), TODAY)
                status = S.CANCELLED
            changed = cancelled or activated or applied
            cards.append((serial, applied, activated, cancelled, status, changed))
            if cancelled is None or rng.random() < 0.3 or serial >= 4:
                break
            serial += 1
            applied = cancelled + dt.timedelta(days=rng.randint(3, 90))
            if applied > TODAY:
                break
            fate = rng.random()
            if fate < 0.1:  # rejected or withdrawn, then perhaps another try
                term = applied + dt.timedelta(days=rng.randint(1, 30))
                cards.append(
                    (serial, applied, None, None, rng.choice([S.REJECTED, S.WITHDRAWN]), term)
                )
                serial += 1
                applied = term + dt.timedelta(days=1)
            activated = applied + dt.timedelta(days=rng.randint(10, 60))
            if activated > TODAY or fate > 0.9:
                activated = None
        for serial, applied, activated, cancelled, status, changed in cards:
            if status != S.ACTIVATED and status != S.CANCELLED and activated:
                status = S.ACTIVATED
            if changed > TODAY + dt.timedelta(days=60):
                changed = TODAY
            apps.append(
                CardApplication(
                    application_no=f"P{v.pk:012d}{serial:02d}",
                    volunteer=v,
                    card_serial=serial,
                    apply_type="N" if serial == 1 else "R",
                    bank_id=rng.choice(banks),
                    product="D",
                    delivery="B",
                    uniform_size="L",
                    photo="card_photos/t.jpg",
                    photo_sha256="0" * 64,
                    apply_record="{}",
                    qr_payload="X",
                    applied_at=_aware(applied, rng.choice([1, 9, 17, 23])),
                    status=status,
                    status_changed_at=_aware(changed, rng.choice([0, 11, 23])),
                    card_ref=None
                    if status in (S.SENT, S.REJECTED, S.WITHDRAWN)
                    else f"R{v.pk:010d}{serial:02d}",
                    activated_at=_aware(activated, rng.choice([0, 8, 15, 23]))
                    if activated
                    else None,
                    cancelled_at=_aware(cancelled, rng.choice([0, 12, 23])) if cancelled else None,
                )
            )
            if activated:
                end = min(cancelled or TODAY, TODAY)
                for _ in range(rng.randint(0, 4)):
                    day = _rand_day(rng, activated, end)
                    if rng.random() < 0.3:  # on or next to an anniversary
                        k = rng.randint(1, 7)
                        day = anniversary(first_act, k) - dt.timedelta(days=rng.choice([0, 1]))
                        if not activated <= day <= end:
                            continue
                    spends.append((len(apps) - 1, day, 0 if rng.random() < 0.05 else 2))
        used: set[dt.date] = set()
        for _ in range(rng.randint(0, 5)):
            day = _rand_day(rng, first_act - dt.timedelta(days=100), TODAY)
            if rng.random() < 0.3:
                day = anniversary(first_act, rng.randint(1, 6)) - dt.timedelta(
                    days=rng.choice([0, 1])
                )
            if day in used or day not in days:
                continue
            used.add(day)
            credited = rng.random() < 0.85
            hours.append(
                HoursEntry(
                    volunteer=v,
                    activity=act,
                    day=days[day],
                    kind=HoursEntry.Kind.SERVICE
                    if rng.random() < 0.75
                    else HoursEntry.Kind.TRAINING,
                    service_date=day,
                    minutes=0 if rng.random() < 0.05 else rng.randint(30, 480),
                    source=HoursEntry.Source.SCANNED,
                    status=HoursEntry.Status.CREDITED if credited else HoursEntry.Status.PENDING,
                    counts_from=day if credited else None,
                )
            )
    CardApplication.objects.bulk_create(apps, batch_size=1000)
    CardSpend.objects.bulk_create(
        [
            CardSpend(
                bank_id=apps[i].bank_id,
                application=apps[i],
                event_id=f"PE{j:010d}",
                event_type="SPENDS",
                day=day,
                count=count,
                city_code="440100",
            )
            for j, (i, day, count) in enumerate(spends)
        ],
        batch_size=2000,
    )
    HoursEntry.objects.bulk_create(hours, batch_size=2000)
    return [v.pk for v in vols]


def test_setwise_and_per_volunteer_agree_on_a_random_population():
    ids = generate()
    rows = coverage_rebuild(today=TODAY)
    table = defaultdict(list)
    for r in CoverageYear.objects.order_by("volunteer_id", "year_index"):
        table[r.volunteer_id].append(
            (r.year_index, r.starts_on, r.ends_on, r.covered, r.reason, r.qualifying_date)
        )
    mismatches = []
    total = 0
    for vid in ids:
        expected = [y.key() for y in volunteer_coverage(vid, today=TODAY)]
        total += len(expected)
        if table.get(vid, []) != expected:
            mismatches.append((vid, expected, table.get(vid)))
    assert not mismatches[:3]
    assert rows == total
    for vid in ids[:40]:  # the hotline's live read: the same statement for one volunteer
        assert [y.key() for y in coverage.volunteer_coverage(vid, today=TODAY)] == table.get(
            vid, []
        )
    # A bank file's refresh of many volunteers at once, in chunks: the same rows, and the
    # other volunteers' rows untouched.
    nightly = list(CoverageYear.objects.order_by("volunteer_id", "year_index").values_list(
        "volunteer_id", "year_index", "starts_on", "ends_on", "covered", "reason",
        "qualifying_date"))  # fmt: skip
    some = ids[::3]
    CoverageYear.objects.filter(volunteer_id__in=some).update(covered=False, reason="no_card")
    with mock.patch.object(coverage, "REFRESH_CHUNK", 7):
        coverage.coverage_volunteers_refresh(some, today=TODAY)
    assert list(CoverageYear.objects.order_by("volunteer_id", "year_index").values_list(
        "volunteer_id", "year_index", "starts_on", "ends_on", "covered", "reason",
        "qualifying_date")) == nightly  # fmt: skip
    reasons = set(CoverageYear.objects.values_list("reason", flat=True))
    # The population exercises every rule.
    assert reasons == set(CoverageYear.Reason.values)
