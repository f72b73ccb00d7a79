"""The exchange against a real OpenSSH sshd and real CMS envelopes: nothing lost, doubled or
half-applied."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bank_adapters import codecs, envelope, exchange
from bank_adapters.models import Alert, AppliedBankEvent, Batch, PartnerFile
from bank_adapters.pki import issue_certificate
from bank_adapters.records import EventRecord, Header, ResultRecord
from bank_adapters.testing_sshd import write_partners_toml
from card_service.models import CardApplication, CardSpend, CardStatus
from card_service.tests.helpers import submit
from core.errors import ServiceError
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

TZ = timezone.get_fixed_timezone(8 * 60)


@pytest.fixture
def env(pki, sshd, sftp_root, tmp_path, settings):
    settings.CARD_PARTNERS_FILE = str(write_partners_toml(tmp_path / "partners.toml", pki, sshd))
    return {"pki": pki, "root": Path(sftp_root)}


class Bank:
    """The bank's side in these tests: opens what we sent, seals what it sends."""

    def __init__(self, env, code="BOC"):
        self.code = code
        self.pki = env["pki"]
        self.root = env["root"]
        files = self.pki.partners[code]
        self.key = envelope.load_private_key(files.key_path)
        self.cert = envelope.load_certificate(files.cert_path)
        self.sign_key = envelope.load_private_key(files.sign_key_path)
        self.sign_cert = envelope.load_certificate(files.sign_cert_path)
        self.service_enc = envelope.load_certificate(self.pki.service.cert_path)
        self.service_sign = envelope.load_certificate(self.pki.service.sign_cert_path)

    def sent(self) -> list[str]:
        return sorted(p.name for p in (self.root / "to_partner").iterdir())

    def open(self, name: str) -> bytes:
        data = (self.root / "to_partner" / name).read_bytes()
        return envelope.open_envelope(
            data, own_key=self.key, own_cert=self.cert, partner_certs=[self.service_sign]
        ).plaintext

    def seal(self, plaintext: bytes, *, signer=None, recipients=None) -> bytes:
        key, cert = signer or (self.sign_key, self.sign_cert)
        return envelope.seal(
            plaintext,
            signer_key=key,
            signer_cert=cert,
            recipient_certs=recipients or [self.service_enc],
        )

    def put(
        self,
        file_type: str,
        records,
        *,
        seq=1,
        day=dt.date(2026, 12, 1),
        raw: bytes | None = None,
        **seal_kw,
    ) -> str:
        header = Header(
            partner=self.code, file_type=file_type, business_date=day, seq=seq, count=len(records),
            created_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ) if self.code == "BOC" else None,
        )  # fmt: skip
        name = codecs.build_filename(self.code, file_type, day, seq)
        data = (
            raw
            if raw is not None
            else self.seal(codecs.codec_for(self.code).encode(header, records), **seal_kw)
        )
        (self.root / "from_partner" / name).write_bytes(data)
        return name


def accepted(app, ref="CARDREF0001", pan="621661******1234"):
    return ResultRecord(
        application_no=app.application_no, result="A", reason_code="0000", card_ref=ref,
        masked_pan=pan, expected_ready_date=dt.date(2027, 1, 5),
    )  # fmt: skip


def event(eid, ref, kind, detail=None, day=2):
    return EventRecord(
        event_id=eid, card_ref=ref, event_type=kind,
        event_time=dt.datetime(2026, 12, day, 10, 0, tzinfo=TZ), detail=detail,
    )  # fmt: skip


def sent_app(env):
    app = submit(make_volunteer())
    exchange.send("BOC")
    app.refresh_from_db()
    return app


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


def test_receiving_leaves_no_decrypted_copy_and_clears_a_crashed_runs_leftovers(env):
    from bank_adapters import partners

    scratch = partners.load().storage_dir / "tmp"
    crashed, recent = scratch / "tmpcrashed", scratch / "tmprecent"
    for folder in (crashed, recent):
        folder.mkdir(parents=True)
        (folder / "plain").write_bytes(b"decrypted records")
    day_old = time.time() - 2 * 86_400
    os.utime(crashed, (day_old, day_old))
    app = sent_app(env)
    name = Bank(env).put("RESULT", [accepted(app)])
    assert exchange.receive("BOC").applied == [name]
    # another worker's folder of the last day is left alone; nothing of this run remains
    assert [p.name for p in scratch.iterdir()] == ["tmprecent"]


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


