"""The exchange's Celery tasks (issue 13 point 6): beat fans out one task per enabled partner;
a partner task lets a network error through, so Celery retries it with backoff, and after the
last try operations get an alert. Run in Celery's eager mode against the real OpenSSH server
(up, down, or with a host key that is not the pinned one)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from celery import signals
from celery.exceptions import Retry

from bank_adapters import partners, tasks
from bank_adapters.models import Alert, PartnerFile
from bank_adapters.pki import generate_ssh_keypair
from bank_adapters.sftp import SftpError
from bank_adapters.testing_sshd import free_port, write_partners_toml
from config.celery import app as celery_app

pytestmark = pytest.mark.django_db

NAME = "BOC_APPLY_20261201_0001.txt.p7m"


@pytest.fixture
def toml(pki, sshd, sftp_root, tmp_path, settings):
    """``toml(**{"BOC": {"port": "1"}})``: the partners file, with some settings of some
    partners changed (values are TOML text)."""

    def make(changes: dict[str, dict[str, str]] | None = None) -> Path:
        path = write_partners_toml(tmp_path / "partners.toml", pki, sshd)
        head, *sections = path.read_text().split("\n[partners.")
        out = [head]
        for section in sections:
            code = section.split("]", 1)[0]
            lines = section.split("\n")
            for key, value in (changes or {}).get(code, {}).items():
                lines = [ln for ln in lines if not ln.startswith(f"{key} =")] + [f"{key} = {value}"]
            out.append("\n".join(lines))
        path.write_text("\n[partners.".join(out) + "\n")
        settings.CARD_PARTNERS_FILE = str(path)
        return path

    return make


@pytest.fixture
def eager(monkeypatch):
    """Celery's eager mode: ``delay`` runs the task here and now (retries too, at once)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)


@pytest.fixture
def celery_events():
    """The tasks started and the retries Celery scheduled, as (task name, args)."""
    seen: dict[str, list] = {"started": [], "retried": []}

    def started(sender=None, args=None, **kw):
        seen["started"].append((sender.name.rsplit(".", 1)[-1], tuple(args or ())))

    def retried(sender=None, request=None, **kw):
        seen["retried"].append((sender.name.rsplit(".", 1)[-1], tuple(request.args or ())))

    signals.task_prerun.connect(started, weak=False)
    signals.task_retry.connect(retried, weak=False)
    yield seen
    signals.task_prerun.disconnect(started)
    signals.task_retry.disconnect(retried)


def prepared_file() -> PartnerFile:
    folder = partners.load().storage_dir / "out" / "BOC"
    folder.mkdir(parents=True, exist_ok=True)
    data = os.urandom(5000)
    (folder / NAME).write_bytes(data)
    return PartnerFile.objects.create(
        partner="BOC", direction="out", name=NAME, file_type="APPLY",
        business_date=dt.date(2026, 12, 1), seq=1, sha256=hashlib.sha256(data).hexdigest(),
        size=len(data), state="prepared", stored_path=str(folder / NAME), record_count=1,
    )  # fmt: skip


def down() -> dict[str, dict[str, str]]:
    return {"BOC": {"port": str(free_port()), "timeout": "5"}}  # nothing listens there


# --- fan-out ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("beat_task", "partner_task"),
    [("exchange_send_due", "exchange_send_partner"),
     ("exchange_receive_all", "exchange_receive_partner")],
)  # fmt: skip
def test_beat_queues_one_task_per_enabled_partner(
    toml, eager, celery_events, beat_task, partner_task
):
    toml({"CEB": {"enabled": "false"}})
    result = getattr(tasks, beat_task).apply()
    assert result.successful()
    queued = [args for name, args in celery_events["started"] if name == partner_task]
    assert sorted(queued) == [("BOC",), ("ICBC",), ("UNF",)]


def test_one_partner_down_does_not_keep_the_others_from_their_files(
    toml, eager, celery_events, sftp_root
):
    toml(down())
    (Path(sftp_root) / "from_partner" / "UNF_STATUS_20261201_0001.csv.p7m").write_bytes(b"x")
    tasks.exchange_receive_all.apply()
    # the UNF file was picked up (and refused: it is no envelope), BOC's outage was retried
    assert PartnerFile.objects.filter(partner="UNF", direction="in").exists()
    assert ("exchange_receive_partner", ("BOC",)) in celery_events["retried"]


