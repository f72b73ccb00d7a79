"""CEB codec: the samples both ways, every broken sample, and CEB's own rules."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bank_adapters import ceb as codec
from bank_adapters.codecs import PARTNER_FILE_TYPES
from bank_adapters.errors import FileFormatError
from bank_adapters.records import Header
from bank_adapters.tests.data import make_samples as S

PARTNER = "CEB"
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


# --- CEB's own rules (section 5.3) ----------------------------------------------------------

import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

from lxml import etree  # noqa: E402

from bank_adapters.ceb.codec import XSD_PATH, validate  # noqa: E402


def test_xsd_copy_is_the_spec() -> None:
    # shared/ lies beside the repository's folder (on a developer's machine and in CI).
    spec = Path(__file__).resolve().parents[3] / "shared/specs/ceb-volunteer-card-v1.xsd"
    if not spec.exists():
        pytest.skip(f"shared spec folder not present ({spec})")
    assert XSD_PATH.read_bytes() == spec.read_bytes()


@pytest.mark.parametrize("file_type", TYPES)
def test_output_validates_against_the_xsd(file_type: str) -> None:
    data = codec.encode(S.header(PARTNER, file_type), S.RECORDS[file_type])
    validate(data)
    doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    assert codec.codec.schema().validate(doc.getroottree())
    assert doc.nsmap == {None: "urn:ceb:volunteer-card:v1"}


@pytest.mark.parametrize("file_type", TYPES)
def test_xmllint_agrees(file_type: str) -> None:
    if shutil.which("xmllint") is None:
        pytest.skip("xmllint not installed (Debian package libxml2-utils)")
    path = DATA / "valid" / S.plain_name(PARTNER, file_type)
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
        read(data, S.plain_name(PARTNER, "EVENT"))
    assert time.perf_counter() - start < 5


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = next((DATA / "broken" / "ceb_external_entity").iterdir())
    data = path.read_bytes().replace(b"file:///etc/passwd", secret.as_uri().encode())
    with pytest.raises(FileFormatError) as info:
        read(data, path.name)
    assert "TOPSECRET" not in str(info.value)


def test_attributes_are_refused() -> None:
    name = S.plain_name(PARTNER, "EVENT")
    data = (DATA / "valid" / name).read_bytes().replace(b"<EventId>", b'<EventId a="1">', 1)
    with pytest.raises(FileFormatError) as info:
        read(data, name)
    assert info.value.field == "event_id"


def test_schema_location_on_the_root_is_allowed() -> None:
    name = S.plain_name(PARTNER, "EVENT")
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
    assert read(data, name)[1] == S.EVENT


def test_pretty_printed_input_is_read() -> None:
    name = S.plain_name(PARTNER, "APPLY")
    data = (DATA / "valid" / name).read_bytes()
    doc = etree.fromstring(data, etree.XMLParser(remove_blank_text=True))
    pretty = etree.tostring(doc, pretty_print=True, xml_declaration=True, encoding="UTF-8")
    assert read(pretty, name)[1] == S.APPLY


def test_records_outside_records_are_refused() -> None:
    name = S.plain_name(PARTNER, "EVENT")
    data = (DATA / "valid" / name).read_bytes()
    moved = data.replace(b"<Records>\n", b"<Records>\n</Records>\n<Records>\n", 1)
    with pytest.raises(FileFormatError):
        read(moved, name)
    garbage = data.replace(b"</Records>", b"<Event/>x</Records>")
    with pytest.raises(FileFormatError):
        read(garbage, name)