@pytest.mark.parametrize(
    "how", ["unknown_cert", "tampered", "expired", "truncated", "other_recipient", "full_pan"]
)
def test_a_bad_file_is_refused_whole_with_an_alert(env, how):
    app = sent_app(env)
    bank = Bank(env)
    records = [accepted(app)]
    if how == "unknown_cert":
        name = bank.put("RESULT", records, signer=_stranger_signer(env["pki"]))
    elif how == "expired":
        key, cert = _expired_signer(env["pki"])
        # the expired certificate is even configured for the partner: still refused
        name = bank.put("RESULT", records, signer=(key, cert))
    elif how == "other_recipient":
        archive = envelope.load_certificate(env["pki"].archive.cert_path)
        name = bank.put("RESULT", records, recipients=[archive])
    elif how == "full_pan":
        # our encoder refuses to write one, so the bank's mistake is made by hand
        plain = codecs.codec_for("BOC").encode(
            Header(partner="BOC", file_type="RESULT", business_date=dt.date(2026, 12, 1), seq=1, count=1,
                   created_at=dt.datetime(2026, 12, 1, 9, tzinfo=TZ)), records)  # fmt: skip
        plain = plain.replace(b"621661******1234", b"6216610200001234")
        name = bank.put("RESULT", records, raw=bank.seal(plain))
    else:
        good = bank.seal(codecs.codec_for("BOC").encode(
            Header(partner="BOC", file_type="RESULT", business_date=dt.date(2026, 12, 1), seq=1, count=1,
                   created_at=dt.datetime(2026, 12, 1, 9, tzinfo=TZ)), records))  # fmt: skip
        raw = (
            good[: len(good) // 2]
            if how == "truncated"
            else good[:200] + bytes([good[200] ^ 1]) + good[201:]
        )
        name = bank.put("RESULT", records, raw=raw)
    report = exchange.receive("BOC")
    assert report.refused == [name]
    app.refresh_from_db()
    assert app.status == CardStatus.SENT and app.card_ref is None
    alert = Alert.objects.get()
    assert name in alert.message
    assert "6216610200001234" not in alert.message + PartnerFile.objects.get(name=name).error
    if how == "full_pan":
        assert alert.kind == "full_pan"
    assert (env["root"] / "from_partner" / name).exists()  # not moved to done/


def test_an_unknown_card_refuses_the_whole_file_and_names_it(env):
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


def test_a_crash_while_applying_leaves_nothing_and_the_next_run_applies_once(env, monkeypatch):
    from card_service import bank_events

    app = sent_app(env)
    bank = Bank(env)
    bank.put("RESULT", [accepted(app)])
    exchange.receive("BOC")
    name = bank.put(
        "EVENT", [event("E1", "CARDREF0001", "PRODUCED"), event("E2", "CARDREF0001", "FIRST_SPEND")]
    )
    real = bank_events.apply_event
    calls = {"n": 0}

    def crashing(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(**kw)

    monkeypatch.setattr(bank_events, "apply_event", crashing)
    with pytest.raises(RuntimeError):
        exchange.receive("BOC")
    app.refresh_from_db()
    assert app.status == CardStatus.ACCEPTED and app.first_spend_at is None
    assert not AppliedBankEvent.objects.exists() and not CardSpend.objects.exists()
    assert PartnerFile.objects.get(name=name).state == "received"
    monkeypatch.setattr(bank_events, "apply_event", real)
    report = exchange.receive("BOC")
    assert report.applied == [name]
    app.refresh_from_db()
    assert app.status == CardStatus.PRODUCED and app.first_spend_at is not None
    assert CardSpend.objects.count() == 1


def test_the_same_event_in_two_files_counts_once(env):
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


# serialized_rollback: the banks come from a data migration, and another transactional test
# (test_delivery) empties the tables after it (serialized too, so that its flush does not
# re-create the content types this one restores).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
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
