"""BOC codec: the samples both ways, every broken sample, and BOC's own rules."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bank_adapters import boc as codec
from bank_adapters.codecs import PARTNER_FILE_TYPES
from bank_adapters.errors import FileFormatError
from bank_adapters.records import Header
from bank_adapters.tests.data import make_samples as S

PARTNER = "BOC"
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


# --- BOC's own rules (section 5.1) ----------------------------------------------------------


def test_layout_is_fixed_width_in_bytes() -> None:
    data = (DATA / "valid" / S.plain_name(PARTNER, "APPLY")).read_bytes()
    lines = data.split(b"\r\n")
    assert lines[-1] == b""  # CR LF after the last line too
    assert lines[0] == b"HBOC APPLY   20261130000120261130170005" + b"0000000003"
    assert lines[-2] == b"T0000000003"
    details = lines[1:-2]
    assert {len(line) for line in details} == {1 + 531}
    # 李𠈌: 2 + 4 bytes, then 34 spaces of padding in the 40-byte name field.
    name = details[1][1 + 20 + 1 + 1 + 12 :][:40]
    assert name == "李𠈌".encode("gb18030") + b" " * 34
    # N fields right-aligned and zero-padded, A fields left-aligned and space-padded.
    assert b"4401003https" in details[0]  # city_code 440100, star_level 3


def test_four_byte_character_counts_four() -> None:
    rec = S.APPLY[0]
    ok = codec.encode(S.header(PARTNER, "APPLY"), [rec, rec, S.APPLY[2]])
    assert ok
    import dataclasses

    fits = dataclasses.replace(rec, name="𠈌" * 10)
    header = Header(partner="BOC", file_type="APPLY", business_date=S.DAY, seq=1, count=1,
                    created_at=S.CREATED)  # fmt: skip
    data = codec.encode(header, [fits])
    assert read(data, S.plain_name(PARTNER, "APPLY"))[1] == [fits]
    with pytest.raises(FileFormatError) as info:
        codec.encode(header, [dataclasses.replace(rec, name="𠈌" * 10 + "张")])
    assert info.value.field == "name"
    assert "第2行字段 name 超出40字节" in info.value.message


def test_created_at_is_required_in_boc_headers() -> None:
    header = Header(partner="BOC", file_type="EVENT", business_date=S.DAY, seq=1, count=0)
    with pytest.raises(FileFormatError) as info:
        codec.encode(header, [])
    assert info.value.field == "created_at"


def test_file_without_final_crlf_is_refused() -> None:
    data = (DATA / "valid" / S.plain_name(PARTNER, "EVENT")).read_bytes()
    with pytest.raises(FileFormatError) as info:
        read(data[:-2], S.plain_name(PARTNER, "EVENT"))
    assert "CR LF" in info.value.message


def test_a_line_without_end_is_not_read_whole() -> None:
    """A file with no line ends is refused after one line's worth of bytes."""
    data = (DATA / "valid" / S.plain_name(PARTNER, "EVENT")).read_bytes().split(b"\r\n")[0]
    huge = io.BytesIO(data + b"\r\n" + b"D" * 50_000_000)
    with pytest.raises(FileFormatError) as info:
        read(huge, S.plain_name(PARTNER, "EVENT"))
    assert info.value.line == 2
    assert huge.tell() < 1000
