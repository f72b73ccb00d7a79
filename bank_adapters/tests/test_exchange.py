"""The exchange against a real OpenSSH sshd and real CMS envelopes: nothing lost, doubled or
half-applied."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from bank_adapters import codecs, envelope, exchange
from bank_adapters.models import Alert, AppliedBankEvent, Batch, PartnerFile
from bank_adapters.pki import issue_certificate
from bank_adapters.records import Header
from bank_adapters.tests.helpers import TZ, Bank, accepted, event, sent_app, signed_at
from card_service.models import CardApplication, CardSpend, CardStatus
from card_service.tests.helpers import submit
from core.errors import ServiceError
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

# --- outbound --------------------------------------------------------------------------


def test_send_puts_a_signed_encrypted_apply_file_and_its_photos(env):
    apps = [submit(make_volunteer()) for _ in range(2)]
    report = exchange.send("BOC")
    bank = Bank(env)
    names = bank.sent()
    assert len(names) == 2 and not any(n.endswith(".part") for n in names)
    apply_name = next(n for n in names if "_APPLY_" in n)
    photo_name = next(n for n in names if "_PHOTO_" in n)
    assert apply_name.endswith(".txt.p7m") and photo_name.endswith(".zip.p7m")
    assert set(report.delivered) == set(names)
    header, records = codecs.decode_file(bank.open(apply_name), filename=apply_name)
    records = list(records)
    assert header.count == 2 and {r.application_no for r in records} == {
        a.application_no for a in apps
    }
    photos = exchange.zip_members(bank.open(photo_name))
    for r in records:
        assert hashlib.sha256(photos[f"{r.application_no}.jpg"]).hexdigest() == r.photo_sha256
    for a in apps:
        a.refresh_from_db()
        assert a.status == CardStatus.SENT and a.batch is not None
        assert a.events.filter(
            to_status=CardStatus.SENT, source_ref=apply_name.removesuffix("")
        ).exists()
    assert PartnerFile.objects.filter(direction="out", state="delivered").count() == 2
    # nothing waits: a second send makes no new batch
    exchange.send("BOC")
    assert Batch.objects.count() == 1


def test_an_outage_leaves_files_prepared_and_one_send_catches_up(
    env, settings, tmp_path, pki, sshd
):
    submit(make_volunteer())
    good = settings.CARD_PARTNERS_FILE
    broken = tmp_path / "broken.toml"
    broken.write_text(Path(good).read_text().replace(f"port = {sshd.port}", "port = 1"))
    settings.CARD_PARTNERS_FILE = str(broken)
    with pytest.raises(Exception):
        exchange.send("BOC")
    assert PartnerFile.objects.filter(state="prepared").count() == 2
    assert CardApplication.objects.get().status == CardStatus.SENT  # claimed once, kept
    settings.CARD_PARTNERS_FILE = good
    report = exchange.send("BOC")
    assert len(report.delivered) == 2
    assert Batch.objects.count() == 1
    assert PartnerFile.objects.filter(state="delivered").count() == 2


def test_an_upload_done_before_a_crash_is_not_doubled(env, sftp_client_factory):
    submit(make_volunteer())
    batch = exchange.prepare("BOC", "APPLY")
    # the upload happened, then the process died before the registry was updated
    with sftp_client_factory() as c:
        c.upload(batch.data_file.name, Path(batch.data_file.stored_path))
    report = exchange.deliver("BOC")
    assert batch.data_file.name in report.already_there
    assert Bank(env).sent().count(batch.data_file.name) == 1


# --- inbound -----------------------------------------------------------------------------


def test_result_accepts_the_card_and_the_file_moves_to_done(env):
    app = sent_app(env)
    bank = Bank(env)
    name = bank.put("RESULT", [accepted(app)])
    report = exchange.receive("BOC")
    assert report.applied == [name]
    app.refresh_from_db()
    assert app.status == CardStatus.ACCEPTED
    assert (app.card_ref, app.masked_pan) == ("CARDREF0001", "621661******1234")
    assert (env["root"] / "from_partner" / "done" / name).exists()
    assert not (env["root"] / "from_partner" / name).exists()
    # the same file again is skipped, nothing applied twice
    (env["root"] / "from_partner" / name).write_bytes(
        (env["root"] / "from_partner" / "done" / name).read_bytes()
    )
    report = exchange.receive("BOC")
    assert report.skipped == [name] and report.applied == []
    assert app.events.filter(to_status=CardStatus.ACCEPTED).count() == 1


def _live_scratch(scratch: Path, name: str):
    """A scratch folder in use by another receive: its lock held, as a live worker holds it."""
    folder = scratch / name
    folder.mkdir(parents=True)
    (folder / "plain").write_bytes(b"decrypted records")
    fh = open(scratch / f"{name}.lock", "wb")  # held open while the test runs
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
    return fh


def test_receiving_leaves_no_decrypted_copy_and_clears_a_crashed_runs_leftovers(env):
    """A crashed receive's scratch folder (a decrypted copy in it) is gone at the next start
    of a receive, however recent; the folder of a receive still running is left alone."""
    from bank_adapters import partners

    scratch = partners.load().storage_dir / "tmp"
    for crashed in ("tmpcrashed", "scratch-crashed"):  # without a lock, and with a free one
        (scratch / crashed).mkdir(parents=True)
        (scratch / crashed / "plain").write_bytes(b"decrypted records")
    (scratch / "scratch-crashed.lock").touch()
    live = _live_scratch(scratch, "scratch-live")
    try:
        exchange.receive("BOC")  # nothing to fetch: the leftovers go at the start all the same
        assert sorted(p.name for p in scratch.iterdir()) == ["scratch-live", "scratch-live.lock"]
        app = sent_app(env)
        name = Bank(env).put("RESULT", [accepted(app)])
        assert exchange.receive("BOC").applied == [name]
        # nothing of this run remains; the live one is still there
        assert sorted(p.name for p in scratch.iterdir()) == ["scratch-live", "scratch-live.lock"]
    finally:
        live.close()
    exchange.receive("BOC")  # that worker died since: its folder goes too
    assert list(scratch.iterdir()) == []


def test_a_known_name_with_new_bytes_is_quarantined(env):
    app = sent_app(env)
    bank = Bank(env)
    name = bank.put("RESULT", [accepted(app)])
    exchange.receive("BOC")
    bank.put("RESULT", [accepted(app, ref="OTHERREF")])  # same name, other content
    report = exchange.receive("BOC")
    assert report.quarantined == [name]
    app.refresh_from_db()
    assert app.card_ref == "CARDREF0001"
    assert Alert.objects.filter(kind="quarantined").count() == 1


def _expired_signer(pki):
    ca_key = envelope.load_private_key(pki.ca_key_path)
    ca_cert = envelope.load_certificate(pki.ca_cert_path)
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    return issue_certificate(
        ca_key=ca_key,
        ca_cert=ca_cert,
        common_name="BOC old",
        not_before=past,
        not_after=past + dt.timedelta(days=30),
    )


def _stranger_signer(pki):
    ca_key = envelope.load_private_key(pki.ca_key_path)
    ca_cert = envelope.load_certificate(pki.ca_cert_path)
    return issue_certificate(ca_key=ca_key, ca_cert=ca_cert, common_name="not BOC")


def _result_plain(records, day=dt.date(2026, 12, 1)) -> bytes:
    return codecs.codec_for("BOC").encode(
        Header(partner="BOC", file_type="RESULT", business_date=day, seq=1,
               count=len(records), created_at=dt.datetime(2026, 12, 1, 9, tzinfo=TZ)),
        records,
    )  # fmt: skip


def _signed_in_the_future(bank, plain: bytes) -> bytes:
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    signed = signed_at(plain, bank.key, bank.cert, when)
    return envelope.encrypt(signed, recipient_certs=[bank.service_enc])


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("unknown_cert", "envelope_unknown_signer"),
        ("tampered", "envelope_tampered"),
        ("expired", "envelope_unknown_signer"),
        ("truncated", "envelope_truncated"),
        ("other_recipient", "envelope_not_for_us"),
        ("signed_tomorrow", "envelope_signing_time"),
    ],
)
def test_a_forged_or_damaged_file_is_quarantined_whole_with_its_own_alert(env, how, code):
    """Spec section 2: a file that does not decrypt or verify is quarantined (not refused,
    which is for a file that verifies but breaks the format), with its own alert kind."""
    app = sent_app(env)
    bank = Bank(env)
    records = [accepted(app)]
    if how == "unknown_cert":
        name = bank.put("RESULT", records, signer=_stranger_signer(env["pki"]))
    elif how == "expired":
        name = bank.put("RESULT", records, signer=_expired_signer(env["pki"]))
    elif how == "other_recipient":
        archive = envelope.load_certificate(env["pki"].archive.cert_path)
        name = bank.put("RESULT", records, recipients=[archive])
    elif how == "signed_tomorrow":
        name = bank.put("RESULT", records, raw=_signed_in_the_future(bank, _result_plain(records)))
    else:
        good = bank.seal(_result_plain(records))
        raw = (
            good[: len(good) // 2]
            if how == "truncated"
            else good[:200] + bytes([good[200] ^ 1]) + good[201:]
        )
        name = bank.put("RESULT", records, raw=raw)
    report = exchange.receive("BOC")
    assert report.quarantined == [name] and report.refused == [] and report.applied == []
    app.refresh_from_db()
    assert app.status == CardStatus.SENT and app.card_ref is None
    pf = PartnerFile.objects.get(name=name)
    assert (pf.state, pf.error_code) == ("quarantined", code)
    assert pf.get_state_display() == "已隔离（未通过校验）"
    alert = Alert.objects.get()
    assert alert.kind == "envelope_failed" and alert.get_kind_display() == "文件签名或加密校验失败"
    assert name in alert.message and alert.file == pf
    assert Path(pf.stored_path).read_bytes() == (env["root"] / "from_partner" / name).read_bytes()
    assert (env["root"] / "from_partner" / name).exists()  # not moved to done/
    # the next run does not quarantine it twice
    assert exchange.receive("BOC").skipped == [name]
    assert Alert.objects.count() == 1


def test_a_file_that_verifies_but_breaks_the_format_is_refused_not_quarantined(env):
    app = sent_app(env)
    bank = Bank(env)
    plain = _result_plain([accepted(app)]).replace(b"\r\nT0000000001", b"\r\nT0000000002")
    assert b"T0000000002" in plain
    name = bank.put("RESULT", [], raw=bank.seal(plain))
    report = exchange.receive("BOC")
    assert report.refused == [name] and report.quarantined == []
    pf = PartnerFile.objects.get(name=name)
    assert (pf.state, pf.error_code, pf.get_state_display()) == (
        "refused", "bank_file_invalid", "已拒收（格式不符）",
    )  # fmt: skip
    assert Alert.objects.get().kind == "file_refused"
    assert Path(pf.stored_path).exists() and pf.content_dropped_at is None


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_full_card_number_is_refused_and_its_bytes_are_kept_nowhere(env, caplog):
    """Spec 4.2: the row keeps name, size, SHA-256, partner and the alert; the bytes are
    deleted from our storage (sealed or not), and the bank's original is left in done/."""
    from bank_adapters import partners

    caplog.set_level("DEBUG")
    app = sent_app(env)
    bank = Bank(env)
    pan = b"6216610200001234"
    plain = _result_plain([accepted(app)]).replace(b"621661******1234", pan)
    sealed = bank.seal(plain)
    name = bank.put("RESULT", [], raw=sealed)
    report = exchange.receive("BOC")
    assert report.refused == [name]
    app.refresh_from_db()
    assert app.status == CardStatus.SENT and not app.masked_pan
    pf = PartnerFile.objects.get(name=name)
    assert (pf.state, pf.partner, pf.size) == ("refused", "BOC", len(sealed))
    assert pf.sha256 == hashlib.sha256(sealed).hexdigest()
    assert pf.content_dropped_at is not None and pf.stored_path == ""
    alert = Alert.objects.get()
    assert alert.kind == "full_pan" and alert.file == pf and "已从本服务删除" in alert.message
    # nowhere: not in the storage dir (sealed copy, quarantine, scratch), nor in a message
    storage = partners.load().storage_dir
    for path in _files_under(storage):
        data = path.read_bytes()
        assert data != sealed and pan not in data, path
    assert not list((storage / "tmp").iterdir())
    for text in (alert.message, pf.error, caplog.text):
        assert pan.decode() not in text and "0200001234" not in text
    # the bank keeps its original in done/; it is not fetched again
    assert not (env["root"] / "from_partner" / name).exists()
    assert (env["root"] / "from_partner" / "done" / name).read_bytes() == sealed
    assert exchange.receive("BOC").refused == []
    # a retry says why it cannot be done
    with pytest.raises(ServiceError) as caught:
        exchange.retry_file(pf.pk)
    assert caught.value.code == "file_content_dropped"


