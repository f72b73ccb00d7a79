"""SFTP throughput: our paramiko transport against the OpenSSH ``sftp`` client.

Both put and get the same file (100 MB of random bytes by default) against one local
OpenSSH sshd (``bank_adapters.testing_sshd``), each timed from connection to the last byte
(ours: connect + ``upload``/``download_to``; OpenSSH: one ``sftp -b`` batch run). Best of
``--repeat`` runs. The target is ours >= 0.50 x OpenSSH for both; the script exits 1 if
either is missed.

    .venv/bin/python bench/sftp_throughput.py [--mb 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from bank_adapters.sftp import SftpPartnerClient  # noqa: E402
from bank_adapters.testing_sshd import SshdServer, sshd_available, start_sshd  # noqa: E402

TARGET = 0.50


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(4 * 1024 * 1024):
            h.update(block)
    return h.hexdigest()


def best_seconds(fn: Callable[[int], None], repeat: int) -> float:
    best = float("inf")
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        best = min(best, time.perf_counter() - start)
    return best


def openssh_batch(server: SshdServer, known_hosts: Path, batch: str, work: Path) -> None:
    batch_file = work / "batch.txt"
    batch_file.write_text(batch)
    subprocess.run(
        [
            "sftp", "-q", "-b", str(batch_file), "-i", str(server.client_key_path),
            "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null",
            "-P", str(server.port), f"{server.username}@{server.host}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="file size in MB (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case, best kept")
    args = parser.parse_args()
    if not sshd_available() or shutil.which("sftp") is None:
        print("needs /usr/sbin/sshd and sftp: apt-get install openssh-server openssh-client")
        return 2

    work = Path(tempfile.mkdtemp(prefix="sftp-bench-"))
    server = start_sshd(work / "sshd")
    try:
        known_hosts = server.write_known_hosts(work / "known_hosts")
        src = work / "payload.bin"
        with open(src, "wb") as fh:
            for _ in range(args.mb):
                fh.write(os.urandom(1024 * 1024))
        digest = sha256_file(src)
        size_mb = src.stat().st_size / 1e6
        remote_in = server.base_dir / "from_partner" / "payload.bin"
        shutil.copyfile(src, remote_in)

        def client() -> SftpPartnerClient:
            return SftpPartnerClient(
                server.host,
                server.port,
                server.username,
                server.client_key_path,
                [server.known_hosts_line],
                timeout=60,
            )

        def ours_put(i: int) -> None:
            with client() as c:
                c.upload(f"ours_{i}.bin", src)

        def ours_get(i: int) -> None:
            with client() as c:
                c.download_to("payload.bin", work / f"ours_get_{i}.bin")

        def openssh_put(i: int) -> None:
            openssh_batch(server, known_hosts, f"put {src} to_partner/openssh_{i}.bin\n", work)

        def openssh_get(i: int) -> None:
            openssh_batch(
                server, known_hosts, f"get from_partner/payload.bin {work}/ssh_get_{i}.bin\n", work
            )

        results = []
        for label, ours, theirs, check in (
            ("put", ours_put, openssh_put, server.base_dir / "to_partner" / "ours_0.bin"),
            ("get", ours_get, openssh_get, work / "ours_get_0.bin"),
        ):
            ours_s = best_seconds(ours, args.repeat)
            theirs_s = best_seconds(theirs, args.repeat)
            if sha256_file(check) != digest:
                print(f"{label}: transferred file differs from the source")
                return 1
            results.append((label, size_mb / ours_s, size_mb / theirs_s))
            for leftover in work.glob("*_get_*.bin"):
                leftover.unlink()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"SFTP throughput, {args.mb} MB file, best of {args.repeat}, loopback OpenSSH sshd")
    print(f"{'op':<5}{'ours MB/s':>12}{'openssh MB/s':>15}{'ratio':>8}{'target':>9}  met?")
    ok = True
    for label, ours_rate, theirs_rate in results:
        ratio = ours_rate / theirs_rate
        met = ratio >= TARGET
        ok &= met
        print(
            f"{label:<5}{ours_rate:>12.1f}{theirs_rate:>15.1f}{ratio:>8.2f}"
            f"{'>= ' + format(TARGET, '.2f'):>9}  {'yes' if met else 'NO'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
