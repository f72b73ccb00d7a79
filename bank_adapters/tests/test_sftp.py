"""The SFTP transport against a real OpenSSH server (spec section 1)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import threading

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bank_adapters.pki import generate_ssh_keypair
from bank_adapters.sftp import (
    HostKeyMismatch,
    RemoteConflict,
    RemoteFile,
    SftpError,
    SftpPartnerClient,
)

pytestmark = pytest.mark.sftp

NAME = "BOC_APPLY_20261130_0001.txt.p7m"


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------- upload


def test_upload_is_atomic_and_leaves_no_part_file(sftp_root, sftp_client_factory):
    data = os.urandom(3 * 1024 * 1024 + 17)
    with sftp_client_factory() as client:
        result = client.upload(NAME, data)
    assert result.already_present is False
    assert result.size == len(data) and result.sha256 == hashlib.sha256(data).hexdigest()
    assert files_in(sftp_root / "to_partner") == [NAME]
    assert (sftp_root / "to_partner" / NAME).read_bytes() == data


def test_upload_from_a_local_path(tmp_path, sftp_root, sftp_client_factory):
    src = tmp_path / "local.bin"
    src.write_bytes(os.urandom(1024 * 1024))
    with sftp_client_factory() as client:
        client.upload(NAME, src)
    assert (sftp_root / "to_partner" / NAME).read_bytes() == src.read_bytes()


def test_upload_of_an_empty_file(sftp_root, sftp_client_factory):
    with sftp_client_factory() as client:
        client.upload(NAME, b"")
    assert (sftp_root / "to_partner" / NAME).read_bytes() == b""


def test_same_bytes_again_is_a_no_op(sftp_root, sftp_client_factory):
    data = os.urandom(200_000)
    with sftp_client_factory() as client:
        client.upload(NAME, data)
        before = (sftp_root / "to_partner" / NAME).stat()
        again = client.upload(NAME, data)
    after = (sftp_root / "to_partner" / NAME).stat()
    assert again.already_present is True
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert files_in(sftp_root / "to_partner") == [NAME]


@pytest.mark.parametrize("same_size", [True, False])
def test_different_bytes_are_refused_and_nothing_is_overwritten(
    sftp_root, sftp_client_factory, same_size
):
    first = os.urandom(100_000)
    second = os.urandom(len(first) if same_size else len(first) + 1)
    with sftp_client_factory() as client:
        client.upload(NAME, first)
        with pytest.raises(RemoteConflict) as info:
            client.upload(NAME, second)
    assert info.value.code == "sftp_remote_conflict" and info.value.retryable is False
    assert (sftp_root / "to_partner" / NAME).read_bytes() == first
    assert files_in(sftp_root / "to_partner") == [NAME]


def test_upload_cut_before_rename_removes_its_part_and_a_retry_leaves_one_file(
    sftp_root, sftp_client_factory, monkeypatch
):
    data = os.urandom(2 * 1024 * 1024)
    real_rename = paramiko.SFTPClient.rename
    calls = {"n": 0, "parts": []}

    def rename_fails_once(self, old, new):
        calls["n"] += 1
        calls["parts"].append(old)
        if calls["n"] == 1:
            raise OSError("Connection lost")  # the crash between .part and rename
        return real_rename(self, old, new)

    monkeypatch.setattr(paramiko.SFTPClient, "rename", rename_fails_once)
    with sftp_client_factory() as client:
        with pytest.raises(SftpError) as info:
            client.upload(NAME, data)
        assert info.value.retryable is True
        assert files_in(sftp_root / "to_partner") == []  # the failed attempt cleaned up
        client.upload(NAME, data)
    assert files_in(sftp_root / "to_partner") == [NAME]
    assert (sftp_root / "to_partner" / NAME).read_bytes() == data
    # each attempt wrote a part file of its own, which partners never read
    first, second = calls["parts"]
    assert first != second
    assert all(p.startswith(f"to_partner/{NAME}.") and p.endswith(".part") for p in (first, second))


def test_another_writers_part_file_is_left_alone(sftp_root, sftp_client_factory):
    """Two senders at once never share a part file: ours does not truncate or take theirs."""
    theirs = sftp_root / "to_partner" / (NAME + ".part")
    theirs.write_bytes(b"x" * 100_000)
    data = os.urandom(300_000)
    with sftp_client_factory() as client:
        client.upload(NAME, data)
    assert files_in(sftp_root / "to_partner") == sorted([NAME, NAME + ".part"])
    assert (sftp_root / "to_partner" / NAME).read_bytes() == data
    assert theirs.read_bytes() == b"x" * 100_000


def test_leftover_parts_from_a_crash_are_removed_by_the_lock_holder(sftp_root, sftp_client_factory):
    folder = sftp_root / "to_partner"
    (folder / (NAME + ".part")).write_bytes(b"x" * 5_000_000)  # an earlier version's name
    (folder / (NAME + ".0123456789abcdef.part")).write_bytes(b"y" * 1000)
    other = "BOC_PHOTO_20261130_0001.zip.p7m.0123456789abcdef.part"
    (folder / other).write_bytes(b"z")
    data = os.urandom(300_000)
    with sftp_client_factory() as client:
        client.upload(NAME, data, clear_stale_parts=True)
    assert files_in(folder) == sorted([NAME, other])
    assert (folder / NAME).read_bytes() == data


def test_a_lost_last_write_is_caught_by_the_size_check(sftp_root, sftp_client_factory, monkeypatch):
    """A write acknowledged but never made: the file is never renamed into place."""
    real_write = paramiko.SFTPFile._write

    def lossy_write(self, data):
        if len(data) < self.MAX_REQUEST_SIZE:  # the tail of the file
            return len(data)  # "written", but never sent
        return real_write(self, data)

    monkeypatch.setattr(paramiko.SFTPFile, "_write", lossy_write)
    with sftp_client_factory() as client:
        with pytest.raises(SftpError) as info:
            client.upload(NAME, os.urandom(2 * 1024 * 1024 + 5))
    assert info.value.code == "sftp_size_mismatch"
    assert NAME not in files_in(sftp_root / "to_partner")


def test_a_write_the_server_rejects_is_not_lost_in_the_pipeline(
    sftp_root, sftp_client_factory, monkeypatch
):
    real_write = paramiko.SFTPFile._write
    calls = {"n": 0}

    def write_with_bad_handle_once(self, data):
        calls["n"] += 1
        if calls["n"] != 3:
            return real_write(self, data)
        handle, self.handle = self.handle, b"no such handle"
        try:
            return real_write(self, data)
        finally:
            self.handle = handle

    monkeypatch.setattr(paramiko.SFTPFile, "_write", write_with_bad_handle_once)
    with sftp_client_factory() as client:
        with pytest.raises(SftpError) as info:
            client.upload(NAME, os.urandom(2 * 1024 * 1024))
    assert info.value.code == "sftp_io_failed"
    assert NAME not in files_in(sftp_root / "to_partner")


@pytest.mark.parametrize("bad", ["", "..", "a/b", "x.p7m.part", "bad\nname"])
def test_bad_names_are_refused(sftp_client_factory, sftp_root, bad):
    with sftp_client_factory() as client:
        with pytest.raises(SftpError) as info:
            client.upload(bad, b"x")
    assert info.value.code == "sftp_bad_name"


# ----------------------------------------------------------------- download


def test_list_incoming_skips_part_files_and_folders(sftp_root, sftp_client_factory):
    incoming = sftp_root / "from_partner"
    (incoming / "BOC_RESULT_20261130_0002.txt.p7m").write_bytes(b"b" * 20)
    (incoming / "BOC_RESULT_20261130_0001.txt.p7m").write_bytes(b"a" * 10)
    (incoming / "BOC_EVENT_20261130_0001.txt.p7m.part").write_bytes(b"still writing")
    (incoming / "somefolder").mkdir()
    with sftp_client_factory() as client:
        listed = client.list_incoming()
    assert [(f.name, f.size) for f in listed] == [
        ("BOC_RESULT_20261130_0001.txt.p7m", 10),
        ("BOC_RESULT_20261130_0002.txt.p7m", 20),
    ]
    assert all(isinstance(f, RemoteFile) for f in listed)


def test_download_of_5_mb_equals_what_was_put(tmp_path, sftp_root, sftp_client_factory):
    data = os.urandom(5 * 1024 * 1024 + 123)
    (sftp_root / "from_partner" / NAME).write_bytes(data)
    with sftp_client_factory() as client:
        assert client.download(NAME) == data
        dest = tmp_path / "copy.p7m"
        assert client.download_to(NAME, dest) == len(data)
    assert dest.read_bytes() == data
    assert not (tmp_path / "copy.p7m.part").exists()


def test_download_of_a_missing_file_is_an_error(sftp_root, sftp_client_factory):
    with sftp_client_factory() as client:
        with pytest.raises(SftpError) as info:
            client.download("nothing.p7m")
    assert info.value.code == "sftp_io_failed"


def test_mark_done_moves_the_file_and_is_idempotent(sftp_root, sftp_client_factory):
    (sftp_root / "from_partner" / NAME).write_bytes(b"processed")
    with sftp_client_factory() as client:
        client.mark_done(NAME)
        client.mark_done(NAME)  # a retry after a lost reply
        assert client.list_incoming() == []
        with pytest.raises(SftpError) as info:
            client.mark_done("never-there.p7m")
    assert info.value.code == "sftp_not_found"
    assert files_in(sftp_root / "from_partner") == ["done"]
    assert (sftp_root / "from_partner" / "done" / NAME).read_bytes() == b"processed"


# ----------------------------------------------------------------- connection


def test_changed_host_key_is_refused(sftp_root, sftp_client_factory, sshd, tmp_path):
    _, other_line = generate_ssh_keypair(tmp_path / "other_host_key")
    forged = f"[{sshd.host}]:{sshd.port} {' '.join(other_line.split()[:2])}"
    with pytest.raises(HostKeyMismatch) as info:
        sftp_client_factory(known_hosts_lines=[forged]).connect()
    assert info.value.code == "sftp_host_key_changed"
    assert info.value.retryable is False
    assert info.value.extra["fingerprint"].startswith("SHA256:")


def test_unknown_host_is_refused(sftp_root, sftp_client_factory, sshd_known_hosts_line):
    other_host = sshd_known_hosts_line.replace("[127.0.0.1]", "[sftp.boc.example]", 1)
    with pytest.raises(HostKeyMismatch) as info:
        sftp_client_factory(known_hosts_lines=[other_host]).connect()
    assert info.value.code == "sftp_host_key_unknown"


def test_hashed_known_hosts_line_is_accepted(sftp_root, sftp_client_factory, sshd, tmp_path):
    kh = sshd.write_known_hosts(tmp_path / "known_hosts")
    subprocess.run(["ssh-keygen", "-H", "-f", str(kh)], check=True, capture_output=True)
    hashed = kh.read_text().strip()
    assert hashed.startswith("|1|")
    with sftp_client_factory(known_hosts_lines=[hashed]) as client:
        assert client.list_incoming() == []


def test_unauthorised_key_is_refused(sftp_root, sftp_client_factory, tmp_path):
    key_path, _ = generate_ssh_keypair(tmp_path / "stranger")
    with pytest.raises(SftpError) as info:
        sftp_client_factory(key_path=key_path).connect()
    assert info.value.code == "sftp_auth_failed" and info.value.retryable is False


def test_short_rsa_login_key_is_refused_before_connecting(sftp_client_factory, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "rsa2048"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SftpError) as info:
        sftp_client_factory(key_path=path).connect()
    assert info.value.code == "sftp_bad_key"


def test_rsa_3072_login_key_is_accepted(sftp_root, sshd, sshd_known_hosts_line, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    path = tmp_path / "rsa3072"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    authorized = sshd.workdir / "authorized_keys"
    original = authorized.read_text()
    authorized.write_text(original + public.decode() + "\n")
    try:
        with SftpPartnerClient(
            sshd.host, sshd.port, sshd.username, path, [sshd_known_hosts_line], timeout=10
        ) as client:
            client.upload(NAME, b"rsa")
    finally:
        authorized.write_text(original)


def test_a_silent_server_times_out(sftp_client_factory):
    """A TCP port that never sends the SSH banner: a retryable error, within the timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    t = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    t.start()
    try:
        client = sftp_client_factory(port=listener.getsockname()[1], timeout=1.0)
        with pytest.raises(SftpError) as info:
            client.connect()
        assert info.value.code == "sftp_timeout", info.value.extra
        assert info.value.retryable is True
        assert not isinstance(info.value, HostKeyMismatch)
    finally:
        for conn, _ in accepted:
            conn.close()
        listener.close()


def test_nothing_listening_is_a_retryable_error(sftp_client_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SftpError) as info:
        sftp_client_factory(port=port, timeout=2.0).connect()
    assert info.value.code == "sftp_connect_failed" and info.value.retryable is True


@pytest.mark.parametrize(
    "lines",
    [[], ["# only a comment"], ["not a known_hosts line"], ["@revoked * ssh-ed25519 AAAA"]],
)
def test_missing_or_unusable_host_key_configuration_is_refused(sftp_client_factory, lines):
    with pytest.raises(SftpError) as info:
        sftp_client_factory(known_hosts_lines=lines)
    assert info.value.code == "sftp_bad_known_hosts"
