"""The bank adapters' PKI and SFTP server fixtures, for the SERVICE file tests."""

from bank_adapters.tests.conftest import pki, sftp_root, sshd, sshd_known_hosts_line  # noqa: F401
