"""The partner simulators, the paramiko demo SFTP server and the demo set-up."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import socket
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from bank_adapters import codecs, envelope, partners
from bank_adapters.fields import SHANGHAI
from bank_adapters.pki import generate_ssh_keypair
from bank_adapters.records import ApplyRecord, Header, OrderRecord
from bank_adapters.sftp import HostKeyMismatch, RemoteConflict, SftpError, SftpPartnerClient
from bank_adapters.simulator import demo
from bank_adapters.simulator.bank import BankSimulator
from bank_adapters.simulator.partner_side import LocalFolder, PartnerKeys, PartnerSide, SftpFolder
from bank_adapters.simulator.run import run
from bank_adapters.simulator.sftp_server import start_sftp_server
from bank_adapters.simulator.uniform import UniformSimulator

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"


# --------------------------------------------------------------------------- helpers


class Service:
    """The card service's side of the envelope, from the demo PKI."""

    def __init__(self, pki, code: str) -> None:
        self.code = code
        self.sign_key = envelope.load_private_key(pki.service.sign_key_path)
        self.sign_cert = envelope.load_certificate(pki.service.sign_cert_path)
        self.key = envelope.load_private_key(pki.service.key_path)
        self.cert = envelope.load_certificate(pki.service.cert_path)
        files = pki.partners[code]
        self.partner_certs = envelope.load_certificates(files.cert_path, files.sign_cert_path)
        self.partner_enc = envelope.load_certificate(files.cert_path)

    def seal(self, plaintext: bytes) -> bytes:
        return envelope.seal(
            plaintext,
            signer_key=self.sign_key,
            signer_cert=self.sign_cert,
            recipient_certs=[self.partner_enc],
        )

    def put(self, root: Path, file_type: str, records, *, seq: int = 1, extra=None) -> str:
        header = Header(
            partner=self.code, file_type=file_type, business_date=NOW.date(), seq=seq,
            count=None if self.code == "UNF" else len(records),
            created_at=NOW if self.code == "BOC" else None,
        )  # fmt: skip
        name = codecs.build_filename(self.code, file_type, NOW.date(), seq)
        if extra is not None:
            photo = codecs.build_filename(self.code, "PHOTO", NOW.date(), seq)
            (root / "to_partner" / photo).write_bytes(self.seal(extra))
        data = self.seal(codecs.codec_for(self.code).encode(header, records))
        (root / "to_partner" / name).write_bytes(data)
        return name

    def read(self, root: Path, name: str):
        data = (root / "from_partner" / name).read_bytes()
        opened = envelope.open_envelope(
            data, own_key=self.key, own_cert=self.cert, partner_certs=self.partner_certs
        )
        header, records = codecs.decode_file(opened.plaintext, filename=name)
        return header, list(records)

    def take(self, root: Path, name: str):
        """Read a file and move it to done/, as exchange.receive does."""
        out = self.read(root, name)
        (root / "from_partner" / name).rename(root / "from_partner" / "done" / name)
        return out


def apply_record(no: str, *, surname="ZHANG", product="D", photo=PHOTO, **kw) -> ApplyRecord:
    debit = product == "D"
    return ApplyRecord(
        application_no=no, apply_type="N", product=product, volunteer_no="440100000001",
        name="张三", surname_pinyin=surname, given_pinyin="SAN", gender="M",
        birth_date=dt.date(1990, 1, 1), id_type="01",
        id_number=kw.pop("id_number", "44010219900101123X"), id_expiry=dt.date(9999, 12, 31),
        nationality="CHN", mobile="13812345678", delivery="B" if debit else "M",
        branch_code="44010001" if debit else None,
        mail_address=None if debit else "广东省广州市天河区体育西路103号",
        postcode=None if debit else "510620", city_code="440100", star_level=3,
        qr_payload="https://v.gd.cn/q/Zx81kQ", photo_sha256=hashlib.sha256(photo).hexdigest(),
        applied_at=dt.datetime(2026, 11, 30, 10, 15, 30, tzinfo=SHANGHAI), **kw,
    )  # fmt: skip


