"""Decoding streams: memory does not grow with the number of records.

Figures for a million records are printed by ``bench/codec_memory.py``; here the peak of
Python allocations for 20,000 records must stay under a fixed bound and close to the peak
for 5,000 records.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bank_adapters.codecs import build_filename, codec_for
from bank_adapters.records import EventRecord, Header, StatusRecord
from bank_adapters.tests.data import make_samples as S

SH = S.CREATED.tzinfo


def events(n: int) -> Iterator[EventRecord]:
    start = datetime(2026, 11, 30, tzinfo=SH)
    for i in range(n):
        yield EventRecord(
            event_id=f"E{i:015d}",
            card_ref=f"CR{i // 3:010d}",
            event_type="SPENDS" if i % 2 else "PRODUCED",
            event_time=start + timedelta(seconds=i % 86400),
            detail=str(i % 50 + 1) if i % 2 else None,
        )


def statuses(n: int) -> Iterator[StatusRecord]:
    start = datetime(2026, 11, 30, tzinfo=SH)
    for i in range(n):
        yield StatusRecord(
            order_no=f"U{i:012d}",
            status="SHIPPED",
            status_time=start + timedelta(seconds=i % 86400),
            tracking_no=f"SF{i:010d}",
        )


def make_file(tmp: Path, partner: str, n: int) -> tuple[Path, str]:
    file_type = "STATUS" if partner == "UNF" else "EVENT"
    name = build_filename(partner, file_type, S.DAY, 1, envelope=False)
    header = Header(
        partner=partner,
        file_type=file_type,
        business_date=S.DAY,
        seq=1,
        count=None if partner == "UNF" else n,
        created_at=S.CREATED if partner == "BOC" else None,
    )
    path = tmp / f"{n}" / name
    path.parent.mkdir()
    with path.open("wb") as out:
        codec_for(partner).write(out, header, statuses(n) if partner == "UNF" else events(n))
    return path, name


def decode_peak(partner: str, path: Path, name: str) -> tuple[int, int]:
    codec = codec_for(partner)
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            _, records = codec.decode(stream, filename=name)
            n = sum(1 for _ in records)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return n, peak


@pytest.mark.parametrize("partner", ["BOC", "ICBC", "CEB", "UNF"])
def test_decode_peak_memory_does_not_grow_with_the_file(partner: str, tmp_path: Path) -> None:
    small = make_file(tmp_path, partner, 5_000)
    large = make_file(tmp_path, partner, 20_000)
    n_small, peak_small = decode_peak(partner, *small)
    n_large, peak_large = decode_peak(partner, *large)
    assert (n_small, n_large) == (5_000, 20_000)
    assert large[0].stat().st_size > 3 * small[0].stat().st_size
    assert peak_large < 1024 * 1024  # bytes, for any number of records
    assert peak_large < peak_small * 1.5 + 64 * 1024


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def test_ceb_tree_is_freed_as_it_is_read(tmp_path: Path) -> None:
    """libxml2's memory is invisible to tracemalloc: watch the process size instead."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc")
    path, name = make_file(tmp_path, "CEB", 100_000)
    with path.open("rb") as stream:
        _, records = codec_for("CEB").decode(stream, filename=name)
        base = _rss()
        top = base
        for i, _ in enumerate(records):
            if i % 5_000 == 0:
                top = max(top, _rss())
    # Kept whole, 100,000 records are 600,000 elements: well over 50 MB.
    assert top - base < 16 * 1024 * 1024
