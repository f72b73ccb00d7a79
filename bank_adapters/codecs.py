"""Registry of the partners and their codecs, the file-name rule, and what all codecs share.

Every partner is one codec package (``CODEC_PACKAGES``: ``bank_adapters.boc``, ``.icbc``,
``.ceb``, ``.unf``); ``PARTNERS`` and everything said of partners here (codes, names, file
types each way, header options) is read from them. A package holds its partner's facts and
loads its codec (``codec.py``) only when asked for it, so the registry costs no codec (nor
lxml). Each has the same API::

    PARTNER: str                      # "BOC"
    NAME: str                         # "中国银行"
    EXTENSION: str                    # "txt"
    FILE_TYPES: tuple[str, ...]
    HEADER_COUNT: bool                # the header gives the number of records
    HEADER_CREATED_AT: bool           # the header gives the time the file was made
    write(stream, header, records, *, filename=None) -> int   # streams; returns the count
    encode(header, records, *, filename=None) -> bytes        # CEB: also XSD-validated
    decode(source, *, filename=None) -> tuple[Header, Iterator[Record]]

``source`` is bytes or a binary stream (read line by line / incrementally). ``filename`` (a
plain or ``.p7m`` name, a path is fine) only labels errors when encoding; when decoding it is
checked against the header (partner, type, date, SEQ), and UNF files, which have no header,
require it. ``header.count`` None when encoding means "count the records" (they are read
into a list first).

``decode`` reads the header at once (a bad header raises there); the iterator yields the
records one at a time and checks the trailer when it reaches it, so the last ``next()`` can
still raise. Apply nothing from a file before the iterator is exhausted: the whole file is
rejected if any part of it is wrong.
"""

from __future__ import annotations

import importlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from types import ModuleType
from typing import Any, BinaryIO, Protocol

from bank_adapters.errors import FileFormatError, show_value
from bank_adapters.fields import Bad, Field
from bank_adapters.records import CHECKS, FILE_TYPES, Header, Record, record_type

__all__ = [
    "BANKS",
    "EXTENSIONS",
    "PARTNERS",
    "Codec",
    "FileName",
    "Partner",
    "build_filename",
    "codec_for",
    "codec_for_filename",
    "decode_file",
    "header_for",
    "parse_filename",
]

CODEC_PACKAGES = (
    "bank_adapters.boc",
    "bank_adapters.icbc",
    "bank_adapters.ceb",
    "bank_adapters.unf",
)


@dataclass(frozen=True, slots=True)
class Partner:
    """What a partner's codec package says of it."""

    code: str
    name: str
    extension: str
    file_types: tuple[str, ...]
    header_count: bool
    header_created_at: bool
    package: str

    @property
    def inbound(self) -> tuple[str, ...]:
        """The file types the partner sends us, in the order one pickup applies them."""
        return tuple(t for t in FILE_TYPES if t in self.file_types and record_type(t).FROM_PARTNER)

    @property
    def outbound(self) -> tuple[str, ...]:
        """The file types we send the partner (an APPLY file's PHOTO archive aside)."""
        return tuple(t for t in self.file_types if not record_type(t).FROM_PARTNER)

    @property
    def is_bank(self) -> bool:
        """A card-issuing bank: it takes card applications."""
        return "APPLY" in self.file_types


def _partner(package: str) -> Partner:
    m = importlib.import_module(package)  # its facts only: the codec itself loads on first use
    return Partner(m.PARTNER, m.NAME, m.EXTENSION, tuple(m.FILE_TYPES), m.HEADER_COUNT,
                   m.HEADER_CREATED_AT, package)  # fmt: skip


PARTNERS: dict[str, Partner] = {p.code: p for p in map(_partner, CODEC_PACKAGES)}
BANKS = tuple(code for code, p in PARTNERS.items() if p.is_bank)
EXTENSIONS = {code: p.extension for code, p in PARTNERS.items()}
PARTNER_FILE_TYPES = {code: p.file_types for code, p in PARTNERS.items()}


class Codec(Protocol):
    PARTNER: str
    EXTENSION: str
    FILE_TYPES: tuple[str, ...]

    def write(
        self,
        stream: BinaryIO,
        header: Header,
        records: Iterable[Record],
        *,
        filename: str | None = None,
    ) -> int: ...

    def encode(
        self, header: Header, records: Iterable[Record], *, filename: str | None = None
    ) -> bytes: ...

    def decode(
        self, source: bytes | BinaryIO, *, filename: str | None = None
    ) -> tuple[Header, Iterator[Record]]: ...


