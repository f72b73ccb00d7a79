"""The API docs work offline: Swagger UI comes from the service itself, never a CDN."""

from __future__ import annotations

import re

from django.test import Client

ASSET = re.compile(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)\"""")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_docs_page_loads_only_same_origin_assets_and_each_answers():
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = ASSET.findall(html)
    names = {a.rsplit("/", 1)[-1].split("?")[0] for a in assets}
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"} <= names
    assert "cdn" not in html.lower()
    for asset in assets:
        asset = asset.replace("&amp;", "&")
        assert asset.startswith("/") and not asset.startswith("//"), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(_body(fetched)) > 0, asset
    # Swagger UI's start-up script is one of them, not inline, and it asks for our schema.
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert "<script>" not in html
