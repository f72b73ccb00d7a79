"""Writes for insurance: recording the banks' POLICY records."""

from __future__ import annotations

from bank_adapters.records import PolicyRecord
from card_service.bank_events import UnknownRecord
from card_service.models import CardApplication
from insurance.models import Policy


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
