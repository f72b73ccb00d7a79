"""The logical records of the partner file interface (bank-interface.md section 4).

One set of frozen dataclasses shared by every partner; a codec only turns them into bytes
and back. Field order, types and widths come from :mod:`bank_adapters.fields`. Rules that
involve more than one field (a branch code when the card is collected at a branch, a
tracking number when a uniform is shipped, ...) live here in ``check_*`` and are applied by
every encoder and every decoder. Each record type says which way its file goes
(``FROM_PARTNER``: the partner sends it to us).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from bank_adapters import fields as F
from bank_adapters.fields import Bad, Field

__all__ = [
    "BANK_FILE_TYPES",
    "FILE_TYPES",
    "ApplyRecord",
    "EventRecord",
    "Header",
    "OrderRecord",
    "PolicyRecord",
    "Record",
    "ResultRecord",
    "ServiceRecord",
    "StatusRecord",
    "record_type",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """What a file's header says (UNF files have none: it comes from the file name).

    ``count`` is the number of detail records; ``None`` only for UNF, whose files carry no
    count. ``created_at`` is carried by BOC headers only (section 5.1) and is ``None`` for the
    other partners.
    """

    partner: str
    file_type: str
    business_date: date
    seq: int
    count: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplyRecord:
    """Section 4.1."""

    FILE_TYPE: ClassVar[str] = "APPLY"
    FROM_PARTNER: ClassVar[bool] = False
    FIELDS: ClassVar[tuple[Field, ...]] = F.APPLY_FIELDS

    application_no: str
    apply_type: str
    product: str
    volunteer_no: str
    name: str
    surname_pinyin: str
    given_pinyin: str
    gender: str
    birth_date: date
    id_type: str
    id_number: str
    id_expiry: date
    nationality: str
    mobile: str
    delivery: str
    branch_code: str | None = None
    mail_address: str | None = None
    postcode: str | None = None
    city_code: str
    star_level: int
    qr_payload: str
    photo_sha256: str
    guardian_name: str | None = None
    guardian_id_type: str | None = None
    guardian_id_number: str | None = None
    guardian_relation: str | None = None
    applied_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultRecord:
    """Section 4.2."""

    FILE_TYPE: ClassVar[str] = "RESULT"
    FROM_PARTNER: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = F.RESULT_FIELDS

    application_no: str
    result: str
    reason_code: str
    reason_text: str | None = None
    card_ref: str | None = None
    masked_pan: str | None = None
    expected_ready_date: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EventRecord:
    """Section 4.3."""

    FILE_TYPE: ClassVar[str] = "EVENT"
    FROM_PARTNER: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = F.EVENT_FIELDS

    event_id: str
    card_ref: str
    event_type: str
    event_time: datetime
    detail: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRecord:
    """Section 4.4."""

    FILE_TYPE: ClassVar[str] = "POLICY"
    FROM_PARTNER: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = F.POLICY_FIELDS

    card_ref: str
    policy_no: str
    insurer: str
    coverage_start: date
    coverage_end: date
    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceRecord:
    """Section 4.5."""

    FILE_TYPE: ClassVar[str] = "SERVICE"
    FROM_PARTNER: ClassVar[bool] = False
    FIELDS: ClassVar[tuple[Field, ...]] = F.SERVICE_FIELDS

    card_ref: str
    volunteer_no: str
    period_start: date
    period_end: date
    activity_count: int
    service_hours: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRecord:
    """Section 4.6 ORDER."""

    FILE_TYPE: ClassVar[str] = "ORDER"
    FROM_PARTNER: ClassVar[bool] = False
    FIELDS: ClassVar[tuple[Field, ...]] = F.ORDER_FIELDS

    order_no: str
    volunteer_no: str
    name: str
    size: str
    mail_address: str
    postcode: str
    mobile: str
    first_spend_date: date


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRecord:
    """Section 4.6 STATUS."""

    FILE_TYPE: ClassVar[str] = "STATUS"
    FROM_PARTNER: ClassVar[bool] = True
    FIELDS: ClassVar[tuple[Field, ...]] = F.STATUS_FIELDS

    order_no: str
    status: str
    status_time: datetime
    tracking_no: str | None = None


Record = (
    ApplyRecord
    | ResultRecord
    | EventRecord
    | PolicyRecord
    | ServiceRecord
    | OrderRecord
    | StatusRecord
)

# Every record type by its file type, in the spec's order (4.1 to 4.6), which is also the
# order one pickup applies the files a partner sent (a card is accepted before its events).
_BY_TYPE: dict[str, type] = {
    cls.FILE_TYPE: cls
    for cls in (
        ApplyRecord,
        ResultRecord,
        EventRecord,
        PolicyRecord,
        ServiceRecord,
        OrderRecord,
        StatusRecord,
    )
}


FILE_TYPES = tuple(_BY_TYPE)
# The files of the bank interface, the same for the three banks (each bank package says so).
BANK_FILE_TYPES = ("APPLY", "RESULT", "EVENT", "POLICY", "SERVICE")


def record_type(file_type: str) -> type:
    """The record class carried by files of ``file_type`` (KeyError if there is none)."""
    return _BY_TYPE[file_type]


# --- rules across fields -------------------------------------------------------------


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _check_apply(r: ApplyRecord) -> None:
    # 4.1: branch code when collected at a branch, address and postcode when mailed.
    if r.delivery == "B" and r.branch_code is None:
        raise Bad("领卡方式为网点领取（B）时必填", "branch_code")
    if r.delivery == "M":
        if r.mail_address is None:
            raise Bad("领卡方式为邮寄（M）时必填", "mail_address")
        if r.postcode is None:
            raise Bad("领卡方式为邮寄（M）时必填", "postcode")
    guardian = (r.guardian_name, r.guardian_id_type, r.guardian_id_number, r.guardian_relation)
    if any(v is not None for v in guardian):
        for name, v in zip(
            ("guardian_name", "guardian_id_type", "guardian_id_number", "guardian_relation"),
            guardian,
            strict=True,
        ):
            if v is None:
                raise Bad("填写监护人时必填", name)
    elif _age_on(r.birth_date, r.applied_at.astimezone(F.SHANGHAI).date()) < 18:
        raise Bad("申请人申请时未满18周岁，必须填写监护人", "guardian_name")


def _check_result(r: ResultRecord) -> None:
    if r.result == "A":
        if r.reason_code != "0000":
            raise Bad("受理（A）时原因码应为 0000", "reason_code")
        for name in ("card_ref", "masked_pan", "expected_ready_date"):
            if getattr(r, name) is None:
                raise Bad("受理（A）时必填", name)
    elif r.reason_code == "0000":
        raise Bad("拒绝（R）时原因码不能为 0000", "reason_code")


_DETAIL_BLANK = frozenset({"PRODUCED", "ACTIVATED", "FIRST_SPEND"})
_DETAIL_REQUIRED = {"MAILED": "快递单号", "AT_BRANCH": "网点代码", "COLLECTED": "网点代码"}


def _check_event(r: EventRecord) -> None:
    t, d = r.event_type, r.detail
    if t in _DETAIL_BLANK:
        if d is not None:
            raise Bad(f"事件类型 {t} 的 detail 应为空", "detail")
    elif t == "SPENDS":
        if d is None or not (d.isascii() and d.isdigit()):
            raise Bad("事件类型 SPENDS 的 detail 应为消费笔数（仅数字）", "detail")
    elif t == "CANCELLED":
        if d not in F.CANCEL_REASONS:
            raise Bad("事件类型 CANCELLED 的 detail 应为 L、D、V 或 F", "detail")
    elif d is None:
        raise Bad(f"事件类型 {t} 的 detail 应为{_DETAIL_REQUIRED[t]}", "detail")


def _check_policy(r: PolicyRecord) -> None:
    if r.coverage_end < r.coverage_start:
        raise Bad("保障截止日早于起始日", "coverage_end")


def _check_service(r: ServiceRecord) -> None:
    if r.period_end < r.period_start:
        raise Bad("统计期截止日早于起始日", "period_end")


def _check_status(r: StatusRecord) -> None:
    if r.status == "SHIPPED" and r.tracking_no is None:
        raise Bad("状态为已发货（SHIPPED）时必须有快递单号", "tracking_no")


def _check_none(r: object) -> None:
    return None


CHECKS = {
    ApplyRecord: _check_apply,
    ResultRecord: _check_result,
    EventRecord: _check_event,
    PolicyRecord: _check_policy,
    ServiceRecord: _check_service,
    OrderRecord: _check_none,
    StatusRecord: _check_status,
}
