"""Property tests: round trips over generated records, and no input makes a decoder do
anything but return records or raise FileFormatError."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from bank_adapters.codecs import PARTNER_FILE_TYPES, codec_for
from bank_adapters.errors import FileFormatError
from bank_adapters.fields import _BAD_G, SHANGHAI, A, Bad, D, Field, G, N, T
from bank_adapters.records import CHECKS, Header, record_type
from bank_adapters.tests.data import make_samples as S

DATA = Path(__file__).parent / "data"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters outside GBK that GB18030 encodes in four bytes, and ordinary ones.
RARE = "𠈌䶮𪚥𡃁鿏〇㐀😀"
COMMON = "张王李赵陈刘黄周吴徐孙马胡朱郭何林罗高郑梁谢宋唐许邓韩冯曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文省市区路号栋室，。、（）·"
PRINTABLE_ASCII = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "|")

g_chars = st.one_of(
    st.sampled_from(RARE),
    st.sampled_from(COMMON),
    st.sampled_from(PRINTABLE_ASCII),
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="|\ufffe\uffff"),
)


def _no_edge_space(t: str) -> bool:
    return bool(t) and t[0] != " " and t[-1] != " "


def gb_len(t: str) -> int:
    return len(t.encode("gb18030"))


def field_value(f: Field) -> st.SearchStrategy[Any]:
    """Values that each field's own rule accepts."""
    if f.codes is not None:
        return st.sampled_from(sorted(f.codes))
    if f.name == "masked_pan":
        return st.from_regex(r"[0-9]{6}\*{2,9}[0-9]{4}", fullmatch=True)
    if f.kind == A:
        if f.pattern:
            base = st.from_regex(f.pattern, fullmatch=True, alphabet=PRINTABLE_ASCII)
        else:
            base = st.text(PRINTABLE_ASCII, min_size=1, max_size=f.width)
        return base.filter(lambda t: len(t) <= f.width and _no_edge_space(t))
    if f.kind == G:
        return (
            st.text(g_chars, min_size=1, max_size=f.width)
            .filter(lambda t: _no_edge_space(t) and not _BAD_G.search(t))
            .filter(lambda t: gb_len(t) <= f.width)
        )
    if f.kind == N:
        if f.integer:
            top = min(10**f.width - 1, f.max_value if f.max_value is not None else 10**f.width)
            return st.integers(0, top)
        return st.from_regex(rf"[0-9]{{{f.width}}}", fullmatch=True)
    if f.kind == D:
        return st.dates(date(1900, 1, 1), date(9999, 12, 31))
    assert f.kind == T
    # Asia/Shanghai has had no daylight saving since 1991: every local time exists once.
    return st.datetimes(datetime(1992, 1, 1), datetime(2999, 12, 31)).map(
        lambda d: d.replace(microsecond=0, tzinfo=SHANGHAI)
    )


