"""UNF (uniform maker) files: CSV, RFC 4180 (bank-interface.md section 4.6).

UTF-8 without BOM, rows end in CR LF, a header row with the field names, one row per
record, no trailer. A field holding a comma or a quote is quoted (``"`` doubled inside);
line breaks cannot occur because no field may hold a control character. The file carries
no header of its own, so the partner, type, date and SEQ come from the file name and
``Header.count`` is None when reading.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import BinaryIO

from bank_adapters.codecs import (
    as_stream,
    check_count,
    check_header_for_write,
    display_name,
    parse_filename,
    record_error,
    record_reader,
    records_for,
    render_record,
)
from bank_adapters.errors import FileFormatError
from bank_adapters.fields import Bad
from bank_adapters.records import Header, Record
from bank_adapters.unf import PARTNER

EOL = b"\r\n"

_QUOTED = re.compile(r'"((?:[^"]|"")*)"|([^,"]*)')


def _quote(t: str) -> str:
    if "," in t or '"' in t:
        return '"' + t.replace('"', '""') + '"'
    return t


def _split(text: str) -> list[str]:
    if '"' not in text:
        return text.split(",")
    out, pos, end = [], 0, len(text)
    while True:
        m = _QUOTED.match(text, pos)
        assert m is not None  # the second branch matches the empty string
        quoted = m.group(1)
        out.append(quoted.replace('""', '"') if quoted is not None else m.group(2))
        pos = m.end()
        if pos == end:
            return out
        if text[pos] != ",":
            raise Bad("引号用法不符合 RFC 4180（引号须包住整个字段，字段内的引号须写成两个）")
        pos += 1


def write(
    stream: BinaryIO,
    header: Header,
    records: Iterable[Record],
    *,
    filename: str | None = None,
) -> int:
    """Write a UNF CSV file to a binary stream; returns the number of records."""
    file = display_name(filename)
    check_header_for_write(header, PARTNER, filename=file)
    cls, fields = records_for(header.file_type)
    out = stream.write
    out((",".join(f.name for f in fields)).encode("ascii") + EOL)
    n = 0
    for rec in records:
        n += 1
        try:
            texts = render_record(rec, cls, fields)
        except Bad as e:
            value = getattr(rec, e.field, None) if e.field else None
            raise record_error(e, file=file, line=n + 1, fields=fields, value=value) from None
        out((",".join([_quote(t) for t in texts])).encode("utf-8") + EOL)
    check_count(n, header, file, None)
    return n


def encode(header: Header, records: Iterable[Record], *, filename: str | None = None) -> bytes:
    """The bytes of a UNF CSV file."""
    buf = io.BytesIO()
    write(buf, header, records, filename=filename)
    return buf.getvalue()


@cache
def _plan(file_type: str) -> tuple[int, bytes]:
    _, fields = records_for(file_type)
    limit = 3 * sum(f.width for f in fields) + 4 * len(fields) + 16
    head = (",".join(f.name for f in fields)).encode("ascii") + EOL
    return limit, head


def _text(line: bytes, lineno: int, file: str | None) -> str:
    if not line.endswith(EOL):
        raise FileFormatError("行应以 CR LF 结尾（或行过长）", file=file, line=lineno)
    try:
        text = line[:-2].decode("utf-8")
    except UnicodeDecodeError:
        raise FileFormatError("不是有效的 UTF-8 编码", file=file, line=lineno) from None
    if "\r" in text or "\n" in text:
        raise FileFormatError("行内不能有单独的 CR 或 LF", file=file, line=lineno)
    return text


def decode(
    source: bytes | BinaryIO, *, filename: str | None = None
) -> tuple[Header, Iterator[Record]]:
    """Read a UNF CSV file named ``filename`` (required: the name is the file's only header)."""
    if not filename:
        raise ValueError("UNF files carry no header: pass filename=")
    name = parse_filename(filename)
    file = display_name(filename)
    if name.partner != PARTNER:
        raise FileFormatError("不是 UNF 文件", file=file, field="partner")
    stream = as_stream(source)
    _, head = _plan(name.file_type)
    first = stream.readline(len(head) + 1)
    if first.startswith(b"\xef\xbb\xbf"):
        raise FileFormatError("文件不应以 BOM 开头", file=file, line=1)
    if first.endswith(b"\n") and not first.endswith(EOL):
        raise FileFormatError("行应以 CR LF 结尾", file=file, line=1)
    if first != head:
        raise FileFormatError(
            f"第一行应为字段名 {head.decode().strip()}", file=file, line=1, field="header"
        )
    header = Header(
        partner=PARTNER, file_type=name.file_type, business_date=name.business_date, seq=name.seq
    )
    return header, _records(stream, header, file)


def _records(stream: BinaryIO, header: Header, file: str | None) -> Iterator[Record]:
    cls, fields = records_for(header.file_type)
    read = record_reader(cls)
    limit, _ = _plan(header.file_type)
    nfields = len(fields)
    readline = stream.readline
    lineno = 1
    while True:
        line = readline(limit)
        if not line:
            return
        lineno += 1
        text = _text(line, lineno, file)
        try:
            parts = _split(text)
        except Bad as e:
            raise FileFormatError(e.reason, file=file, line=lineno) from None
        if len(parts) != nfields:
            raise FileFormatError(
                f"每行应有{nfields}个字段（实为{len(parts)}个）", file=file, line=lineno
            )
        try:
            yield read(parts)
        except Bad as e:
            raise record_error(e, file=file, line=lineno, fields=fields, value=e.value) from None