def test_a_full_card_number_received_again_is_not_kept_either(env):
    """The same bytes put back in from_partner/: recognised by their SHA-256, not stored,
    and moved to done/ again."""
    from bank_adapters import partners

    app = sent_app(env)
    bank = Bank(env)
    plain = _result_plain([accepted(app)]).replace(b"621661******1234", b"6216610200001234")
    sealed = bank.seal(plain)
    name = bank.put("RESULT", [], raw=sealed)
    exchange.receive("BOC")
    name = bank.put("RESULT", [], raw=sealed)
    report = exchange.receive("BOC")
    assert report.refused == [name] and PartnerFile.objects.count() == 3  # APPLY, PHOTO, it
    assert Alert.objects.count() == 1
    assert not (env["root"] / "from_partner" / name).exists()
    storage = partners.load().storage_dir
    assert all(p.read_bytes() != sealed for p in _files_under(storage))


def _configure_extra_boc_cert(settings, cert_path: Path) -> None:
    """Add a certificate to BOC's in the partners file (a key roll-over by operations)."""
    toml = Path(settings.CARD_PARTNERS_FILE)
    text = toml.read_text()
    line_start = text.index("certificates = [", text.index("[partners.BOC]"))
    line_end = text.index("]", line_start)
    text = text[:line_end] + f', "{cert_path}"' + text[line_end:]
    toml.write_text(text)
    later = time.time() + 2
    os.utime(toml, (later, later))


