"""Scaling out (bench/README.md, "Scaling out"): two real Celery workers on a real Redis
broker, each consuming one partner's queue as the settings route it, send and receive two
banks' files at the same time, each bank on its own real OpenSSH server.

To prove the overlap without timing anything, the test holds a SHARE lock on the partner
file table: a worker that has taken its partner's lock and done its SFTP work stops at its
next write to that table. Both workers are seen stopped there at once (pg_locks), each still
holding its lock, before the test lets them go:

- a send holds the delivery lock of its first file (the row, FOR UPDATE) across the upload
  and waits to mark it delivered;
- a receive has downloaded its bank's RESULT file and waits to register it.

Their progress rows (started and finished per partner and direction) then overlap too."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from bank_adapters import exchange, tasks
from bank_adapters.models import ExchangeProgress, PartnerFile
from bank_adapters.simulator.bank import BankSimulator
from bank_adapters.simulator.partner_side import PartnerKeys, PartnerSide, SftpFolder
from bank_adapters.testing_sshd import SshdServer, start_sshd, write_partners_toml
from card_service.models import CardStatus
from card_service.tests.helpers import submit
from config.celery import app as celery_app
from config.celery import exchange_queue
from volunteers.tests.factories import make_volunteer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.sftp,
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="workers in other processes share PostgreSQL"
    ),
]

REDIS = "redis://127.0.0.1:6379"
BANKS = ("BOC", "ICBC")
TIMEOUT = 240  # seconds for anything to happen on a busy two-core machine; never a measure
ROOT = Path(__file__).resolve().parent.parent


def _wait(
    what: str, check: Callable[[], object], seen: Callable[[], object] = lambda: ""
) -> object:
    """Poll ``check`` until it answers; ``seen`` tells what there was instead."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what} after {TIMEOUT} s; seen: {seen()!r}")


def _redis_url() -> str:
    """A Redis database of this test database's own, so that another checkout's run of this
    test on the same machine never takes these workers' tasks."""
    db = 1 + zlib.crc32(connection.settings_dict["NAME"].encode()) % 15
    return f"{REDIS}/{db}"


@pytest.fixture
def redis_url() -> str:
    import redis

    url = _redis_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS}")
    client.delete(*(exchange_queue(code) for code in BANKS))  # a killed run's leftovers
    return url


@pytest.fixture
def second_sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdServer]:
    """ICBC's own server (BOC has the session's): two banks, two machines."""
    server = start_sshd(tmp_path_factory.mktemp("sshd-icbc"))
    try:
        yield server
    finally:
        server.stop()


def _point(path: Path, code: str, server: SshdServer) -> None:
    """Point partner ``code`` of the partners file at ``server``."""
    head, *sections = path.read_text().split("\n[partners.")
    out = [head]
    for section in sections:
        if section.startswith(f"{code}]"):
            changes = {
                "port": str(server.port),
                "private_key": f'"{server.client_key_path}"',
                "known_hosts": f'["{server.known_hosts_line}"]',
            }
            lines = [ln for ln in section.split("\n") if ln.split(" =")[0] not in changes]
            section = "\n".join([*lines, *(f"{k} = {v}" for k, v in changes.items())])
        out.append(section)
    path.write_text("\n[partners.".join(out) + "\n")


@pytest.fixture
def servers(pki, sshd, sftp_root, second_sshd, tmp_path, settings) -> dict[str, SshdServer]:
    second_sshd.reset_folders()
    path = write_partners_toml(tmp_path / "partners.toml", pki, sshd, cutoff="23:59")
    _point(path, "ICBC", second_sshd)
    settings.CARD_PARTNERS_FILE = str(path)
    return {"BOC": sshd, "ICBC": second_sshd}


@pytest.fixture
def banks(pki, servers, tmp_path) -> Iterator[dict[str, BankSimulator]]:
    sims = {}
    for code, server in servers.items():
        folder = SftpFolder(
            server.host, server.port, server.username, server.client_key_path,
            [server.known_hosts_line],
        )  # fmt: skip
        side = PartnerSide(PartnerKeys.from_pki(pki, code), folder, tmp_path / f"sim-{code}")
        sims[code] = BankSimulator(code, side, step_seconds=0)
    yield sims
    for sim in sims.values():
        sim.side.close()


