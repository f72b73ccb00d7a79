"""Production settings, tried the way an operator starts the service: a fresh Python process
with DEBUG=false and only the environment it is given."""

from __future__ import annotations

import os
import subprocess
import sys
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
