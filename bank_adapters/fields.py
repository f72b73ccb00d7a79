"""Field tables of the partner file interface, declared once for every codec.

Each table mirrors a table of ``/shared/specs/bank-interface.md`` section 4 (name, type
A/G/N/D/T, BOC width in bytes, CEB element, required or optional) plus the code lists and
patterns that the spec and ``ceb-volunteer-card-v1.xsd`` put on the field. The BOC, ICBC, CEB
and UNF codecs all read these tables; none of them has its own copy of a width or a code.

Every :class:`Field` compiles, once at import, two functions that all codecs share:

- ``parse(text)``: the unpadded text of a field (``""`` when blank) -> Python value, or
  raises :class:`Bad` with a reason for people;
- ``render(value)``: Python value -> canonical unpadded text, or raises :class:`Bad`.

``render`` refuses, it never cuts: a value that does not fit its width is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

A, G, N, D, T = "A", "G", "N", "D", "T"


class Bad(Exception):
    """Internal: one field (or one record rule) is wrong. Codecs turn it into FileFormatError."""

    def __init__(self, reason: str, field: str | None = None, *, show: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.show = show  # False: the value must not appear in the error (a card number)
        self.value: Any = None  # the text read, set by the record reader


# A G field may hold any character GB18030 encodes, but no control character (they would
# break a line, an XML document or a CSV row) and no surrogate or XML non-character.
_BAD_G = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, eq=False)
class Field:
    name: str
    kind: str
    width: int  # BOC width in bytes; the maximum everywhere else
    element: str | None = None  # CEB element; None for UNF-only tables
    required: bool = True
    codes: frozenset[str] | None = None
    pattern: str | None = None  # full match, on top of the kind's own rule
    integer: bool = False  # an N field carried as int (counts, hours, star level)
    max_value: int | None = None
    personal: str | None = None  # how errors mask the value: name, id, mobile, address, secret
    check: Callable[[str], None] | None = None  # extra rule that raises Bad
    parse: Callable[[str], Any] = field(init=False, repr=False)
    render: Callable[[Any], str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parse", _make_parse(self))
        object.__setattr__(self, "render", _make_render(self))


def _make_parse(f: Field) -> Callable[[str], Any]:
    """The one reader of a field's unpadded text, for every codec and every value (headers,
    records, and ``render``'s own check). It raises ``Bad`` naming the field."""
    name, width, required, codes = f.name, f.width, f.required, f.codes
    rx = re.compile(f.pattern) if f.pattern else None
    extra = f.check
    kind = f.kind
    code_list = "、".join(sorted(codes)) if codes else ""
    too_long = f"超出{width}字节"
    if codes is not None:
        # A listed code is accepted at once (the common case of a code field), so every code
        # must pass the field's other rules: a typo in a table fails here, at import.
        bad_codes = [c for c in codes if not _valid_code(f, c)]
        if bad_codes:
            raise ValueError(f"field {name}: codes {bad_codes} break the field's own rules")

    if kind == A:

        def parse(t: str) -> Any:
            if codes is not None and t in codes:
                return t
            if not t:
                if required:
                    raise Bad("不能为空", name)
                return None
            if len(t) > width:
                raise Bad(too_long, name)
            if not (t.isascii() and t.isprintable()):
                raise Bad("只能包含可打印的 ASCII 字符（不能有中文、全角字符或控制字符）", name)
            if t[0] == " " or t[-1] == " ":
                raise Bad("首尾不能有空格", name)
            if extra is not None:
                try:
                    extra(t)
                except Bad as e:
                    e.field = e.field or name
                    raise
            if codes is not None:
                raise Bad(f"不是有效代码，应为 {code_list} 之一", name)
            if rx is not None and rx.fullmatch(t) is None:
                raise Bad("格式不符合接口规范", name)
            return t

    elif kind == G:

        def parse(t: str) -> Any:
            if not t:
                if required:
                    raise Bad("不能为空", name)
                return None
            if t.isascii():
                if not t.isprintable():
                    raise Bad("不能包含控制字符", name)
                n = len(t)
            else:
                if _BAD_G.search(t) is not None:
                    raise Bad("不能包含控制字符", name)
                try:
                    n = len(t.encode("gb18030"))
                except UnicodeEncodeError:
                    raise Bad("含 GB18030 无法表示的字符", name) from None
            if n > width:
                raise Bad(too_long, name)
            if t[0] == " " or t[-1] == " ":
                raise Bad("首尾不能有空格", name)
            return t

    elif kind == N:
        integer, max_value = f.integer, f.max_value

        def parse(t: str) -> Any:
            if codes is not None and t in codes:
                return t
            if not t:
                if required:
                    raise Bad("不能为空", name)
                return None
            if not (t.isascii() and t.isdigit()):
                raise Bad("只能包含数字", name)
            if integer:
                if len(t) > width:
                    raise Bad(f"超出{width}位数字", name)
                v = int(t)
                if max_value is not None and v > max_value:
                    raise Bad(f"不能大于 {max_value}", name)
                return v
            if len(t) != width:
                raise Bad(f"应为{width}位数字", name)
            if codes is not None:
                raise Bad(f"不是有效代码，应为 {code_list} 之一", name)
            return t

    elif kind == D:

        def parse(t: str) -> Any:
            if not t:
                if required:
                    raise Bad("不能为空", name)
                return None
            if len(t) != 8 or not (t.isascii() and t.isdigit()):
                raise Bad("日期格式应为 YYYYMMDD", name)
            try:
                return _date(t)
            except ValueError:
                raise Bad("不是有效日期", name) from None

    elif kind == T:

        def parse(t: str) -> Any:
            if not t:
                if required:
                    raise Bad("不能为空", name)
                return None
            if len(t) != 14 or not (t.isascii() and t.isdigit()):
                raise Bad("时间格式应为 YYYYMMDDHHMMSS", name)
            try:
                return _datetime(t)
            except ValueError:
                raise Bad("不是有效时间", name) from None

    else:  # pragma: no cover - a typo in a table
        raise ValueError(f"unknown field kind {kind!r}")
    return parse


