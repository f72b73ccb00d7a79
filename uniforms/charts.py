"""A grouped bar chart as inline SVG, drawn on the server (no script, nothing fetched)."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BANK_COLOURS = {"BOC": "#8e0000", "ICBC": "#e53935", "CEB": "#6a1b9a"}
_FALLBACK = ("#1565c0", "#2e7d32", "#ef6c00", "#455a64")


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for m in (1, 2, 5, 10):
        if m * step >= value:
            return m * step
    return 10 * step


def bar_chart_svg(
    months: list[dict[str, Any]], banks: list[tuple[str, str]], *, height: int = 260
) -> SafeString:
    """Purchases per month (groups) and bank (bars). ``months`` as from
    ``selectors.donation_by_month_and_bank``; ``banks`` is [(code, name)]."""
    left, right, top, bottom = 64, 16, 28, 56
    group_w = max(24 * len(banks) + 16, 56)
    # The legend names every bank, so the chart is at least as wide as the legend (one month
    # alone used to cut off the second and third bank's names).
    legend_w = [16 + 13 * len(name) + 18 for _, name in banks]
    width = max(left + right + max(len(months), 1) * group_w, left + sum(legend_w) + right)
    plot_h = height - top - bottom
    peak = _nice_max(max((max(m["banks"].values(), default=0) for m in months), default=0))
    colours = {
        code: BANK_COLOURS.get(code, _FALLBACK[i % len(_FALLBACK)])
        for i, (code, _) in enumerate(banks)
    }
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-size="11" '
        'font-family="sans-serif">',
        "<title>每月各银行持卡消费笔数</title>",
        # axis titles: what the numbers and the labels under the bars are
        f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">消费笔数</text>',
        f'<text x="{left + (width - left - right) / 2:.1f}" y="{height - 6}" '
        'text-anchor="middle">月份</text>',
    ]
    for i in range(5):  # grid and axis labels
        v = peak * i // 4
        y = top + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:,}</text>'
        )
    bar_w = (group_w - 16) / max(len(banks), 1)
    for gi, m in enumerate(months):
        x0 = left + gi * group_w + 8
        for bi, (code, name) in enumerate(banks):
            n = m["banks"].get(code, 0)
            h = plot_h * n / peak
            x = x0 + bi * bar_w
            y = top + plot_h - h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{colours[code]}"><title>{escape(m["month"].strftime("%Y-%m"))} '
                f"{escape(name)}：{n:,} 笔</title></rect>"
            )
        out.append(
            f'<text x="{x0 + (group_w - 16) / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(m["month"].strftime("%Y-%m"))}</text>'
        )
    x = left
    for bi, (code, name) in enumerate(banks):  # legend, each entry as wide as its name
        if bi:
            x += legend_w[bi - 1]
        out.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{colours[code]}"/>'
            f'<text x="{x + 16}" y="16">{escape(name)}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#333"/>'
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'stroke="#333"/></svg>'
    )
    return mark_safe("".join(out))  # noqa: S308 - every text in it is escaped above
