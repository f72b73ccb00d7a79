"""The help text format: everything typed is escaped; the only HTML out is paragraphs, line
breaks, lists, subheadings, bold and links to this site's own paths."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from helpcentre.markup import excerpt, plain, render

ALLOWED = {"p", "br", "ul", "ol", "li", "h2", "strong", "a"}
VOID = {"br"}


class _Tags(HTMLParser):
    """What a browser would build: every tag and attribute, and whether they nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.stack: list[str] = []
        self.nested = True
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.nested = False

    def handle_data(self, data):
        self.text.append(data)


def parse(out: str) -> _Tags:
    p = _Tags()
    p.feed(out)
    p.close()
    return p


def test_html_typed_into_an_answer_is_shown_as_text():
    out = render('<script>alert("x")</script> <img src=x onerror=alert(1)> <a href="/x">链接</a>')
    assert "<script" not in out and "<img" not in out and "<a href" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert parse(out).tags == [("p", [])]


def test_paragraphs_line_breaks_lists_headings_bold_and_links():
    out = render(
        "第一段\n第二行\n\n- 甲\n- **乙**\n\n1. 一\n2、二\n## 小标题\n见[联系我们](/help/contact/)。"
    )
    assert out == (
        "<p>第一段<br>第二行</p>\n"
        "<ul><li>甲</li><li><strong>乙</strong></li></ul>\n"
        "<ol><li>一</li><li>二</li></ol>\n"
        "<h2>小标题</h2>\n"
        '<p>见<a href="/help/contact/">联系我们</a>。</p>'
    )


def test_a_decimal_is_not_a_numbered_list():
    assert render("1.5 小时") == "<p>1.5 小时</p>"


def test_only_links_to_this_sites_paths_become_links():
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)",
                   'data:text/html,<b>', '/x" onclick="alert(1)', "/x'y"):  # fmt: skip
        out = render(f"[点我]({target})")
        assert "<a" not in out, target
    out = render("[查询](/help/search/?q=a&category=card)")
    assert out == '<p><a href="/help/search/?q=a&amp;category=card">查询</a></p>'


def test_bold_never_crosses_the_edge_of_a_link():
    out = render("**甲 [乙**](/x) 丙**")
    assert parse(out).nested


def test_plain_and_excerpt_drop_the_marks():
    text = "- **加粗** 见[联系我们](/help/contact/)\n\n1. 第二"
    assert plain(text) == "加粗 见联系我们 第二"
    assert excerpt("字" * 100, 10) == "字" * 9 + "…"


lines = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["- ", "* ", "1. ", "2、", "## ", "**", "[", "](", ")", "](/help/)",
                         "<", ">", "&", '"', "'", "\n", "\n\n", "<script>", "javascript:"]),
    ),
    max_size=30,
).map("".join)  # fmt: skip


@given(lines)
def test_any_text_renders_to_allowed_tags_that_nest_and_keeps_its_words(text):
    out = render(text)
    p = parse(out)
    assert p.nested and not p.stack
    for tag, attrs in p.tags:
        assert tag in ALLOWED, tag
        if tag == "a":
            assert len(attrs) == 1 and attrs[0][0] == "href"
            href = attrs[0][1] or ""
            assert href.startswith("/") and not href.startswith("//"), href
        else:
            assert attrs == [], (tag, attrs)
    # Nothing typed is lost: every character but the marks is visible (a link's path is
    # not, so only where no link was made).
    if "<a " not in out:
        visible = "".join(p.text)
        for ch in set(text) - set("-*•#.、．"):
            if ch.isprintable() and not ch.isspace() and not ch.isdigit():
                assert ch in visible, ch