def _valid_code(f: Field, code: str) -> bool:
    if not code or len(code) > f.width or not (code.isascii() and code.isprintable()):
        return False
    if code[0] == " " or code[-1] == " ":
        return False
    if f.kind == N:
        return code.isdigit() and (f.integer or len(code) == f.width)
    return f.kind == A and (f.pattern is None or re.fullmatch(f.pattern, code) is not None)


# The records of a file share few dates and seconds (a day's file, in time order): the same
# digits give the same (immutable) value, made once. A small cache is enough for records in
# time order and keeps memory flat; a day that does not exist raises ValueError (not cached).
# bench (decode of 20,000 EVENT records of a 1M file, callgrind): a datetime with its tzinfo
# is built for ~1 record in 12 instead of every one.
@lru_cache(maxsize=256)
def _date(t: str) -> date:
    return date(int(t[:4]), int(t[4:6]), int(t[6:]))


@lru_cache(maxsize=256)
def _datetime(t: str) -> datetime:
    return datetime(
        int(t[:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]), int(t[12:]),
        tzinfo=SHANGHAI,
    )  # fmt: skip


def _make_render(f: Field) -> Callable[[Any], str]:
    # One closure per kind, chosen here once: render runs for every field of every record
    # written, so it does not test the kind on each call.
    parse, required, kind = f.parse, f.required, f.kind

    def missing() -> str:
        if required:
            raise Bad("不能为空")
        return ""

    if kind in (A, G) or (kind == N and not f.integer):

        def render(v: Any) -> str:
            if v is None:
                return missing()
            if not isinstance(v, str):
                raise Bad(f"应为 str，实为 {type(v).__name__}")
            if not v:
                raise Bad("不能为空" if required else "留空时应为 None，而不是空字符串")
            parse(v)
            return v

    elif kind == N:

        def render(v: Any) -> str:
            if v is None:
                return missing()
            if not isinstance(v, int) or isinstance(v, bool):
                raise Bad(f"应为 int，实为 {type(v).__name__}")
            if v < 0:
                raise Bad("不能为负数")
            t = str(v)
            parse(t)
            return t

    elif kind == D:

        def render(v: Any) -> str:
            if v is None:
                return missing()
            if not isinstance(v, date) or isinstance(v, datetime):
                raise Bad(f"应为 date，实为 {type(v).__name__}")
            return f"{v.year:04d}{v.month:02d}{v.day:02d}"

    else:

        def render(v: Any) -> str:
            if v is None:
                return missing()
            if not isinstance(v, datetime):
                raise Bad(f"应为 datetime，实为 {type(v).__name__}")
            if v.tzinfo is None or v.utcoffset() is None:
                raise Bad("时间必须带时区（Asia/Shanghai）")
            if v.microsecond:
                raise Bad("时间只精确到秒，不能带微秒；请先去掉微秒")
            v = v.astimezone(SHANGHAI)
            return f"{v.year:04d}{v.month:02d}{v.day:02d}{v.hour:02d}{v.minute:02d}{v.second:02d}"

    return render


