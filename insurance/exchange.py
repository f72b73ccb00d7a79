"""The monthly SERVICE file (bank-interface.md 4.5): per bank, the cardholders who served in
the month before, for the insurance renewal; and the banks' POLICY files. The file types
insurance registers in its ``AppConfig.ready``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.utils import timezone

from activities.disclosure import counted_q
from activities.models import HoursEntry
from bank_adapters.exchange import FileSpec, Outbound
from bank_adapters.models import Batch, PartnerFile
from bank_adapters.records import PolicyRecord, ServiceRecord
from card_service.models import OPEN_STATUSES, CardApplication
from insurance.services import policy_record_apply

FILE_TYPE = "SERVICE"


def previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month before ``day``."""
    end = day.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def month_batch_exists(partner: str, day: dt.date, *, exclude: int | None = None) -> bool:
    """Has a SERVICE batch for ``partner`` already been made in ``day``'s month?"""
    qs = Batch.objects.filter(
        partner=partner,
        file_type=FILE_TYPE,
        business_date__gte=day.replace(day=1),
        business_date__lte=day,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def service_records(partner: str, start: dt.date, end: dt.date) -> list[ServiceRecord]:
    """The SERVICE records for ``partner``: volunteers whose current card (open, with the
    bank's card reference) is at ``partner`` and who served in [start, end]. Hours count by
    the day served; tenths of an hour are rounded down."""
    cards = dict(
        CardApplication.objects.filter(
            bank_id=partner, status__in=list(OPEN_STATUSES), card_ref__isnull=False
        ).values_list("volunteer_id", "card_ref")
    )
    if not cards:
        return []
    rows = (
        HoursEntry.objects.filter(
            counted_q(),
            kind=HoursEntry.Kind.SERVICE,
            minutes__gt=0,
            service_date__gte=start,
            service_date__lte=end,
            volunteer__card_applications__bank_id=partner,
            volunteer__card_applications__status__in=list(OPEN_STATUSES),
            volunteer__card_applications__card_ref__isnull=False,
        )
        .values("volunteer_id", "volunteer__volunteer_no")
        .annotate(activities=Count("activity_id", distinct=True), minutes=Sum("minutes"))
        .order_by("volunteer__volunteer_no", "volunteer_id")
    )
    return [
        ServiceRecord(
            card_ref=cards[r["volunteer_id"]],
            volunteer_no=r["volunteer__volunteer_no"],
            period_start=start,
            period_end=end,
            activity_count=r["activities"],
            service_hours=r["minutes"] // 6,
        )
        for r in rows
        if r["volunteer_id"] in cards and r["volunteer__volunteer_no"]
    ]


def claim_service(partner: str, batch: Batch, now: dt.datetime) -> list[ServiceRecord]:
    """The exchange's claim for SERVICE: the month before ``now``, once per month and bank
    (a second batch in the same month gets nothing, so ``prepare`` makes no file)."""
    today = timezone.localtime(now).date()
    if month_batch_exists(partner, today, exclude=batch.pk):
        return []
    start, end = previous_month(today)
    return service_records(partner, start, end)


def policy_apply(*, partner: str, record: PolicyRecord, file: PartnerFile) -> bool:
    """One record of a POLICY file."""
    return policy_record_apply(bank=partner, record=record, source_ref=file.name)


# Monthly, by its own task (``insurance.services.service_files_send``), not at the cut-off.
SERVICE_FILE = Outbound(FILE_TYPE, claim_service, at_cutoff=False)
POLICY_FILE = FileSpec("POLICY", apply_one=policy_apply)
