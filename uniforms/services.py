"""Writes for uniform orders: the order made by a volunteer's first purchase, and the
volunteer's corrections of the address and the size while the order has not gone out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from bank_adapters.fields import ORDER_FIELDS, Bad
from card_service.models import CardApplication
from core.audit_actions import AuditAction
from core.errors import Conflict, NotFound, ValidationFailed
from core.masking import mask_address
from core.notify import notify
from core.services import audit_log_write
from uniforms.lifecycle import transition
from uniforms.models import UniformEvent, UniformOrder, UniformSize, UniformStatus
from volunteers.models import Volunteer

EXTRA_UNIFORM_PHONE = "0755-83127504"
PAGE_HINT = "请登录个人中心「实名服装」页面"

_FIELD = {f.name: f for f in ORDER_FIELDS}


def check_address(mail_address: str, postcode: str) -> tuple[str, str]:
    """The address and postcode as the ORDER file will carry them, or ValidationFailed that
    names the field. Uses the file's own field rules, so an accepted address always fits."""
    address = (mail_address or "").strip()
    code = (postcode or "").strip()
    if not address:
        raise ValidationFailed(
            "请填写邮寄地址（省、市、区县、街道和门牌号）",
            code="address_required",
            extra={"field": "mail_address"},
        )
    try:
        _FIELD["mail_address"].render(address)
    except Bad as exc:
        raise ValidationFailed(
            f"邮寄地址不符合要求：{exc.reason}",
            code="address_unfit",
            extra={"field": "mail_address"},
        ) from None
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise ValidationFailed(
            "邮政编码应为6位数字", code="postcode_invalid", extra={"field": "postcode"}
        )
    return address, code


def _usable(address: str, postcode: str) -> tuple[str, str] | None:
    try:
        return check_address(address, postcode)
    except ValidationFailed:
        return None


def _ask_for_address(order_id: int, text: str) -> None:
    order = UniformOrder.objects.select_related("volunteer__user").filter(pk=order_id).first()
    if order is not None:
        notify(user=order.volunteer.user, text=text, channels=("site", "sms"))


def uniform_order_on_first_spend(
    application: CardApplication, at: dt.datetime
) -> UniformOrder | None:
    """The ``card_service.bank_events.FIRST_SPEND`` hook: order the volunteer's uniform
    unless they already have one (one per volunteer, ever, whichever card spent first).
    Runs inside the transaction that applies the bank's EVENT file."""
    volunteer: Volunteer = application.volunteer
    if UniformOrder.objects.filter(volunteer_id=volunteer.pk).exists():
        return None
    # A credit card's mailing address first; a debit card has none: the volunteer's own.
    found = _usable(application.mail_address, application.postcode) or _usable(
        volunteer.address, volunteer.postcode
    )
    address, postcode = found or ("", "")
    status = UniformStatus.ORDERED if found else UniformStatus.ADDRESS_NEEDED
    size = application.uniform_size if application.uniform_size in UniformSize.values else "L"
    try:
        with transaction.atomic():  # another file may order for this volunteer concurrently
            order = UniformOrder.objects.create(
                volunteer=volunteer,
                application=application,
                first_spend_at=at,
                size=size,
                mail_address=address,
                postcode=postcode,
                mobile=volunteer.mobile,
                status=status,
                status_changed_at=at,
            )
    except IntegrityError:
        return None
    UniformEvent.objects.create(
        order=order,
        from_status="",
        to_status=status,
        at=at,
        source=UniformEvent.Source.SYSTEM,
        source_ref=application.application_no,
        note="首次消费，免费制作实名服装",
    )
    audit_log_write(
        action=AuditAction.UNIFORM_ORDER_CREATE,
        target=order,
        data={"application_no": application.application_no, "status": status},
    )
    if not found:
        text = (
            "您已完成志愿者证首笔消费，将免费获得一件志愿者实名服装，但我们还没有您的邮寄地址。"
            f"{PAGE_HINT}填写邮寄地址和邮政编码，填写后即安排制作寄送。"
        )
        transaction.on_commit(lambda: _ask_for_address(order.pk, text))
    return order


@transaction.atomic
def uniform_order_correct(
    *,
    volunteer: Volunteer,
    actor: Any,
    mail_address: str | None = None,
    postcode: str | None = None,
    size: str | None = None,
) -> UniformOrder:
    """The volunteer changes the mailing address or the size before the order goes to the
    maker; an order waiting for an address (or returned) goes out in the next ORDER file."""
    order = UniformOrder.objects.select_for_update().filter(volunteer_id=volunteer.pk).first()
    if order is None:
        raise NotFound(
            "您还没有实名服装订单：持志愿者证首次消费后会自动下单", code="no_uniform_order"
        )
    if not order.editable:
        raise Conflict(
            f"服装订单已发送给厂商（{order.get_status_display()}），不能再修改地址或尺码",
            code="uniform_order_sent",
            extra={"status": order.status},
        )
    fields: list[str] = []
    if size is not None:
        if size not in UniformSize.values:
            raise ValidationFailed(
                "请选择服装尺码（S、M、L、XL、XXL、XXXL）",
                code="uniform_size",
                extra={"field": "size"},
            )
        order.size = size
        fields.append("size")
    was_returned = order.status == UniformStatus.RETURNED
    needs_address = was_returned or order.status == UniformStatus.ADDRESS_NEEDED
    if mail_address is not None or postcode is not None or needs_address:
        if needs_address and mail_address is None:
            raise ValidationFailed(
                "请填写新的邮寄地址" if was_returned else "请填写邮寄地址",
                code="address_required",
                extra={"field": "mail_address"},
            )
        address, code = check_address(
            order.mail_address if mail_address is None else mail_address,
            order.postcode if postcode is None else postcode,
        )
        order.mail_address, order.postcode = address, code
        fields += ["mail_address", "postcode"]
    if not fields:
        return order
    order.mobile = volunteer.mobile  # the maker's courier calls the number the volunteer has now
    fields.append("mobile")
    order.save(update_fields=fields)
    if needs_address:
        transition(
            order,
            UniformStatus.ORDERED,
            source=UniformEvent.Source.VOLUNTEER,
            actor=actor,
            note="已更正邮寄地址，重新寄送" if was_returned else "已填写邮寄地址",
        )
    audit_log_write(
        action=AuditAction.UNIFORM_ORDER_CORRECT,
        actor=actor,
        target=order,
        data={
            "fields": [f for f in fields if f != "mobile"],
            "mail_address": mask_address(order.mail_address),
            "size": order.size,
        },
    )
    return order


def uniform_orders_backfill() -> int:
    """Order the uniforms of volunteers whose first purchase came before this app existed
    (or before the hook was wired). Safe to run again: returns how many it ordered."""
    made = 0
    apps = (
        CardApplication.objects.filter(first_spend_at__isnull=False)
        .exclude(volunteer__uniform_order__isnull=False)
        .select_related("volunteer")
        .order_by("volunteer_id", "first_spend_at", "id")
    )
    seen: set[int] = set()
    for app in apps.iterator(chunk_size=500):
        if app.volunteer_id in seen:
            continue
        seen.add(app.volunteer_id)
        with transaction.atomic():
            made += uniform_order_on_first_spend(app, app.first_spend_at) is not None
    return made
