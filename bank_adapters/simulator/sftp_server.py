"""A small SFTP server on paramiko, for the demo on machines without OpenSSH.

Public-key login only (against a list of authorised OpenSSH public key lines), one host key,
loopback only, and SFTP over one local folder that is the login folder: enough for
``SftpPartnerClient`` (upload with ``.part`` and rename, list, download, ``mark_done``) and
for the partner simulators. A plain ``rename`` refuses to replace an existing file, as
OpenSSH's does; ``posix_rename`` replaces. Not for production use.
"""

from __future__ import annotations

import base64
import logging
import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import paramiko
from paramiko.sftp import SFTP_FAILURE, SFTP_NO_SUCH_FILE, SFTP_OK, SFTP_PERMISSION_DENIED

logger = logging.getLogger(__name__)
# The server side of each SSH connection logs a client's plain hang-up as an ERROR; the
# client side reports real failures, so these stay quiet.
_SSH_LOG = f"{__name__}.ssh"
logging.getLogger(_SSH_LOG).setLevel(logging.CRITICAL)

__all__ = ["SftpServer", "start_sftp_server"]


def _public_keys(lines: Iterable[str]) -> list[paramiko.PKey]:
    keys = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 2:
            keys.append(paramiko.PKey.from_type_string(parts[0], base64.b64decode(parts[1])))
    return keys


class _Auth(paramiko.ServerInterface):
    def __init__(self, authorized: list[paramiko.PKey]) -> None:
        self.authorized = authorized

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        for allowed in self.authorized:
            if allowed.get_name() == key.get_name() and allowed.asbytes() == key.asbytes():
                return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel: Any, name: str) -> bool:
        return name == "sftp" and super().check_channel_subsystem_request(channel, name)


def _errno(exc: OSError) -> int:
    return paramiko.SFTPServer.convert_errno(exc.errno)


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> paramiko.SFTPAttributes | int:
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as exc:
            return _errno(exc)

    def chattr(self, attr: paramiko.SFTPAttributes) -> int:
        return SFTP_OK


class _LocalSftp(paramiko.SFTPServerInterface):
    """SFTP requests against one local folder; no path may leave it."""

    def __init__(self, server: Any, *args: Any, root: Path, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        self.root = root.resolve()

    def _local(self, path: str) -> Path:
        rel = os.path.normpath("/" + path.lstrip("/")).lstrip("/")
        local = (self.root / rel).resolve() if rel not in ("", ".") else self.root
        if local != self.root and self.root not in local.parents:
            raise PermissionError(path)
        return local

    def canonicalize(self, path: str) -> str:
        return "/" + os.path.normpath("/" + path.lstrip("/")).lstrip("/")

    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
        try:
            folder = self._local(path)
            out = []
            for name in sorted(os.listdir(folder)):
                attr = paramiko.SFTPAttributes.from_stat(os.lstat(folder / name))
                attr.filename = name
                out.append(attr)
            return out
        except OSError as exc:
            return _errno(exc)

    def stat(self, path: str) -> paramiko.SFTPAttributes | int:
        try:
            return paramiko.SFTPAttributes.from_stat(os.stat(self._local(path)))
        except OSError as exc:
            return _errno(exc)

    def lstat(self, path: str) -> paramiko.SFTPAttributes | int:
        try:
            return paramiko.SFTPAttributes.from_stat(os.lstat(self._local(path)))
        except OSError as exc:
            return _errno(exc)

    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> _Handle | int:
        try:
            local = self._local(path)
            fd = os.open(local, flags | getattr(os, "O_BINARY", 0), 0o640)
        except OSError as exc:
            return _errno(exc)
        if flags & os.O_WRONLY:
            mode = "ab" if flags & os.O_APPEND else "wb"
        elif flags & os.O_RDWR:
            mode = "a+b" if flags & os.O_APPEND else "r+b"
        else:
            mode = "rb"
        try:
            fh = os.fdopen(fd, mode)
        except OSError as exc:
            os.close(fd)
            return _errno(exc)
        handle = _Handle(flags)
        handle.filename = str(local)
        handle.readfile = fh
        handle.writefile = fh
        return handle

    def remove(self, path: str) -> int:
        try:
            os.remove(self._local(path))
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK

    def rename(self, oldpath: str, newpath: str) -> int:
        try:
            old, new = self._local(oldpath), self._local(newpath)
            # SFTP v3 rename must not replace: link() fails on an existing target.
            os.link(old, new)
            os.unlink(old)
        except FileExistsError:
            return SFTP_FAILURE
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK

    def posix_rename(self, oldpath: str, newpath: str) -> int:
        try:
            os.replace(self._local(oldpath), self._local(newpath))
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK

    def mkdir(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        try:
            os.mkdir(self._local(path))
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK

    def rmdir(self, path: str) -> int:
        try:
            os.rmdir(self._local(path))
        except OSError as exc:
            return _errno(exc)
        return SFTP_OK

    def chattr(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        try:
            self._local(path)
        except OSError:
            return SFTP_PERMISSION_DENIED
        return SFTP_OK if os.path.exists(self._local(path)) else SFTP_NO_SUCH_FILE


class SftpServer:
    """A running paramiko SFTP server; ``stop()`` it, or use it as a context manager."""

    def __init__(
        self,
        root: Path | str,
        *,
        host_key_path: Path | str,
        authorized_lines: Iterable[str],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.root = Path(root)
        self.host_key = paramiko.PKey.from_path(host_key_path)
        self.authorized = _public_keys(authorized_lines)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(20)
        self._sock.settimeout(0.5)
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self._thread = threading.Thread(target=self._serve, name=f"sftp-{self.port}", daemon=True)

    def start(self) -> SftpServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            threading.Thread(target=self._handshake, args=(conn,), daemon=True).start()

    def _handshake(self, conn: socket.socket) -> None:
        try:
            transport = paramiko.Transport(conn)
            transport.set_log_channel(_SSH_LOG)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _LocalSftp, root=self.root)
            self._transports = [t for t in self._transports if t.is_active()] + [transport]
            transport.start_server(server=_Auth(self.authorized))
        except (paramiko.SSHException, EOFError, OSError) as exc:
            logger.info("SFTP connection on port %s failed: %s", self.port, exc)
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        for transport in self._transports:
            transport.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SftpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sftp_server(
    root: Path | str,
    *,
    host_key_path: Path | str,
    authorized_lines: Iterable[str],
    host: str = "127.0.0.1",
    port: int = 0,
) -> SftpServer:
    """Start serving ``root`` over SFTP on ``host:port`` (0: any free port) in a thread."""
    return SftpServer(
        root, host_key_path=host_key_path, authorized_lines=authorized_lines, host=host, port=port
    ).start()
