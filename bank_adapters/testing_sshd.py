"""Start a real, throw-away OpenSSH SFTP server on loopback, for tests and benchmarks.

The server runs ``/usr/sbin/sshd -D -e -f <config>`` in the foreground (no daemon), listens on
127.0.0.1 only, accepts one Ed25519 public key for the current user (tests run as root, so
``PermitRootLogin prohibit-password``), and forces ``internal-sftp -d <base>`` so that paths
are relative to a temporary login folder holding ``to_partner/``, ``from_partner/`` and
``from_partner/done/``. Not for production use.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bank_adapters.pki import DemoPki, generate_ssh_keypair

SSHD_PATH = Path("/usr/sbin/sshd")
PARTNER_FOLDERS = ("to_partner", "from_partner", "from_partner/done")


def sshd_available() -> bool:
    """True when an OpenSSH server binary is installed where we look for it."""
    return SSHD_PATH.is_file() and os.access(SSHD_PATH, os.X_OK)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SshdServer:
    """A running test sshd; stop it with ``stop()`` or use it as a context manager."""

    workdir: Path
    base_dir: Path  # the SFTP login folder
    host: str
    port: int
    username: str
    client_key_path: Path
    host_key_path: Path
    host_public_line: str
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def known_hosts_line(self) -> str:
        """The OpenSSH known_hosts line that pins this server's host key."""
        return f"[{self.host}]:{self.port} {self.host_public_line}"

    def write_known_hosts(self, path: Path | str) -> Path:
        path = Path(path)
        path.write_text(self.known_hosts_line + "\n")
        return path

    def reset_folders(self) -> None:
        """Empty the partner folders (between tests)."""
        for name in PARTNER_FOLDERS[:2]:
            shutil.rmtree(self.base_dir / name, ignore_errors=True)
        for name in PARTNER_FOLDERS:
            (self.base_dir / name).mkdir(parents=True, exist_ok=True)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> SshdServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _config(
    *, port: int, host_key: Path, authorized_keys: Path, pid_file: Path, base_dir: Path, user: str
) -> str:
    return "\n".join(
        [
            f"Port {port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {host_key}",
            f"PidFile {pid_file}",
            f"AuthorizedKeysFile {authorized_keys}",
            "StrictModes no",
            "UsePAM no",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            f"AllowUsers {user}",
            "Compression no",
            "UseDNS no",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "PermitTTY no",
            "LogLevel INFO",
            "MaxStartups 100",
            "MaxSessions 20",
            "Subsystem sftp internal-sftp",
            f"ForceCommand internal-sftp -d {base_dir}",
            "",
        ]
    )


def start_sshd(
    workdir: Path | str,
    *,
    client_public_lines: list[str] | None = None,
    host_key_path: Path | str | None = None,
    startup_timeout: float = 15.0,
) -> SshdServer:
    """Start an sshd in ``workdir`` (created if needed) and wait until it accepts connections.

    Generates a client Ed25519 key (``workdir/client_ed25519``) and, unless given, a host key.
    Extra authorised public keys may be passed in ``client_public_lines``.
    """
    if not sshd_available():
        raise FileNotFoundError(f"{SSHD_PATH} is not installed")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    base_dir = workdir / "sftp-root"
    for name in PARTNER_FOLDERS:
        (base_dir / name).mkdir(parents=True, exist_ok=True)

    if host_key_path is None:
        host_key_path, host_line = generate_ssh_keypair(workdir / "ssh_host_ed25519_key")
    else:
        host_key_path = Path(host_key_path)
        host_line = Path(f"{host_key_path}.pub").read_text().split("\n")[0].strip()
    host_line = " ".join(host_line.split()[:2])
    client_key_path, client_line = generate_ssh_keypair(workdir / "client_ed25519", comment="svc")
    authorized = workdir / "authorized_keys"
    authorized.write_text("\n".join([client_line, *(client_public_lines or [])]) + "\n")

    # sshd refuses to start without its privilege-separation folder (absent in slim images).
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)

    user = getpass.getuser()
    log_path = workdir / "sshd.log"
    last_error = ""
    for _attempt in range(5):  # the free port may be taken between probe and bind
        port = free_port()
        config = workdir / "sshd_config"
        config.write_text(
            _config(
                port=port,
                host_key=host_key_path,
                authorized_keys=authorized,
                pid_file=workdir / "sshd.pid",
                base_dir=base_dir,
                user=user,
            )
        )
        log = open(log_path, "ab")  # handed to the child process
        proc = subprocess.Popen(
            [str(SSHD_PATH), "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        server = SshdServer(
            workdir=workdir,
            base_dir=base_dir,
            host="127.0.0.1",
            port=port,
            username=user,
            client_key_path=client_key_path,
            host_key_path=host_key_path,
            host_public_line=host_line,
            log_path=log_path,
            process=proc,
        )
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    s.settimeout(2)
                    if s.recv(4).startswith(b"SSH-"):
                        return server
            except OSError:
                time.sleep(0.05)
        server.stop()
        last_error = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"sshd did not start: {last_error}")


def write_partners_toml(
    path: Path,
    pki: DemoPki,
    sshd: SshdServer,
    *,
    storage_dir: Path | None = None,
    cutoff: str = "17:00",
    timeout: int = 10,
) -> Path:
    """A card-service partners file for tests and benchmarks: every partner of the demo PKI
    on this sshd, the archive as second recipient, files kept under ``storage_dir``
    (``exchange/`` beside the file by default)."""
    storage_dir = storage_dir or path.parent / "exchange"
    lines = [
        "[service]",
        f'signing_key = "{pki.service.sign_key_path}"',
        f'signing_cert = "{pki.service.sign_cert_path}"',
        f'decryption_key = "{pki.service.key_path}"',
        f'decryption_cert = "{pki.service.cert_path}"',
        f'archive_cert = "{pki.archive.cert_path}"',
        f'storage_dir = "{storage_dir}"',
    ]
    for code, files in pki.partners.items():
        lines += [
            f"[partners.{code}]",
            f'host = "{sshd.host}"',
            f"port = {sshd.port}",
            f'user = "{sshd.username}"',
            f'private_key = "{sshd.client_key_path}"',
            f'known_hosts = ["{sshd.known_hosts_line}"]',
            f'certificates = ["{files.cert_path}", "{files.sign_cert_path}"]',
            f'encrypt_to = "{files.cert_path}"',
            f'cutoff = "{cutoff}"',
            f"timeout = {timeout}",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
