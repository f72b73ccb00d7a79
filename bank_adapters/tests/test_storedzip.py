"""The stored zip writer gives the bytes zipfile gives."""

from __future__ import annotations

import io
import zipfile

import pytest

from bank_adapters import storedzip

STAMP = (2026, 12, 3, 19, 24, 57)


def zipfile_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=STAMP), data)
    return buf.getvalue()


@pytest.mark.parametrize(
    "members",
    [
        [],
        [("A00000001.jpg", b"\xff\xd8" + bytes(range(256)) * 7)],
        [("A1.jpg", b"x"), ("empty", b""), ("照片/证件照.jpg", b"\x00" * 3001), ("b.jpg", b"y")],
        [(f"A{i:08d}.jpg", bytes([i % 256]) * (i * 37 % 2000)) for i in range(300)],
    ],
)
def test_same_bytes_as_zipfile(members):
    assert storedzip.stored_zip(members, date_time=STAMP) == zipfile_bytes(members)
    with zipfile.ZipFile(io.BytesIO(storedzip.stored_zip(members))) as zf:
        assert zf.testzip() is None
        assert [(i.filename, zf.read(i)) for i in zf.infolist()] == members


def test_zip64_is_left_to_zipfile(monkeypatch):
    members = [("a.jpg", b"1" * 100), ("b.jpg", b"2" * 100)]
    monkeypatch.setattr(storedzip, "_LIMIT", 150)  # as if the archive passed 4 GiB
    big = storedzip.stored_zip(members, date_time=STAMP)
    assert big == storedzip._with_zipfile(members, STAMP)
    with zipfile.ZipFile(io.BytesIO(big)) as zf:
        assert [zf.read(n) for n in ("a.jpg", "b.jpg")] == [b"1" * 100, b"2" * 100]