def photo_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def boc(pki, tmp_path):
    root = tmp_path / "sftp"
    side = PartnerSide(PartnerKeys.from_pki(pki, "BOC"), LocalFolder(root), tmp_path / "state")
    return {"root": root, "side": side, "service": Service(pki, "BOC"), "pki": pki}


def minutes(n: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


# --------------------------------------------------------------------------- the bank


def test_bank_answers_an_apply_file_with_accepted_and_rejected_results(boc):
    root, svc = boc["root"], boc["service"]
    records = [
        apply_record("VC0000000000010001"),
        apply_record("VC0000000000020001", surname="REJECT"),
        apply_record("VC0000000000030001", photo=b"another photo"),
        apply_record("VC0000000000040001", product="C"),
        apply_record("VC0000000000050001", id_number="440102199001019999"),
    ]
    photos = {f"{r.application_no}.jpg": PHOTO for r in records}
    svc.put(root, "APPLY", records, extra=photo_zip(photos))
    bank = BankSimulator("BOC", boc["side"], step_seconds=60, reject_id_suffixes=["9999"])

    written = bank.tick(NOW)

    assert written == ["BOC_RESULT_20261201_0001.txt.p7m"]
    header, results = svc.read(root, written[0])
    assert header.count == 5 and header.business_date == NOW.date()
    by_no = {r.application_no: r for r in results}
    ok = by_no["VC0000000000010001"]
    assert ok.result == "A" and ok.reason_code == "0000"
    assert re.fullmatch(r"[0-9A-F]{20}", ok.card_ref)
    assert re.fullmatch(r"621661\*{6}[0-9]{4}", ok.masked_pan)
    assert ok.expected_ready_date == NOW.date() + dt.timedelta(days=35)
    assert by_no["VC0000000000040001"].masked_pan.startswith("625907")  # credit BIN
    assert (by_no["VC0000000000020001"].result, by_no["VC0000000000020001"].reason_code) == (
        "R",
        "1001",
    )
    assert by_no["VC0000000000030001"].reason_code == "1005"  # photo hash differs
    assert by_no["VC0000000000050001"].reason_code == "1001"  # configured ID suffix
    # The same APPLY file is answered once.
    assert bank.tick(minutes(0)) == []


@pytest.mark.parametrize(
    ("code", "bin_", "insurer"), [("ICBC", "622202", "ICBCAXA"), ("CEB", "622660", "SUNLIFE")]
)
def test_icbc_and_ceb_answer_in_their_own_formats(pki, tmp_path, code, bin_, insurer):
    root = tmp_path / "sftp"
    side = PartnerSide(PartnerKeys.from_pki(pki, code), LocalFolder(root), tmp_path / "state")
    svc = Service(pki, code)
    svc.put(
        root, "APPLY", [apply_record("VC0000000000010001")],
        extra=photo_zip({"VC0000000000010001.jpg": PHOTO}),
    )  # fmt: skip
    bank = BankSimulator(code, side, step_seconds=0)
    [name] = bank.tick(NOW)
    assert name.startswith(f"{code}_RESULT_20261201_0001.")
    [result] = svc.take(root, name)[1]
    assert result.masked_pan.startswith(bin_)
    written = []
    for i in range(1, 5):
        written += bank.tick(minutes(i))
    policies = [r for n in written if "_POLICY_" in n for r in svc.take(root, n)[1]]
    assert [p.insurer for p in policies] == [insurer]
    assert {n.split("_")[1] for n in written} == {"EVENT", "POLICY"}


def test_bank_waits_for_the_photo_archive(boc):
    root, svc = boc["root"], boc["service"]
    svc.put(root, "APPLY", [apply_record("VC0000000000010001")])
    bank = BankSimulator("BOC", boc["side"])
    assert bank.tick(NOW) == []
    photo = codecs.build_filename("BOC", "PHOTO", NOW.date(), 1)
    (root / "to_partner" / photo).write_bytes(
        svc.seal(photo_zip({"VC0000000000010001.jpg": PHOTO}))
    )
    assert bank.tick(NOW) == ["BOC_RESULT_20261201_0001.txt.p7m"]


def test_bank_plays_a_debit_card_forward_step_by_step_and_survives_a_restart(boc, pki):
    root, svc = boc["root"], boc["service"]
    svc.put(
        root, "APPLY", [apply_record("VC0000000000010001")],
        extra=photo_zip({"VC0000000000010001.jpg": PHOTO}),
    )  # fmt: skip
    bank = BankSimulator("BOC", boc["side"], step_seconds=60)
    [result_name] = bank.tick(NOW)
    # Until the service has taken the RESULT, the card does not move (EVENT sorts first).
    assert bank.tick(minutes(5)) == []
    [result] = svc.take(root, result_name)[1]

    seen = []
    for i, expected in enumerate(
        ["PRODUCED", "AT_BRANCH", "COLLECTED", "ACTIVATED", "FIRST_SPEND"], start=1
    ):
        if i == 3:  # a restart: a new simulator on the same state folder continues
            side = PartnerSide(
                PartnerKeys.from_pki(pki, "BOC"), LocalFolder(root), boc["side"].state_dir
            )
            bank = BankSimulator("BOC", side, step_seconds=60)
        names = bank.tick(minutes(6 + i))
        assert bank.tick(minutes(6 + i) + dt.timedelta(seconds=30)) == []  # next step not due
        events = [rec for n in names if "_EVENT_" in n for rec in svc.take(root, n)[1]]
        assert [e.event_type for e in events] == [expected]
        assert events[0].card_ref == result.card_ref
        seen.extend(events)
        if expected in ("AT_BRANCH", "COLLECTED"):
            assert events[0].detail == "44010001"
        if expected == "ACTIVATED":
            [policy_name] = [n for n in names if "_POLICY_" in n]
            [policy] = svc.take(root, policy_name)[1]
            assert policy.insurer == "BOCINS" and policy.card_ref == result.card_ref
            assert policy.coverage_start == NOW.date()
            assert policy.coverage_end == dt.date(2027, 11, 30) and policy.status == "I"
    # Same day: no SPENDS yet; the next day one SPENDS with the count.
    assert bank.tick(minutes(30)) == []
    [name] = bank.tick(NOW + dt.timedelta(days=1))
    [spends] = svc.take(root, name)[1]
    assert spends.event_type == "SPENDS" and spends.detail.isdigit() and int(spends.detail) > 0
    ids = [e.event_id for e in [*seen, spends]]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "BOC2026120100000001" and ids[-1] == "BOC2026120200000001"


def test_a_mailed_credit_card_has_a_tracking_number_and_no_collection(boc):
    root, svc = boc["root"], boc["service"]
    svc.put(
        root, "APPLY", [apply_record("VC0000000000010001", product="C")],
        extra=photo_zip({"VC0000000000010001.jpg": PHOTO}),
    )  # fmt: skip
    bank = BankSimulator("BOC", boc["side"], step_seconds=0)
    svc.take(root, bank.tick(NOW)[0])
    kinds = []
    for i in range(1, 5):
        for name in bank.tick(minutes(i)):
            for rec in svc.take(root, name)[1]:
                kinds.append((rec.event_type, rec.detail) if hasattr(rec, "event_type") else "P")
    assert [k[0] for k in kinds if k != "P"] == ["PRODUCED", "MAILED", "ACTIVATED", "FIRST_SPEND"]
    assert re.fullmatch(r"SF[0-9]{12}", kinds[1][1])


def _take_all(svc, root, names) -> list:
    return [rec for n in names for rec in svc.take(root, n)[1]]


def test_a_write_that_fails_goes_out_later_once_and_the_card_is_not_moved_twice(boc, pki):
    root, svc = boc["root"], boc["service"]
    svc.put(
        root, "APPLY", [apply_record("VC0000000000010001")],
        extra=photo_zip({"VC0000000000010001.jpg": PHOTO}),
    )  # fmt: skip
    bank = BankSimulator("BOC", boc["side"], step_seconds=0)
    svc.take(root, bank.tick(NOW)[0])
    kinds = [
        e.event_type
        for e in _take_all(
            svc, root, bank.tick(minutes(1)) + bank.tick(minutes(2)) + bank.tick(minutes(3))
        )
    ]
    assert kinds == ["PRODUCED", "AT_BRANCH", "COLLECTED"]

    # The server's folder is gone while the card is activated (a real failed write).
    (root / "from_partner").rename(root / "away")
    with pytest.raises(OSError):
        bank.tick(minutes(4))
    (root / "away").rename(root / "from_partner")

    # The same simulator writes the activation and its policy at the next tick (then, the
    # steps being due at once here, the first purchase).
    first = _take_all(svc, root, bank.tick(minutes(5)))
    assert [getattr(r, "event_type", "POLICY") for r in first] == [
        "ACTIVATED",
        "POLICY",
        "FIRST_SPEND",
    ]
    # After a restart nothing is activated or insured again: the card goes on.
    side = PartnerSide(PartnerKeys.from_pki(pki, "BOC"), LocalFolder(root), boc["side"].state_dir)
    bank = BankSimulator("BOC", side, step_seconds=0)
    later = _take_all(svc, root, bank.tick(minutes(6)) + bank.tick(NOW + dt.timedelta(days=1)))
    assert [getattr(r, "event_type", "POLICY") for r in later] == ["SPENDS"]


def test_a_failed_write_then_a_restart_issues_the_decided_policy_number(boc, pki):
    root, svc = boc["root"], boc["service"]
    svc.put(
        root, "APPLY", [apply_record("VC0000000000010001", product="C")],
        extra=photo_zip({"VC0000000000010001.jpg": PHOTO}),
    )  # fmt: skip
    bank = BankSimulator("BOC", boc["side"], step_seconds=0)
    svc.take(root, bank.tick(NOW)[0])
    _take_all(svc, root, bank.tick(minutes(1)) + bank.tick(minutes(2)))  # PRODUCED, MAILED
    (root / "from_partner").rename(root / "away")
    with pytest.raises(OSError):
        bank.tick(minutes(3))  # ACTIVATED and a policy decided, not written
    (root / "away").rename(root / "from_partner")
    decided = bank.state.data["outbox"]
    [policy_entry] = [e for e in decided if e["type"] == "POLICY"]
    side = PartnerSide(PartnerKeys.from_pki(pki, "BOC"), LocalFolder(root), boc["side"].state_dir)
    restarted = BankSimulator("BOC", side, step_seconds=0)
    recs = _take_all(svc, root, restarted.tick(minutes(4)))
    policies = [r for r in recs if not hasattr(r, "event_type")]
    assert [p.policy_no for p in policies] == [policy_entry["records"][0]["policy_no"]]
    assert [r.event_type for r in recs if hasattr(r, "event_type")] == ["ACTIVATED", "FIRST_SPEND"]
    assert restarted.state.data["outbox"] == []


def test_an_application_sent_again_gets_the_same_card_not_a_second_one(boc):
    root, svc = boc["root"], boc["service"]
    photos = photo_zip({"VC0000000000010001.jpg": PHOTO})
    svc.put(root, "APPLY", [apply_record("VC0000000000010001")], extra=photos)
    bank = BankSimulator("BOC", boc["side"], step_seconds=60)
    [first] = svc.take(root, bank.tick(NOW)[0])[1]
    svc.put(root, "APPLY", [apply_record("VC0000000000010001")], seq=2, extra=photos)
    [again] = svc.take(root, bank.tick(minutes(1))[0])[1]
    assert (again.card_ref, again.masked_pan) == (first.card_ref, first.masked_pan)
    assert again.expected_ready_date == first.expected_ready_date
    assert list(bank.state.data["cards"]) == [first.card_ref]


def test_the_file_seq_goes_on_per_type_and_date_and_skips_names_on_the_server(boc):
    side, root = boc["side"], boc["root"]
    (root / "from_partner" / "done" / "BOC_EVENT_20261201_0001.txt.p7m").write_bytes(b"x")
    assert side.next_seq("EVENT", NOW.date()) == 2
    assert side.next_seq("EVENT", NOW.date()) == 3
    assert side.next_seq("RESULT", NOW.date()) == 1
    assert side.next_seq("EVENT", NOW.date() + dt.timedelta(days=1)) == 1
    # The state is on disk: a new PartnerSide continues.
    again = PartnerSide(side.keys, LocalFolder(root), side.state_dir)
    assert again.next_seq("EVENT", NOW.date()) == 4


def test_a_file_not_signed_by_the_service_is_not_answered(boc, pki):
    root, svc = boc["root"], boc["service"]
    # Signed by the bank's own key instead of the service's: the envelope check refuses it.
    svc.sign_key = envelope.load_private_key(pki.partners["ICBC"].key_path)
    svc.sign_cert = envelope.load_certificate(pki.partners["ICBC"].cert_path)
    svc.put(
        root, "APPLY", [apply_record("VC0000000000010001")],
        extra=photo_zip({"VC0000000000010001.jpg": PHOTO}),
    )  # fmt: skip
    bank = BankSimulator("BOC", boc["side"])
    assert bank.tick(NOW) == []
    assert list((root / "from_partner").glob("*.p7m")) == []


# --------------------------------------------------------------------------- uniforms


def order(no: str, address: str) -> OrderRecord:
    return OrderRecord(
        order_no=no, volunteer_no="440100000001", name="张三", size="L", mail_address=address,
        postcode="510620", mobile="13812345678", first_spend_date=dt.date(2026, 11, 30),
    )  # fmt: skip


def test_uniform_maker_produces_ships_and_delivers_or_returns(pki, tmp_path):
    root = tmp_path / "sftp"
    side = PartnerSide(PartnerKeys.from_pki(pki, "UNF"), LocalFolder(root), tmp_path / "state")
    svc = Service(pki, "UNF")
    svc.put(
        root,
        "ORDER",
        [
            order("U20261201000001", "广东省广州市天河区体育西路103号"),
            order("U20261201000002", "查无此人退回"),
        ],
    )
    unf = UniformSimulator(side, step_seconds=60)
    history: dict[str, list] = {}
    for i, when in enumerate([NOW, minutes(1), minutes(2), minutes(3)]):
        for name in unf.tick(when):
            header, recs = svc.take(root, name)
            assert header.seq == i + 1 and header.count is None
            for r in recs:
                history.setdefault(r.order_no, []).append((r.status, r.tracking_no))
    ok, back = history["U20261201000001"], history["U20261201000002"]
    assert [s for s, _ in ok] == ["PRODUCING", "SHIPPED", "DELIVERED"]
    assert [s for s, _ in back] == ["PRODUCING", "SHIPPED", "RETURNED"]
    assert ok[0][1] is None and ok[1][1] and ok[2][1] == ok[1][1]
    assert unf.tick(minutes(10)) == []
    assert "查无此人" not in (side.state_dir / "state.json").read_text(encoding="utf-8")


def test_a_status_the_uniform_maker_could_not_write_goes_out_once_later(pki, tmp_path):
    root = tmp_path / "sftp"
    side = PartnerSide(PartnerKeys.from_pki(pki, "UNF"), LocalFolder(root), tmp_path / "state")
    svc = Service(pki, "UNF")
    svc.put(root, "ORDER", [order("U20261201000001", "广东省广州市天河区体育西路103号")])
    unf = UniformSimulator(side, step_seconds=60)
    (root / "from_partner").rename(root / "away")
    with pytest.raises(OSError):
        unf.tick(NOW)  # PRODUCING decided, not written
    (root / "away").rename(root / "from_partner")
    statuses = [
        r.status
        for when in (NOW + dt.timedelta(seconds=30), minutes(1))
        for n in unf.tick(when)
        for r in svc.take(root, n)[1]
    ]
    assert statuses == ["PRODUCING", "SHIPPED"]


# --------------------------------------------------------------------------- the paramiko server


@pytest.fixture
def paramiko_server(pki, tmp_path):
    root = tmp_path / "root"
    for sub in ("to_partner", "from_partner", "from_partner/done"):
        (root / sub).mkdir(parents=True)
    host = pki.host_ssh["BOC"]
    server = start_sftp_server(
        root, host_key_path=host.key_path, authorized_lines=[pki.service_ssh.public_line]
    )
    known = f"[127.0.0.1]:{server.port} {' '.join(host.public_line.split()[:2])}"
    yield {"server": server, "root": root, "known": known}
    server.stop()


def client(pki, srv, **kw) -> SftpPartnerClient:
    args = dict(
        host="127.0.0.1", port=srv["server"].port, username="gdvolunteer",
        key_path=pki.service_ssh.key_path, known_hosts_lines=[srv["known"]], timeout=10,
    )  # fmt: skip
    args.update(kw)
    return SftpPartnerClient(**args)


def test_paramiko_server_works_with_the_exchange_client(pki, paramiko_server):
    root = paramiko_server["root"]
    data = bytes(range(256)) * 4000  # 1 MB: several requests of 255 KiB
    with client(pki, paramiko_server) as c:
        first = c.upload("BOC_APPLY_20261201_0001.txt.p7m", data)
        assert not first.already_present
        assert (root / "to_partner" / "BOC_APPLY_20261201_0001.txt.p7m").read_bytes() == data
        assert list((root / "to_partner").glob("*.part")) == []
        assert c.upload("BOC_APPLY_20261201_0001.txt.p7m", data).already_present
        with pytest.raises(RemoteConflict):
            c.upload("BOC_APPLY_20261201_0001.txt.p7m", data[:-1] + b"!")
        assert (root / "to_partner" / "BOC_APPLY_20261201_0001.txt.p7m").read_bytes() == data

        (root / "from_partner" / "BOC_RESULT_20261201_0001.txt.p7m").write_bytes(b"result")
        (root / "from_partner" / "BOC_EVENT_20261201_0001.txt.p7m.part").write_bytes(b"half")
        assert [f.name for f in c.list_incoming()] == ["BOC_RESULT_20261201_0001.txt.p7m"]
        assert c.download("BOC_RESULT_20261201_0001.txt.p7m") == b"result"
        c.mark_done("BOC_RESULT_20261201_0001.txt.p7m")
        c.mark_done("BOC_RESULT_20261201_0001.txt.p7m")  # already moved: no-op
        assert (root / "from_partner/done/BOC_RESULT_20261201_0001.txt.p7m").read_bytes() == (
            b"result"
        )
        assert c.list_incoming() == []
        # No path leaves the login folder: "/.." is the login folder itself.
        assert sorted(c.sftp.listdir("/../..")) == ["from_partner", "to_partner"]
        with pytest.raises(FileNotFoundError):
            c.sftp.stat("../../etc/passwd")


def test_paramiko_server_refuses_unknown_keys_and_the_client_pins_its_host_key(
    pki, paramiko_server, tmp_path
):
    stranger, _ = generate_ssh_keypair(tmp_path / "stranger")
    with pytest.raises(SftpError) as exc:
        client(pki, paramiko_server, key_path=stranger).connect()
    assert exc.value.code == "sftp_auth_failed"
    other = pki.host_ssh["ICBC"].public_line.split()[:2]
    wrong = f"[127.0.0.1]:{paramiko_server['server'].port} {' '.join(other)}"
    with pytest.raises(HostKeyMismatch):
        client(pki, paramiko_server, known_hosts_lines=[wrong]).connect()


# --------------------------------------------------------------------------- the demo


def _free_base_port() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base > 65000:
            continue
        try:
            socks = []
            for p in range(base, base + 4):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return base
    raise RuntimeError("no four free ports in a row")


@pytest.fixture
def demo_var(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    settings.CARD_PARTNERS_FILE = str(tmp_path / "var" / "partners.toml")
    return demo.DemoLayout(tmp_path / "var")


def test_demo_exchange_setup_is_idempotent_and_writes_a_valid_configuration(demo_var, monkeypatch):
    monkeypatch.setenv("DEMO_SFTP_BASE_PORT", "23001")
    call_command("demo_exchange_setup", stdout=io.StringIO())
    key_before = demo_var.key("SVC").read_bytes()
    toml_before = demo_var.partners_toml.read_text(encoding="utf-8")
    out = io.StringIO()
    call_command("demo_exchange_setup", stdout=out)
    assert "generated" not in out.getvalue() and "wrote" not in out.getvalue()
    assert demo_var.key("SVC").read_bytes() == key_before
    assert demo_var.partners_toml.read_text(encoding="utf-8") == toml_before

    cfg = partners.load(str(demo_var.partners_toml))
    assert [(p.code, p.port) for p in cfg.enabled_partners()] == [
        ("BOC", 23001), ("ICBC", 23002), ("CEB", 23003), ("UNF", 23004),
    ]  # fmt: skip
    boc = cfg.partner("BOC")
    assert boc.cutoff == dt.time(0, 0) and boc.encrypt_to == demo_var.cert("BOC")
    assert boc.certificates == (demo_var.cert("BOC"), demo_var.sign_cert("BOC"))
    assert cfg.archive_cert == demo_var.cert("ARCHIVE")
    assert cfg.storage_dir == demo_var.exchange
    for code in ("BOC", "UNF"):
        assert (demo_var.sftp_root(code) / "from_partner" / "done").is_dir()
    # The service seals for a partner and the partner simulator opens it, and back.
    keys = PartnerKeys.from_files(
        "BOC", key=demo_var.key("BOC"), cert=demo_var.cert("BOC"),
        sign_key=demo_var.sign_key("BOC"), sign_cert=demo_var.sign_cert("BOC"),
        service_certs=[demo_var.sign_cert("SVC")], service_encryption_cert=demo_var.cert("SVC"),
    )  # fmt: skip
    assert keys.open(cfg.seal(b"hello", boc)) == b"hello"
    assert cfg.open(keys.seal(b"back"), boc).plaintext == b"back"
    # A file someone else wrote is kept.
    demo_var.partners_toml.write_text(toml_before.split("\n", 1)[1], encoding="utf-8")
    out = io.StringIO()
    call_command("demo_exchange_setup", stdout=out)
    assert "kept" in out.getvalue()


def test_demo_loop_serves_sftp_and_answers_an_apply_file(demo_var):
    base = _free_base_port()
    demo.setup(demo_var, port=base)
    cfg = partners.load(str(demo_var.partners_toml))
    # The service sends an APPLY with its photos, sealed with the demo keys.
    svc = cfg
    rec = apply_record("VC0000000000010001")
    header = Header(partner="BOC", file_type="APPLY", business_date=NOW.date(), seq=1, count=1,
                    created_at=NOW)  # fmt: skip
    boc = cfg.partner("BOC")
    to = demo_var.sftp_root("BOC") / "to_partner"
    (to / "BOC_PHOTO_20261201_0001.zip.p7m").write_bytes(
        svc.seal(photo_zip({"VC0000000000010001.jpg": PHOTO}), boc)
    )
    (to / "BOC_APPLY_20261201_0001.txt.p7m").write_bytes(
        svc.seal(codecs.codec_for("BOC").encode(header, [rec]), boc)
    )
    stop = threading.Event()
    thread = threading.Thread(
        target=run,
        args=(demo_var,),
        kwargs=dict(stop=stop, interval=0.2, step_seconds=3600, server_kind="paramiko"),
    )
    thread.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=30)
        while dt.datetime.now() < deadline:
            incoming = []
            try:
                with boc.sftp_client() as c:  # the service's own login, pinned host key
                    incoming = c.list_incoming()
            except SftpError:
                pass
            if incoming:
                break
            stop.wait(0.2)
        assert [f.name.split("_")[1] for f in incoming] == ["RESULT"]
        with boc.sftp_client() as c:
            opened = cfg.open(c.download(incoming[0].name), boc)
        _, results = codecs.decode_file(opened.plaintext, filename=incoming[0].name)
        assert [r.result for r in results] == ["A"]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    # The partner simulator logged in with its own key through SFTP (not the folder).
    folder = SftpFolder(
        "127.0.0.1", base, "x", demo_var.partner_ssh_key("BOC"), boc.known_hosts, timeout=2
    )
    with pytest.raises(OSError):  # the server is gone with the loop
        folder.list_outgoing()