def _masked_pan(t: str) -> None:
    # Checked before anything else so that a full card number sent by mistake is refused
    # without ever being echoed (Bad(show=False)).
    if sum(c.isdigit() for c in t) > 10:
        raise Bad("含超过10位数字，疑似完整卡号；整条记录拒收，卡号不予保存", show=False)
    if not _MASKED_PAN.fullmatch(t):
        raise Bad("应为卡号前6位、若干 * 与后4位，如 621661******1234", show=False)


_MASKED_PAN = re.compile(r"[0-9]{6}\*{2,9}[0-9]{4}")


def _codes(*values: str) -> frozenset[str]:
    return frozenset(values)


ID_TYPES = _codes("01", "02", "03", "04", "05")
REASON_CODES = _codes("0000", "1001", "1002", "1003", "1004", "1005", "1006", "1007", "1099")
EVENT_TYPES = _codes(
    "PRODUCED", "MAILED", "AT_BRANCH", "COLLECTED", "ACTIVATED", "FIRST_SPEND", "SPENDS",
    "CANCELLED",
)  # fmt: skip
CANCEL_REASONS = _codes("L", "D", "V", "F")
INSURERS = _codes("BOCINS", "ICBCAXA", "SUNLIFE")
UNIFORM_SIZES = _codes("S", "M", "L", "XL", "XXL", "XXXL")
UNF_STATUSES = _codes("PRODUCING", "SHIPPED", "DELIVERED", "RETURNED")

_UPPER = r"[A-Z ]+"  # pinyin, XSD [A-Z ]{1,n}
_ID = r"[0-9A-Z]+"  # XSD [0-9A-Z]{1,20}
_MOBILE = r"\+?[0-9]{6,14}"  # XSD; mainland 11 digits or + country code and number
_HEX64 = r"[0-9a-f]{64}"


def _f(name: str, kind: str, width: int, element: str | None, req: bool = True, **kw: Any) -> Field:
    return Field(name, kind, width, element, req, **kw)


OPT = False

# Section 4.1 APPLY — one record per card application.
APPLY_FIELDS: tuple[Field, ...] = (
    _f("application_no", A, 20, "ApplicationNo"),
    _f("apply_type", A, 1, "ApplyType", codes=_codes("N", "R")),
    _f("product", A, 1, "Product", codes=_codes("D", "C")),
    _f("volunteer_no", A, 12, "VolunteerNo"),
    _f("name", G, 40, "Name", personal="name"),
    _f("surname_pinyin", A, 20, "SurnamePinyin", pattern=_UPPER, personal="name"),
    _f("given_pinyin", A, 30, "GivenPinyin", pattern=_UPPER, personal="name"),
    _f("gender", A, 1, "Gender", codes=_codes("M", "F")),
    _f("birth_date", D, 8, "BirthDate", personal="secret"),
    _f("id_type", N, 2, "IdType", codes=ID_TYPES),
    _f("id_number", A, 20, "IdNumber", pattern=_ID, personal="id"),
    _f("id_expiry", D, 8, "IdExpiry"),
    _f("nationality", A, 3, "Nationality", pattern=r"[A-Z]{3}"),
    _f("mobile", A, 15, "Mobile", pattern=_MOBILE, personal="mobile"),
    _f("delivery", A, 1, "Delivery", codes=_codes("B", "M")),
    _f("branch_code", A, 10, "BranchCode", OPT),
    _f("mail_address", G, 120, "MailAddress", OPT, personal="address"),
    _f("postcode", N, 6, "Postcode", OPT),
    _f("city_code", N, 6, "CityCode"),
    _f("star_level", N, 1, "StarLevel", integer=True, max_value=5),
    _f("qr_payload", A, 64, "QrPayload", personal="secret"),
    _f("photo_sha256", A, 64, "PhotoSha256", pattern=_HEX64),
    _f("guardian_name", G, 40, "GuardianName", OPT, personal="name"),
    _f("guardian_id_type", N, 2, "GuardianIdType", OPT, codes=ID_TYPES),
    _f("guardian_id_number", A, 20, "GuardianIdNumber", OPT, pattern=_ID, personal="id"),
    _f("guardian_relation", N, 2, "GuardianRelation", OPT, codes=_codes("01", "02", "03")),
    _f("applied_at", T, 14, "AppliedAt"),
)

