"""Every partner's codec: the samples both ways and every broken sample (one set of tests,
run for each partner of ``codecs.PARTNERS``), then each partner's own rules."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from lxml import etree

from bank_adapters import boc, ceb, icbc, unf
from bank_adapters.ceb.codec import XSD_PATH, validate
from bank_adapters.codecs import PARTNERS, codec_for
from bank_adapters.errors import FileFormatError
from bank_adapters.records import Header
from bank_adapters.tests.data import make_samples as S

BOC, ICBC, CEB, UNF = "BOC", "ICBC", "CEB", "UNF"
DATA = Path(__file__).parent / "data"
SAMPLES = [(code, t) for code, p in PARTNERS.items() for t in p.file_types]
BROKEN = [case for case, b in S.BROKEN.items() if b.partner in PARTNERS]
# The partners whose files begin with a header line (UNF's header is its file name).
HEADED = [code for code, p in PARTNERS.items() if p.header_count]


def read(partner: str, data: bytes | io.BytesIO, name: str) -> tuple[Header, list]:
    header, records = codec_for(partner).decode(data, filename=name)
    return header, list(records)


@pytest.mark.parametrize(("partner", "file_type"), SAMPLES)
def test_sample_decodes_to_the_records(partner: str, file_type: str) -> None:
    name = S.plain_name(partner, file_type)
    header, records = read(partner, (DATA / "valid" / name).read_bytes(), name)
    assert header == S.header(partner, file_type)
    assert records == S.RECORDS[file_type]


@pytest.mark.parametrize(("partner", "file_type"), SAMPLES)
def test_sample_reencodes_byte_for_byte(partner: str, file_type: str) -> None:
    name = S.plain_name(partner, file_type)
    data = (DATA / "valid" / name).read_bytes()
    with (DATA / "valid" / name).open("rb") as stream:  # from a binary stream, too
        header, records = read(partner, stream, name)
    assert codec_for(partner).encode(header, records) == data


@pytest.mark.parametrize(("partner", "file_type"), SAMPLES)
def test_records_round_trip(partner: str, file_type: str) -> None:
    header = S.header(partner, file_type)
    data = codec_for(partner).encode(header, S.RECORDS[file_type])
    assert read(partner, data, S.plain_name(partner, file_type)) == (
        header,
        S.RECORDS[file_type],
    )


@pytest.mark.parametrize(("partner", "file_type"), SAMPLES)
def test_empty_file_round_trips(partner: str, file_type: str) -> None:
    header = S.header(partner, file_type)
    header = Header(**{**{k: getattr(header, k) for k in header.__slots__},
                       "count": 0 if PARTNERS[partner].header_count else None})  # fmt: skip
    data = codec_for(partner).encode(header, [])
    assert read(partner, data, S.plain_name(partner, file_type)) == (header, [])


@pytest.mark.parametrize("case", BROKEN)
def test_broken_sample_is_refused(case: str) -> None:
    """Each broken sample breaks one rule; the error names the file and the field."""
    rule = S.BROKEN[case]
    path = next((DATA / "broken" / case).iterdir())
    with pytest.raises(FileFormatError) as info:
        read(rule.partner, path.read_bytes(), path.name)
    err = info.value
    assert err.code == "bank_file_invalid"
    assert err.field == rule.field, err.message
    assert err.file == path.name
    assert path.name in err.message
    if rule.field:
        assert f"字段 {rule.field}" in err.message
    assert S.PAN not in str(err) and S.PAN not in repr(err.extra)


@pytest.mark.parametrize("partner", HEADED)
def test_header_must_match_the_file_name(partner: str) -> None:
    types = PARTNERS[partner].file_types
    name = S.plain_name(partner, types[0])
    data = (DATA / "valid" / name).read_bytes()
    read(partner, data, name + ".p7m")  # the envelope's name is fine too
    with pytest.raises(FileFormatError) as info:
        read(partner, data, S.plain_name(partner, types[0], seq=7))
    assert info.value.field == "seq"
    with pytest.raises(FileFormatError) as info:
        read(partner, data, S.plain_name(partner, types[1]))
    assert info.value.field == "file_type"


@pytest.mark.parametrize("partner", PARTNERS)
def test_encoder_refuses_another_partners_header(partner: str) -> None:
    file_type = PARTNERS[partner].file_types[0]
    header = Header(partner="XXX", file_type=file_type, business_date=S.DAY, seq=1,
                    created_at=S.CREATED)  # fmt: skip
    with pytest.raises(FileFormatError) as info:
        codec_for(partner).encode(header, S.RECORDS[file_type])
    assert info.value.field == "partner"


# --- BOC's own rules (section 5.1) ----------------------------------------------------------


def test_layout_is_fixed_width_in_bytes() -> None:
    data = (DATA / "valid" / S.plain_name(BOC, "APPLY")).read_bytes()
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
    ok = boc.encode(S.header(BOC, "APPLY"), [rec, rec, S.APPLY[2]])
    assert ok
    fits = dataclasses.replace(rec, name="𠈌" * 10)
    header = Header(partner="BOC", file_type="APPLY", business_date=S.DAY, seq=1, count=1,
                    created_at=S.CREATED)  # fmt: skip
    data = boc.encode(header, [fits])
    assert read(BOC, data, S.plain_name(BOC, "APPLY"))[1] == [fits]
    with pytest.raises(FileFormatError) as info:
        boc.encode(header, [dataclasses.replace(rec, name="𠈌" * 10 + "张")])
    assert info.value.field == "name"
    assert "第2行字段 name 超出40字节" in info.value.message


def test_created_at_is_required_in_boc_headers() -> None:
    header = Header(partner="BOC", file_type="EVENT", business_date=S.DAY, seq=1, count=0)
    with pytest.raises(FileFormatError) as info:
        boc.encode(header, [])
    assert info.value.field == "created_at"


def test_file_without_final_crlf_is_refused() -> None:
    data = (DATA / "valid" / S.plain_name(BOC, "EVENT")).read_bytes()
    with pytest.raises(FileFormatError) as info:
        read(BOC, data[:-2], S.plain_name(BOC, "EVENT"))
    assert "CR LF" in info.value.message


def test_a_line_without_end_is_not_read_whole() -> None:
    """A file with no line ends is refused after one line's worth of bytes."""
    data = (DATA / "valid" / S.plain_name(BOC, "EVENT")).read_bytes().split(b"\r\n")[0]
    huge = io.BytesIO(data + b"\r\n" + b"D" * 50_000_000)
    with pytest.raises(FileFormatError) as info:
        read(BOC, huge, S.plain_name(BOC, "EVENT"))
    assert info.value.line == 2
    assert huge.tell() < 1000


