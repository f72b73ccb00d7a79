"""Two senders at once (spec section 1, issue 13 point 5): a file is uploaded by one of them,
under its delivery lock; the other neither writes it again nor notes an error on it.

The first sender is a real ``manage.py exchange send`` process, paused with SIGSTOP while its
part file is on the real OpenSSH server, so that the second one meets it mid-upload."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from bank_adapters import exchange, partners
from bank_adapters.models import PartnerFile
from bank_adapters.testing_sshd import write_partners_toml

NAME = "BOC_APPLY_20261201_0001.txt.p7m"
BIG = 64 * 1024 * 1024  # long enough an upload to be caught with its part file on the server

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a second process needs a shared database"
)


@pytest.fixture
def env(pki, sshd, sftp_root, tmp_path, settings):
    settings.CARD_PARTNERS_FILE = str(write_partners_toml(tmp_path / "partners.toml", pki, sshd))
    return {"root": Path(sftp_root), "tmp": tmp_path, "pki": pki, "sshd": sshd}


def prepared_file(size: int, name: str = NAME) -> PartnerFile:
    """A sealed file as ``prepare`` leaves it (its content does not matter to delivery)."""
    folder = partners.load().storage_dir / "out" / "BOC"
    folder.mkdir(parents=True, exist_ok=True)
    data = os.urandom(size)
    path = folder / name
    path.write_bytes(data)
    return PartnerFile.objects.create(
        partner="BOC", direction="out", name=name, file_type="APPLY",
        business_date=dt.date(2026, 12, 1), seq=1, sha256=hashlib.sha256(data).hexdigest(),
        size=size, state="prepared", stored_path=str(path), record_count=1,
    )  # fmt: skip


def command_env(partners_file: str, database_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if database_url is None:
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        database_url = (
            f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env["DATABASE_URL"] = database_url
    env["CARD_PARTNERS_FILE"] = partners_file
    return env


def start_send(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(django_settings.BASE_DIR / "manage.py"), "exchange", "send",
         "--partner", "BOC"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_for(condition, what: str, proc: subprocess.Popen | None = None, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the sender ended before {what}: {out}\n{err}")
        time.sleep(0.002)
    pytest.fail(f"timed out waiting for {what}")


def part_files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "to_partner").iterdir() if p.name.endswith(".part"))


def paused_mid_upload(env_: dict, name: str = NAME) -> subprocess.Popen:
    """A real ``exchange send`` process, stopped while its part file of NAME is being written."""
    proc = start_send(command_env(django_settings.CARD_PARTNERS_FILE))
    wait_for(lambda: part_files(env_["root"]), "the upload starts", proc)
    os.kill(proc.pid, signal.SIGSTOP)
    assert not (env_["root"] / "to_partner" / name).exists(), "the upload ended too soon"
    return proc


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_sender_leaves_a_file_that_is_being_uploaded_alone(env):
    pf = prepared_file(BIG)
    first = paused_mid_upload(env)
    try:
        theirs = part_files(env["root"])
        assert len(theirs) == 1 and theirs[0].startswith(NAME + ".")
        report = exchange.deliver("BOC")
        # the second sender neither uploads the file nor touches the first one's part file
        assert not (env["root"] / "to_partner" / NAME).exists()
        assert part_files(env["root"]) == theirs
        assert report.busy == [NAME] and report.delivered == report.already_there == []
        pf.refresh_from_db()
        assert (pf.state, pf.attempts, pf.error) == ("prepared", 0, "")
    finally:
        code, out, err = finish(first)
    assert code == 0, err
    assert "BOC: delivered 1" in out
    assert sorted(p.name for p in (env["root"] / "to_partner").iterdir()) == [NAME]
    data = (env["root"] / "to_partner" / NAME).read_bytes()
    assert hashlib.sha256(data).hexdigest() == pf.sha256
    pf.refresh_from_db()
    assert (pf.state, pf.attempts, pf.error) == ("delivered", 1, "")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_send_command_says_another_send_is_running(env):
    prepared_file(BIG)
    first = paused_mid_upload(env)
    try:
        out = _call_send()
    finally:
        code, _out, err = finish(first)
    assert "another send is running" in out and "另一个发送进程正在上传" in out
    assert "BOC: delivered 0" in out
    assert code == 0, err


def _call_send() -> str:
    import io

    buf = io.StringIO()
    call_command("exchange", "send", "--partner", "BOC", stdout=buf)
    return buf.getvalue()


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_sender_that_fails_never_notes_its_error_on_a_file_another_delivered(env):
    """The slow sender listed the file before the other delivered it, and fails after."""
    pf = prepared_file(10_000)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    port = silent.getsockname()[1]
    slow_toml = env["tmp"] / "slow" / "partners.toml"
    slow_toml.parent.mkdir()
    write_partners_toml(
        slow_toml, env["pki"], env["sshd"],
        storage_dir=partners.load().storage_dir, timeout=60,
    )  # fmt: skip
    slow_toml.write_text(
        slow_toml.read_text().replace(f"port = {env['sshd'].port}", f"port = {port}")
    )
    slow = start_send(command_env(str(slow_toml)))
    try:
        silent.settimeout(120)
        conn, _ = silent.accept()  # the slow sender listed the file and is connecting
        report = exchange.deliver("BOC")  # meanwhile this one delivers it
        assert report.delivered == [NAME]
        conn.close()  # now the slow sender's connection fails
        _out, err = slow.communicate(timeout=120)
    finally:
        silent.close()
        if slow.poll() is None:
            slow.kill()
    assert slow.returncode != 0
    # a clear error, in Chinese (paramiko logs its own traceback above it)
    last = err.strip().splitlines()[-1]
    assert last.startswith("CommandError:") and "SFTP" in last
    pf.refresh_from_db()
    assert (pf.state, pf.attempts, pf.error) == ("delivered", 1, "")
