"""ICBC codec: the samples both ways, every broken sample, and ICBC's own rules."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bank_adapters import icbc as codec
from bank_adapters.codecs import PARTNER_FILE_TYPES
from bank_adapters.errors import FileFormatError
from bank_adapters.records import Header
from bank_adapters.tests.data import make_samples as S

PARTNER = "ICBC"
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


def test_header_must_match_the_file_name() -> None:
    name = S.plain_name(PARTNER, TYPES[0])
    data = (DATA / "valid" / name).read_bytes()
    read(data, name + ".p7m")  # the envelope's name is fine too
    with pytest.raises(FileFormatError) as info:
        read(data, S.plain_name(PARTNER, TYPES[0], seq=7))
    assert info.value.field == "seq"
    with pytest.raises(FileFormatError) as info:
        read(data, S.plain_name(PARTNER, TYPES[1]))
    assert info.value.field == "file_type"


def test_encoder_refuses_another_partners_header() -> None:
    header = Header(partner="XXX", file_type=TYPES[0], business_date=S.DAY, seq=1,
                    created_at=S.CREATED)  # fmt: skip
    with pytest.raises(FileFormatError) as info:
        codec.encode(header, S.RECORDS[TYPES[0]])
    assert info.value.field == "partner"


# --- ICBC's own rules (section 5.2) ---------------------------------------------------------


def test_layout() -> None:
    data = (DATA / "valid" / S.plain_name(PARTNER, "EVENT")).read_bytes()
    lines = data.split(b"\n")
    assert lines[0] == b"H|ICBC|EVENT|20261130|0001|8|"
    assert lines[1] == b"D|E000001|CR1|PRODUCED|20261130080000||"
    assert lines[-2] == b"T|8|"
    assert lines[-1] == b""  # LF after the last line too
    assert b"\r" not in data


@pytest.mark.parametrize("value", ["SF|123", "SF\r123", "SF\n123"])
def test_pipe_cr_lf_are_refused_when_encoding(value: str) -> None:
    import dataclasses

    rec = dataclasses.replace(S.EVENT[1], detail=value)
    with pytest.raises(FileFormatError) as info:
        codec.encode(S.header(PARTNER, "EVENT"), [rec, *S.EVENT[1:]])
    assert info.value.field == "detail"
    assert info.value.line == 2


def test_chinese_is_utf8() -> None:
    data = (DATA / "valid" / S.plain_name(PARTNER, "APPLY")).read_bytes()
    assert "李𠈌".encode() in data and "龚䶮".encode() in data
