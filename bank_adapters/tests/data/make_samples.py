"""Make the sample partner files beside this script (run it to regenerate them).

    cd /work/main && .venv/bin/python -m bank_adapters.tests.data.make_samples

``valid/`` holds one valid file per partner and file type, made by the encoders from the
records below. ``broken/<case>/`` holds one file per case, each a valid file with exactly one
rule broken (see ``BROKEN``: the partner, the file type, what is changed, and the field the
decoder's error must name, or None for a rule about the line or the file as a whole).
The tests read the committed files; ``test_samples_are_current`` checks they match this
script.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from bank_adapters.codecs import EXTENSIONS, PARTNER_FILE_TYPES, build_filename, codec_for
from bank_adapters.fields import SHANGHAI
from bank_adapters.records import (
    ApplyRecord,
    EventRecord,
    Header,
    OrderRecord,
    PolicyRecord,
    ResultRecord,
    ServiceRecord,
    StatusRecord,
)

HERE = Path(__file__).resolve().parent
DAY = date(2026, 11, 30)
CREATED = datetime(2026, 11, 30, 17, 0, 5, tzinfo=SHANGHAI)


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


APPLY = [
    ApplyRecord(
        application_no="A2026113000000001",
        apply_type="N",
        product="D",
        volunteer_no="440100000001",
        name="张三",
        surname_pinyin="ZHANG",
        given_pinyin="SAN",
        gender="M",
        birth_date=date(1990, 1, 1),
        id_type="01",
        id_number="44010219900101123X",
        id_expiry=date(9999, 12, 31),
        nationality="CHN",
        mobile="13812345678",
        delivery="B",
        branch_code="44010001",
        city_code="440100",
        star_level=3,
        qr_payload="https://v.gd.cn/q/Zx81kQ",
        photo_sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        applied_at=t(2026, 11, 29, 10, 15, 30),
    ),
    ApplyRecord(
        application_no="A2026113000000002",
        apply_type="R",
        product="C",
        volunteer_no="440300000002",
        name="李𠈌",  # a four-byte GB18030 character (CJK extension B)
        surname_pinyin="LI",
        given_pinyin="YE",
        gender="F",
        birth_date=date(2010, 6, 15),
        id_type="01",
        id_number="440305201006150021",
        id_expiry=date(2030, 6, 15),
        nationality="CHN",
        mobile="+85261234567",
        delivery="M",
        mail_address="广东省深圳市南山区科技园路1号，A座1201",
        postcode="518057",
        city_code="440300",
        star_level=0,
        qr_payload="https://v.gd.cn/q/Ab02",
        photo_sha256="60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
        guardian_name="龚䶮",  # 䶮: CJK extension A, outside GBK
        guardian_id_type="01",
        guardian_id_number="440305198001010011",
        guardian_relation="02",
        applied_at=t(2026, 11, 30, 9, 0, 0),
    ),
    ApplyRecord(
        application_no="A2026113000000003",
        apply_type="N",
        product="D",
        volunteer_no="440100000003",
        name="陈大文",
        surname_pinyin="CHAN",
        given_pinyin="TAI MAN",
        gender="M",
        birth_date=date(1985, 12, 31),
        id_type="02",
        id_number="H12345678",
        id_expiry=date(2031, 1, 1),
        nationality="HKG",
        mobile="13900000000",
        delivery="B",
        branch_code="44010002",
        city_code="440100",
        star_level=5,
        qr_payload="Q3",
        photo_sha256="2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        applied_at=t(2026, 11, 30, 11, 59, 59),
    ),
]

RESULT = [
    ResultRecord(
        application_no="A2026113000000001",
        result="A",
        reason_code="0000",
        card_ref="CR-BOC-000000000001",
        masked_pan="621661******1234",
        expected_ready_date=date(2026, 12, 14),
    ),
    ResultRecord(
        application_no="A2026113000000002",
        result="R",
        reason_code="1003",
        reason_text="信用卡审批未通过",
    ),
    ResultRecord(application_no="A2026113000000003", result="R", reason_code="1099"),
]

EVENT = [
    EventRecord(event_id="E000001", card_ref="CR1", event_type="PRODUCED",
                event_time=t(2026, 11, 30, 8, 0, 0)),
    EventRecord(event_id="E000002", card_ref="CR2", event_type="MAILED",
                event_time=t(2026, 11, 30, 9, 0, 0), detail="SF1234567890"),
    EventRecord(event_id="E000003", card_ref="CR1", event_type="AT_BRANCH",
                event_time=t(2026, 11, 30, 9, 30, 0), detail="44010001"),
    EventRecord(event_id="E000004", card_ref="CR1", event_type="COLLECTED",
                event_time=t(2026, 11, 30, 10, 0, 0), detail="44010001"),
    EventRecord(event_id="E000005", card_ref="CR1", event_type="ACTIVATED",
                event_time=t(2026, 11, 30, 10, 5, 0)),
    EventRecord(event_id="E000006", card_ref="CR1", event_type="FIRST_SPEND",
                event_time=t(2026, 11, 30, 12, 0, 0)),
    EventRecord(event_id="E000007", card_ref="CR1", event_type="SPENDS",
                event_time=t(2026, 11, 30, 23, 59, 59), detail="12"),
    EventRecord(event_id="E000008", card_ref="CR3", event_type="CANCELLED",
                event_time=t(2026, 11, 30, 15, 0, 0), detail="L"),
]  # fmt: skip

POLICY = [
    PolicyRecord(card_ref="CR1", policy_no="P2026000001", insurer="BOCINS",
                 coverage_start=date(2026, 12, 1), coverage_end=date(2027, 11, 30), status="I"),
    PolicyRecord(card_ref="CR3", policy_no="P2026000002", insurer="BOCINS",
                 coverage_start=date(2026, 1, 1), coverage_end=date(2026, 12, 31), status="C"),
]  # fmt: skip

SERVICE = [
    ServiceRecord(card_ref="CR1", volunteer_no="440100000001", period_start=date(2026, 10, 1),
                  period_end=date(2026, 10, 31), activity_count=4, service_hours=125),
    ServiceRecord(card_ref="CR2", volunteer_no="440300000002", period_start=date(2026, 10, 1),
                  period_end=date(2026, 10, 31), activity_count=0, service_hours=0),
]  # fmt: skip

ORDER = [
    OrderRecord(order_no="U2026113000001", volunteer_no="440100000001", name="张三", size="XL",
                mail_address="广州市天河区体育西路1号, 2栋 \"东门\"", postcode="510000",
                mobile="13812345678", first_spend_date=date(2026, 11, 30)),
    OrderRecord(order_no="U2026113000002", volunteer_no="440300000002", name="李𠈌",
                size="S", mail_address="深圳市南山区科技园路1号", postcode="518057",
                mobile="+85261234567", first_spend_date=date(2026, 11, 29)),
]  # fmt: skip

STATUS = [
    StatusRecord(order_no="U2026113000001", status="PRODUCING", status_time=t(2026, 11, 30, 9, 0, 0)),
    StatusRecord(order_no="U2026113000002", status="SHIPPED", status_time=t(2026, 11, 30, 10, 0, 0),
                 tracking_no="SF0000000001"),
    StatusRecord(order_no="U2026112900009", status="DELIVERED", status_time=t(2026, 11, 30, 11, 0, 0),
                 tracking_no="SF0000000002"),
    StatusRecord(order_no="U2026112800001", status="RETURNED", status_time=t(2026, 11, 30, 12, 0, 0)),
]  # fmt: skip

RECORDS = {
    "APPLY": APPLY,
    "RESULT": RESULT,
    "EVENT": EVENT,
    "POLICY": POLICY,
    "SERVICE": SERVICE,
    "ORDER": ORDER,
    "STATUS": STATUS,
}


def header(partner: str, file_type: str, seq: int = 1) -> Header:
    return Header(
        partner=partner,
        file_type=file_type,
        business_date=DAY,
        seq=seq,
        count=None if partner == "UNF" else len(RECORDS[file_type]),
        created_at=CREATED if partner == "BOC" else None,
    )


def plain_name(partner: str, file_type: str, seq: int = 1, day: date = DAY) -> str:
    return build_filename(partner, file_type, day, seq, envelope=False)


def valid_files() -> dict[str, bytes]:
    out = {}
    for partner, types in PARTNER_FILE_TYPES.items():
        codec = codec_for(partner)
        for ft in types:
            out[plain_name(partner, ft)] = codec.encode(header(partner, ft), RECORDS[ft])
    return out


# --- breaking one rule -------------------------------------------------------------------


def boc_set(data: bytes, line: int, field: str, raw: bytes) -> bytes:
    """Put ``raw`` (bytes, padded to the width by the caller or not) into a BOC field."""
    from bank_adapters.boc.codec import _plan
    from bank_adapters.records import record_type

    file_type = data[5:13].decode().strip()
    names = [f.name for f in record_type(file_type).FIELDS]
    sl = _plan(file_type)[1][names.index(field)]
    lines = data.split(b"\r\n")
    ln = lines[line - 1]
    lines[line - 1] = ln[: sl.start] + raw + ln[sl.stop :]
    return b"\r\n".join(lines)


def icbc_set(data: bytes, line: int, field: str, raw: str) -> bytes:
    from bank_adapters.records import record_type

    file_type = data.split(b"|")[2].decode()
    names = [f.name for f in record_type(file_type).FIELDS]
    lines = data.split(b"\n")
    parts = lines[line - 1].decode().split("|")
    parts[names.index(field) + 1] = raw
    lines[line - 1] = "|".join(parts).encode()
    return b"\n".join(lines)


def ceb_edit(data: bytes, fn: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    fn(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def ceb_set(data: bytes, record: int, element: str, text: str | None) -> bytes:
    ns = "{urn:ceb:volunteer-card:v1}"

    def fn(root: etree._Element) -> None:
        rec = root.find(f"{ns}Records")[record]
        el = rec.find(ns + element)
        if text is None:
            rec.remove(el)
        else:
            el.text = text

    return ceb_edit(data, fn)


def unf_set(data: bytes, line: int, field: str, raw: str) -> bytes:
    lines = data.split(b"\r\n")
    names = lines[0].decode().split(",")
    from bank_adapters.unf.codec import _quote, _split

    parts = _split(lines[line - 1].decode())
    parts[names.index(field)] = raw
    lines[line - 1] = ",".join(_quote(p) for p in parts).encode()
    return b"\r\n".join(lines)


def _sub(pattern: bytes, repl: bytes, count: int = 1) -> Callable[[bytes], bytes]:
    return lambda d: re.sub(pattern, repl, d, count=count)


@dataclass(frozen=True)
class Broken:
    partner: str
    file_type: str
    breaks: Callable[[bytes], bytes]
    field: str | None  # the field the error must name; None: a rule about a line or file
    rule: str
    seq: int = 1  # the SEQ in the file's *name* (a different one breaks header = name)


def gb(s: str, width: int) -> bytes:
    b = s.encode("gb18030")
    return b + b" " * (width - len(b))


PAN = "6216610000001234"

BROKEN: dict[str, Broken] = {
    # BOC, fixed width GB18030
    "boc_header_partner": Broken("BOC", "EVENT", _sub(rb"^HBOC ", b"HBOX "), "partner",
                                 "wrong partner in the header"),
    "boc_header_name_seq": Broken("BOC", "EVENT", lambda d: d, "seq",
                                  "header SEQ differs from the file name", seq=2),
    "boc_header_type": Broken("BOC", "EVENT", _sub(rb"^HBOC EVENT   ", b"HBOC EVENTS  "),
                              "file_type", "unknown file type in the header"),
    "boc_trailer_count": Broken("BOC", "EVENT", _sub(rb"T0000000008\r\n", b"T0000000007\r\n"),
                                "count", "trailer count differs from the header"),
    "boc_header_count_high": Broken("BOC", "EVENT",
                                    _sub(rb"(^HBOC .{34})0000000008", rb"\g<1>0000000009"),
                                    "count", "header counts more records than there are"),
    "boc_header_count_low": Broken("BOC", "EVENT",
                                   _sub(rb"(^HBOC .{34})0000000008", rb"\g<1>0000000007"),
                                   "count", "more records than the header counts"),
    "boc_bad_date": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "birth_date", b"19900230"),
                           "birth_date", "a date that does not exist"),
    "boc_bad_time": Broken("BOC", "EVENT", lambda d: boc_set(d, 2, "event_time", b"20261130246000"),
                           "event_time", "a time that does not exist"),
    "boc_line_width": Broken("BOC", "EVENT", _sub(rb"(\r\nDE000002 )( )", rb"\1"), None,
                             "a detail line one byte short"),
    "boc_not_gb18030": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "name", gb("张", 39) + b"\x80"),
                              "name", "bytes that are not GB18030"),
    "boc_split_char": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "name", gb("张", 38) + "中".encode("gb18030")[:1] + b" "),
                             "name", "a two-byte character cut by the field's end"),
    "boc_non_ascii_a": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "volunteer_no", gb("4401中00001", 12)),
                              "volunteer_no", "Chinese in an A field"),
    "boc_apply_type": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "apply_type", b"X"),
                             "apply_type", "unknown apply_type"),
    "boc_product": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "product", b"Z"),
                          "product", "unknown product"),
    "boc_gender": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "gender", b"U"),
                         "gender", "unknown gender"),
    "boc_id_type": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "id_type", b"09"),
                          "id_type", "unknown id_type"),
    "boc_delivery": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "delivery", b"X"),
                           "delivery", "unknown delivery"),
    "boc_n_left_aligned": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "postcode", b"51    "),
                                 "postcode", "an N field not zero-padded"),
    "boc_star_level": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "star_level", b"6"),
                             "star_level", "star level above 5"),
    "boc_required_blank": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "application_no", b" " * 20),
                                 "application_no", "a required field left blank"),
    "boc_branch_missing": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "branch_code", b" " * 10),
                                 "branch_code", "collect at branch without a branch code"),
    "boc_minor_no_guardian": Broken("BOC", "APPLY", lambda d: boc_set(d, 2, "birth_date", b"20100101"),
                                    "guardian_name", "a minor without a guardian"),
    "boc_lf_only": Broken("BOC", "EVENT", lambda d: d.replace(b"\r\n", b"\n"), None,
                          "lines end in LF instead of CR LF"),
    "boc_no_trailer": Broken("BOC", "EVENT", _sub(rb"T0000000008\r\n$", b""), None,
                             "the trailer is missing"),
    "boc_after_trailer": Broken("BOC", "EVENT", lambda d: d + b"\r\n", None,
                                "something after the trailer"),
    "boc_masked_pan_full": Broken("BOC", "RESULT",
                                  lambda d: boc_set(d, 2, "masked_pan", gb(PAN, 19)),
                                  "masked_pan", "a full card number in masked_pan"),
    # ICBC, | delimited UTF-8
    "icbc_header_partner": Broken("ICBC", "RESULT", _sub(rb"^H\|ICBC\|", b"H|ICBK|"), "partner",
                                  "wrong partner in the header"),
    "icbc_header_name_date": Broken("ICBC", "RESULT", _sub(rb"\|20261130\|", b"|20261129|"),
                                    "business_date", "header date differs from the file name"),
    "icbc_header_bad_date": Broken("ICBC", "RESULT", _sub(rb"\|20261130\|", b"|20261131|"),
                                   "business_date", "a header date that does not exist"),
    "icbc_trailer_count": Broken("ICBC", "RESULT", _sub(rb"T\|3\|\n", b"T|2|\n"), "count",
                                 "trailer count differs from the header"),
    "icbc_field_count": Broken("ICBC", "RESULT", _sub(rb"\|1003\|", b"|1003||"), None,
                               "one field too many on a line"),
    "icbc_not_utf8": Broken("ICBC", "RESULT", lambda d: d.replace("信用卡".encode(), b"\xd0\xc5"),
                            None, "bytes that are not UTF-8"),
    "icbc_crlf": Broken("ICBC", "RESULT", lambda d: d.replace(b"\n", b"\r\n"), None,
                        "lines end in CR LF instead of LF"),
    "icbc_bom": Broken("ICBC", "RESULT", lambda d: b"\xef\xbb\xbf" + d, None, "a BOM"),
    "icbc_result": Broken("ICBC", "RESULT", lambda d: icbc_set(d, 2, "result", "X"), "result",
                          "unknown result"),
    "icbc_reason_code": Broken("ICBC", "RESULT", lambda d: icbc_set(d, 3, "reason_code", "1008"),
                               "reason_code", "unknown reason_code"),
    "icbc_accepted_reason": Broken("ICBC", "RESULT", lambda d: icbc_set(d, 2, "reason_code", "1001"),
                                   "reason_code", "accepted with a rejection reason"),
    "icbc_masked_pan_full": Broken("ICBC", "RESULT", lambda d: icbc_set(d, 2, "masked_pan", PAN),
                                   "masked_pan", "a full card number in masked_pan"),
    "icbc_card_ref_missing": Broken("ICBC", "RESULT", lambda d: icbc_set(d, 2, "card_ref", ""),
                                    "card_ref", "accepted without card_ref"),
    "icbc_bad_ready_date": Broken("ICBC", "RESULT",
                                  lambda d: icbc_set(d, 2, "expected_ready_date", "20261301"),
                                  "expected_ready_date", "a date that does not exist"),
    "icbc_name_too_long": Broken("ICBC", "APPLY", lambda d: icbc_set(d, 2, "name", "张" * 21),
                                 "name", "a name of 42 GB18030 bytes"),
    "icbc_a_non_ascii": Broken("ICBC", "APPLY", lambda d: icbc_set(d, 2, "surname_pinyin", "ZHĀNG"),
                               "surname_pinyin", "non-ASCII in an A field"),
    "icbc_insurer": Broken("ICBC", "POLICY", lambda d: icbc_set(d, 2, "insurer", "PICC"),
                           "insurer", "unknown insurer"),
    "icbc_service_hours": Broken("ICBC", "SERVICE", lambda d: icbc_set(d, 2, "service_hours", "12.5"),
                                 "service_hours", "a number with a point"),
    # CEB, XML
    "ceb_doctype": Broken("CEB", "EVENT",
                          lambda d: d.replace(b"?>\n", b"?>\n<!DOCTYPE BatchFile>\n", 1), None,
                          "a DTD"),
    "ceb_entity": Broken("CEB", "EVENT",
                         lambda d: d.replace(b"?>\n", b'?>\n<!DOCTYPE BatchFile [<!ENTITY x "E000001">]>\n', 1)
                         .replace(b"<EventId>E000001<", b"<EventId>&x;<"), None,
                         "an entity declared in an internal DTD"),
    "ceb_external_entity": Broken("CEB", "EVENT",
                                  lambda d: d.replace(b"?>\n", b'?>\n<!DOCTYPE BatchFile [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n', 1)
                                  .replace(b"<Detail>SF1234567890<", b"<Detail>&x;<"), None,
                                  "an external entity"),
    "ceb_event_type": Broken("CEB", "EVENT", lambda d: ceb_set(d, 0, "EventType", "LOST"),
                             "event_type", "unknown event_type"),
    "ceb_cancel_reason": Broken("CEB", "EVENT", lambda d: ceb_set(d, 7, "Detail", "X"),
                                "detail", "unknown cancellation reason"),
    "ceb_insurer": Broken("CEB", "POLICY", lambda d: ceb_set(d, 0, "Insurer", "PICC"),
                          "insurer", "unknown insurer"),
    "ceb_policy_status": Broken("CEB", "POLICY", lambda d: ceb_set(d, 1, "Status", "X"),
                                "status", "unknown policy status"),
    "ceb_bad_time": Broken("CEB", "EVENT", lambda d: ceb_set(d, 0, "EventTime", "20261130250000"),
                           "event_time", "a time that does not exist"),
    "ceb_missing_element": Broken("CEB", "EVENT", lambda d: ceb_set(d, 1, "EventTime", None),
                                  "event_time", "a required element left out"),
    "ceb_trailer_count": Broken("CEB", "EVENT", _sub(rb"<Trailer><Count>8<", b"<Trailer><Count>9<"),
                                "count", "trailer count differs from the header"),
    "ceb_header_count": Broken("CEB", "EVENT", _sub(rb"<Count>8</Count></Header>", b"<Count>7</Count></Header>"),
                               "count", "more records than the header counts"),
    "ceb_header_type": Broken("CEB", "EVENT", _sub(rb"<FileType>EVENT<", b"<FileType>ORDER<"),
                              "file_type", "a file type CEB does not exchange"),
    "ceb_header_name_type": Broken("CEB", "EVENT", _sub(rb"<FileType>EVENT<", b"<FileType>POLICY<"),
                                   "file_type", "header type differs from the file name"),
    "ceb_unknown_element": Broken("CEB", "EVENT", _sub(rb"</EventTime>", b"</EventTime><Note>x</Note>"),
                                  None, "an element the XSD does not know"),
    "ceb_wrong_order": Broken("CEB", "EVENT",
                              _sub(rb"<EventId>(E000001)</EventId><CardRef>(CR1)</CardRef>",
                                   rb"<CardRef>\2</CardRef><EventId>\1</EventId>"), "event_id",
                              "elements out of order"),
    "ceb_wrong_record": Broken("CEB", "EVENT", _sub(rb"<Event>(.*?)</Event>", rb"<Policy>\1</Policy>"),
                               None, "a record of another file type"),
    "ceb_encoding": Broken("CEB", "EVENT", _sub(rb"encoding='UTF-8'", b"encoding='GBK'"), None,
                           "declared in another encoding"),
    "ceb_not_well_formed": Broken("CEB", "EVENT", _sub(rb"</CardRef>", b"</Cardref>"), None,
                                  "XML that is not well-formed"),
    "ceb_masked_pan_full": Broken("CEB", "RESULT", lambda d: ceb_set(d, 0, "MaskedPan", PAN),
                                  "masked_pan", "a full card number in masked_pan"),
    # UNF, CSV
    "unf_size": Broken("UNF", "ORDER", lambda d: unf_set(d, 2, "size", "XS"), "size",
                       "unknown uniform size"),
    "unf_status": Broken("UNF", "STATUS", lambda d: unf_set(d, 2, "status", "LOST"), "status",
                         "unknown STATUS status"),
    "unf_shipped_no_tracking": Broken("UNF", "STATUS", lambda d: unf_set(d, 3, "tracking_no", ""),
                                      "tracking_no", "SHIPPED without tracking_no"),
    "unf_bad_date": Broken("UNF", "ORDER", lambda d: unf_set(d, 3, "first_spend_date", "2026-11-29"),
                           "first_spend_date", "a date not in YYYYMMDD"),
    "unf_header_row": Broken("UNF", "ORDER", _sub(rb"^order_no,", b"order,"), "header",
                             "a wrong header row"),
    "unf_lf_only": Broken("UNF", "STATUS", lambda d: d.replace(b"\r\n", b"\n"), None,
                          "rows end in LF instead of CR LF"),
    "unf_bom": Broken("UNF", "STATUS", lambda d: b"\xef\xbb\xbf" + d, None, "a BOM"),
    "unf_bad_quote": Broken("UNF", "ORDER", _sub(rb",XL,", b',X"L,'), None, "a quote inside an unquoted field"),
    "unf_field_count": Broken("UNF", "STATUS", _sub(rb"PRODUCING,", b"PRODUCING,,"), None,
                              "one field too many"),
    "unf_not_utf8": Broken("UNF", "ORDER", lambda d: d.replace("张三".encode(), "张三".encode("gbk")),
                           None, "bytes that are not UTF-8"),
    "unf_mobile": Broken("UNF", "ORDER", lambda d: unf_set(d, 2, "mobile", "138-1234-5678"),
                         "mobile", "a mobile with dashes"),
}  # fmt: skip


def broken_files() -> dict[str, tuple[str, bytes]]:
    """case -> (file name, bytes)."""
    valid = valid_files()
    out = {}
    for case, b in BROKEN.items():
        data = b.breaks(valid[plain_name(b.partner, b.file_type)])
        out[case] = (plain_name(b.partner, b.file_type, seq=b.seq), data)
    return out


def main() -> None:
    for name, data in valid_files().items():
        path = HERE / "valid" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for case, (name, data) in broken_files().items():
        path = HERE / "broken" / case / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.iterdir():
            old.unlink()
        path.write_bytes(data)
    print(f"{len(valid_files())} valid and {len(BROKEN)} broken files in {HERE}")


__all__ = ["BROKEN", "EXTENSIONS", "RECORDS", "header", "main", "plain_name", "valid_files"]

if __name__ == "__main__":
    main()
