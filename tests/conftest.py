"""The end-to-end tests use the bank adapters' demo PKI and real OpenSSH sshd fixtures."""

from bank_adapters.tests.conftest import (  # noqa: F401
    pki,
    sftp_root,
    sshd,
    sshd_known_hosts_line,
)
