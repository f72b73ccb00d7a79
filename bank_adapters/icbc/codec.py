"""ICBC files: ``|``-delimited UTF-8, LF (bank-interface.md section 5.2).

``H|ICBC|TYPE|YYYYMMDD|SEQ|COUNT|``, then ``D|`` and the fields of section 4 each followed by
``|``, then ``T|COUNT|``. Every line ends in LF, the last one too. No field may hold ``|``,
CR or LF. Lines are read one at a time from a binary stream with a length cap.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from functools import cache
from typing import BinaryIO

from bank_adapters.codecs import (
    as_stream,
    check_count,
    check_header_against_name,
    check_header_for_write,
    display_name,
    record_error,
    record_reader,
    records_for,
    render_record,
)
from bank_adapters.errors import FileFormatError
from bank_adapters.fields import COUNT_WIDTH, Bad, D, Field, N
from bank_adapters.icbc import FILE_TYPES, PARTNER
from bank_adapters.records import Header, Record

SEP = "|"

_DATE = Field("business_date", D, 8)
_SEQ = Field("seq", N, 4)
_COUNT = Field("count", N, COUNT_WIDTH, integer=True)
_HEADER_LIMIT = 64


def write(
    stream: BinaryIO,
    header: Header,
    records: Iterable[Record],
    *,
    filename: str | None = None,
) -> int:
    """Write an ICBC file to a binary stream; returns the number of detail records."""
    file = display_name(filename)
    check_header_for_write(header, PARTNER, filename=file)
    cls, fields = records_for(header.file_type)
    if header.count is None:
        records = list(records)
        count = len(records)
    else:
        count = header.count
    out = stream.write
    out(f"H|{PARTNER}|{header.file_type}|{header.business_date:%Y%m%d}|{header.seq:04d}|{count}|\n"
        .encode("ascii"))  # fmt: skip
    n = 0
    for rec in records:
        n += 1
        try:
            texts = render_record(rec, cls, fields)
            for f, t in zip(fields, texts, strict=True):
                if SEP in t:
                    raise Bad("不能包含 |", f.name)
        except Bad as e:
            value = getattr(rec, e.field, None) if e.field else None
            raise record_error(e, file=file, line=n + 1, fields=fields, value=value) from None
        out(("D|" + "|".join(texts) + "|\n").encode("utf-8"))
    check_count(n, header, file, n + 2)
    out(f"T|{n}|\n".encode("ascii"))
    return n


def encode(header: Header, records: Iterable[Record], *, filename: str | None = None) -> bytes:
    """The bytes of an ICBC file."""
    buf = io.BytesIO()
    write(buf, header, records, filename=filename)
    return buf.getvalue()


@cache
def _limit(file_type: str) -> int:
    _, fields = records_for(file_type)
    # A G field of w GB18030 bytes is at most 1.5 w UTF-8 bytes; be generous, the cap only
    # keeps a file without line ends from being read into memory at once.
    return 2 * sum(f.width for f in fields) + 2 * len(fields) + 16


def _line(line: bytes, lineno: int, file: str | None) -> str:
    if not line.endswith(b"\n"):
        raise FileFormatError("行应以 LF 结尾（或行过长）", file=file, line=lineno)
    try:
        text = line[:-1].decode("utf-8")
    except UnicodeDecodeError:
        raise FileFormatError("不是有效的 UTF-8 编码", file=file, line=lineno) from None
    if "\r" in text:
        raise FileFormatError("行应只以 LF 结尾，不能含 CR", file=file, line=lineno)
    if not text.endswith(SEP):
        raise FileFormatError("行应以 | 结尾", file=file, line=lineno)
    return text[:-1]


def _split(line: bytes, lineno: int, file: str | None) -> list[str]:
    return _line(line, lineno, file).split(SEP)


def _parse_header(line: bytes, file: str | None) -> Header:
    def bad(reason: str, field: str | None = None) -> FileFormatError:
        return FileFormatError(reason, file=file, line=1, field=field)

    if not line:
        raise bad("文件为空，缺少文件头")
    parts = _split(line, 1, file)
    if len(parts) != 6 or parts[0] != "H":
        raise bad("文件头应为 H|ICBC|TYPE|YYYYMMDD|SEQ|COUNT|")
    _, partner, file_type, ymd, seq, count = parts
    if partner != PARTNER:
        raise bad("合作方代码应为 ICBC", "partner")
    if file_type not in FILE_TYPES:
        raise bad(f"文件类型应为 {'、'.join(FILE_TYPES)} 之一", "file_type")
    values = {}
    for f, t in ((_DATE, ymd), (_SEQ, seq), (_COUNT, count)):
        try:
            values[f.name] = f.parse(t)
        except Bad as e:
            raise bad(e.reason, f.name) from None
    if values["seq"] == "0000":
        raise bad("SEQ 从 0001 开始", "seq")
    return Header(
        partner=PARTNER,
        file_type=file_type,
        business_date=values["business_date"],
        seq=int(values["seq"]),
        count=values["count"],
    )


def decode(
    source: bytes | BinaryIO, *, filename: str | None = None
) -> tuple[Header, Iterator[Record]]:
    """Read an ICBC file: the header now, the records lazily; the trailer is checked at the end."""
    stream = as_stream(source)
    file = display_name(filename)
    header = _parse_header(stream.readline(_HEADER_LIMIT), file)
    check_header_against_name(header, filename, line=1, field_of={})
    return header, _records(stream, header, file)


def _records(stream: BinaryIO, header: Header, file: str | None) -> Iterator[Record]:
    cls, fields = records_for(header.file_type)
    limit = _limit(header.file_type)
    read = record_reader(cls)
    nfields = len(fields)
    readline = stream.readline
    expected = header.count
    n = 0
    lineno = 1
    while True:
        line = readline(limit)
        lineno += 1
        kind = line[:2]
        if kind == b"D|":
            texts = _line(line, lineno, file)[2:].split(SEP)
            if len(texts) != nfields:
                raise FileFormatError(
                    f"明细行应有{nfields}个字段（实为{len(texts)}个）",
                    file=file,
                    line=lineno,
                )
            n += 1
            if n > expected:
                raise FileFormatError(
                    f"明细记录多于文件头所记的 {expected} 条", file=file, line=lineno, field="count"
                )
            try:
                yield read(texts)
            except Bad as e:
                raise record_error(
                    e, file=file, line=lineno, fields=fields, value=e.value
                ) from None
        elif kind == b"T|":
            _trailer(line, lineno, n, header, file)
            if readline(1):
                raise FileFormatError("文件尾之后不应再有内容", file=file, line=lineno + 1)
            return
        elif not line:
            raise FileFormatError("缺少文件尾（T 行）", file=file, line=lineno)
        else:
            raise FileFormatError("行首应为 D|（明细）或 T|（文件尾）", file=file, line=lineno)


def _trailer(line: bytes, lineno: int, n: int, header: Header, file: str | None) -> None:
    parts = _split(line, lineno, file)
    if len(parts) != 2:
        raise FileFormatError("文件尾应为 T|COUNT|", file=file, line=lineno)
    try:
        count = _COUNT.parse(parts[1])
    except Bad as e:
        raise FileFormatError(e.reason, file=file, line=lineno, field="count") from None
    if count != header.count or count != n:
        raise FileFormatError(
            f"记录数不一致：文件头 {header.count}，文件尾 {count}，实际 {n}",
            file=file,
            line=lineno,
            field="count",
        )