def codec_for(partner: str) -> ModuleType:
    """The codec package of a partner code (``BOC``, ``ICBC``, ``CEB``, ``UNF``)."""
    try:
        return importlib.import_module(PARTNERS[partner].package)
    except KeyError:
        raise KeyError(f"no codec for partner {partner!r}") from None


# --- file names (section 1) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileName:
    partner: str
    file_type: str
    business_date: date
    seq: int
    extension: str
    envelope: bool  # ends in .p7m

    def __str__(self) -> str:
        return build_filename(
            self.partner, self.file_type, self.business_date, self.seq, envelope=self.envelope
        )


_NAME_RE = re.compile(
    rf"({'|'.join(PARTNERS)})_([A-Z]+)_([0-9]{{8}})_([0-9]{{4}})"
    rf"\.({'|'.join([*EXTENSIONS.values(), 'zip'])})(\.p7m)?"
)


def build_filename(
    partner: str, file_type: str, business_date: date, seq: int, *, envelope: bool = True
) -> str:
    """``BOC_APPLY_20261130_0001.txt.p7m`` (section 1); PHOTO archives get ``.zip``."""
    if partner not in EXTENSIONS:
        raise ValueError(f"unknown partner {partner!r}")
    if file_type != "PHOTO" and file_type not in PARTNER_FILE_TYPES[partner]:
        raise ValueError(f"{partner} exchanges no {file_type} files")
    if not 1 <= seq <= 9999:
        raise ValueError("SEQ is 0001 to 9999")
    ext = "zip" if file_type == "PHOTO" else EXTENSIONS[partner]
    name = f"{partner}_{file_type}_{business_date:%Y%m%d}_{seq:04d}.{ext}"
    return name + ".p7m" if envelope else name


def header_for(
    partner: str, file_type: str, business_date: date, seq: int, *, count: int,
    made_at: datetime,
) -> Header:  # fmt: skip
    """The header of a file we write for ``partner``: the record count and the time it was
    made (local, to the second) only where the partner's header carries them."""
    p = PARTNERS[partner]
    return Header(
        partner=partner,
        file_type=file_type,
        business_date=business_date,
        seq=seq,
        count=count if p.header_count else None,
        created_at=made_at.replace(microsecond=0) if p.header_created_at else None,
    )


def parse_filename(name: str) -> FileName:
    """Split a partner file name (a path is fine; ``.p7m`` optional), or raise FileFormatError."""
    base = os.path.basename(name)
    m = _NAME_RE.fullmatch(base)
    if m is None:
        raise _name_error(base, "文件名应为 {PARTNER}_{TYPE}_{YYYYMMDD}_{SEQ}.{EXT}.p7m")
    partner, file_type, ymd, seq, ext, p7m = m.groups()
    if file_type != "PHOTO" and file_type not in PARTNER_FILE_TYPES[partner]:
        raise _name_error(base, f"{partner} 没有 {file_type} 类型的文件")
    expected_ext = "zip" if file_type == "PHOTO" else EXTENSIONS[partner]
    if ext != expected_ext:
        raise _name_error(base, f"扩展名应为 .{expected_ext}")
    try:
        day = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        raise _name_error(base, "文件名中的日期无效") from None
    if seq == "0000":
        raise _name_error(base, "SEQ 从 0001 开始")
    return FileName(partner, file_type, day, int(seq), ext, p7m is not None)


def _name_error(base: str, reason: str) -> FileFormatError:
    return FileFormatError(reason, file=base, field="filename")


def codec_for_filename(name: str) -> ModuleType:
    """The codec that reads a file of this name."""
    return codec_for(parse_filename(name).partner)


def decode_file(source: bytes | BinaryIO, *, filename: str) -> tuple[Header, Iterator[Record]]:
    """Decode a plaintext partner file, choosing the codec by its name."""
    return codec_for_filename(filename).decode(source, filename=filename)


# --- shared by the codecs -------------------------------------------------------------


def as_stream(source: bytes | bytearray | memoryview | BinaryIO) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    if isinstance(source, str):
        raise TypeError("decode() takes bytes or a binary stream, not str")
    return source


def display_name(filename: str | None) -> str | None:
    return os.path.basename(filename) if filename else None


def check_header_against_name(
    header: Header, filename: str | None, *, line: int | None, field_of: dict[str, str]
) -> None:
    """A header must say what the name says: partner, type, date, SEQ (section 1)."""
    if not filename:
        return
    name = parse_filename(filename)
    base = os.path.basename(filename)
    for attr, shown in (
        ("partner", name.partner),
        ("file_type", name.file_type),
        ("business_date", name.business_date),
        ("seq", name.seq),
    ):
        if getattr(header, attr) != shown:
            raise FileFormatError(
                f"文件头与文件名不一致（文件名为 {_fmt(shown)}，文件头为 "
                f"{_fmt(getattr(header, attr))}）",
                file=base,
                line=line,
                field=field_of.get(attr, attr),
            )


