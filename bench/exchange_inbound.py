"""Inbound exchange, end to end: a big EVENT file received, opened and applied.

How to run (PostgreSQL only; the database is emptied and filled with generated cards):

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE card_service_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_bench \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_bench \\
        .venv/bin/python bench/exchange_inbound.py [--n 1000000] [--formats BOC,ICBC,CEB]
        [--memory-check [--memory-n 5000000]] [--seed 9] [--work DIR]

For each bank format, deterministically from ``--seed``: cards are COPYed into the database
(users, volunteers and card applications; the encrypted columns hold one ciphertext made once
with ``core.crypto.encrypt``), and an EVENT file of ``--n`` records is written with the
bank's codec and sealed as the bank (``envelope.seal``: the bank's key signs, our
certificate is the recipient). The file is put on a local OpenSSH sshd
(``bank_adapters.testing_sshd``). Generated files are kept in ``--work`` and reused.

- OURS: ``exchange.receive(bank)`` in a fresh child process, timed around the call:
  download, SHA-256, streaming decrypt and verify, decode, apply (set-based on PostgreSQL).
- BASELINE: ``sftp -b`` get, ``openssl cms -decrypt``, ``openssl cms -verify``, and psql
  ``\\copy`` of the same events (CSV, each event once, as the product keeps them) into a
  table with the unique (bank, event id) index the product needs (issue 19.1). Its rows stay
  from one bank to the next, as ``CardSpend``'s do.

The records: mostly SPENDS of activated cards (a card's purchases of the day), 0.5% of them
sent twice in the file, and one card in ~400 events going through its whole life
(PRODUCED → AT_BRANCH/MAILED → COLLECTED → ACTIVATED → FIRST_SPEND, which orders a uniform).

Each measured run (baseline and ours) starts settled: ``VACUUM ANALYZE`` and ``CHECKPOINT``
first. ``--chunk N`` applies the file N records at a time (``bulk_events.CHUNK_RECORDS``).

Target: ours <= 2 x baseline per format. With ``--memory-check`` the child's peak RSS
(``VmHWM``) on a ``--memory-n`` BOC file must be within 50 MB of the ``--n`` one. The
script prints a table and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import pickle
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET_RATIO = 2.0
TARGET_MEMORY_MB = 50.0
DAY = dt.date(2026, 12, 1)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CITIES = ("440100", "440300", "440600", "441900", "442000")
FRESH_EVERY = 400  # one lifecycle event per this many records


# --- the records ----------------------------------------------------------------------------


def card_counts(n: int) -> tuple[int, int]:
    """(mature cards that spend, fresh cards that go through their life) for n records."""
    return max(1, n // 10), max(1, n // (FRESH_EVERY * 5))


def fresh_chain(i: int) -> list[tuple[str, str | None]]:
    if i % 2:
        return [("PRODUCED", None), ("MAILED", f"SF{i:010d}"), ("ACTIVATED", None),
                ("FIRST_SPEND", None)]  # fmt: skip
    return [("PRODUCED", None), ("AT_BRANCH", "44010001"), ("COLLECTED", "44010001"),
            ("ACTIVATED", None), ("FIRST_SPEND", None)]  # fmt: skip


def events(bank: str, n: int, seed: int) -> Iterator:
    from bank_adapters.records import EventRecord

    rng = random.Random(f"{seed}:{bank}:{n}")
    mature, fresh = card_counts(n)
    chain = [(f"{bank}F{i:09d}", kind, detail) for i in range(fresh)
             for kind, detail in fresh_chain(i)]  # fmt: skip
    start = dt.datetime.combine(DAY, dt.time(), SHANGHAI)
    step = 86400 / n
    c = 0
    last = None
    for i in range(n):
        at = start + dt.timedelta(seconds=int(i * step))
        if i % FRESH_EVERY == FRESH_EVERY // 2 and c < len(chain):
            ref, kind, detail = chain[c]
            c += 1
            yield EventRecord(event_id=f"{bank}L{i:015d}", card_ref=ref, event_type=kind,
                              event_time=at, detail=detail)  # fmt: skip
            continue
        if last is not None and rng.random() < 0.005:
            yield last  # the bank repeats an event within the file
            continue
        last = EventRecord(
            event_id=f"{bank}S{i:015d}",
            card_ref=f"{bank}M{rng.randrange(mature):09d}",
            event_type="SPENDS",
            event_time=at,
            detail=str(rng.randint(1, 30)),
        )
        yield last


def make_files(pki, bank: str, n: int, seed: int, work: Path) -> tuple[str, Path, Path]:
    """The sealed EVENT file and the CSV of its records (cached in ``work``)."""
    from bank_adapters import codecs, envelope
    from bank_adapters.records import Header

    name = codecs.build_filename(bank, "EVENT", DAY, 1)
    folder = work / "files" / f"{bank}-{n}-{seed}"
    sealed_path, csv_path = folder / name, folder / "events-once.csv"
    if sealed_path.exists() and csv_path.exists():
        return name, sealed_path, csv_path
    folder.mkdir(parents=True, exist_ok=True)
    header = Header(partner=bank, file_type="EVENT", business_date=DAY, seq=1, count=n,
                    created_at=dt.datetime(2026, 12, 1, 6, 0, tzinfo=SHANGHAI)
                    if bank == "BOC" else None)  # fmt: skip
    plain = folder / "plain"
    with open(plain, "wb") as out, open(csv_path, "w", newline="") as cfh:
        w = csv.writer(cfh)

        seen: set[str] = set()

        def tee() -> Iterator:
            for r in events(bank, n, seed):
                if r.event_id not in seen:  # a repeat is in the file, not in the table
                    seen.add(r.event_id)
                    w.writerow((bank, r.event_id, r.card_ref, r.event_type,
                                r.event_time.isoformat(), r.detail or ""))  # fmt: skip
                yield r

        codecs.codec_for(bank).write(out, header, tee())
    files = pki.partners[bank]
    sealed = envelope.seal(
        plain.read_bytes(),
        signer_key=envelope.load_private_key(files.key_path),
        signer_cert=envelope.load_certificate(files.cert_path),
        recipient_certs=[envelope.load_certificate(pki.service.cert_path)],
    )
    plain.unlink()
    sealed_path.write_bytes(sealed)
    return name, sealed_path, csv_path


# --- the database ---------------------------------------------------------------------------


def reset_database(conn) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "TRUNCATE auth_user, volunteers_volunteer, card_service_cardapplication, "
            "card_service_cardevent, card_service_cardspend, bank_adapters_appliedbankevent, "
            "bank_adapters_alert, bank_adapters_partnerfile, bench_baseline_events CASCADE"
        )
    conn.commit()


def settle(url: str) -> None:
    """Each measured run starts from the same state: the tables just loaded analysed and the
    dirty pages of the run before written out (else a checkpoint lands in the next run at
    random: its wall clock moved by 20 % from one run to the next)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def seed_cards(conn, bank: str, n: int, first_id: int) -> int:
    """COPY users, volunteers and cards for ``bank``'s file of n records; returns the next id."""
    from core.crypto import encrypt

    address = encrypt("广东省广州市天河区体育西路103号")
    blank = encrypt("")
    id_number = encrypt("44010219900101123X")
    mobile = encrypt("13800138000")
    now = dt.datetime.now(dt.UTC)
    long_ago = now - dt.timedelta(days=90)
    mature, fresh = card_counts(n)
    cards = [(f"{bank}M{i:09d}", "activated") for i in range(mature)]
    cards += [(f"{bank}F{i:09d}", "accepted") for i in range(fresh)]
    ids = range(first_id, first_id + len(cards))
    with conn.cursor() as cur:
        with cur.copy(
            "COPY auth_user (id, password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) FROM STDIN"
        ) as cp:
            for i in ids:
                cp.write_row((i, "!", False, f"bench{i}", "", "", "", False, True, long_ago))
        with cur.copy(
            "COPY volunteers_volunteer (id, name, surname_pinyin, given_pinyin, gender, "
            "birth_date, nationality, id_type, id_number, id_number_index, id_expiry, mobile, "
            "mobile_index, address, postcode, city_code, verification, verification_note, "
            "verified_at, registered_at, user_id) FROM STDIN"
        ) as cp:
            for i in ids:
                cp.write_row((i, "张三", "ZHANG", "SAN", "M", dt.date(1990, 1, 1), "CHN", "01",
                              id_number, f"bench{i}", dt.date(2099, 12, 31), mobile, f"m{i}",
                              address, "510620", CITIES[i % len(CITIES)], "verified", "",
                              long_ago, long_ago, i))  # fmt: skip
        with cur.copy(
            "COPY card_service_cardapplication (id, application_no, card_serial, apply_type, "
            "product, delivery, mail_address, postcode, uniform_size, photo, photo_sha256, "
            "guardian_name, guardian_id_type, guardian_id_number, guardian_relation, fee_payer, "
            "apply_record, qr_payload, applied_at, status, status_changed_at, reason_code, "
            "reason_text, card_ref, masked_pan, tracking_no, activated_at, first_spend_at, "
            "cancel_reason, bank_id, volunteer_id) FROM STDIN"
        ) as cp:
            for i, (ref, status) in zip(ids, cards, strict=True):
                done = status == "activated"
                cp.write_row((i, f"VC{i:016d}", 1, "N", "D", "B", blank, "", "L",
                              "card_photos/bench.jpg", "0" * 64, "", "", blank, "", "programme",
                              blank, f"Q{i}", long_ago, status, long_ago, "", "", ref,
                              "621661******1234", "", long_ago if done else None,
                              long_ago if done else None, "", bank, i))  # fmt: skip
        for table in ("auth_user", "volunteers_volunteer", "card_service_cardapplication"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cur.execute("ANALYZE auth_user, volunteers_volunteer, card_service_cardapplication")
    conn.commit()
    return first_id + len(cards)


def _no_query_log() -> None:
    """As in production: no query log growing with the file. Set after set-up, not as
    DEBUG=0 in the environment: DEBUG=false at load demands production secrets, and the
    benchmark runs on the development keys."""
    from django.conf import settings

    settings.DEBUG = False


# --- the runs -------------------------------------------------------------------------------


def child(bank: str) -> int:
    """Run by the parent in a fresh process: ``exchange.receive`` timed, and its peak RSS."""
    import django

    django.setup()
    _no_query_log()
    from bank_adapters import exchange

    profile_dir = os.environ.get("BENCH_PROFILE_DIR")
    if os.environ.get("BENCH_CHUNK"):
        from card_service import bulk_events

        bulk_events.CHUNK_RECORDS = int(os.environ["BENCH_CHUNK"])
    if os.environ.get("BENCH_STATEMENTS"):
        from django.db import connection

        connection.execute_wrappers.append(_timed_statement)
    start = time.perf_counter()
    if profile_dir:
        import cProfile

        with cProfile.Profile() as prof:
            report = exchange.receive(bank)
        prof.dump_stats(Path(profile_dir) / f"inbound-{bank}.prof")
    else:
        report = exchange.receive(bank)
    seconds = time.perf_counter() - start
    peak_kb = _peak_rss_kb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "applied": report.applied,
                      "refused": report.refused, "skipped": report.skipped}))  # fmt: skip
    return 0