def _fix(rec: Any, draw: Any) -> Any:
    """Make a record of generated fields obey the rules across fields."""
    r = dataclasses.replace
    name = type(rec).FILE_TYPE
    if name == "APPLY":
        if rec.delivery == "B" and rec.branch_code is None:
            rec = r(rec, branch_code="B01")
        if rec.delivery == "M":
            rec = r(
                rec, mail_address=rec.mail_address or "广州市", postcode=rec.postcode or "510000"
            )
        if rec.guardian_name is not None:
            rec = r(
                rec,
                guardian_id_type=rec.guardian_id_type or "01",
                guardian_id_number=rec.guardian_id_number or "440101198001010011",
                guardian_relation=rec.guardian_relation or "03",
            )
        else:
            rec = r(
                rec,
                guardian_id_type=None,
                guardian_id_number=None,
                guardian_relation=None,
                birth_date=date(1900, 1, 1),
            )
    elif name == "RESULT":
        if rec.result == "A":
            rec = r(
                rec,
                reason_code="0000",
                card_ref=rec.card_ref or "C1",
                masked_pan=rec.masked_pan or "621661******1234",
                expected_ready_date=rec.expected_ready_date or date(2026, 12, 1),
            )
        elif rec.reason_code == "0000":
            rec = r(rec, reason_code="1099")
    elif name == "EVENT":
        detail = {
            "PRODUCED": None,
            "ACTIVATED": None,
            "FIRST_SPEND": None,
            "SPENDS": draw(st.from_regex(r"[0-9]{1,40}", fullmatch=True)),
            "CANCELLED": draw(st.sampled_from("LDVF")),
        }.get(rec.event_type, rec.detail or "X1")
        rec = r(rec, detail=detail)
    elif name in ("POLICY", "SERVICE"):
        a, b = (
            ("coverage_start", "coverage_end")
            if name == "POLICY"
            else ("period_start", "period_end")
        )
        lo, hi = sorted((getattr(rec, a), getattr(rec, b)))
        rec = r(rec, **{a: lo, b: hi})
    elif name == "STATUS" and rec.status == "SHIPPED" and rec.tracking_no is None:
        rec = r(rec, tracking_no="SF1")
    CHECKS[type(rec)](rec)
    return rec


@st.composite
def records(draw: Any, file_type: str) -> Any:
    cls = record_type(file_type)
    values = {}
    for f in cls.FIELDS:
        strategy = field_value(f)
        values[f.name] = draw(strategy if f.required else st.none() | strategy)
    return _fix(cls(**values), draw)


def _header(partner: str, file_type: str, n: int) -> Header:
    return Header(
        partner=partner,
        file_type=file_type,
        business_date=S.DAY,
        seq=1,
        count=None if partner == "UNF" else n,
        created_at=S.CREATED if partner == "BOC" else None,
    )


CASES = [(p, t) for p, types in PARTNER_FILE_TYPES.items() for t in types]


@pytest.mark.parametrize(("partner", "file_type"), CASES)
def test_round_trip(partner: str, file_type: str) -> None:
    codec = codec_for(partner)
    name = S.plain_name(partner, file_type)

    @SETTINGS
    @given(st.lists(records(file_type), max_size=4))
    def check(recs: list) -> None:
        header = _header(partner, file_type, len(recs))
        data = codec.encode(header, recs)
        got_header, got = codec.decode(data, filename=name)
        assert got_header == header
        assert list(got) == recs
        assert codec.encode(got_header, recs) == data

    check()


@SETTINGS
@given(st.text(g_chars, min_size=1, max_size=10))
@example("𠈌䶮")
def test_names_outside_gbk_round_trip_in_every_format(name: str) -> None:
    assume(_no_edge_space(name) and not _BAD_G.search(name) and gb_len(name) <= 40)
    rec = dataclasses.replace(S.APPLY[0], name=name)
    for partner in ("BOC", "ICBC", "CEB"):
        codec = codec_for(partner)
        data = codec.encode(_header(partner, "APPLY", 1), [rec])
        assert list(codec.decode(data, filename=S.plain_name(partner, "APPLY"))[1]) == [rec]
    order = dataclasses.replace(S.ORDER[0], name=name)
    data = codec_for("UNF").encode(_header("UNF", "ORDER", 1), [order])
    assert list(codec_for("UNF").decode(data, filename=S.plain_name("UNF", "ORDER"))[1]) == [order]


def _decode_or_refuse(partner: str, file_type: str, data: bytes) -> None:
    try:
        _, recs = codec_for(partner).decode(data, filename=S.plain_name(partner, file_type))
        for _ in recs:
            pass
    except FileFormatError as e:
        assert e.code == "bank_file_invalid"
        assert S.PAN not in str(e)


@pytest.mark.parametrize(("partner", "file_type"), CASES)
def test_arbitrary_bytes_decode_or_raise_the_error(partner: str, file_type: str) -> None:
    @SETTINGS
    @given(st.binary(max_size=600))
    def check(data: bytes) -> None:
        _decode_or_refuse(partner, file_type, data)

    check()


