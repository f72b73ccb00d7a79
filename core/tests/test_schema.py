"""The OpenAPI schema is part of the product: it generates without warnings and is served."""

import pytest
from django.core.management import call_command


def test_schema_generates_without_errors_or_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    assert "/api/register/" in text and "/api/card/applications/" in text


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