def test_a_quarantined_file_is_applied_on_retry_once_its_signer_is_configured(
    env, settings, tmp_path
):
    from django.core.management import call_command

    from bank_adapters.pki import write_certificate

    app = sent_app(env)
    bank = Bank(env)
    key, cert = _stranger_signer(env["pki"])  # the bank's new key, not configured yet
    name = bank.put("RESULT", [accepted(app)], signer=(key, cert))
    assert exchange.receive("BOC").quarantined == [name]
    pf = PartnerFile.objects.get(name=name)
    # before the certificate is configured, a retry quarantines it again, with an alert
    out = io.StringIO()
    call_command("exchange", "retry", "--file-id", str(pf.pk), stdout=out)
    assert "quarantined again" in out.getvalue()
    assert PartnerFile.objects.get(pk=pf.pk).state == "quarantined"
    assert Alert.objects.filter(kind="envelope_failed").count() == 2
    _configure_extra_boc_cert(settings, write_certificate(tmp_path / "boc-2027.pem", cert))
    out = io.StringIO()
    call_command("exchange", "retry", "--file-id", str(pf.pk), stdout=out)
    assert out.getvalue().strip() == "applied"
    app.refresh_from_db()
    assert app.status == CardStatus.ACCEPTED and app.card_ref == "CARDREF0001"
    pf.refresh_from_db()
    assert (pf.state, pf.error, pf.error_code) == ("applied", "", "")
    # the next receive finds it applied and moves it to done/
    assert exchange.receive("BOC").skipped == [name]
    assert (env["root"] / "from_partner" / "done" / name).exists()


