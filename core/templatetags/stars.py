"""One way to show a star level everywhere: ``{{ level|stars }}`` → ★★☆☆☆ 2星."""

from __future__ import annotations

from django import template

register = template.Library()

MAX_STARS = 5


@register.filter
def stars(level: int | None) -> str:
    """Filled and empty stars out of five, then the number; 暂无星级 for none."""
    try:
        n = max(0, min(MAX_STARS, int(level or 0)))
    except (TypeError, ValueError):
        n = 0
    if n == 0:
        return "暂无星级"
    return f"{'★' * n}{'☆' * (MAX_STARS - n)} {n}星"
