"""What the uniform orders give the exchange (ORDER records) and take from it (STATUS
records): the file types it registers in its ``AppConfig.ready``. Both run inside the
exchange's one transaction per file."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bank_adapters import codecs
from bank_adapters.exchange import FileSpec, Outbound
from bank_adapters.fields import ORDER_FIELDS, Bad
from bank_adapters.models import Batch, PartnerFile
from bank_adapters.records import OrderRecord, StatusRecord
from core.errors import IntegrationError, ServiceError
from core.notify import notify
from uniforms.lifecycle import MAKER_STATUS_TARGETS, transition, transition_many
from uniforms.models import UniformEvent, UniformOrder, UniformOrderLine, UniformStatus
from uniforms.services import PAGE_HINT

logger = logging.getLogger(__name__)

CHUNK = 2000
_ORDER_FIELDS = (
    *("id", "size", "mail_address", "postcode", "mobile", "first_spend_at"),
    *("volunteer__volunteer_no", "volunteer__name"),
)

# How far a line has gone at the maker; a STATUS at or below it is a repeat.
_RANK = {"": 0, "PRODUCING": 1, "SHIPPED": 2, "DELIVERED": 3, "RETURNED": 3}


class UnknownOrder(IntegrationError):
    """A STATUS names an order number the service never sent: refuse the whole file."""

    code = "unknown_record"


class ConflictingStatus(IntegrationError):
    code = "conflicting_record"


def order_no_for(volunteer_no: str, attempt: int) -> str:
    """``U`` + volunteer number + two-digit attempt: unique (one order per volunteer) and at
    most 15 characters, within the ORDER file's 20."""
    if not volunteer_no or attempt > 99:
        raise ServiceError("无法生成服装订单号", code="order_no_unavailable")
    return f"U{volunteer_no}{attempt:02d}"


def claim_orders(partner: str, batch: Batch, now: dt.datetime) -> list[OrderRecord]:
    """Claim every waiting order into ``batch``: each gets a new order line (a new order
    number), moves to ``sent`` and becomes one ORDER record. On PostgreSQL rows another
    worker holds are skipped, so no order is in two files."""
    ids = list(
        UniformOrder.objects.select_for_update(skip_locked=True)
        .filter(status=UniformStatus.ORDERED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not ids:
        return []
    name = codecs.build_filename(partner, "ORDER", batch.business_date, batch.seq)
    records: list[OrderRecord] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        last = dict(
            UniformOrderLine.objects.filter(order_id__in=chunk)
            .values("order_id")
            .annotate(m=Max("attempt"))
            .values_list("order_id", "m")
        )
        orders = (
            UniformOrder.objects.filter(pk__in=chunk)
            .select_related("volunteer")
            .only(*_ORDER_FIELDS)
            .order_by("id")
        )
        lines, claimed = [], []
        for order in orders:
            attempt = last.get(order.pk, 0) + 1
            order_no = order_no_for(order.volunteer.volunteer_no or "", attempt)
            record = OrderRecord(
                order_no=order_no,
                volunteer_no=order.volunteer.volunteer_no or "",
                name=order.volunteer.name,
                size=order.size,
                mail_address=order.mail_address,
                postcode=order.postcode,
                mobile=order.mobile,
                first_spend_date=timezone.localdate(order.first_spend_at),
            )
            try:
                codecs.render_record(record, OrderRecord, ORDER_FIELDS)
            except Bad as exc:
                # One unfit order must not keep every other uniform from going out: it
                # stays waiting (entry checks make this rare) and operations see the log.
                logger.warning("uniform order %s not sent: field %s unfit", order.pk, exc.field)
                continue
            lines.append(
                UniformOrderLine(order=order, order_no=order_no, attempt=attempt, batch=batch)
            )
            records.append(record)
            claimed.append(order.pk)
        if not claimed:
            continue
        UniformOrderLine.objects.bulk_create(lines, batch_size=CHUNK)
        transition_many(
            claimed,
            UniformStatus.ORDERED,
            UniformStatus.SENT,
            source=UniformEvent.Source.SYSTEM,
            at=now,
            source_ref=name,
        )
    return records


def _ask_for_new_address(order_id: int, order_no: str) -> None:
    order = UniformOrder.objects.select_related("volunteer__user").filter(pk=order_id).first()
    if order is None:
        return
    notify(
        user=order.volunteer.user,
        text=(
            f"您的志愿者实名服装（订单号 {order_no}）因邮寄地址无法投递已被退回。"
            f"{PAGE_HINT}更正邮寄地址，更正后我们将重新寄出。"
        ),
        channels=("site", "sms"),
    )


def apply_status(*, partner: str, record: StatusRecord, source_ref: str) -> bool:
    """Move an order for one STATUS record. A repeated or older status does nothing; an
    unknown order number, or a status that contradicts what the line already reported,
    refuses the whole file."""
    line = (
        UniformOrderLine.objects.select_for_update()
        .filter(order_no=record.order_no)
        .only("id", "order_id", "attempt", "maker_status")
        .first()
    )
    if line is None:
        raise UnknownOrder(
            f"文件引用了未知的服装订单号 {record.order_no}",
            extra={"partner": partner, "order_no": record.order_no},
        )
    order = UniformOrder.objects.select_for_update().get(pk=line.order_id)
    done = line.maker_status
    if _RANK[record.status] <= _RANK[done]:
        if record.status == done or _RANK[record.status] < _RANK[done]:
            return False  # the maker repeats itself, or an older status arrives late
        raise ConflictingStatus(
            f"服装订单 {record.order_no} 已报告为 {done}，不能再变为 {record.status}",
            extra={"order_no": record.order_no, "status": record.status, "reported": done},
        )
    latest = UniformOrderLine.objects.filter(order_id=order.pk).aggregate(m=Max("attempt"))["m"]
    if line.attempt != latest:
        raise ConflictingStatus(
            f"服装订单 {record.order_no} 已被新的订单行取代，不能再变为 {record.status}",
            extra={"order_no": record.order_no, "status": record.status},
        )
    target = MAKER_STATUS_TARGETS[record.status]
    changes = {"tracking_no": record.tracking_no or ""} if record.status == "SHIPPED" else {}
    transition(
        order,
        target,
        source=UniformEvent.Source.MAKER_FILE,
        at=record.status_time,
        source_ref=f"{source_ref}#{record.order_no}",
        changes=changes,
    )
    line.maker_status = record.status
    line.save(update_fields=["maker_status"])
    if target == UniformStatus.RETURNED:
        order_id, order_no = order.pk, record.order_no
        transaction.on_commit(lambda: _ask_for_new_address(order_id, order_no))
    return True


def status_apply(*, partner: str, record: StatusRecord, file: PartnerFile) -> bool:
    """One record of a STATUS file."""
    return apply_status(partner=partner, record=record, source_ref=file.name)


ORDER_FILE = Outbound("ORDER", claim_orders)
STATUS_FILE = FileSpec("STATUS", apply_one=status_apply)
