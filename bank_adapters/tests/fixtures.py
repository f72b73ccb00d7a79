"""The exchange's fixtures, a pytest plugin the root ``conftest.py`` loads for every app's
tests: a demo PKI, a real OpenSSH SFTP server, and ``env`` (a partners file pointing at
both)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bank_adapters.pki import DemoPki, generate_demo_pki
from bank_adapters.testing_sshd import (
    SSHD_PATH,
    SshdServer,
    sshd_available,
    start_sshd,
    write_partners_toml,
)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    """Demo CA, service, archive and partner keys/certificates, plus SSH keys, in a tmp dir."""
    return generate_demo_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdServer]:
    """A real OpenSSH sshd on 127.0.0.1 serving SFTP from a tmp login folder."""
    if not sshd_available():
        pytest.skip(
            f"OpenSSH server not installed ({SSHD_PATH} missing): apt-get install openssh-server"
        )
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sshd_known_hosts_line(sshd: SshdServer) -> str:
    """The OpenSSH known_hosts line that pins the test server's host key."""
    return sshd.known_hosts_line


@pytest.fixture
def sftp_root(sshd: SshdServer):
    """The server's login folder, with empty partner folders for each test."""
    sshd.reset_folders()
    return sshd.base_dir


@pytest.fixture
def sftp_client_factory(sshd: SshdServer, sshd_known_hosts_line: str) -> Callable:
    """Build ``SftpPartnerClient``s for the test server (override any argument)."""
    from bank_adapters.sftp import SftpPartnerClient

    def make(**overrides):
        args = {
            "host": sshd.host,
            "port": sshd.port,
            "username": sshd.username,
            "key_path": sshd.client_key_path,
            "known_hosts_lines": [sshd_known_hosts_line],
            "timeout": 10.0,
        }
        args.update(overrides)
        return SftpPartnerClient(**args)

    return make


@pytest.fixture
def env(pki, sshd, sftp_root, tmp_path, settings) -> dict:
    """The partners file (``CARD_PARTNERS_FILE``) for the demo PKI and the test server:
    ``{"pki", "root"}``, root the server's login folder."""
    settings.CARD_PARTNERS_FILE = str(write_partners_toml(tmp_path / "partners.toml", pki, sshd))
    return {"pki": pki, "root": Path(sftp_root)}
