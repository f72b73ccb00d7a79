"""The help centre's text format: plain text with a few markdown-like marks, rendered to safe
HTML. Everything is escaped first; the only HTML that comes out is what this module writes.

- a blank line starts a new paragraph; a single line break stays a line break;
- lines starting with ``- `` (or ``* ``, ``• ``) form a list, lines starting with ``1. ``
  (or ``1、``) a numbered list;
- a line starting with ``## `` is a subheading;
- ``**文字**`` is bold;
- ``[文字](/help/contact/)`` links to a page of this site (a path starting with one ``/``;
  anything else stays as typed)."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FORMAT_HELP = (
    "格式：空一行分段；以“- ”开头的行为列表项，以“1. ”开头的行为编号列表；以“## ”开头的行为"
    "小标题；**文字** 为加粗；[文字](/help/contact/) 为本站链接（以 / 开头的站内地址）。"
    "不支持 HTML：输入的标签会原样显示为文字。"
)

_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBER = re.compile(r"^\s*\d{1,3}(?:[.．]\s+|、\s*)(.*)$")
_HEADING = re.compile(r"^##\s+(.*)$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# Matched on escaped text: the path may hold &amp; from a query string, never a quote
# (escaped to &quot; / &#x27;, whose ; and # are outside the class only in that form).
_LINK = re.compile(
    r"\[([^\[\]\n]+)\]\((/(?!/)[A-Za-z0-9\-._~/?=%#]*(?:&amp;[A-Za-z0-9\-._~/?=%#]*)*)\)"
)


def _bold(html: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html)


def _inline(text: str) -> str:
    """Escape one line, then mark links and bold in the escaped text; bold never spans a
    link's edge, so the tags always nest."""
    html = escape(text)
    parts, pos = [], 0
    for m in _LINK.finditer(html):
        parts.append(_bold(html[pos : m.start()]))
        parts.append(f'<a href="{m.group(2)}">{_bold(m.group(1))}</a>')
        pos = m.end()
    parts.append(_bold(html[pos:]))
    return "".join(parts)


def _kind(line: str) -> tuple[str, str]:
    for kind, pattern in (("ul", _BULLET), ("ol", _NUMBER), ("h2", _HEADING)):
        if m := pattern.match(line):
            return kind, m.group(1)
    return "p", line.strip()


def render(text: str) -> SafeString:
    """The HTML of ``text`` in the help format (see the module docstring); safe to show."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").replace("\r", "\n")):
        run_kind, run = "", []
        for line in block.split("\n"):
            if not line.strip():
                continue
            kind, content = _kind(line)
            if kind != run_kind or kind == "h2":
                _flush(out, run_kind, run)
                run_kind, run = kind, []
            run.append(content)
        _flush(out, run_kind, run)
    return mark_safe("\n".join(out))  # noqa: S308 - every piece of text went through escape()


def _flush(out: list[str], kind: str, lines: list[str]) -> None:
    if not lines:
        return
    if kind in ("ul", "ol"):
        items = "".join(f"<li>{_inline(line)}</li>" for line in lines)
        out.append(f"<{kind}>{items}</{kind}>")
    elif kind == "h2":
        out.append(f"<h2>{_inline(lines[0])}</h2>")
    else:
        out.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")


def plain(text: str) -> str:
    """``text`` without its marks, on one line: for search excerpts and page descriptions."""
    words = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        _, content = _kind(line)
        content = re.sub(r"\[([^\[\]\n]+)\]\([^)\s]*\)", r"\1", content)
        words.append(content.replace("**", ""))
    return " ".join(words)


def excerpt(text: str, limit: int = 90) -> str:
    """The start of ``text`` as plain text, at most ``limit`` characters."""
    flat = plain(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