def _fmt(v: Any) -> str:
    if isinstance(v, date):
        return f"{v:%Y%m%d}"
    if isinstance(v, int):
        return f"{v:04d}"
    return str(v)


def check_header_for_write(header: Header, partner: str, *, filename: str | None = None) -> None:
    """An encoder refuses a header that this partner's files cannot carry."""

    def bad(field: str, reason: str) -> FileFormatError:
        return FileFormatError(reason, file=filename, line=1, field=field)

    if not isinstance(header, Header):
        raise TypeError("header must be a bank_adapters.records.Header")
    if header.partner != partner:
        raise bad("partner", f"应为 {partner}")
    if header.file_type not in PARTNER_FILE_TYPES[partner]:
        raise bad("file_type", f"{partner} 没有 {header.file_type} 类型的文件")
    if not isinstance(header.business_date, date) or not 1 <= header.business_date.year <= 9999:
        raise bad("business_date", "应为 date")
    if not isinstance(header.seq, int) or not 1 <= header.seq <= 9999:
        raise bad("seq", "应为 1 到 9999 的整数")
    if header.count is not None and (
        not isinstance(header.count, int) or not 0 <= header.count < 10**10
    ):
        raise bad("count", "应为 0 到 9999999999 的整数")


def render_record(rec: Record, cls: type, fields: tuple[Field, ...]) -> list[str]:
    """Canonical unpadded text of every field, checking every rule; raises Bad with field."""
    if type(rec) is not cls:
        raise Bad(f"应为 {cls.__name__}，实为 {type(rec).__name__}", "record")
    texts = []
    for f in fields:
        try:
            texts.append(f.render(getattr(rec, f.name)))
        except Bad as e:
            e.field = e.field or f.name
            raise
    CHECKS[cls](rec)
    return texts


@cache
def record_reader(cls: type) -> Callable[[Sequence[str]], Record]:
    """The one way every codec reads a record: the unpadded text of each field, in the
    table's order, through that field's ``parse``, then the record's cross-field check.

    A wrong field raises ``Bad`` naming it, with ``value`` the text read (what the partner
    sent, for the error message). The record is built slot by slot instead of through the
    frozen dataclass's ``__init__``, which sets each field with ``object.__setattr__``: same
    record, every field set (the table holds them all, see ``records.py``).
    bench (callgrind, an EVENT record from a list of texts): 16,200 instructions this way,
    24,300 through ``cls(**values)``.
    """
    fields = cls.FIELDS
    setters = tuple(getattr(cls, f.name).__set__ for f in fields)
    parsers = tuple(f.parse for f in fields)
    position = {f.name: i for i, f in enumerate(fields)}
    check = CHECKS[cls]
    new = object.__new__

    def read(texts: Sequence[str]) -> Record:
        rec = new(cls)
        # Not strict: every codec has checked the number of texts already.
        for put, parse, text in zip(setters, parsers, texts):  # noqa: B905
            try:
                put(rec, parse(text))
            except Bad as e:
                e.value = text
                raise
        try:
            check(rec)
        except Bad as e:
            e.value = texts[position[e.field]] if e.field in position else None
            raise
        return rec

    return read


def record_error(
    e: Bad,
    *,
    file: str | None,
    line: int | None = None,
    record: int | None = None,
    fields: tuple[Field, ...] = (),
    value: Any = None,
    element: str | None = None,
) -> FileFormatError:
    """Turn an internal Bad into the one public error, masking the value by the field."""
    personal = None
    for f in fields:
        if f.name == e.field:
            personal = f.personal
            break
    shown = show_value(value, personal) if e.show else None
    return FileFormatError(
        e.reason, file=file, line=line, record=record, field=e.field, value=shown, element=element
    )


def records_for(file_type: str) -> tuple[type, tuple[Field, ...]]:
    cls = record_type(file_type)
    return cls, cls.FIELDS


def check_count(n: int, header: Header, filename: str | None, line: int | None) -> None:
    if header.count is not None and n != header.count:
        raise FileFormatError(
            f"文件头记录数为 {header.count}，实际写入 {n} 条",
            file=filename,
            line=line,
            field="count",
        )


__all__ += ["FILE_TYPES", "PARTNER_FILE_TYPES"]