# --- ICBC's own rules (section 5.2) ---------------------------------------------------------


def test_icbc_layout() -> None:
    data = (DATA / "valid" / S.plain_name(ICBC, "EVENT")).read_bytes()
    lines = data.split(b"\n")
    assert lines[0] == b"H|ICBC|EVENT|20261130|0001|8|"
    assert lines[1] == b"D|E000001|CR1|PRODUCED|20261130080000||"
    assert lines[-2] == b"T|8|"
    assert lines[-1] == b""  # LF after the last line too
    assert b"\r" not in data


@pytest.mark.parametrize("value", ["SF|123", "SF\r123", "SF\n123"])
def test_pipe_cr_lf_are_refused_when_encoding(value: str) -> None:
    rec = dataclasses.replace(S.EVENT[1], detail=value)
    with pytest.raises(FileFormatError) as info:
        icbc.encode(S.header(ICBC, "EVENT"), [rec, *S.EVENT[1:]])
    assert info.value.field == "detail"
    assert info.value.line == 2


def test_chinese_is_utf8() -> None:
    data = (DATA / "valid" / S.plain_name(ICBC, "APPLY")).read_bytes()
    assert "李𠈌".encode() in data and "龚䶮".encode() in data


# --- CEB's own rules (section 5.3) ----------------------------------------------------------


def test_xsd_copy_is_the_spec() -> None:
    # shared/ lies beside the repository's folder (on a developer's machine and in CI).
    spec = Path(__file__).resolve().parents[3] / "shared/specs/ceb-volunteer-card-v1.xsd"
    if not spec.exists():
        pytest.skip(f"shared spec folder not present ({spec})")
    assert XSD_PATH.read_bytes() == spec.read_bytes()


@pytest.mark.parametrize("file_type", PARTNERS["CEB"].file_types)
def test_output_validates_against_the_xsd(file_type: str) -> None:
    data = ceb.encode(S.header(CEB, file_type), S.RECORDS[file_type])
    validate(data)
    doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    assert ceb.codec.schema().validate(doc.getroottree())
    assert doc.nsmap == {None: "urn:ceb:volunteer-card:v1"}


