"""Build cards, hours and purchases straight into the tables, for the rules' tests (the card
and activity services are tested in their own apps; here only their rows matter)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from activities.models import Activity, ActivityDay, Attendance, HoursEntry
from card_service.models import CardApplication, CardSpend, CardStatus
from volunteers.models import Organisation

_seq = itertools.count(1)


def at(day: dt.date, hh: int = 10, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def card(
    volunteer,
    *,
    applied: dt.date,
    activated: dt.date | None = None,
    cancelled: dt.date | None = None,
    status: str | None = None,
    bank: str = "BOC",
    serial: int | None = None,
    card_ref: str | None = "auto",
) -> CardApplication:
    """One card application in its final state (activated / cancelled / whatever ``status``)."""
    n = next(_seq)
    if status is None:
        status = (
            CardStatus.CANCELLED if cancelled else CardStatus.ACTIVATED if activated
            else CardStatus.ACCEPTED
        )  # fmt: skip
    if serial is None:
        serial = CardApplication.objects.filter(volunteer=volunteer).count() + 1
    changed = at(cancelled or activated or applied)
    return CardApplication.objects.create(
        application_no=f"T{n:019d}"[-20:],
        volunteer=volunteer,
        card_serial=serial,
        apply_type="N" if serial == 1 else "R",
        bank_id=bank,
        product="D",
        delivery="B",
        uniform_size="L",
        photo="card_photos/test.jpg",
        photo_sha256="0" * 64,
        apply_record="{}",
        qr_payload="X",
        applied_at=at(applied, 9),
        status=status,
        status_changed_at=changed,
        card_ref=(f"REF{n:08d}" if card_ref == "auto" else card_ref),
        activated_at=at(activated) if activated else None,
        cancelled_at=at(cancelled, 11) if cancelled else None,
        cancel_reason="L" if cancelled else "",
    )


def organisation() -> Organisation:
    from volunteers.tests.factories import OrganisationFactory

    org = Organisation.objects.filter(name="保险测试组织").first()
    return org or OrganisationFactory(name="保险测试组织")


def activity(name: str = "社区义诊服务", kind: str = Activity.Kind.SERVICE) -> Activity:
    return Activity.objects.create(
        name=name,
        kind=kind,
        category=Activity.Category.choices[0][0],
        organisation=organisation(),
        contact_name="陈老师",
        contact_phone="020-12345678",
        address="广州市天河区珠江东路4号",
        city_code="440100",
        places=10,
        status=Activity.Status.PUBLISHED,
    )


def served(
    volunteer,
    day: dt.date,
    *,
    kind: str = HoursEntry.Kind.SERVICE,
    minutes: int = 120,
    name: str = "社区义诊服务",
    status: str = HoursEntry.Status.CREDITED,
    checked_in: tuple[int, int] | None = None,
) -> HoursEntry:
    """Hours on ``day`` (one new activity each call); with ``checked_in=(from_h, to_h)`` an
    attendance row from and to those hours as well."""
    act = activity(name, kind)
    aday = ActivityDay.objects.create(
        activity=act, date=day, starts_at=at(day, 9), ends_at=at(day, 12)
    )
    attendance = None
    if checked_in:
        attendance = Attendance.objects.create(
            day=aday,
            volunteer=volunteer,
            checked_in_at=at(day, checked_in[0]),
            check_in_method="activity_qr",
            checked_out_at=at(day, checked_in[1]),
            check_out_method="activity_qr",
        )
    return HoursEntry.objects.create(
        volunteer=volunteer,
        activity=act,
        day=aday,
        attendance=attendance,
        kind=kind,
        service_date=day,
        minutes=minutes,
        source=HoursEntry.Source.SCANNED,
        status=status,
        counts_from=day if status == HoursEntry.Status.CREDITED else None,
    )


def spent(app: CardApplication, day: dt.date, count: int = 1) -> CardSpend:
    n = next(_seq)
    return CardSpend.objects.create(
        bank_id=app.bank_id,
        application=app,
        event_id=f"E{n:012d}",
        event_type="SPENDS",
        day=day,
        count=count,
        city_code="440100",
    )