# Section 4.2 RESULT — one record per decided application.
RESULT_FIELDS: tuple[Field, ...] = (
    _f("application_no", A, 20, "ApplicationNo"),
    _f("result", A, 1, "Result", codes=_codes("A", "R")),
    _f("reason_code", N, 4, "ReasonCode", codes=REASON_CODES),
    _f("reason_text", G, 60, "ReasonText", OPT),
    _f("card_ref", A, 32, "CardRef", OPT),
    _f("masked_pan", A, 19, "MaskedPan", OPT, personal="secret", check=_masked_pan),
    _f("expected_ready_date", D, 8, "ExpectedReadyDate", OPT),
)

# Section 4.3 EVENT — card lifecycle and spending.
EVENT_FIELDS: tuple[Field, ...] = (
    _f("event_id", A, 24, "EventId"),
    _f("card_ref", A, 32, "CardRef"),
    _f("event_type", A, 12, "EventType", codes=EVENT_TYPES),
    _f("event_time", T, 14, "EventTime"),
    _f("detail", A, 40, "Detail", OPT),
)

# Section 4.4 POLICY — accident insurance bought by the bank.
POLICY_FIELDS: tuple[Field, ...] = (
    _f("card_ref", A, 32, "CardRef"),
    _f("policy_no", A, 30, "PolicyNo"),
    _f("insurer", A, 8, "Insurer", codes=INSURERS),
    _f("coverage_start", D, 8, "CoverageStart"),
    _f("coverage_end", D, 8, "CoverageEnd"),
    _f("status", A, 1, "Status", codes=_codes("I", "C")),
)

# Section 4.5 SERVICE — cardholders who served in the period.
SERVICE_FIELDS: tuple[Field, ...] = (
    _f("card_ref", A, 32, "CardRef"),
    _f("volunteer_no", A, 12, "VolunteerNo"),
    _f("period_start", D, 8, "PeriodStart"),
    _f("period_end", D, 8, "PeriodEnd"),
    _f("activity_count", N, 6, "ActivityCount", integer=True),
    _f("service_hours", N, 8, "ServiceHours", integer=True),
)

# Section 4.6 ORDER — uniform orders (UNF CSV). The spec gives no widths for the CSV; the
# maxima below are those of the same fields in APPLY (4.1) and EVENT (4.3) so that whatever
# the card service accepted for a card also fits the uniform order.
ORDER_FIELDS: tuple[Field, ...] = (
    _f("order_no", A, 20, None),
    _f("volunteer_no", A, 12, None),
    _f("name", G, 40, None, personal="name"),
    _f("size", A, 4, None, codes=UNIFORM_SIZES),
    _f("mail_address", G, 120, None, personal="address"),
    _f("postcode", N, 6, None),
    _f("mobile", A, 15, None, pattern=_MOBILE, personal="mobile"),
    _f("first_spend_date", D, 8, None),
)

# Section 4.6 STATUS — uniform production and delivery (UNF CSV).
STATUS_FIELDS: tuple[Field, ...] = (
    _f("order_no", A, 20, None),
    _f("status", A, 9, None, codes=UNF_STATUSES),
    _f("status_time", T, 14, None),
    _f("tracking_no", A, 40, None, OPT),
)

# Section 5.1 BOC header, after the leading "H": (name, width).
BOC_HEADER_LAYOUT: tuple[tuple[str, int], ...] = (
    ("partner", 4),
    ("file_type", 8),
    ("business_date", 8),
    ("seq", 4),
    ("created_at", 14),
    ("count", 10),
)
COUNT_WIDTH = 10  # header and trailer detail-record count (BOC 10 digits; same cap elsewhere)