# --- a partner whose server is down -------------------------------------------------------


def test_a_delivery_that_fails_is_retried_with_backoff_and_alerts_after_the_last_try(
    toml, eager, celery_events
):
    toml(down())
    pf = prepared_file()
    result = tasks.exchange_send_due.apply()  # beat's run: BOC's server does not answer
    assert result.successful()  # the fan-out itself is done; BOC's task carries the failure
    alert = Alert.objects.get()  # one alert, after the last try
    assert (alert.kind, alert.partner, alert.file) == ("delivery_failed", "BOC", pf)
    assert NAME in alert.message
    tries = 1 + tasks.MAX_RETRIES
    assert celery_events["retried"].count(("exchange_send_partner", ("BOC",))) == tries - 1
    pf.refresh_from_db()
    assert pf.state == "prepared" and pf.attempts == tries and "SFTP" in pf.error


def test_a_first_failure_raises_celerys_retry_and_no_alert(toml):
    toml(down())
    prepared_file()
    task = tasks.exchange_send_partner
    task.push_request(
        id="first-try", retries=0, is_eager=True, called_directly=False, args=["BOC"], kwargs={}
    )
    try:
        with pytest.raises(Retry) as info:
            task.run("BOC")
    finally:
        task.pop_request()
    assert isinstance(info.value.exc, SftpError) and info.value.exc.retryable
    assert 0 <= info.value.when <= tasks.BACKOFF_SECONDS
    assert not Alert.objects.exists()


def test_the_last_try_alerts_once_and_a_later_run_adds_no_second_alert(toml):
    toml(down())
    prepared_file()
    for _ in range(2):
        result = tasks.exchange_send_partner.apply(args=["BOC"], retries=tasks.MAX_RETRIES)
        assert result.failed() and isinstance(result.result, SftpError)
    assert Alert.objects.filter(kind="delivery_failed", partner="BOC").count() == 1


def test_a_receive_that_fails_is_retried_and_alerts_after_the_last_try(toml, celery_events):
    toml(down())
    result = tasks.exchange_receive_partner.apply(args=["BOC"])
    assert result.failed() and isinstance(result.result, SftpError)
    assert len(celery_events["retried"]) == tasks.MAX_RETRIES
    alert = Alert.objects.get()
    assert (alert.kind, alert.partner) == ("receive_failed", "BOC")


# --- errors no retry can fix --------------------------------------------------------------


def test_a_changed_host_key_is_not_retried_and_alerted_at_once(toml, celery_events, tmp_path, sshd):
    _key, line = generate_ssh_keypair(tmp_path / "other_host_key")
    other_host = " ".join(line.split()[:2])
    toml({"BOC": {"known_hosts": f'["[{sshd.host}]:{sshd.port} {other_host}"]'}})
    prepared_file()
    for task in (tasks.exchange_send_partner, tasks.exchange_receive_partner):
        result = task.apply(args=["BOC"])
        assert result.failed()
    assert celery_events["retried"] == []
    assert list(Alert.objects.values_list("kind", flat=True)) == ["host_key", "host_key"]


def test_a_refused_login_is_not_retried_and_alerted_at_once(toml, celery_events, tmp_path):
    stranger, _line = generate_ssh_keypair(tmp_path / "stranger_ed25519")
    toml({"BOC": {"private_key": f'"{stranger}"'}})
    pf = prepared_file()
    result = tasks.exchange_send_partner.apply(args=["BOC"])
    assert result.failed() and result.result.code == "sftp_auth_failed"
    assert celery_events["retried"] == []
    pf.refresh_from_db()
    assert pf.attempts == 1
    assert Alert.objects.get().kind == "delivery_failed"


def test_a_partner_disabled_after_its_task_was_queued_is_left_alone(toml, celery_events):
    toml({"BOC": {"enabled": "false", "port": str(free_port())}})
    pf = prepared_file()
    for task in (tasks.exchange_send_partner, tasks.exchange_receive_partner):
        assert task.apply(args=["BOC"]).successful()
    pf.refresh_from_db()
    assert (pf.state, pf.attempts) == ("prepared", 0)
    assert celery_events["retried"] == [] and not Alert.objects.exists()
