"""Writes for insurance: recording the banks' POLICY records."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from bank_adapters.records import PolicyRecord
from card_service.bank_events import UnknownRecord
from card_service.models import CardApplication
from core.workdays import is_working_day
from insurance.models import Policy

logger = logging.getLogger(__name__)


def policy_record_apply(*, bank: str, record: PolicyRecord, source_ref: str) -> bool:
    """Store or update one POLICY record; the card must be one the bank issued for us."""
    app = CardApplication.objects.filter(bank_id=bank, card_ref=record.card_ref).first()
    if app is None:
        raise UnknownRecord(
            f"保单文件引用了未知的卡片参考号 {record.card_ref}",
            extra={"bank": bank, "card_ref": record.card_ref},
        )
    _, created = Policy.objects.update_or_create(
        bank_id=bank,
        policy_no=record.policy_no,
        defaults={
            "application": app,
            "volunteer_id": app.volunteer_id,
            "insurer": record.insurer,
            "coverage_start": record.coverage_start,
            "coverage_end": record.coverage_end,
            "status": record.status,
            "source_file": source_ref[:80],
        },
    )
    return created


def coverage_years_rebuild(*, today: dt.date | None = None) -> int:
    """The nightly job: rebuild every volunteer's coverage years set-wise in SQL."""
    from insurance.coverage import coverage_rebuild

    count = coverage_rebuild(today=today)
    logger.info("coverage years rebuilt: %d rows", count)
    return count


def coverage_on_card_transition(application_id: int, to_status: str) -> None:
    """After a card's move commits: an activation starts (or carries on) the volunteer's
    coverage years, so their rows are recomputed at once instead of at night. A failure is
    logged, never raised into the bank file that moved the card: the nightly job repairs it."""
    coverage_on_card_transitions([(application_id, to_status)])


def coverage_on_card_transitions(moves: list[tuple[int, str]]) -> None:
    """``coverage_on_card_transition`` for every (application, new status) of a bank file at
    once: the activated cards' volunteers are refreshed together (``CARD_MOVED.fire_each``)."""
    from card_service.models import CardStatus
    from insurance.coverage import coverage_volunteers_refresh

    activated = [app for app, status in moves if status == CardStatus.ACTIVATED]
    if not activated:
        return
    volunteer_ids = list(
        CardApplication.objects.filter(pk__in=activated)
        .values_list("volunteer_id", flat=True)
        .distinct()
    )
    if not volunteer_ids:
        return
    try:
        coverage_volunteers_refresh(volunteer_ids)
    except Exception:
        logger.exception(
            "coverage refresh after activation failed (%d applications)", len(activated)
        )


def first_working_day_of_month(day: dt.date) -> dt.date:
    d = day.replace(day=1)
    while not is_working_day(d):
        d += dt.timedelta(days=1)
    return d


def service_files_send(*, now: dt.datetime | None = None) -> dict[str, str]:
    """From the first business day of each month on: prepare one SERVICE file per enabled
    bank for the month before (unless that bank's SERVICE batch of this month exists), then
    deliver whatever is prepared. Safe to run every day and twice."""
    from bank_adapters import codecs, partners
    from bank_adapters import exchange as bank_exchange
    from bank_adapters.sftp import SftpError
    from insurance.exchange import FILE_TYPE, month_batch_exists

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    result: dict[str, str] = {}
    if today < first_working_day_of_month(today):
        return result
    for pcfg in partners.load().enabled_partners():
        if pcfg.code not in codecs.BANKS:
            continue
        if month_batch_exists(pcfg.code, today):
            result[pcfg.code] = "already"
        else:
            batch = bank_exchange.prepare(pcfg.code, FILE_TYPE, now=now)
            result[pcfg.code] = str(batch) if batch else "nothing"
        try:
            bank_exchange.deliver(pcfg.code)
        except (SftpError, OSError) as exc:
            logger.warning("SERVICE delivery to %s failed: %s", pcfg.code, exc)
    return result