def test_a_known_name_with_new_bytes_cannot_be_retried(env):
    app = sent_app(env)
    bank = Bank(env)
    name = bank.put("RESULT", [accepted(app)])
    exchange.receive("BOC")
    bank.put("RESULT", [accepted(app, ref="OTHERREF")])
    exchange.receive("BOC")
    pf = PartnerFile.objects.get(name=name, state="quarantined")
    assert pf.error_code == "name_reused"
    with pytest.raises(ServiceError) as caught:
        exchange.retry_file(pf.pk)
    assert caught.value.code == "file_name_reused"
    assert PartnerFile.objects.get(pk=pf.pk).state == "quarantined"
    app.refresh_from_db()
    assert app.card_ref == "CARDREF0001"


def test_exchange_status_counts_refused_and_quarantined_apart(env):
    from django.core.management import call_command

    app = sent_app(env)
    bank = Bank(env)
    bank.put("RESULT", [accepted(app)], signer=_stranger_signer(env["pki"]))
    plain = _result_plain([accepted(app)]).replace(b"\r\nT0000000001", b"\r\nT0000000002")
    bank.put("RESULT", [], raw=bank.seal(plain), seq=2)
    bank.put("RESULT", [], raw=bank.seal(plain), seq=3)
    report = exchange.receive("BOC")
    assert (len(report.quarantined), len(report.refused)) == (1, 2)
    out = io.StringIO()
    call_command("exchange", "status", "--partner", "BOC", stdout=out)
    assert "refused=2 quarantined=1" in out.getvalue()


