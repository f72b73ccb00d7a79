"""The README's promise, tested: no log line shows an ID number or a card QR token in clear,
including the access lines of the servers (runserver's ``django.server`` and gunicorn's
access log with the project's gunicorn config), not only ``django.request``."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from card_service import qr

ROOT = Path(__file__).resolve().parent.parent
ID_NUMBER = "440103199506150034"
HK_ID_NUMBER = "H12345678"
TOKEN = qr.make_token(volunteer_no="GD2026000042", card_serial=1)
PATHS = [
    f"/q/{TOKEN}/?id_number={ID_NUMBER}",
    f"/Q/{TOKEN}/",
    f"/api/card/qr/{TOKEN}/",
    f"/api/nothing/?id_type=02&id_number={HK_ID_NUMBER}",
]


def _assert_masked(log: str) -> None:
    assert log.strip(), "nothing was logged"
    assert "/q/" in log or "/Q/" in log, log  # the lines are there...
    for secret in (ID_NUMBER, TOKEN, TOKEN.lower(), HK_ID_NUMBER):
        assert secret not in log, f"{secret} in clear in:\n{log}"  # ...but not the secrets


def test_django_logs_of_the_test_client_are_masked(db):
    console = next(h for h in logging.getLogger().handlers if h.name == "console")
    captured = io.StringIO()
    old = console.setStream(captured)
    try:
        client = Client()
        for path in PATHS:
            client.get(path)
    finally:
        console.setStream(old)
    _assert_masked(captured.getvalue())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _production_secrets() -> dict[str, str]:
    """A fresh set from ``manage.py generate_keys``: with DEBUG=false the service refuses to
    start on development keys."""
    done = subprocess.run(
        [sys.executable, "manage.py", "generate_keys"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in done.stdout.splitlines() if "=" in line and not line.startswith("#")]
    pairs = (line.split("=", 1) for line in lines)
    return {name.strip(): value.strip().strip("'\"") for name, value in pairs}


def _serve_and_get(command: list[str], port: int, tmp_path: Path) -> str:
    env = {
        **os.environ,
        **_production_secrets(),
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback: no TLS proxy in this test
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"server did not start:\n{log_path.read_text()}")
                    time.sleep(0.2)
            for path in PATHS:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30)
                except urllib.error.HTTPError:
                    pass  # 404 for the unknown token: only the log line matters here
            time.sleep(0.5)  # let the access lines be written
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return log_path.read_text()


def test_runserver_access_lines_are_masked(tmp_path):
    port = _free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    _assert_masked(_serve_and_get(command, port, tmp_path))


def test_gunicorn_access_log_is_masked(tmp_path):
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "config.wsgi:application",
    ]  # fmt: skip
    log = _serve_and_get(command, port, tmp_path)
    assert "GET /" in log  # the access log is on
    _assert_masked(log)
