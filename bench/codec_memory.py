"""Decode time and peak memory of the partner codecs on a large EVENT file.

    cd /work/main && .venv/bin/python bench/codec_memory.py [--records 1000000] [--partners BOC,ICBC,CEB]

For each bank format this writes an EVENT file of N records to a temporary file (streaming,
with the codec's own encoder), then decodes it from the file twice: once for time, once under
tracemalloc for the peak of Python allocations (libxml2's own buffers are not traced; the
CEB reader frees each record's elements once read). "cpu s" is the decoding process's CPU
time, steadier than wall time on a shared machine. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bank_adapters.codecs import build_filename, codec_for
from bank_adapters.fields import SHANGHAI
from bank_adapters.records import EventRecord, Header

DAY = date(2026, 11, 30)
_TYPES = [
    ("PRODUCED", None),
    ("MAILED", "SF1234567890"),
    ("AT_BRANCH", "44010001"),
    ("ACTIVATED", None),
    ("FIRST_SPEND", None),
    ("SPENDS", "3"),
    ("SPENDS", "17"),
    ("CANCELLED", "L"),
]


def events(n: int) -> Iterator[EventRecord]:
    start = datetime(2026, 11, 30, 0, 0, 0, tzinfo=SHANGHAI)
    for i in range(n):
        event_type, detail = _TYPES[i % len(_TYPES)]
        yield EventRecord(
            event_id=f"E{i:015d}",
            card_ref=f"CR{i // 3:010d}",
            event_type=event_type,
            event_time=start + timedelta(seconds=i % 86400),
            detail=detail,
        )


def header(partner: str, n: int) -> Header:
    return Header(
        partner=partner,
        file_type="EVENT",
        business_date=DAY,
        seq=1,
        count=n,
        created_at=datetime(2026, 11, 30, 17, 0, 0, tzinfo=SHANGHAI) if partner == "BOC" else None,
    )


def decode_all(partner: str, path: Path, name: str) -> int:
    codec = codec_for(partner)
    with path.open("rb") as stream:
        _, records = codec.decode(stream, filename=name)
        n = 0
        for _ in records:
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--partners", default="BOC,ICBC,CEB")
    parser.add_argument("--no-tracemalloc", action="store_true")
    args = parser.parse_args()
    n = args.records
    print(f"EVENT files of {n:,} records")
    print(
        f"{'partner':8} {'size MB':>9} {'encode s':>9} {'decode s':>9} {'cpu s':>7} "
        f"{'rec/s':>10} {'peak MiB':>9}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for partner in args.partners.split(","):
            codec = codec_for(partner)
            name = build_filename(partner, "EVENT", DAY, 1, envelope=False)
            path = Path(tmp) / name
            t0 = time.perf_counter()
            with path.open("wb") as out:
                codec.write(out, header(partner, n), events(n))
            t_enc = time.perf_counter() - t0
            size = os.path.getsize(path) / 1e6

            t0, c0 = time.perf_counter(), time.process_time()
            got = decode_all(partner, path, name)
            t_dec, c_dec = time.perf_counter() - t0, time.process_time() - c0
            assert got == n

            peak = float("nan")
            if not args.no_tracemalloc:
                tracemalloc.start()
                decode_all(partner, path, name)
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            print(
                f"{partner:8} {size:9.1f} {t_enc:9.2f} {t_dec:9.2f} {c_dec:7.2f} "
                f"{n / t_dec:10,.0f} {peak:9.2f}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
