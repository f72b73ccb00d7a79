"""Reads: the volunteer's uniform progress, and the donations (一笔消费，十分关爱) summed from
the banks' purchase events for operations."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from card_service.models import Bank, CardSpend
from core.errors import PermissionDenied
from uniforms import fast
from uniforms.models import UniformEvent, UniformOrder, UniformOrderLine, UniformStatus
from uniforms.services import EXTRA_UNIFORM_PHONE
from volunteers.models import Volunteer
from volunteers.roles import is_operations
from volunteers.services import GUANGDONG_CITY_CODES

# Each purchase earns the volunteer fund at least 0.10 CNY (manual, chapter 5).
DONATION_PER_PURCHASE = Decimal("0.10")

_NEXT_STEP = {
    UniformStatus.ADDRESS_NEEDED: "请填写邮寄地址和邮政编码，填写后即安排制作寄送。",
    UniformStatus.ORDERED: "订单将在下一个工作日发送给服装厂商；发送前您仍可修改地址和尺码。",
    UniformStatus.SENT: "服装厂商已收到订单，即将开始制作。",
    UniformStatus.PRODUCING: "服装正在制作，制作完成后将免费寄送给您。",
    UniformStatus.SHIPPED: "服装已寄出，可凭快递单号查询物流。",
    UniformStatus.DELIVERED: "服装已签收。",
    UniformStatus.RETURNED: "邮寄地址无法投递，服装已退回。请更正邮寄地址，更正后将重新寄出。",
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


# Manual chapter 5: the uniform arrives 1–2 months after the first purchase.
EXPECTED_MONTHS = (1, 2)


def expected_window(first_spend_date: dt.date) -> tuple[dt.date, dt.date]:
    """When the uniform should arrive: 1 to 2 months after the first purchase. The one
    source for every page that shows the window (the uniform's and the card's)."""
    return (
        add_months(first_spend_date, EXPECTED_MONTHS[0]),
        add_months(first_spend_date, EXPECTED_MONTHS[1]),
    )


def uniform_state(volunteer_id: int) -> tuple[str, dt.date] | None:
    """The volunteer's uniform order status and first-purchase date (one uniform per
    volunteer), or None before the first purchase; one small query for the card page."""
    return fast.uniform_state(volunteer_id)


def uniform_order_of(volunteer: Volunteer) -> UniformOrder | None:
    return (
        UniformOrder.objects.filter(volunteer_id=volunteer.pk)
        .select_related("application__bank")
        .prefetch_related(
            Prefetch("events", queryset=UniformEvent.objects.order_by("at", "id")),
            Prefetch("lines", queryset=UniformOrderLine.objects.order_by("attempt")),
        )
        .first()
    )


def uniform_progress(volunteer: Volunteer) -> dict[str, Any] | None:
    """The volunteer's uniform: status, timeline, the expected window (1–2 months after the
    first purchase), tracking number and whom to call. None until the first purchase."""
    order = uniform_order_of(volunteer)
    if order is None:
        return None
    first_day = timezone.localdate(order.first_spend_at)
    lines = list(order.lines.all())
    bank = order.application.bank
    return {
        "status": order.status,
        "status_label": order.get_status_display(),
        "status_changed_at": order.status_changed_at,
        "order_no": lines[-1].order_no if lines else "",
        "size": order.size,
        "mail_address_masked": order.mail_address_masked,
        "postcode": order.postcode,
        "editable": order.editable,
        "address_needed": order.status in (UniformStatus.ADDRESS_NEEDED, UniformStatus.RETURNED),
        "first_spend_date": first_day,
        "expected_from": expected_window(first_day)[0],
        "expected_to": expected_window(first_day)[1],
        "tracking_no": order.tracking_no,
        "next_step": _NEXT_STEP[UniformStatus(order.status)],
        "timeline": [
            {
                "status": e.to_status,
                "label": UniformStatus(e.to_status).label,
                "at": e.at,
                "note": e.note,
            }
            for e in order.events.all()
        ],
        "progress_hotline": bank.hotline,
        "progress_hotline_bank": bank.short_name,
        "extra_uniform_phone": EXTRA_UNIFORM_PHONE,
        "extra_uniform_note": (
            f"如需另外购买志愿者服装，可直接拨打厂商电话 {EXTRA_UNIFORM_PHONE}，"
            "厂家按公开招标确定的单价收费。"
        ),
    }


# --- donations ------------------------------------------------------------------------


def _spends(
    *, date_from: dt.date | None, date_to: dt.date | None, bank: str | None
) -> QuerySet[CardSpend]:
    qs = CardSpend.objects.purchases()
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)
    if bank:
        qs = qs.filter(bank_id=bank)
    return qs


def donation_totals(
    *,
    user: Any,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    bank: str | None = None,
) -> list[dict[str, Any]]:
    """Purchases per month, bank and city, summed in the database, and the least donation
    they earned: SPENDS only, as a FIRST_SPEND is already inside its day's count.
    Operations and superusers only."""
    if not is_operations(user):
        raise PermissionDenied("仅运营人员可以查看捐赠统计")
    rows = (
        _spends(date_from=date_from, date_to=date_to, bank=bank)
        .annotate(month=TruncMonth("day"))
        .values("month", "bank_id", "city_code")
        .annotate(purchases=Sum("count"), cards=Count("application_id", distinct=True))
        .order_by("month", "bank_id", "city_code")
    )
    names = dict(Bank.objects.values_list("code", "short_name"))
    out = []
    for r in rows:
        month = r["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        out.append(
            {
                "month": month,
                "bank": r["bank_id"],
                "bank_name": names.get(r["bank_id"], r["bank_id"]),
                "city_code": r["city_code"],
                "city_name": GUANGDONG_CITY_CODES.get(r["city_code"], r["city_code"]),
                "purchases": r["purchases"],
                "cards": r["cards"],
                "min_donation": DONATION_PER_PURCHASE * r["purchases"],
            }
        )
    return out


def donation_by_month_and_bank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of :func:`donation_totals` folded over cities: one entry per month with the
    purchases of each bank (for the chart and the summary table)."""
    months: dict[dt.date, dict[str, int]] = {}
    for r in rows:
        per_bank = months.setdefault(r["month"], {})
        per_bank[r["bank"]] = per_bank.get(r["bank"], 0) + r["purchases"]
    return [
        {
            "month": m,
            "banks": per_bank,
            "purchases": sum(per_bank.values()),
            "min_donation": DONATION_PER_PURCHASE * sum(per_bank.values()),
        }
        for m, per_bank in sorted(months.items())
    ]
