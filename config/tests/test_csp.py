"""Every page passes the Content-Security-Policy: nothing inline, nothing from elsewhere.

Two views of the same rule: every template file (all branches, including the ones a crawl
never renders), and every page a user of the demo data can reach, with its header and its
assets as the browser would fetch them."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)
POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}
_TEMPLATE_COMMENT = re.compile(r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}", re.S)
_TEMPLATE_TAG = re.compile(r"\{[%{].*?[%}]\}", re.S)


class _Page(HTMLParser):
    """Collects what a strict CSP would block, and the assets a browser would load."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.assets: list[str] = []
        self.links: list[str] = []

    def _where(self) -> str:
        return f"line {self.getpos()[0]}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"{self._where()}: style attribute on <{tag}>")
            elif name.startswith("on"):
                self.problems.append(f"{self._where()}: {name} handler on <{tag}>")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"{self._where()}: javascript: URL on <{tag}>")
        if tag == "style":
            self.problems.append(f"{self._where()}: inline <style>")
        if tag == "script" and not a.get("src"):
            self.problems.append(f"{self._where()}: inline <script>")
        asset = a.get("src") if tag in ("script", "img", "iframe", "embed") else None
        if tag == "link" and (a.get("rel") or "") in ("stylesheet", "icon", "preload"):
            asset = a.get("href")
        if asset:
            self.assets.append(asset)
            if urlsplit(asset).netloc or asset.startswith("//"):
                self.problems.append(f"{self._where()}: <{tag}> from elsewhere: {asset}")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def _templates() -> list[Path]:
    skip = {".venv", "var", ".git", "node_modules", "staticfiles"}
    found = []
    for path in BASE_DIR.rglob("*.html"):
        parts = path.relative_to(BASE_DIR).parts
        if "templates" in parts and not skip.intersection(parts):
            found.append(path)
    return sorted(found)


def test_there_are_templates_to_check():
    names = {p.relative_to(BASE_DIR).as_posix() for p in _templates()}
    assert "templates/base.html" in names
    assert "card_service/templates/card_service/apply.html" in names


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.relative_to(BASE_DIR).as_posix())
def test_no_template_holds_inline_script_style_or_foreign_assets(path):
    # Template tags become spaces, so `{% if x %}selected{% endif %}` inside a tag parses.
    # Comments go (lines kept, for the line numbers in the report).
    source = _TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text())
    source = _TEMPLATE_TAG.sub(lambda m: " " * len(m.group(0)), source)
    page = _Page()
    page.feed(source)
    assert page.problems == []


@pytest.fixture
def demo(db):
    call_command("demo_seed", stdout=StringIO())


CRAWL_START = [
    "/",
    "/accounts/login/",
    "/me/",
    "/me/card/",
    "/me/card/apply/",
    "/me/card/ecard/",
    "/me/uniform/",
    "/activities/",
    "/activities/me/hours/",
    "/staff/ops/",
    "/staff/hotline/",
    "/staff/donations/",
    "/staff/insurance/reconciliation/",
    "/api/docs/",
]
USERS = [None, "xiaoming", "minor", "orgadmin", "hotline", "ops"]
MAX_PAGES_PER_USER = 80


def _crawlable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return False
    # Django's own admin is not ours to restyle; the API answers JSON.
    return not parts.path.startswith(("/admin/", "/static/")) and (
        not parts.path.startswith("/api/") or parts.path == "/api/docs/"
    )


@pytest.mark.parametrize("username", USERS, ids=lambda u: u or "anonymous")
def test_every_page_sends_the_policy_and_passes_it(demo, username):
    from django.contrib.auth import get_user_model

    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    queue, seen, pages, asset_ok = deque(CRAWL_START), set(CRAWL_START), 0, {}
    while queue and pages < MAX_PAGES_PER_USER:
        url = queue.popleft()
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        policy = {d.strip() for d in response["Content-Security-Policy"].split(";")}
        assert policy == POLICY, url
        # Refusals and errors too: a 403 or 404 page is a page.
        page = _Page()
        page.feed(response.content.decode())
        assert page.problems == [], url
        for asset in page.assets:
            if asset not in asset_ok:
                fetched = client.get(asset)
                body = b"".join(fetched.streaming_content) if fetched.streaming else fetched.content
                asset_ok[asset] = fetched.status_code == 200 and len(body) > 0
            assert asset_ok[asset], f"{url} loads {asset}, which does not answer 200"
        for link in page.links:
            link = urldefrag(link).url
            if link not in seen and _crawlable(link):
                seen.add(link)
                queue.append(link)
    assert pages >= 3
    assert any(a.endswith(".css") for a in asset_ok)
