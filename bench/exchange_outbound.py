"""Outbound exchange at scale: 100,000 waiting applications to APPLY + PHOTO files, ours
against the physical limit.

Ours is the production path, ``bank_adapters.exchange.send(partner)``: claim the rows into a
batch (status moves and events), decode the stored APPLY records, encode the bank's format,
build the PHOTO zip (each photo read and checked against its hash), sign and encrypt both
(CMS), store them and upload them to a local OpenSSH sshd. The baseline does the same raw
work with the standard tools: ``COPY (SELECT …) TO STDOUT`` of the batch's rows (psql),
``zip -0`` of the same photo files, ``openssl cms -sign`` then ``-encrypt`` of our very
plaintext and of that zip (same signer, same two recipients), and one ``sftp -b`` put of the
two results. Target: ours <= 2x the baseline for each bank; exits 1 when missed. For
information it also times the claim's own database writes in plain SQL ("db floor": the
status move, one event per row and the foreign-key checks, rolled back), which the baseline
does not do and any implementation must.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_bench2_out \\
        .venv/bin/python bench/exchange_outbound.py [--applications 100000] [--seed 7]

The database must hold no other waiting (queued, unbatched) applications: generated photos
live in a temporary MEDIA_ROOT. Peak memory is the process's peak RSS during each send
(``VmHWM``, reset before each bank).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK = Path(tempfile.mkdtemp(prefix="outbound-bench-"))
os.environ["MEDIA_ROOT"] = str(WORK / "media")
os.environ["CARD_PARTNERS_FILE"] = str(WORK / "partners.toml")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402

# DEBUG off after set-up, not in the environment: DEBUG=false at load demands production
# secrets, and these benchmarks run on the development keys.
settings.DEBUG = False  # DEBUG keeps every query's SQL in memory

import psycopg  # noqa: E402
from PIL import Image  # noqa: E402

from bank_adapters import codecs, envelope, exchange  # noqa: E402
from bank_adapters.models import Batch  # noqa: E402
from bank_adapters.pki import DemoPki, generate_demo_pki  # noqa: E402
from bank_adapters.testing_sshd import (  # noqa: E402
    SshdServer,
    sshd_available,
    start_sshd,
    write_partners_toml,
)
from bench.generate import database_url, generate  # noqa: E402

TARGET = 2.0
logging.getLogger("paramiko").setLevel(logging.WARNING)
logging.getLogger("bank_adapters").setLevel(logging.WARNING)
BANKS = ("BOC", "ICBC", "CEB")


def tiny_jpeg() -> bytes:
    """A valid ID photo at the smallest size the rules accept (240x320)."""
    buf = io.BytesIO()
    Image.new("RGB", (240, 320), (200, 180, 160)).save(buf, "JPEG", quality=50)
    return buf.getvalue()


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes (the baseline's tools)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, capture_output=True, **kw)


def baseline(
    bank: str, batch: Batch, plaintext: Path, pki: DemoPki, sshd: SshdServer, work: Path
) -> dict[str, float]:
    """The same raw work with standard tools, step by step (seconds)."""
    t: dict[str, float] = {}
    cpu = children_cpu()
    url = database_url()
    start = time.perf_counter()
    copy_out = work / f"{bank}.copy"
    query = (
        "COPY (SELECT id, application_no, status, photo, photo_sha256, apply_record "
        f"FROM card_service_cardapplication WHERE batch_id = {batch.pk} ORDER BY id) TO STDOUT"
    )
    with open(copy_out, "wb") as fh:
        subprocess.run(["psql", url, "-Xqc", query], check=True, stdout=fh)
    t["copy"] = time.perf_counter() - start

    start = time.perf_counter()
    names = subprocess.run(
        ["cut", "-f4", str(copy_out)], check=True, capture_output=True
    ).stdout  # the photo paths, one a line, as the rows name them
    zip_path = work / f"{bank}.zip"
    run(["zip", "-0", "-q", "-j", str(zip_path), "-@"], input=names,
        cwd=os.environ["MEDIA_ROOT"])  # fmt: skip
    t["zip"] = time.perf_counter() - start

    svc = pki.service
    recipients = [str(pki.partners[bank].cert_path), str(pki.archive.cert_path)]
    start = time.perf_counter()
    sealed = []
    for src in (plaintext, zip_path):
        signed, enc = src.with_suffix(".p7s"), src.with_suffix(".p7m")
        run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-md", "sha256",
             "-outform", "DER", "-signer", str(svc.sign_cert_path), "-inkey",
             str(svc.sign_key_path), "-in", str(src), "-out", str(signed)])  # fmt: skip
        run(["openssl", "cms", "-encrypt", "-binary", "-aes256", "-outform", "DER",
             "-in", str(signed), "-out", str(enc), *recipients])  # fmt: skip
        sealed.append(enc)
    t["cms"] = time.perf_counter() - start

    known_hosts = sshd.write_known_hosts(work / "known_hosts")
    batch_file = work / "sftp.batch"
    batch_file.write_text("".join(f"put {p} to_partner/baseline_{p.name}\n" for p in sealed))
    start = time.perf_counter()
    run(["sftp", "-q", "-b", str(batch_file), "-i", str(sshd.client_key_path),
         "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
         "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null",
         "-P", str(sshd.port), f"{sshd.username}@{sshd.host}"])  # fmt: skip
    t["sftp"] = time.perf_counter() - start
    t["cpu"] = children_cpu() - cpu
    return t


def db_floor(bank: str, batch: Batch) -> float:
    """Seconds the database alone needs for the claim's required writes, in plain SQL: the
    locked read of the waiting rows, the status move, one event each and the foreign-key
    checks. Measured on the batch's rows put back to waiting, all rolled back (so no commit
    flush is counted; the put-back leaves dead row versions, a slight handicap)."""
    with psycopg.connect(database_url()) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE card_service_cardapplication SET status = 'queued', batch_id = NULL "
            "WHERE batch_id = %s",
            (batch.pk,),
        )
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        start = time.perf_counter()
        cur.execute(
            "SELECT id, apply_record FROM card_service_cardapplication WHERE bank_id = %s "
            "AND status = 'queued' AND batch_id IS NULL ORDER BY id FOR UPDATE SKIP LOCKED",
            (bank,),
        )
        ids = [row[0] for row in cur.fetchall()]
        cur.execute(
            "UPDATE card_service_cardapplication SET status = 'sent', status_changed_at = now(), "
            "batch_id = %s WHERE id = ANY(%s) AND status = 'queued'",
            (batch.pk, ids),
        )
        cur.execute(
            "INSERT INTO card_service_cardevent (application_id, from_status, to_status, fact, "
            "at, recorded_at, source, source_ref, note) SELECT id, 'queued', 'sent', '', now(), "
            "now(), 'system', %s, '' FROM unnest(%s::bigint[]) AS id",
            (batch.data_file.name, ids),
        )
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.perf_counter() - start
        conn.rollback()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000, help="over the 3 banks")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="generator processes")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--profile", metavar="DIR", help="cProfile each send into DIR")
    args = parser.parse_args()
    for tool in ("psql", "zip", "openssl", "sftp", "cut"):
        if shutil.which(tool) is None:
            print(f"needs {tool} on PATH")
            return 2
    if not sshd_available():
        print("needs /usr/sbin/sshd: apt-get install openssh-server")
        return 2

    sshd = start_sshd(WORK / "sshd")
    try:
        return _bench(args, sshd)
    finally:
        sshd.stop()
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)


def _bench(args: argparse.Namespace, sshd: SshdServer) -> int:
    pki = generate_demo_pki(WORK / "pki", partners=BANKS)
    write_partners_toml(WORK / "partners.toml", pki, sshd, timeout=120)
    photo = tiny_jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    with psycopg.connect(database_url()) as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM card_service_cardapplication "
            "WHERE status = 'queued' AND batch_id IS NULL"
        ).fetchone()[0]
        if waiting:
            print(f"the database already holds {waiting:,} waiting applications: use a fresh one")
            return 2
        print(f"generating {args.applications:,} waiting applications …")
        report = generate(
            conn, args.applications, args.seed, organisations=50, activities=0,
            attendance_mean=0, card_share=1.0, card_mode="queued",
            photo=("card_photos/{no}.jpg", sha), workers=args.workers, log=lambda s: None,
        )  # fmt: skip
        numbers = [
            r[0]
            for r in conn.execute(
                "SELECT application_no FROM card_service_cardapplication WHERE id >= %s",
                (report.first_application_id,),
            )
        ]
    folder = WORK / "media" / "card_photos"
    folder.mkdir(parents=True, exist_ok=True)
    for no in numbers:
        (folder / f"{no}.jpg").write_bytes(photo)
    print(f"  {report.total:,} rows in {report.seconds:.1f} s; {len(numbers):,} photo files "
          f"of {len(photo):,} bytes")  # fmt: skip

    results = []
    for bank in BANKS:
        reset_peak_rss()
        profiler = cProfile.Profile() if args.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        delivered = exchange.send(bank)
        if profiler:
            profiler.disable()
        ours, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
        if profiler:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(Path(args.profile) / f"outbound-{bank}.prof")
        peak = peak_rss_mb()
        batch = Batch.objects.filter(partner=bank, file_type="APPLY").latest("id")
        if len(delivered.delivered) != 2 or not batch.record_count:
            print(f"{bank}: send delivered {delivered.delivered}, failed {delivered.failed}")
            return 1
        # Our plaintext, as the bank opens it: the baseline signs exactly these bytes.
        bank_files = pki.partners[bank]
        opened = envelope.open_envelope(
            (sshd.base_dir / "to_partner" / batch.data_file.name).read_bytes(),
            own_key=envelope.load_private_key(bank_files.key_path),
            own_cert=envelope.load_certificate(bank_files.cert_path),
            partner_certs=envelope.load_certificates(pki.service.sign_cert_path),
        )
        header, _records = codecs.decode_file(opened.plaintext, filename=batch.data_file.name)
        if header.count not in (None, batch.record_count):
            print(f"{bank}: header count {header.count} != {batch.record_count}")
            return 1
        plain = WORK / f"{bank}.txt"
        plain.write_bytes(opened.plaintext)
        base = baseline(bank, batch, plain, pki, sshd, WORK)
        base["db floor"] = db_floor(bank, batch)
        base_cpu = base.pop("cpu")
        results.append((bank, batch.record_count, ours, base, peak, ours_cpu, base_cpu,
                        batch.data_file.size, batch.photo_file.size))  # fmt: skip

    print()
    print(f"Outbound APPLY + PHOTO, {args.applications:,} applications over {len(BANKS)} banks, "
          "loopback OpenSSH sshd")  # fmt: skip
    print(f"{'bank':<6}{'records':>9}{'apply MB':>10}{'photo MB':>10}{'ours s':>9}"
          f"{'baseline s':>12}{'ratio':>7}{'target':>8}{'peak RSS MB':>13}  met?")  # fmt: skip
    ok = True
    for bank, count, ours, base, peak, _, _, apply_size, photo_size in results:
        total = sum(v for k, v in base.items() if k != "db floor")
        ratio = ours / total
        met = ratio <= TARGET
        ok &= met
        print(f"{bank:<6}{count:>9,}{apply_size / 1e6:>10.1f}{photo_size / 1e6:>10.1f}"
              f"{ours:>9.2f}{total:>12.2f}{ratio:>7.2f}{'<= ' + format(TARGET, '.1f'):>8}"
              f"{peak:>13.0f}  {'yes' if met else 'NO'}")  # fmt: skip
    print("with the claim's own database writes (db floor: status move, events, FK checks, in "
          "plain SQL) added to the baseline: " + "; ".join(
        f"{bank} {ours / sum(base.values()):.2f}" for bank, _, ours, base, *_ in results
    ))  # fmt: skip
    print("CPU seconds (user + system; ours: this process, all threads, not PostgreSQL nor "
          "sshd; baseline: psql, zip, openssl, sftp): " + "; ".join(
        f"{bank} ours {oc:.2f} baseline {bc:.2f} ({oc / bc:.2f})"
        for bank, _, _, _, _, oc, bc, *_ in results
    ))  # fmt: skip
    print("baseline steps (s): " + "; ".join(
        f"{bank} " + " ".join(f"{k} {v:.2f}" for k, v in base.items())
        for bank, _, _, base, *_ in results
    ))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