@pytest.fixture
def workers(servers, redis_url, tmp_path) -> Iterator[dict[str, Path]]:
    """One ``celery worker`` process per bank, consuming only that bank's queue. Yields the
    workers' log files."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CARD_PARTNERS_FILE": django_settings.CARD_PARTNERS_FILE,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "VAR_DIR": str(tmp_path / "var"),
    }
    procs: dict[str, subprocess.Popen] = {}
    logs = {}
    try:
        for code in BANKS:
            logs[code] = tmp_path / f"worker-{code}.log"
            procs[code] = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker",
                    "--pool", "solo", "--queues", exchange_queue(code),
                    "--hostname", f"{code.lower()}@scale-test", "--loglevel", "INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                ],
                cwd=ROOT, env=env, stdout=logs[code].open("wb"), stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        for code, log in logs.items():
            _wait(f"the {code} worker to start", lambda log=log: b" ready." in log.read_bytes())
        yield logs
    finally:
        for proc in procs.values():
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


class Barrier:
    """A SHARE lock on the partner file table, held on a connection of its own: nobody
    writes the table until ``release``; everybody may still read it and lock its rows."""

    TABLE = PartnerFile._meta.db_table

    def __init__(self) -> None:
        db = connection.settings_dict
        self.conn = psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
        )
        self.conn.execute(f"LOCK TABLE {self.TABLE} IN SHARE MODE")

    def waiting(self) -> list[str]:
        """The statements other sessions are waiting to run on the table."""
        self._fresh()
        return [
            q
            for (q,) in self.conn.execute(
                "SELECT a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.relation = %s::regclass AND NOT l.granted",
                [self.TABLE],
            ).fetchall()
        ]

    def describe(self) -> list[tuple]:
        """Every session of this database: its state, the lock it waits for, its statement."""
        self._fresh()
        return self.conn.execute(
            "SELECT a.pid, a.state, l.mode, l.relation::regclass::text, left(a.query, 100) "
            "FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
            "WHERE a.datname = current_database()"
        ).fetchall()

    def _fresh(self) -> None:
        # pg_stat_activity is read once per transaction and kept: this one stays open.
        self.conn.execute("SELECT pg_stat_clear_snapshot()")

    def locked_rows(self, ids: list[int]) -> list[int]:
        """Those of ``ids`` whose row another transaction holds locked."""
        free = self.conn.execute(
            f"SELECT id FROM {self.TABLE} WHERE id = ANY(%s) FOR UPDATE SKIP LOCKED", [ids]
        ).fetchall()
        return sorted(set(ids) - {row[0] for row in free})

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def _dispatch(task, redis_url: str) -> list[str]:
    """Queue ``task`` for each bank through the settings' routes; the task ids."""
    with celery_app.connection_for_write(redis_url) as conn:
        return [task.apply_async(args=[code], connection=conn).id for code in BANKS]


def _runs_overlap(direction: str) -> bool:
    """Wait for both banks' runs in ``direction`` to finish; True when each started before
    the other finished."""

    def finished() -> dict[str, ExchangeProgress] | None:
        runs = {
            p.partner: p
            for p in ExchangeProgress.objects.filter(partner__in=BANKS, direction=direction)
        }
        done = len(runs) == 2 and all(r.finished_at for r in runs.values())
        return runs if done else None

    runs = _wait(f"both banks' {direction} runs to finish", finished)
    assert all(r.state == ExchangeProgress.State.DONE for r in runs.values()), runs
    a, b = (runs[code] for code in BANKS)
    return a.started_at < b.finished_at and b.started_at < a.finished_at


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


def test_two_workers_send_and_receive_two_banks_at_once(servers, banks, workers, redis_url):
    apps = {code: submit(make_volunteer(), bank_code=code) for code in BANKS}
    for code in BANKS:
        assert exchange.prepare(code, "APPLY") is not None
    files = {
        code: list(
            PartnerFile.objects.filter(partner=code, direction="out").values_list("pk", flat=True)
        )
        for code in BANKS
    }

    # --- sends: each worker uploads its bank's first file under that file's delivery lock
    barrier = Barrier()
    try:
        send_ids = _dispatch(tasks.exchange_send_partner, redis_url)

        def both_uploaded_and_waiting() -> dict[str, int] | None:
            waiting = {
                int(m.group(1))
                for q in barrier.waiting()
                if q.lstrip().upper().startswith("UPDATE")
                for m in [re.search(r'"id" = (\d+)', q)]
                if m
            }
            by_bank = {c: pk for c, pks in files.items() for pk in pks if pk in waiting}
            return by_bank if len(by_bank) == 2 else None

        held = _wait(
            "both sends to wait under their locks", both_uploaded_and_waiting, barrier.describe
        )
        # Each of the two rows is locked by its worker's open delivery transaction now.
        assert barrier.locked_rows(list(held.values())) == sorted(held.values())
        for code, server in servers.items():  # the upload went through before the mark
            assert any((server.base_dir / "to_partner").glob(f"{code}_*"))
    finally:
        barrier.release()
    assert _runs_overlap("out")
    assert not PartnerFile.objects.filter(
        partner__in=BANKS, direction="out", state=PartnerFile.State.PREPARED
    ).exists()

    # --- receives: each bank answers on its own server; each worker fetches its bank's
    clock = Clock()
    for code, sim in banks.items():
        [result] = sim.tick(clock())
        assert result.startswith(f"{code}_RESULT_")
    barrier = Barrier()
    try:
        receive_ids = _dispatch(tasks.exchange_receive_partner, redis_url)

        def both_downloaded_and_waiting() -> set[str] | None:
            registering = {
                m.group(1)
                for q in barrier.waiting()
                if q.lstrip().upper().startswith("INSERT")
                for m in [re.search(r"'([A-Z]+)_RESULT_", q)]  # the file's name
                if m
            }
            return registering if registering == set(BANKS) else None

        _wait(
            "both receives to wait with their files", both_downloaded_and_waiting, barrier.describe
        )
    finally:
        barrier.release()
    assert _runs_overlap("in")
    applied = PartnerFile.objects.filter(direction="in", state=PartnerFile.State.APPLIED)
    assert sorted(applied.values_list("partner", flat=True)) == sorted(BANKS)
    for app in apps.values():
        app.refresh_from_db()
        assert app.status == CardStatus.ACCEPTED

    # Each bank's tasks ran in the worker of its queue, and only there.
    for code, send_id, receive_id in zip(BANKS, send_ids, receive_ids, strict=True):
        own = workers[code].read_text()
        other = workers[next(c for c in BANKS if c != code)].read_text()
        for task_id in (send_id, receive_id):
            assert f"[{task_id}] succeeded" in own
            assert task_id not in other
