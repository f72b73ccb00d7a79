"""The activity check-in QR links to ``SITE_URL``, which by default follows ``PORT`` (the port
``./bin/demo`` serves on): ``PORT=8001 ./bin/demo`` links to http://127.0.0.1:8001."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from activities.tests.conftest import day_of

ROOT = Path(__file__).resolve().parents[2]


def settings_site_url(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SITE_URL)",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.strip().splitlines()[-1]


def test_site_url_follows_the_demo_port():
    assert settings_site_url(PORT="8001") == "http://127.0.0.1:8001"
    assert settings_site_url() == "http://127.0.0.1:8000"
    # An explicit SITE_URL (production) wins over the port.
    assert settings_site_url(PORT="8001", SITE_URL="https://card.example.org") == (
        "https://card.example.org"
    )


def test_bin_demo_exports_the_port_and_site_url_before_anything_starts():
    script = (ROOT / "bin" / "demo").read_text()
    exports = script.index('export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"')
    assert script.index('export PORT="${PORT:-8000}"') < exports
    assert exports < script.index("manage.py migrate") < script.index("runserver")


@pytest.mark.django_db
def test_site_url_drives_the_activity_qr_link(world, publish, client_for, settings):
    settings.SITE_URL = "http://127.0.0.1:8001"
    activity = publish(world["B"], world["admin_B"])
    admin = client_for(world["admin_B"])
    r = admin.get(f"/api/activities/{activity.pk}/days/{day_of(activity).pk}/qr/?action=in")
    assert r.status_code == 200
    assert r.data["url"].startswith("http://127.0.0.1:8001/activities/scan/")
    assert r.data["url"].endswith(f"/{r.data['code']}/")
