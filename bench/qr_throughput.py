"""Personal QR throughput: tokens signed and rendered per second, ours against segno alone.

Segno alone renders the very same payloads (made beforehand) with the same options; ours
signs each payload (make_payload) and renders it (render_svg / render_png). The target is
ours >= 0.80 x segno for both SVG and PNG; the script exits 1 if either is missed.

    .venv/bin/python bench/qr_throughput.py [--n 20000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import segno  # noqa: E402

from card_service import qr  # noqa: E402

TARGET = 0.80


def volunteer_numbers(n: int) -> list[str]:
    # 12 characters like real numbers: a prefix and a counter, some with letters.
    return [f"GD{i:010d}" if i % 3 else f"44{i:06d}ZX{i % 97:02d}" for i in range(n)]


def best_rate(fn: Callable[[], None], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="payloads per run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; best")
    parser.add_argument("--svg-scale", type=int, default=qr.DEFAULT_SVG_SCALE)
    parser.add_argument("--png-scale", type=int, default=qr.DEFAULT_PNG_SCALE)
    args = parser.parse_args()

    numbers = volunteer_numbers(args.n)
    serials = [1 + i % 5 for i in range(args.n)]
    payloads = [
        qr.make_payload(volunteer_no=v, card_serial=s)
        for v, s in zip(numbers, serials, strict=True)
    ]
    versions = sorted({qr.qr_version(p) for p in payloads[:200]})

    def segno_alone(kind: str, scale: int) -> Callable[[], None]:
        def run() -> None:
            for p in payloads:
                buf = io.BytesIO()
                segno.make_qr(p, error="m", boost_error=False).save(buf, kind=kind, scale=scale)

        return run

    def ours(render: Callable[..., object], scale: int) -> Callable[[], None]:
        def run() -> None:
            for v, s in zip(numbers, serials, strict=True):
                render(qr.make_payload(volunteer_no=v, card_serial=s), scale=scale)

        return run

    rows = []
    for label, kind, render, scale in (
        ("SVG", "svg", qr.render_svg, args.svg_scale),
        ("PNG", "png", qr.render_png, args.png_scale),
    ):
        base = best_rate(segno_alone(kind, scale), args.n, args.repeat)
        mine = best_rate(ours(render, scale), args.n, args.repeat)
        rows.append((label, mine, base, mine / base))

    print(
        f"QR throughput, N={args.n}, best of {args.repeat}; payload {len(payloads[0])} chars, "
        f"QR version {'/'.join(map(str, versions))}-M"
    )
    print(f"{'kind':<5} {'ours/s':>10} {'segno/s':>10} {'ratio':>7} {'target':>7}  met?")
    for label, mine, base, ratio in rows:
        met = "yes" if ratio >= TARGET else "NO"
        print(f"{label:<5} {mine:>10.0f} {base:>10.0f} {ratio:>7.3f} {TARGET:>7.2f}  {met}")
    return 0 if all(ratio >= TARGET for *_, ratio in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