@pytest.fixture(
    params=[
        "per_record",
        pytest.param(
            "set_wise",
            marks=pytest.mark.skipif(
                connection.vendor != "postgresql", reason="the set-wise path is PostgreSQL's"
            ),
        ),
    ]
)
def event_path(request, monkeypatch) -> str:
    """EVENT files applied record by record (a small file's way), then set-wise
    (``card_service.bulk_events``, made to take every file, however small)."""
    if request.param == "set_wise":
        from card_service import bulk_events

        monkeypatch.setattr(bulk_events, "BULK_MIN_RECORDS", 0)
    return request.param


def test_an_unknown_card_refuses_the_whole_file_and_names_it(env, event_path):
    app = sent_app(env)
    bank = Bank(env)
    bank.put("RESULT", [accepted(app)])
    exchange.receive("BOC")
    name = bank.put(
        "EVENT",
        [event("E1", "CARDREF0001", "PRODUCED"), event("E2", "NOSUCHCARD", "PRODUCED")],
        seq=1,
    )
    report = exchange.receive("BOC")
    assert report.refused == [name]
    app.refresh_from_db()
    assert app.status == CardStatus.ACCEPTED  # E1 was not applied either
    assert not AppliedBankEvent.objects.exists()
    alert = Alert.objects.get(kind="unknown_record")
    assert "NOSUCHCARD" in alert.message


def test_a_crash_while_applying_leaves_nothing_and_the_next_run_applies_once(
    env, event_path, monkeypatch
):
    from card_service import bank_events, bulk_events

    app = sent_app(env)
    bank = Bank(env)
    bank.put("RESULT", [accepted(app)])
    exchange.receive("BOC")
    name = bank.put(
        "EVENT", [event("E1", "CARDREF0001", "PRODUCED"), event("E2", "CARDREF0001", "FIRST_SPEND")]
    )
    # The worker dies mid-file: at the second record, or after the set-wise writes.
    owner, attr = (
        (bank_events, "apply_event") if event_path == "per_record" else (bulk_events, "_write")
    )
    real = getattr(owner, attr)
    calls = {"n": 0}

    def crashing(*args, **kw):
        calls["n"] += 1
        if event_path == "per_record" and calls["n"] == 1:
            return real(*args, **kw)
        if event_path == "set_wise":
            real(*args, **kw)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(owner, attr, crashing)
    with pytest.raises(RuntimeError):
        exchange.receive("BOC")
    app.refresh_from_db()
    assert app.status == CardStatus.ACCEPTED and app.first_spend_at is None
    assert not AppliedBankEvent.objects.exists() and not CardSpend.objects.exists()
    assert PartnerFile.objects.get(name=name).state == "received"
    monkeypatch.setattr(owner, attr, real)
    report = exchange.receive("BOC")
    assert report.applied == [name]
    app.refresh_from_db()
    assert app.status == CardStatus.PRODUCED and app.first_spend_at is not None
    assert CardSpend.objects.count() == 1


def test_the_same_event_in_two_files_counts_once(env, event_path):
    app = sent_app(env)
    bank = Bank(env)
    bank.put("RESULT", [accepted(app)])
    exchange.receive("BOC")
    spends = [
        event("S1", "CARDREF0001", "FIRST_SPEND"),
        event("S2", "CARDREF0001", "SPENDS", "3", day=3),
    ]
    bank.put("EVENT", spends, seq=1)
    bank.put("EVENT", [*spends, event("S3", "CARDREF0001", "SPENDS", "2", day=4)], seq=2)
    exchange.receive("BOC")
    assert sum(CardSpend.objects.values_list("count", flat=True)) == 1 + 3 + 2
    # each purchase is registered once, by its own CardSpend row
    assert sorted(CardSpend.objects.values_list("event_id", flat=True)) == ["S1", "S2", "S3"]
    assert not AppliedBankEvent.objects.exists()