@pytest.mark.parametrize("file_type", PARTNERS["CEB"].file_types)
def test_xmllint_agrees(file_type: str) -> None:
    if shutil.which("xmllint") is None:
        pytest.skip("xmllint not installed (Debian package libxml2-utils)")
    path = DATA / "valid" / S.plain_name(CEB, file_type)
    run = subprocess.run(
        ["xmllint", "--noout", "--nonet", "--schema", str(XSD_PATH), str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "validates" in run.stderr


def test_xmllint_refuses_what_the_decoder_refuses() -> None:
    if shutil.which("xmllint") is None:
        pytest.skip("xmllint not installed (Debian package libxml2-utils)")
    path = next((DATA / "broken" / "ceb_insurer").iterdir())
    run = subprocess.run(
        ["xmllint", "--noout", "--nonet", "--schema", str(XSD_PATH), str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    with pytest.raises(FileFormatError, match="XSD"):
        validate(path.read_bytes())


def test_validate_masks_values() -> None:
    path = next((DATA / "broken" / "ceb_masked_pan_full").iterdir())
    data = path.read_bytes().replace(S.PAN.encode(), S.PAN.encode() + b"X")
    with pytest.raises(FileFormatError) as info:
        validate(data)
    assert "MaskedPan" in str(info.value)
    assert S.PAN not in str(info.value)


def test_billion_laughs_is_refused_at_once() -> None:
    lol = b'<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (i, b"".join(b"&l%d;" % (i - 1) for _ in range(10)))
        for i in range(1, 10)
    )
    data = (
        b"<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE BatchFile [" + lol + b"]>\n"
        b'<BatchFile xmlns="urn:ceb:volunteer-card:v1"><Header><Partner>&l9;</Partner>'
        b"</Header></BatchFile>\n"
    )
    start = time.perf_counter()
    with pytest.raises(FileFormatError):  # DTD refused, or libxml2's amplification limit first
        read(CEB, data, S.plain_name(CEB, "EVENT"))
    assert time.perf_counter() - start < 5


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = next((DATA / "broken" / "ceb_external_entity").iterdir())
    data = path.read_bytes().replace(b"file:///etc/passwd", secret.as_uri().encode())
    with pytest.raises(FileFormatError) as info:
        read(CEB, data, path.name)
    assert "TOPSECRET" not in str(info.value)


def test_attributes_are_refused() -> None:
    name = S.plain_name(CEB, "EVENT")
    data = (DATA / "valid" / name).read_bytes().replace(b"<EventId>", b'<EventId a="1">', 1)
    with pytest.raises(FileFormatError) as info:
        read(CEB, data, name)
    assert info.value.field == "event_id"


def test_schema_location_on_the_root_is_allowed() -> None:
    name = S.plain_name(CEB, "EVENT")
    data = (
        (DATA / "valid" / name)
        .read_bytes()
        .replace(
            b'<BatchFile xmlns="urn:ceb:volunteer-card:v1">',
            b'<BatchFile xmlns="urn:ceb:volunteer-card:v1" '
            b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            b'xsi:schemaLocation="urn:ceb:volunteer-card:v1 ceb-volunteer-card-v1.xsd">',
        )
    )
    assert read(CEB, data, name)[1] == S.EVENT


def test_pretty_printed_input_is_read() -> None:
    name = S.plain_name(CEB, "APPLY")
    data = (DATA / "valid" / name).read_bytes()
    doc = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    pretty = etree.tostring(doc, pretty_print=True, xml_declaration=True, encoding="UTF-8")
    assert read(CEB, pretty, name)[1] == S.APPLY


def test_records_outside_records_are_refused() -> None:
    name = S.plain_name(CEB, "EVENT")
    data = (DATA / "valid" / name).read_bytes()
    moved = data.replace(b"<Records>\n", b"<Records>\n</Records>\n<Records>\n", 1)
    with pytest.raises(FileFormatError):
        read(CEB, moved, name)
    garbage = data.replace(b"</Records>", b"<Event/>x</Records>")
    with pytest.raises(FileFormatError):
        read(CEB, garbage, name)


# --- UNF's own rules (section 4.6) ----------------------------------------------------------


def test_unf_layout() -> None:
    data = (DATA / "valid" / S.plain_name(UNF, "ORDER")).read_bytes()
    lines = data.split(b"\r\n")
    assert (
        lines[0] == b"order_no,volunteer_no,name,size,mail_address,postcode,mobile,first_spend_date"
    )
    assert lines[-1] == b""
    assert '"广州市天河区体育西路1号, 2栋 ""东门"""'.encode() in lines[1]
    assert not data.startswith(b"\xef\xbb\xbf")


def test_any_field_may_be_quoted() -> None:
    name = S.plain_name(UNF, "STATUS")
    data = (DATA / "valid" / name).read_bytes().replace(b",PRODUCING,", b',"PRODUCING",')
    assert read(UNF, data, name)[1] == S.STATUS


def test_line_break_inside_quotes_is_refused() -> None:
    name = S.plain_name(UNF, "ORDER")
    data = (DATA / "valid" / name).read_bytes().replace(b"2\xe6\xa0\x8b", b"2\r\n\xe6\xa0\x8b")
    with pytest.raises(FileFormatError) as info:
        read(UNF, data, name)
    assert info.value.line == 2


def test_file_name_is_the_header() -> None:
    name = S.plain_name(UNF, "STATUS")
    data = (DATA / "valid" / name).read_bytes()
    header, _ = read(UNF, data, name + ".p7m")
    assert (header.business_date, header.seq, header.count) == (S.DAY, 1, None)
    assert read(UNF, data, S.plain_name(UNF, "STATUS", seq=7))[0].seq == 7
    with pytest.raises(FileFormatError) as info:
        read(UNF, data, S.plain_name(UNF, "ORDER"))
    assert info.value.field == "header"
    with pytest.raises(ValueError, match="filename"):
        unf.decode(data)
    with pytest.raises(FileFormatError) as info:
        read(UNF, data, "BOC_EVENT_20261130_0001.txt")
    assert info.value.field == "partner"