@pytest.mark.parametrize(("partner", "file_type"), CASES)
def test_mutated_samples_decode_or_raise_the_error(partner: str, file_type: str) -> None:
    """A valid file with a few bytes changed, cut or added: records or FileFormatError."""
    valid = (DATA / "valid" / S.plain_name(partner, file_type)).read_bytes()

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.integers(0, len(valid)),
                st.integers(0, 3),
                st.binary(max_size=3) | st.sampled_from([b"|", b"\r\n", b"<", b"&", b'"', b","]),
            ),
            min_size=1,
            max_size=3,
        )
    )
    def check(edits: list) -> None:
        data = valid
        for at, cut, new in edits:
            data = data[:at] + new + data[at + cut :]
        _decode_or_refuse(partner, file_type, data)

    check()


def _asciify(rec: Any) -> Any:
    changes = {
        f.name: "AB"
        for f in type(rec).FIELDS
        if f.kind == G and getattr(rec, f.name) is not None and not getattr(rec, f.name).isascii()
    }
    return dataclasses.replace(rec, **changes)


def _by_the_rules(cls: type, fields: tuple, texts: list[str]) -> Any:
    """The record each field's own rule and the record's check give for these texts, or None
    when one refuses."""
    try:
        rec = cls(**{f.name: f.parse(t) for f, t in zip(fields, texts, strict=True)})
        CHECKS[cls](rec)
    except Bad:
        return None
    return rec


def _one_line(partner: str, file_type: str, rec: Any, line: bytes) -> Any:
    """The record a file of ``rec`` with its detail line replaced by ``line`` decodes to, or
    None if the file is refused."""
    eol = b"\r\n" if partner == "BOC" else b"\n"
    lines = codec_for(partner).encode(_header(partner, file_type, 1), [rec]).split(eol)
    lines[1] = line
    try:
        (got,) = codec_for(partner).decode(eol.join(lines))[1]
    except FileFormatError:
        return None
    return got


@pytest.mark.parametrize("file_type", ["APPLY", "RESULT", "EVENT", "POLICY", "SERVICE"])
def test_the_readers_accept_exactly_what_the_field_rules_accept(file_type: str) -> None:
    """BOC's and ICBC's detail lines, mutated: a line is read into the record that the
    fields' rules give for its texts, and refused exactly when one of those rules refuses.
    BOC's texts by the spec's padding: A and G fields padded with spaces, N, D and T fields
    all spaces when blank (a value fills its width, N with leading zeros)."""
    cls = record_type(file_type)
    fields = cls.FIELDS
    ascii_chars = st.sampled_from(PRINTABLE_ASCII + "|")

    @settings(max_examples=150, deadline=None)
    @given(
        records(file_type).map(_asciify),
        st.lists(st.tuples(st.integers(0, 600), ascii_chars), max_size=3),
    )
    def check(rec: Any, edits: list) -> None:
        line = codec_for("BOC").encode(_header("BOC", file_type, 1), [rec]).split(b"\r\n")[1]
        text = line.decode("ascii")
        for at, ch in edits:
            at %= len(text)
            if at:
                text = text[:at] + ch + text[at + 1 :]
        padded, pos = [], 1
        for f in fields:
            padded.append(text[pos : pos + f.width])
            pos += f.width
        boc_texts = [
            t.rstrip(" ") if f.kind in (A, G) else "" if t == " " * f.width else t
            for f, t in zip(fields, padded, strict=True)
        ]
        assert _one_line("BOC", file_type, rec, text.encode("ascii")) == _by_the_rules(
            cls, fields, boc_texts
        )
        icbc_texts = [t.strip(" ") for t in padded]
        icbc_line = "D|" + "|".join(icbc_texts) + "|"
        want = None if "|" in "".join(icbc_texts) else _by_the_rules(cls, fields, icbc_texts)
        assert _one_line("ICBC", file_type, rec, icbc_line.encode("ascii")) == want

    check()