def _timed_statement(execute, sql, params, many, context):
    """With ``--statements``: every statement of 0.1 s or more, to stderr, as it ends."""
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        took = time.perf_counter() - start
        if took >= 0.1:
            print(f"  {took:6.2f} s  {' '.join(sql.split())[:110]}", file=sys.stderr, flush=True)


def _peak_rss_kb() -> int:
    """This process's peak RSS. ``VmHWM`` is the high-water mark of this program's own
    memory; ``ru_maxrss`` would also count the parent's pages at the fork, before exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_ours(bank: str, name: str, sealed: Path, server, env: dict) -> dict:
    incoming = server.base_dir / "from_partner"
    shutil.rmtree(incoming / "done", ignore_errors=True)
    (incoming / "done").mkdir()
    shutil.copyfile(sealed, incoming / name)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", bank], env=env, capture_output=True, text=True
    )
    if proc.returncode:
        raise SystemExit(f"{bank}: receive failed\n{proc.stderr[-4000:]}")
    if env.get("BENCH_STATEMENTS"):
        print("\n".join(x for x in proc.stderr.splitlines() if x.startswith("  ")), flush=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["applied"] != [name]:
        raise SystemExit(f"{bank}: the file was not applied: {result}\n{proc.stderr[-2000:]}")
    return result


def run_baseline(pki, name: str, sealed: Path, csv_path: Path, server, work: Path, url: str):
    incoming = server.base_dir / "from_partner"
    shutil.copyfile(sealed, incoming / name)
    base = work / "baseline"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir()
    known = server.write_known_hosts(work / "known_hosts")
    batch = base / "batch.txt"
    batch.write_text(f"get from_partner/{name} {base}/{name}\n")
    steps = {
        "sftp": ["sftp", "-q", "-b", str(batch), "-i", str(server.client_key_path),
                 "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes",
                 "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null",
                 "-P", str(server.port), f"{server.username}@{server.host}"],
        "decrypt": ["openssl", "cms", "-decrypt", "-binary", "-inform", "DER",
                    "-in", str(base / name), "-inkey", str(pki.service.key_path),
                    "-recip", str(pki.service.cert_path), "-out", str(base / "signed.der")],
        "verify": ["openssl", "cms", "-verify", "-binary", "-inform", "DER",
                   "-in", str(base / "signed.der"), "-CAfile", str(pki.ca_cert_path),
                   "-purpose", "any", "-out", str(base / "plain")],
        "copy": ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                 f"\\copy bench_baseline_events FROM '{csv_path}' WITH (FORMAT csv)"],
    }  # fmt: skip
    times = {}
    for label, cmd in steps.items():
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        times[label] = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(f"baseline {label} failed: {proc.stderr.decode()[-2000:]}")
    (incoming / name).unlink()
    shutil.rmtree(base, ignore_errors=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records per file")
    parser.add_argument("--formats", default="BOC,ICBC,CEB")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--memory-check", action="store_true",
                        help="also receive a --memory-n BOC file and compare peak memory")  # fmt: skip
    parser.add_argument("--memory-n", type=int, default=5_000_000)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "exchange-inbound-bench")  # fmt: skip
    parser.add_argument("--profile", type=Path, help="write a cProfile of each receive here")
    parser.add_argument("--statements", action="store_true",
                        help="print each statement of ours that takes 0.1 s or more")  # fmt: skip
    parser.add_argument("--chunk", type=int,
                        help="records applied at a time (bulk_events.CHUNK_RECORDS)")  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("needs DATABASE_URL=postgres://… (a database of its own: it is emptied)")
        return 2
    import django

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    os.environ["CARD_PARTNERS_FILE"] = str(work / "partners.toml")
    django.setup()
    _no_query_log()
    import psycopg

    from bank_adapters.pki import generate_demo_pki
    from bank_adapters.testing_sshd import sshd_available, start_sshd, write_partners_toml

    if not sshd_available() or any(shutil.which(t) is None for t in ("sftp", "openssl", "psql")):
        print("needs /usr/sbin/sshd, sftp, openssl and psql")
        return 2
    pki_dir = work / "pki"
    if not (pki_dir / "pki.pickle").exists():  # kept: the cached files are sealed with it
        shutil.rmtree(pki_dir, ignore_errors=True)
        (pki_dir / "pki.pickle").parent.mkdir(parents=True)
        (pki_dir / "pki.pickle").write_bytes(pickle.dumps(generate_demo_pki(pki_dir)))
    pki = pickle.loads((pki_dir / "pki.pickle").read_bytes())
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    print(f"generating files ({args.n:,} records each) …", flush=True)
    made = {bank: make_files(pki, bank, args.n, args.seed, work) for bank in formats}
    if args.memory_check:
        big = make_files(pki, "BOC", args.memory_n, args.seed, work)

    server = start_sshd(work / "sshd")
    storage = work / "storage"
    shutil.rmtree(storage, ignore_errors=True)
    write_partners_toml(work / "partners.toml", pki, server, storage_dir=storage, timeout=120)
    env = {**os.environ, "CARD_PARTNERS_FILE": str(work / "partners.toml")}
    if args.statements:
        env["BENCH_STATEMENTS"] = "1"
    if args.chunk:
        env["BENCH_CHUNK"] = str(args.chunk)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        env["BENCH_PROFILE_DIR"] = str(args.profile)
    rows, memory = [], {}
    try:
        with psycopg.connect(url) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_baseline_events")
            conn.execute(
                "CREATE TABLE bench_baseline_events (bank text, event_id text, card_ref text, "
                "event_type text, event_time timestamptz, detail text, "
                "UNIQUE (bank, event_id))"
            )
            conn.commit()
            reset_database(conn)
            next_id = 1
            for bank in formats:
                next_id = seed_cards(conn, bank, args.n, next_id)
            settle(url)
        for bank in formats:
            name, sealed, csv_path = made[bank]
            print(f"{bank}: baseline …", flush=True)
            base = run_baseline(pki, name, sealed, csv_path, server, work, url)
            settle(url)
            print(f"{bank}: ours …", flush=True)
            ours = run_ours(bank, name, sealed, server, env)
            settle(url)
            rows.append((bank, sealed.stat().st_size, ours, base))
            if bank == "BOC":
                memory[args.n] = ours["peak_mb"]
        if args.memory_check:
            with psycopg.connect(url) as conn:
                reset_database(conn)
                seed_cards(conn, "BOC", args.memory_n, 1)
            if args.n not in memory:
                with psycopg.connect(url) as conn:
                    reset_database(conn)
                    seed_cards(conn, "BOC", args.n, 1)
                memory[args.n] = run_ours("BOC", *made["BOC"][:2], server, env)["peak_mb"]
                with psycopg.connect(url) as conn:
                    reset_database(conn)
                    seed_cards(conn, "BOC", args.memory_n, 1)
            print(f"BOC: ours on {args.memory_n:,} records …", flush=True)
            result = run_ours("BOC", big[0], big[1], server, env)
            memory[args.memory_n] = result["peak_mb"]
            big_seconds = result["seconds"]
    finally:
        server.stop()

    ok = True
    print(f"\nInbound EVENT file, {args.n:,} records: receive → apply vs sftp + openssl + COPY")
    print(f"{'format':<7}{'MB':>7}{'ours s':>9}{'baseline s':>12}{'ratio':>7}{'target':>8}"
          f"  met?   baseline: sftp / decrypt / verify / COPY")  # fmt: skip
    for bank, size, ours, base in rows:
        total = sum(base.values())
        ratio = ours["seconds"] / total
        met = ratio <= TARGET_RATIO
        ok &= met
        parts = " / ".join(f"{base[k]:.2f}" for k in ("sftp", "decrypt", "verify", "copy"))
        print(f"{bank:<7}{size / 1e6:>7.1f}{ours['seconds']:>9.2f}{total:>12.2f}{ratio:>7.2f}"
              f"{'≤ ' + format(TARGET_RATIO, '.2f'):>8}  {'yes' if met else 'NO':<5}  {parts}")  # fmt: skip
    if memory:
        print("\npeak RSS of the receiving process (BOC): "
              + ", ".join(f"{n:,} records {mb:.0f} MiB" for n, mb in sorted(memory.items())))  # fmt: skip
    if args.memory_check:
        growth = memory[args.memory_n] - memory[args.n]
        met = growth <= TARGET_MEMORY_MB
        ok &= met
        print(f"receive of the {args.memory_n:,}-record BOC file: {big_seconds:.1f} s")
        print(f"growth {args.n:,} → {args.memory_n:,}: {growth:+.1f} MiB "
              f"(target ≤ {TARGET_MEMORY_MB:.0f})  {'yes' if met else 'NO'}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
