"""Two ``exchange send`` processes on the embedded SQLite set-up (issue 13 point 5): the
second one waits for the database or says that another send is running, never a raw
``database is locked`` traceback. Real processes, a real SQLite file, the real sshd,
whatever database the rest of the suite runs on."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from bank_adapters.testing_sshd import write_partners_toml

NAME = "BOC_APPLY_20261201_0001.txt.p7m"
BIG = 64 * 1024 * 1024

pytestmark = pytest.mark.sftp


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated SQLite database file, copied for each test."""
    db = tmp_path_factory.mktemp("sqlite") / "db.sqlite3"
    run = subprocess.run(
        [sys.executable, str(django_settings.BASE_DIR / "manage.py"), "migrate", "-v0"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{db}"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


@pytest.fixture
def site(migrated, pki, sshd, sftp_root, tmp_path):
    db = tmp_path / "db.sqlite3"
    db.write_bytes(migrated.read_bytes())
    toml = write_partners_toml(tmp_path / "partners.toml", pki, sshd)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "CARD_PARTNERS_FILE": str(toml),
    }
    return {"db": db, "env": env, "root": Path(sftp_root), "storage": tmp_path / "exchange"}


def manage(site, *args: str, env: dict | None = None, wait: bool = True):
    cmd = [sys.executable, str(django_settings.BASE_DIR / "manage.py"), *args]
    proc = subprocess.Popen(
        cmd, env=env or site["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if not wait:
        return proc
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def prepare_big_file(site) -> str:
    folder = site["storage"] / "out" / "BOC"
    folder.mkdir(parents=True, exist_ok=True)
    data = os.urandom(BIG)
    (folder / NAME).write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    code = (
        "import datetime as dt; from bank_adapters.models import PartnerFile; "
        f"PartnerFile.objects.create(partner='BOC', direction='out', name='{NAME}', "
        "file_type='APPLY', business_date=dt.date(2026, 12, 1), seq=1, "
        f"sha256='{sha}', size={BIG}, state='prepared', stored_path='{folder / NAME}', "
        "record_count=1)"
    )
    rc, _out, err = manage(site, "shell", "-c", code)
    assert rc == 0, err
    return sha


def row(site) -> tuple:
    with sqlite3.connect(site["db"]) as conn:
        return conn.execute(
            "SELECT state, attempts, error FROM bank_adapters_partnerfile WHERE name = ?", [NAME]
        ).fetchone()


def wait_for(condition, what: str, proc: subprocess.Popen, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the sender ended before {what}: {out}\n{err}")
        time.sleep(0.002)
    pytest.fail(f"timed out waiting for {what}")


def no_raw_error(err: str) -> bool:
    return "Traceback" not in err and "OperationalError" not in err


def test_a_second_send_says_another_send_is_running(site):
    sha = prepare_big_file(site)
    first = manage(site, "exchange", "send", "--partner", "BOC", wait=False)
    parts = lambda: [p for p in (site["root"] / "to_partner").iterdir() if p.suffix == ".part"]  # noqa: E731
    wait_for(parts, "the upload starts", first)
    os.kill(first.pid, signal.SIGSTOP)
    try:
        assert not (site["root"] / "to_partner" / NAME).exists(), "the upload ended too soon"
        rc, out, err = manage(site, "exchange", "send", "--partner", "BOC")
    finally:
        os.kill(first.pid, signal.SIGCONT)
        first_out, first_err = first.communicate(timeout=300)
    assert rc == 0 and no_raw_error(err), err
    assert "another send is running" in out and "另一个发送进程正在上传" in out
    assert first.returncode == 0, first_err
    assert "BOC: delivered 1" in first_out
    assert sorted(p.name for p in (site["root"] / "to_partner").iterdir()) == [NAME]
    assert hashlib.sha256((site["root"] / "to_partner" / NAME).read_bytes()).hexdigest() == sha
    assert row(site) == ("delivered", 1, "")


def _hold_write_lock(db: Path) -> sqlite3.Connection:
    """Another process's write transaction, with a change in it, not yet committed."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO bank_adapters_seqcounter (partner, file_type, business_date, last_seq) "
        "VALUES ('UNF', 'ORDER', '2026-01-01', 1)"
    )
    return conn


def _opened(proc: subprocess.Popen, db: Path) -> bool:
    fd_dir = Path(f"/proc/{proc.pid}/fd")
    try:
        return any(os.readlink(fd) == str(db) for fd in fd_dir.iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_send_waits_for_another_writer_instead_of_failing(site):
    writer = _hold_write_lock(site["db"])
    try:
        send = manage(site, "exchange", "send", "--partner", "BOC", wait=False)
        wait_for(lambda: _opened(send, site["db"]), "the send opens the database", send)
        time.sleep(1)  # it reads, then waits for the write lock we hold
        writer.execute("COMMIT")
        out, err = send.communicate(timeout=300)
    finally:
        writer.close()
    assert send.returncode == 0 and no_raw_error(err), err
    assert "BOC: delivered 0" in out


def test_a_send_that_waited_too_long_says_the_database_is_busy(site):
    writer = _hold_write_lock(site["db"])
    try:
        rc, _out, err = manage(
            site, "exchange", "send", "--partner", "BOC", env={**site["env"], "SQLITE_TIMEOUT": "1"}
        )
    finally:
        writer.close()
    assert rc == 1 and no_raw_error(err), err
    assert "数据库正被另一个进程" in err and "another send may be running" in err
