"""What the card service gives the exchange (APPLY records, the PHOTO archive) and takes
from it (RESULT and EVENT records)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

from bank_adapters import codecs
from bank_adapters.models import Batch
from bank_adapters.records import ApplyRecord
from card_service.lifecycle import transition_many
from card_service.models import CardApplication, CardEvent, CardStatus
from card_service.services import apply_record_from_json
from core.errors import ServiceError

CHUNK = 2000


def claim_applications(partner: str, batch: Batch, now: dt.datetime) -> list[ApplyRecord]:
    """Claim the bank's waiting applications into ``batch`` (inside its transaction). On
    PostgreSQL rows another worker holds are skipped, so no application is in two batches."""
    # One locked read gives the ids and the stored records (decrypted by the field); the
    # move below changes neither, so they need not be read again.
    rows = list(
        CardApplication.objects.select_for_update(skip_locked=True)
        .filter(bank_id=partner, status=CardStatus.QUEUED, batch__isnull=True)
        .order_by("id")
        .values_list("id", "apply_record")
    )
    if not rows:
        return []
    ids = [pk for pk, _ in rows]
    name = codecs.build_filename(partner, "APPLY", batch.business_date, batch.seq)
    transition_many(
        ids,
        CardStatus.QUEUED,
        CardStatus.SENT,
        source=CardEvent.Source.SYSTEM,
        at=now,
        source_ref=name,
        changes={"batch_id": batch.pk},
    )
    return [apply_record_from_json(text) for _, text in rows]


def photo_archive(batch: Batch) -> bytes:
    """The PHOTO zip: one ``{application_no}.jpg`` per APPLY record, checked against the
    hash the APPLY record carries."""
    storage = CardApplication._meta.get_field("photo").storage
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        rows = CardApplication.objects.filter(batch=batch).order_by("id")
        for application_no, photo, sha in rows.values_list(
            "application_no", "photo", "photo_sha256"
        ).iterator(CHUNK):
            # The field's storage, as ``app.photo.open`` would use, without a model per row.
            with storage.open(photo, "rb") as fh:
                data = fh.read()
            if hashlib.sha256(data).hexdigest() != sha:
                raise ServiceError(
                    f"申请 {application_no} 的证件照与提交时不一致", code="photo_changed"
                )
            zf.writestr(f"{application_no}.jpg", data)
    return buf.getvalue()
