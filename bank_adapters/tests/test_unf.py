"""UNF codec: the samples both ways, every broken sample, and UNF's own rules."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bank_adapters import unf as codec
from bank_adapters.codecs import PARTNER_FILE_TYPES
from bank_adapters.errors import FileFormatError
from bank_adapters.records import Header
from bank_adapters.tests.data import make_samples as S

PARTNER = "UNF"
DATA = Path(__file__).parent / "data"
TYPES = PARTNER_FILE_TYPES[PARTNER]
BROKEN = [case for case, b in S.BROKEN.items() if b.partner == PARTNER]


def read(data: bytes | io.BytesIO, name: str) -> tuple[Header, list]:
    header, records = codec.decode(data, filename=name)
    return header, list(records)


@pytest.mark.parametrize("file_type", TYPES)
def test_sample_decodes_to_the_records(file_type: str) -> None:
    name = S.plain_name(PARTNER, file_type)
    header, records = read((DATA / "valid" / name).read_bytes(), name)
    assert header == S.header(PARTNER, file_type)
    assert records == S.RECORDS[file_type]


@pytest.mark.parametrize("file_type", TYPES)
def test_sample_reencodes_byte_for_byte(file_type: str) -> None:
    name = S.plain_name(PARTNER, file_type)
    data = (DATA / "valid" / name).read_bytes()
    with (DATA / "valid" / name).open("rb") as stream:  # from a binary stream, too
        header, records = read(stream, name)
    assert codec.encode(header, records) == data


@pytest.mark.parametrize("file_type", TYPES)
def test_records_round_trip(file_type: str) -> None:
    header = S.header(PARTNER, file_type)
    data = codec.encode(header, S.RECORDS[file_type])
    assert read(data, S.plain_name(PARTNER, file_type)) == (header, S.RECORDS[file_type])


@pytest.mark.parametrize("file_type", TYPES)
def test_empty_file_round_trips(file_type: str) -> None:
    header = S.header(PARTNER, file_type)
    header = Header(**{**{k: getattr(header, k) for k in header.__slots__},
                       "count": None if PARTNER == "UNF" else 0})  # fmt: skip
    assert read(codec.encode(header, []), S.plain_name(PARTNER, file_type)) == (header, [])


@pytest.mark.parametrize("case", BROKEN)
def test_broken_sample_is_refused(case: str) -> None:
    """Each broken sample breaks one rule; the error names the file and the field."""
    rule = S.BROKEN[case]
    path = next((DATA / "broken" / case).iterdir())
    with pytest.raises(FileFormatError) as info:
        read(path.read_bytes(), path.name)
    err = info.value
    assert err.code == "bank_file_invalid"
    assert err.field == rule.field, err.message
    assert err.file == path.name
    assert path.name in err.message
    if rule.field:
        assert f"字段 {rule.field}" in err.message
    assert S.PAN not in str(err) and S.PAN not in repr(err.extra)


def test_file_name_is_the_header() -> None:
    name = S.plain_name(PARTNER, "STATUS")
    data = (DATA / "valid" / name).read_bytes()
    header, _ = read(data, name + ".p7m")
    assert (header.business_date, header.seq, header.count) == (S.DAY, 1, None)
    assert read(data, S.plain_name(PARTNER, "STATUS", seq=7))[0].seq == 7
    with pytest.raises(FileFormatError) as info:
        read(data, S.plain_name(PARTNER, "ORDER"))
    assert info.value.field == "header"
    with pytest.raises(ValueError, match="filename"):
        codec.decode(data)
    with pytest.raises(FileFormatError) as info:
        read(data, "BOC_EVENT_20261130_0001.txt")
    assert info.value.field == "partner"


def test_encoder_refuses_another_partners_header() -> None:
    header = Header(partner="XXX", file_type=TYPES[0], business_date=S.DAY, seq=1,
                    created_at=S.CREATED)  # fmt: skip
    with pytest.raises(FileFormatError) as info:
        codec.encode(header, S.RECORDS[TYPES[0]])
    assert info.value.field == "partner"


# --- UNF's own rules (section 4.6) ----------------------------------------------------------


def test_layout() -> None:
    data = (DATA / "valid" / S.plain_name(PARTNER, "ORDER")).read_bytes()
    lines = data.split(b"\r\n")
    assert (
        lines[0] == b"order_no,volunteer_no,name,size,mail_address,postcode,mobile,first_spend_date"
    )
    assert lines[-1] == b""
    assert '"广州市天河区体育西路1号, 2栋 ""东门"""'.encode() in lines[1]
    assert not data.startswith(b"\xef\xbb\xbf")


def test_any_field_may_be_quoted() -> None:
    name = S.plain_name(PARTNER, "STATUS")
    data = (DATA / "valid" / name).read_bytes().replace(b",PRODUCING,", b',"PRODUCING",')
    assert read(data, name)[1] == S.STATUS


def test_line_break_inside_quotes_is_refused() -> None:
    name = S.plain_name(PARTNER, "ORDER")
    data = (DATA / "valid" / name).read_bytes().replace(b"2\xe6\xa0\x8b", b"2\r\n\xe6\xa0\x8b")
    with pytest.raises(FileFormatError) as info:
        read(data, name)
    assert info.value.line == 2