def test_a_photo_changed_after_submission_stops_the_batch_and_marks_nothing(env):
    # The files are built in a second thread while the claim's writes run: an error there
    # must still roll the writes back.
    apps = [submit(make_volunteer()) for _ in range(3)]
    storage = CardApplication._meta.get_field("photo").storage
    with storage.open(apps[1].photo.name, "wb") as fh:
        fh.write(b"\xff\xd8 another picture")
    with pytest.raises(ServiceError) as caught:
        exchange.prepare("BOC", "APPLY")
    assert caught.value.code == "photo_changed" and apps[1].application_no in str(caught.value)
    for a in apps:
        a.refresh_from_db()
        assert a.status == CardStatus.QUEUED and a.batch_id is None
        assert not a.events.filter(to_status=CardStatus.SENT).exists()
    assert not Batch.objects.exists() and not PartnerFile.objects.exists()
    assert Bank(env).sent() == []


# Transactional: two real connections race. The banks a data migration loads are put back
# after every transactional test by the root conftest.
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
def test_two_concurrent_sends_put_each_application_in_exactly_one_batch(env):
    apps = [submit(make_volunteer()) for _ in range(30)]
    errors = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            exchange.prepare("BOC", "APPLY")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = CardApplication.objects.filter(pk__in=[a.pk for a in apps])
    assert all(r.batch_id for r in rows)
    total = sum(Batch.objects.values_list("record_count", flat=True))
    assert total == 30
    assert rows.filter(status=CardStatus.SENT).count() == 30


def test_a_result_and_the_first_event_in_one_pickup_apply_in_order(env):
    app = sent_app(env)
    bank = Bank(env)
    # EVENT sorts before RESULT by name; the result must still be applied first
    bank.put("EVENT", [event("P1", "CARDREF0001", "PRODUCED")])
    bank.put("RESULT", [accepted(app)])
    report = exchange.receive("BOC")
    assert len(report.applied) == 2 and not report.refused
    app.refresh_from_db()
    assert app.status == CardStatus.PRODUCED


def test_an_unreadable_certificate_is_our_error_and_the_file_waits_for_the_fix(
    env, settings, tmp_path
):
    """A partner certificate path that cannot be read says nothing about the file: the
    receive stops with the configuration error, the file stays received (no quarantine,
    no alert about the file) and the next receive after the fix applies it."""
    app = sent_app(env)
    name = Bank(env).put("RESULT", [accepted(app)])
    toml = Path(settings.CARD_PARTNERS_FILE)
    good = toml.read_text()
    sign_cert = str(env["pki"].partners["BOC"].sign_cert_path)
    assert good.count(sign_cert) == 1
    toml.write_text(good.replace(sign_cert, str(tmp_path / "missing.pem")))
    os.utime(toml, (time.time() + 2, time.time() + 2))
    with pytest.raises(envelope.EnvelopeError) as caught:
        exchange.receive("BOC")
    assert caught.value.code == "envelope_config"
    assert PartnerFile.objects.get(name=name).state == "received"
    assert not Alert.objects.exists()
    assert (env["root"] / "from_partner" / name).exists()
    toml.write_text(good)
    os.utime(toml, (time.time() + 4, time.time() + 4))
    assert exchange.receive("BOC").applied == [name]
    app.refresh_from_db()
    assert app.status == CardStatus.ACCEPTED


def test_a_full_card_number_after_an_unknown_application_still_drops_the_bytes(env):
    """The unknown application comes first: the file is still refused for the card number
    (decoded whole before anything applies), so its bytes are not kept."""
    import dataclasses

    app = sent_app(env)
    bank = Bank(env)
    unknown = dataclasses.replace(
        accepted(app, ref="CARDREF0002", pan="622222******5678"),
        application_no=app.application_no[:-4] + "9999",
    )
    plain = _result_plain([unknown, accepted(app)]).replace(
        b"621661******1234", b"6216610200001234"
    )
    name = bank.put("RESULT", [], raw=bank.seal(plain))
    assert exchange.receive("BOC").refused == [name]
    pf = PartnerFile.objects.get(name=name)
    assert pf.content_dropped_at is not None and pf.stored_path == ""
    assert Alert.objects.get().kind == "full_pan"
    assert (env["root"] / "from_partner" / "done" / name).exists()
