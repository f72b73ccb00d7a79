"""The donations chart: axis titles, and a legend that names all three banks inside the
picture even when there is one month only."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from uniforms.charts import bar_chart_svg

BANKS = [("BOC", "中国银行"), ("ICBC", "中国工商银行"), ("CEB", "中国光大银行")]


@pytest.mark.parametrize("n_months", [1, 2, 12])
def test_legend_and_axis_labels_fit(n_months):
    months = [
        {"month": dt.date(2026, m, 1), "banks": {"BOC": 6, "ICBC": 9, "CEB": 11}}
        for m in range(1, n_months + 1)
    ]
    svg = str(bar_chart_svg(months, BANKS))
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    assert "消费笔数" in svg and ">月份<" in svg
    for _, name in BANKS:
        m = re.search(rf'<text x="([\d.]+)" y="16">{name}</text>', svg)
        assert m, name
        # the name's right edge (13 px a character at 11 px font) stays inside the picture
        assert float(m.group(1)) + 13 * len(name) <= width, name
