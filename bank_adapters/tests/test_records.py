"""The shared field tables, record types, cross-field rules and the file-name rule."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from bank_adapters import codecs, fields
from bank_adapters.ceb.codec import XSD_PATH
from bank_adapters.codecs import build_filename, codec_for, parse_filename
from bank_adapters.errors import FileFormatError
from bank_adapters.fields import SHANGHAI, Bad
from bank_adapters.records import (
    FILE_TYPES,
    ApplyRecord,
    EventRecord,
    Header,
    ResultRecord,
    StatusRecord,
    record_type,
)
from bank_adapters.tests.data import make_samples as S
from core.errors import ValidationFailed

DATA = Path(__file__).parent / "data"
XS = "{http://www.w3.org/2001/XMLSchema}"


def test_spec_widths_match_the_tables() -> None:
    # The BOC column of section 4, summed: a typo in one width changes a total.
    totals = {t: sum(f.width for f in record_type(t).FIELDS) for t in FILE_TYPES[:5]}
    assert totals == {"APPLY": 531, "RESULT": 144, "EVENT": 122, "POLICY": 87, "SERVICE": 74}


@pytest.mark.parametrize("file_type", FILE_TYPES)
def test_dataclass_fields_follow_the_table(file_type: str) -> None:
    cls = record_type(file_type)
    assert [f.name for f in dataclasses.fields(cls)] == [f.name for f in cls.FIELDS]
    optional = {f.name for f in cls.FIELDS if not f.required}
    defaults = {f.name for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}
    assert defaults == optional


@pytest.mark.parametrize("file_type", FILE_TYPES[:5])
def test_ceb_elements_follow_the_xsd(file_type: str) -> None:
    """Element names, order and minOccurs of each XSD complexType agree with the table."""
    xsd = etree.parse(str(XSD_PATH))
    cls = record_type(file_type)
    ctype = xsd.find(f"{XS}complexType[@name='{cls.__name__.removesuffix('Record')}']")
    elements = ctype.findall(f"{XS}sequence/{XS}element")
    assert [e.get("name") for e in elements] == [f.element for f in cls.FIELDS]
    assert [e.get("minOccurs") != "0" for e in elements] == [f.required for f in cls.FIELDS]


def test_records_are_frozen() -> None:
    rec = S.EVENT[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.detail = "x"  # type: ignore[misc]


def test_error_is_a_validation_failed_with_code() -> None:
    err = FileFormatError("超出40字节", file="F.txt", line=3, field="name")
    assert isinstance(err, ValidationFailed)
    assert err.code == "bank_file_invalid"
    assert err.message == "文件 F.txt 第3行字段 name 超出40字节"
    assert err.as_dict()["extra"]["field"] == "name"


# --- field rules: render refuses what does not fit, never cuts ----------------------------

NAME = next(f for f in fields.APPLY_FIELDS if f.name == "name")
APP_NO = fields.APPLY_FIELDS[0]
STAR = next(f for f in fields.APPLY_FIELDS if f.name == "star_level")
APPLIED = fields.APPLY_FIELDS[-1]
BRANCH = next(f for f in fields.APPLY_FIELDS if f.name == "branch_code")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (NAME, "张" * 21, "超出40字节"),
        (NAME, "𠈌" * 11, "超出40字节"),  # four bytes each in GB18030
        (NAME, "张\n三", "控制字符"),
        (NAME, " 张三", "首尾不能有空格"),
        (APP_NO, "A" * 21, "超出20字节"),
        (APP_NO, "A中", "ASCII"),
        (APP_NO, "A\tB", "ASCII"),
        (STAR, 6, "不能大于 5"),
        (STAR, -1, "负数"),
        (STAR, "3", "应为 int"),
        (STAR, True, "应为 int"),
        (APPLIED, datetime(2026, 1, 1, 8, 0), "时区"),
        (APPLIED, datetime(2026, 1, 1, 8, 0, 0, 5, tzinfo=SHANGHAI), "微秒"),
        (APPLIED, date(2026, 1, 1), "应为 datetime"),
        (BRANCH, "", "None"),
    ],
)
def test_render_refuses(field: fields.Field, value: object, reason: str) -> None:
    with pytest.raises(Bad) as info:
        field.render(value)
    assert reason in info.value.reason


def test_name_width_counts_gb18030_bytes() -> None:
    assert NAME.render("张" * 20) == "张" * 20  # 40 bytes
    assert NAME.render("𠈌" * 10) == "𠈌" * 10  # 40 bytes
    assert NAME.render("䶮" * 10) == "䶮" * 10  # 䶮 is four bytes in GB18030 too


def test_time_is_written_in_shanghai_time() -> None:
    utc = datetime(2026, 11, 30, 1, 0, 0, tzinfo=UTC)
    assert APPLIED.render(utc) == "20261130090000"
    assert APPLIED.parse("20261130090000") == utc
    assert APPLIED.parse("20261130090000").tzinfo == SHANGHAI


# --- cross-field rules ---------------------------------------------------------------------


def _encode_one(rec: object, file_type: str) -> None:
    h = Header(partner="ICBC", file_type=file_type, business_date=S.DAY, seq=1)
    codec_for("ICBC").encode(h, [rec])


@pytest.mark.parametrize(
    ("rec", "field"),
    [
        (dataclasses.replace(S.APPLY[0], branch_code=None), "branch_code"),
        (dataclasses.replace(S.APPLY[1], postcode=None), "postcode"),
        (dataclasses.replace(S.APPLY[1], guardian_relation=None), "guardian_relation"),
        (
            dataclasses.replace(
                S.APPLY[1],
                guardian_name=None,
                guardian_id_type=None,
                guardian_id_number=None,
                guardian_relation=None,
            ),
            "guardian_name",
        ),
        (dataclasses.replace(S.RESULT[0], masked_pan=None), "masked_pan"),
        (dataclasses.replace(S.RESULT[1], reason_code="0000"), "reason_code"),
        (dataclasses.replace(S.EVENT[0], detail="x"), "detail"),
        (dataclasses.replace(S.EVENT[6], detail="a1"), "detail"),
        (dataclasses.replace(S.EVENT[1], detail=None), "detail"),
        (
            dataclasses.replace(
                S.POLICY[0], coverage_end=S.POLICY[0].coverage_start - timedelta(1)
            ),
            "coverage_end",
        ),
    ],
)
def test_encoder_refuses_cross_field_rules(rec: object, field: str) -> None:
    with pytest.raises(FileFormatError) as info:
        _encode_one(rec, type(rec).FILE_TYPE)
    assert info.value.field == field
    assert info.value.line == 2


def test_minor_is_judged_on_the_application_date() -> None:
    adult_on_day = dataclasses.replace(
        S.APPLY[1],
        birth_date=date(2008, 11, 30),
        guardian_name=None,
        guardian_id_type=None,
        guardian_id_number=None,
        guardian_relation=None,
    )
    _encode_one(adult_on_day, "APPLY")
    with pytest.raises(FileFormatError, match="guardian_name"):
        _encode_one(dataclasses.replace(adult_on_day, birth_date=date(2008, 12, 1)), "APPLY")


def test_status_shipped_needs_tracking() -> None:
    h = Header(partner="UNF", file_type="STATUS", business_date=S.DAY, seq=1)
    rec = StatusRecord(order_no="U1", status="SHIPPED", status_time=S.CREATED)
    with pytest.raises(FileFormatError) as info:
        codec_for("UNF").encode(h, [rec])
    assert info.value.field == "tracking_no"


def test_encoder_never_shows_a_full_card_number() -> None:
    rec = ResultRecord(
        application_no="A1",
        result="A",
        reason_code="0000",
        card_ref="C",
        masked_pan="6216610000001234",
        expected_ready_date=S.DAY,
    )
    for partner in ("BOC", "ICBC", "CEB"):
        h = Header(
            partner=partner, file_type="RESULT", business_date=S.DAY, seq=1, created_at=S.CREATED
        )
        with pytest.raises(FileFormatError) as info:
            codec_for(partner).encode(h, [rec])
        assert info.value.field == "masked_pan"
        assert "6216610000001234" not in str(info.value)
        assert "6216610000001234" not in repr(info.value.as_dict())


def test_error_masks_personal_values() -> None:
    rec = dataclasses.replace(S.APPLY[0], id_number="44010219900101123x")
    with pytest.raises(FileFormatError) as info:
        _encode_one(rec, "APPLY")
    assert info.value.field == "id_number"
    assert "44010219900101123x" not in str(info.value)
    assert "4401" in info.value.extra["value"]


def test_wrong_record_type_is_refused() -> None:
    with pytest.raises(FileFormatError) as info:
        _encode_one(S.EVENT[0], "RESULT")
    assert info.value.field == "record"


def test_header_count_must_match_records() -> None:
    h = Header(partner="ICBC", file_type="EVENT", business_date=S.DAY, seq=1, count=3)
    with pytest.raises(FileFormatError) as info:
        codec_for("ICBC").encode(h, S.EVENT[:2])
    assert info.value.field == "count"


# --- file names (section 1) --------------------------------------------------------------


def test_build_and_parse_file_name() -> None:
    name = build_filename("BOC", "APPLY", date(2026, 11, 30), 1)
    assert name == "BOC_APPLY_20261130_0001.txt.p7m"
    assert build_filename("BOC", "PHOTO", date(2026, 11, 30), 1) == (
        "BOC_PHOTO_20261130_0001.zip.p7m"
    )
    assert build_filename("CEB", "EVENT", date(2026, 1, 2), 12, envelope=False) == (
        "CEB_EVENT_20260102_0012.xml"
    )
    parsed = parse_filename("/tmp/in/" + name)
    assert (parsed.partner, parsed.file_type, parsed.business_date, parsed.seq) == (
        "BOC",
        "APPLY",
        date(2026, 11, 30),
        1,
    )
    assert parsed.extension == "txt" and parsed.envelope
    assert str(parsed) == name
    assert codecs.EXTENSIONS == {"BOC": "txt", "ICBC": "dat", "CEB": "xml", "UNF": "csv"}


@pytest.mark.parametrize(
    "name",
    [
        "BOC_APPLY_20261130_0001.dat.p7m",  # wrong extension for BOC
        "BOC_APPLY_20261131_0001.txt.p7m",  # no such date
        "BOC_APPLY_20261130_0000.txt.p7m",  # SEQ starts at 0001
        "BOC_APPLY_20261130_1.txt.p7m",
        "BOC_ORDER_20261130_0001.txt.p7m",  # banks get no ORDER files
        "UNF_EVENT_20261130_0001.csv.p7m",
        "XYZ_APPLY_20261130_0001.txt.p7m",
        "BOC_APPLY_20261130_0001.txt.part",
    ],
)
def test_bad_file_names(name: str) -> None:
    with pytest.raises(FileFormatError) as info:
        parse_filename(name)
    assert info.value.field == "filename"


def test_codec_registry() -> None:
    for partner, ext in codecs.EXTENSIONS.items():
        codec = codec_for(partner)
        assert codec.PARTNER == partner and codec.EXTENSION == ext
    assert codecs.codec_for_filename("ICBC_EVENT_20261130_0001.dat.p7m").PARTNER == "ICBC"
    with pytest.raises(KeyError):
        codec_for("ABC")


def test_samples_are_current() -> None:
    """The committed sample files are what make_samples.py makes from the records."""
    for name, data in S.valid_files().items():
        assert (DATA / "valid" / name).read_bytes() == data, name
    for case, (name, data) in S.broken_files().items():
        assert (DATA / "broken" / case / name).read_bytes() == data, case


def test_every_partner_and_type_has_a_valid_sample() -> None:
    names = {p.name for p in (DATA / "valid").iterdir() if p.suffix != ".py"}
    expected = {S.plain_name(p, t) for p, types in codecs.PARTNER_FILE_TYPES.items() for t in types}
    assert expected <= names


def test_event_record_repr_has_no_surprises() -> None:
    rec = EventRecord(event_id="E", card_ref="C", event_type="PRODUCED", event_time=S.CREATED)
    assert rec.detail is None
    assert ApplyRecord.FILE_TYPE == "APPLY"
