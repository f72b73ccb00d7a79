"""Production settings, tried the way an operator starts the service: a fresh Python process
with DEBUG=false and only the environment it is given."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import keys

BASE_DIR = Path(__file__).resolve().parents[2]
SECRETS = tuple(keys.DEV_DEFAULTS)

pytestmark = pytest.mark.skipif(
    (BASE_DIR / ".env").exists(), reason="a local .env would feed the started process secrets"
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in SECRETS and not k.startswith(("SECURE_", "DJANGO_", "DEBUG"))
    }
    env.update(
        DEBUG="false",
        VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _generated(tmp_path: Path) -> dict[str, str]:
    """The secrets as `manage.py generate_keys` prints them, run with DEBUG=false and none
    of them set (as on a new production machine)."""
    done = _run(["manage.py", "generate_keys"], _env(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = [ln for ln in done.stdout.splitlines() if ln and not ln.startswith("#")]
    values = dict(ln.split("=", 1) for ln in lines)
    assert sorted(values) == sorted(SECRETS)
    return values


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, str]:
    return _generated(tmp_path_factory.mktemp("keys"))


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("how", ["missing", "development default"])
def test_the_service_refuses_to_start_without_each_secret(tmp_path, generated, name, how):
    env = _env(tmp_path, **generated)
    if how == "missing":
        del env[name]
    else:
        env[name] = keys.DEV_DEFAULTS[name]
    # What gunicorn does first: load the WSGI application.
    done = _run(["-c", "import config.wsgi"], env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.split(":", 1)[1].strip().startswith(name), last
    assert "generate_keys" in last


def test_a_development_key_kept_for_rotation_is_refused_too(tmp_path, generated):
    rotated = f"{generated['FIELD_ENCRYPTION_KEYS']},{keys.DEV_FIELD_ENCRYPTION_KEYS}"
    env = _env(tmp_path, **{**generated, "FIELD_ENCRYPTION_KEYS": rotated})
    done = _run(["-c", "import config.wsgi"], env)
    assert done.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: key dev1 is the development default" in done.stderr


def test_generated_keys_start_the_service_and_check_deploy_is_clean(tmp_path, generated):
    """With the generated secrets and nothing else, `check --deploy` finds no issue: HSTS,
    SSL redirect, secure cookies, a strong SECRET_KEY are the production defaults."""
    done = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _env(tmp_path, **generated)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


def test_two_generated_sets_share_nothing(tmp_path, generated):
    again = _generated(tmp_path)
    assert all(again[name] != generated[name] for name in SECRETS)


def test_the_keys_are_never_derived_from_secret_key(tmp_path):
    """Development too: another SECRET_KEY leaves the encryption, index and QR keys as they
    were, so rotating the secret never makes a record unreadable."""
    code = (
        "from django.conf import settings as s; "
        "print(s.FIELD_ENCRYPTION_KEYS, s.BLIND_INDEX_KEY, s.QR_SIGNING_KEYS)"
    )
    one = _run(["-c", f"import django; django.setup(); {code}"], _env(tmp_path, DEBUG="true"))
    other = _run(
        ["-c", f"import django; django.setup(); {code}"],
        _env(tmp_path, DEBUG="true", SECRET_KEY="another-secret-" + "x" * 50),
    )
    assert one.returncode == 0 and other.returncode == 0, one.stderr + other.stderr
    assert one.stdout == other.stdout


# --- The production shape: gunicorn, DEBUG=false, behind a TLS proxy ------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory, generated):
    """The image's command with the generated secrets, after collectstatic as the image
    builds it; requests arrive as from a proxy that ended TLS (X-Forwarded-Proto)."""
    tmp = tmp_path_factory.mktemp("prod")
    env = _env(tmp, **generated, SECURE_PROXY_SSL_HEADER="true")
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        done = _run(["manage.py", *step], env)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    log = open(tmp / "gunicorn.log", "w")
    bind = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", "1", "-b", bind],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(120):
            if server.poll() is not None:
                pytest.fail((tmp / "gunicorn.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _get(port: int, path: str, *, https: bool = True) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"X-Forwarded-Proto": "https"} if https else {}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    found = {k.lower(): v for k, v in response.getheaders()}
    found["set-cookie"] = "\n".join(response.headers.get_all("Set-Cookie") or [])
    conn.close()
    return response.status, found, body


def test_plain_http_is_sent_to_https(gunicorn):
    status, headers, _ = _get(gunicorn, "/accounts/login/", https=False)
    assert status == 301
    assert headers["location"] == f"https://127.0.0.1:{gunicorn}/accounts/login/"


def test_pages_carry_hsts_csp_and_secure_cookies_and_their_static_files_load(gunicorn):
    status, headers, body = _get(gunicorn, "/accounts/login/")
    assert status == 200
    assert headers["strict-transport-security"] == ("max-age=31536000; includeSubDomains; preload")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "csrftoken=" in headers["set-cookie"] and "Secure" in headers["set-cookie"]
    # The stylesheet by its hashed name, served by the app itself, cached for long.
    css = re.search(r'href="(/static/core/site\.[0-9a-f]{12}\.css)"', body.decode())
    assert css, body.decode()[:600]
    status, headers, body = _get(gunicorn, css.group(1))
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert b"font-family" in body
    assert "max-age=315360000" in headers["cache-control"]


def test_the_api_docs_and_their_assets_load_under_gunicorn(gunicorn):
    status, _, body = _get(gunicorn, "/api/docs/")
    assert status == 200
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', body.decode())
    assert any("swagger-ui-bundle" in a for a in assets), assets
    for asset in assets:
        status, _, content = _get(gunicorn, asset.replace("&amp;", "&"))
        assert status == 200 and content, asset
