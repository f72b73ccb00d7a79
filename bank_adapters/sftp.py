"""SFTP transport to a partner's server (interface spec, section 1), on paramiko.

- Key authentication only (Ed25519, or RSA of at least 3072 bits); no agent, no key search.
- The server's host key is pinned from OpenSSH ``known_hosts`` lines; an unknown or changed
  host key raises ``HostKeyMismatch`` (alert, never retried, never auto-accepted).
- Timeouts on connect, banner, key exchange, authentication and every channel operation.
- Uploads are atomic (``NAME.<random>.part`` → size check → rename → listing check) and never
  overwrite a different file; each attempt writes its own part file (two writers never share
  one) and removes it when it fails. Downloads prefetch with many concurrent read requests.

Retries and backoff belong to the caller: every error says whether it is ``retryable``.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import socket
import stat as stat_module
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import paramiko
from django.utils.translation import gettext as _

from core.errors import IntegrationError

TO_PARTNER = "to_partner"
FROM_PARTNER = "from_partner"
DONE = "from_partner/done"
PART_SUFFIX = ".part"

# SFTP v3 servers must accept 32 KiB reads and writes; OpenSSH's sftp-server takes up to
# 255 KiB (its limits@openssh.com extension). Bigger requests mean fewer round trips and less
# Python per byte, so we use the larger size by default and let a partner profile lower it.
DEFAULT_REQUEST_SIZE = 255 * 1024
DEFAULT_WINDOW_SIZE = 16 * 1024 * 1024
DEFAULT_MAX_PACKET_SIZE = 256 * 1024
DEFAULT_PREFETCH_REQUESTS = 128
_LOCAL_CHUNK = 4 * 1024 * 1024
_MIN_RSA_BITS = 3072

# Host-key algorithms that prove possession of a pinned key of each known_hosts type.
_HOSTKEY_ALGOS = {
    "ssh-ed25519": ("ssh-ed25519",),
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256"),
    "ecdsa-sha2-nistp256": ("ecdsa-sha2-nistp256",),
    "ecdsa-sha2-nistp384": ("ecdsa-sha2-nistp384",),
    "ecdsa-sha2-nistp521": ("ecdsa-sha2-nistp521",),
}


class SftpError(IntegrationError):
    """The partner's SFTP server could not be used; ``retryable`` tells the caller what to do."""

    code = "sftp_error"
    default_message = "与合作方 SFTP 服务器交换文件时出错"
    retryable = True


class HostKeyMismatch(SftpError):
    """The server's host key is unknown or differs from the pinned one: possible interception."""

    code = "sftp_host_key_mismatch"
    default_message = "合作方 SFTP 服务器的主机密钥与配置不符，已拒绝连接，请立即核实"
    retryable = False


class RemoteConflict(SftpError):
    """A remote file of that name already exists with different content."""

    code = "sftp_remote_conflict"
    default_message = "合作方目录中已有同名但内容不同的文件，未覆盖"
    retryable = False


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    mtime: int | None = None


@dataclass(frozen=True)
class UploadResult:
    name: str
    size: int
    sha256: str
    already_present: bool  # True: the same bytes were already there, nothing was written


def check_name(name: str) -> str:
    """A bare file name: no folders, no ``..``, no ``.part``, no control characters."""
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or name.endswith(PART_SUFFIX)
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
    ):
        raise SftpError(
            _("文件名 %(name)r 不合规：只能是不含路径、不以 .part 结尾的文件名") % {"name": name},
            code="sftp_bad_name",
            extra={"name": name},
        )
    return name


def _parse_known_hosts(lines: list[str] | str) -> paramiko.HostKeys:
    if isinstance(lines, str):
        lines = lines.splitlines()
    keys = paramiko.HostKeys()
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            # @cert-authority / @revoked markers: paramiko would read them as host names.
            raise SftpError(
                _("known_hosts 中的 @cert-authority/@revoked 行不受支持，请直接配置主机公钥"),
                code="sftp_bad_known_hosts",
            )
        try:
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
        except (paramiko.SSHException, paramiko.hostkeys.InvalidHostKey, ValueError) as exc:
            raise SftpError(
                _("配置的 known_hosts 行无法解析，请检查主机密钥配置"),
                code="sftp_bad_known_hosts",
                extra={"reason": str(exc)},
            )
        if entry is None or entry.key is None:
            raise SftpError(
                _("配置的 known_hosts 行无法解析，请检查主机密钥配置"),
                code="sftp_bad_known_hosts",
            )
        for hostname in entry.hostnames:
            keys.add(hostname, entry.key.get_name(), entry.key)
    if not keys.keys():
        raise SftpError(
            _("未配置合作方 SFTP 服务器的主机密钥，拒绝连接"),
            code="sftp_bad_known_hosts",
        )
    return keys


class _RejectUnknownHost(paramiko.RejectPolicy):
    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: Any) -> None:
        raise HostKeyMismatch(
            _("合作方 SFTP 服务器 %(host)s 的主机密钥未在配置中，已拒绝连接，请立即核实")
            % {"host": hostname},
            code="sftp_host_key_unknown",
            extra={"host": hostname, "key_type": key.get_name(), "fingerprint": _fp(key)},
        )


def _fp(key: paramiko.PKey) -> str:
    return key.fingerprint  # "SHA256:..." like ssh-keygen -l


def _load_client_key(path: Path | str, password: str | None) -> paramiko.PKey:
    try:
        key = paramiko.PKey.from_path(path, password)
    except (OSError, paramiko.SSHException, ValueError) as exc:
        raise SftpError(
            _("无法读取 SFTP 登录私钥 %(path)s，请检查配置") % {"path": path},
            code="sftp_bad_key",
            extra={"path": str(path), "reason": type(exc).__name__},
        )
    if isinstance(key, paramiko.Ed25519Key):
        return key
    if isinstance(key, paramiko.RSAKey) and key.get_bits() >= _MIN_RSA_BITS:
        return key
    err = SftpError(
        _("SFTP 登录私钥应为 Ed25519 或至少 3072 位的 RSA 密钥"),
        code="sftp_bad_key",
        extra={"path": str(path), "key_type": key.get_name(), "bits": key.get_bits()},
    )
    err.retryable = False
    raise err


class SftpPartnerClient:
    """One SFTP session with a partner; use as a context manager.

    ``known_hosts_lines`` are the OpenSSH known_hosts lines configured for this partner
    (``[host]:port`` form when the port is not 22). Paths are relative to the login folder.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        key_path: Path | str,
        known_hosts_lines: list[str] | str,
        timeout: float = 30.0,
        *,
        key_password: str | None = None,
        request_size: int = DEFAULT_REQUEST_SIZE,
        window_size: int = DEFAULT_WINDOW_SIZE,
        max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
        prefetch_requests: int = DEFAULT_PREFETCH_REQUESTS,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.username = username
        self.key_path = Path(key_path)
        self.timeout = float(timeout)
        self.request_size = int(request_size)
        self.window_size = int(window_size)
        self.max_packet_size = int(max_packet_size)
        self.prefetch_requests = int(prefetch_requests)
        self._host_keys = _parse_known_hosts(known_hosts_lines)
        self._key_password = key_password
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    # ------------------------------------------------------------------ connection

    def __enter__(self) -> SftpPartnerClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _hostkey_name(self) -> str:
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    def _transport_factory(self, sock: socket.socket, **kwargs: Any) -> paramiko.Transport:
        transport = paramiko.Transport(
            sock,
            default_window_size=self.window_size,
            default_max_packet_size=self.max_packet_size,
            **kwargs,
        )
        opts = transport.get_security_options()
        # Only offer the host-key algorithms of the pinned keys, so that a server that also
        # has other host keys cannot make us see a key we did not pin.
        pinned = self._host_keys.lookup(self._hostkey_name)
        if pinned:
            algos: list[str] = []
            for key_type in pinned.keys():
                algos.extend(_HOSTKEY_ALGOS.get(key_type, (key_type,)))
            offered = [a for a in algos if a in opts.key_types] or algos
            opts.key_types = offered
        # AES-GCM is one AEAD call per packet in paramiko; CTR+HMAC costs two (and Python).
        fast = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
        opts.ciphers = [c for c in fast if c in opts.ciphers] + [
            c for c in opts.ciphers if c not in fast
        ]
        return transport

    def connect(self) -> None:
        """Open the SSH connection and the SFTP session; raises ``SftpError`` subclasses."""
        if self._sftp is not None:
            return
        pkey = _load_client_key(self.key_path, self._key_password)
        client = paramiko.SSHClient()
        host_keys = client.get_host_keys()
        for hostname, by_type in self._host_keys.items():
            for key_type, key in by_type.items():
                host_keys.add(hostname, key_type, key)
        client.set_missing_host_key_policy(_RejectUnknownHost())
        started = time.monotonic()
        try:
            client.connect(
                hostname=self.host,
                port=self.port,
                username=self.username,
                pkey=pkey,
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
                channel_timeout=self.timeout,
                allow_agent=False,
                look_for_keys=False,
                compress=False,
                transport_factory=self._transport_factory,
            )
            transport = client.get_transport()
            assert transport is not None
            transport.set_keepalive(max(int(self.timeout), 15))
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(self.timeout)
        except HostKeyMismatch:
            client.close()
            raise
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise HostKeyMismatch(
                _("合作方 SFTP 服务器 %(host)s 的主机密钥与配置不符，已拒绝连接，请立即核实")
                % {"host": self._hostkey_name},
                code="sftp_host_key_changed",
                extra={
                    "host": self._hostkey_name,
                    "key_type": exc.key.get_name(),
                    "fingerprint": _fp(exc.key),
                    "expected_fingerprint": _fp(exc.expected_key),
                },
            )
        except paramiko.AuthenticationException as exc:
            client.close()
            err = SftpError(
                _("SFTP 登录被合作方服务器拒绝，请核对用户名和登录密钥"),
                code="sftp_auth_failed",
                extra={"host": self._hostkey_name, "reason": type(exc).__name__},
            )
            err.retryable = False
            raise err
        except TimeoutError as exc:
            client.close()
            raise SftpError(
                _("连接合作方 SFTP 服务器超时，请稍后重试"),
                code="sftp_timeout",
                extra={"host": self._hostkey_name, "reason": type(exc).__name__},
            )
        except (OSError, paramiko.SSHException, EOFError) as exc:
            client.close()
            # paramiko reports a silent server as a banner error or, when its handshake wait
            # ends first, as "No existing session": what they share is the time spent.
            if time.monotonic() - started >= self.timeout * 0.9 or "banner" in str(exc).lower():
                raise SftpError(
                    _("合作方 SFTP 服务器在限定时间内没有响应，请稍后重试"),
                    code="sftp_timeout",
                    extra={"host": self._hostkey_name, "reason": f"{type(exc).__name__}: {exc}"},
                )
            raise SftpError(
                _("无法连接合作方 SFTP 服务器，请稍后重试"),
                code="sftp_connect_failed",
                extra={"host": self._hostkey_name, "reason": f"{type(exc).__name__}: {exc}"},
            )
        self._client = client
        self._sftp = sftp

    def close(self) -> None:
        if self._sftp is not None:
            try:
                self._sftp.close()
            except (OSError, paramiko.SSHException, EOFError):
                pass
            self._sftp = None
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            raise SftpError(_("SFTP 会话尚未建立"), code="sftp_not_connected")
        return self._sftp

    def _io_error(self, exc: BaseException, action: str, path: str) -> SftpError:
        timed_out = isinstance(exc, TimeoutError)
        return SftpError(
            _("合作方 SFTP 服务器上的操作失败（%(action)s %(path)s），请稍后重试")
            % {"action": action, "path": path},
            code="sftp_timeout" if timed_out else "sftp_io_failed",
            extra={"action": action, "path": path, "reason": f"{type(exc).__name__}: {exc}"},
        )

    def _stat(self, path: str) -> paramiko.SFTPAttributes | None:
        try:
            return self.sftp.stat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if getattr(exc, "errno", None) == 2:
                return None
            raise self._io_error(exc, "stat", path)

    # ------------------------------------------------------------------ upload

    def upload(
        self,
        name: str,
        data_or_path: bytes | bytearray | memoryview | Path | str,
        *,
        clear_stale_parts: bool = False,
    ) -> UploadResult:
        """Atomically put ``to_partner/NAME``; same bytes already there → no-op.

        The bytes go to a part file of this attempt's own (``NAME.<random>.part``), removed
        again if the attempt fails. ``clear_stale_parts`` first removes every other part file
        of NAME: only for a caller that holds the file's delivery lock, so that whatever part
        files are left are from attempts that crashed."""
        check_name(name)
        final = f"{TO_PARTNER}/{name}"
        with _LocalSource(data_or_path) as src:
            existing = self._stat(final)
            if existing is not None:
                return self._compare_existing(name, final, existing, src)
            if clear_stale_parts:
                self._remove_parts_of(name)
            part = f"{final}.{secrets.token_hex(8)}{PART_SUFFIX}"
            try:
                return self._upload_via(part, name, final, src)
            except BaseException:
                self._remove_quietly(part)
                raise

    def _parts_of(self, name: str) -> list[str]:
        """Part files of NAME in ``to_partner/``: ours (``NAME.<random>.part``) and the
        single ``NAME.part`` of earlier versions."""
        return [
            a.filename
            for a in self._listdir_attr(TO_PARTNER)
            if a.filename == name + PART_SUFFIX
            or (a.filename.startswith(name + ".") and a.filename.endswith(PART_SUFFIX)
                and "." not in a.filename[len(name) + 1 : -len(PART_SUFFIX)])
        ]  # fmt: skip

    def _remove_parts_of(self, name: str) -> None:
        for filename in self._parts_of(name):
            try:
                self.sftp.remove(f"{TO_PARTNER}/{filename}")
            except FileNotFoundError:
                pass
            except (OSError, paramiko.SSHException, EOFError) as exc:
                raise self._io_error(exc, "remove", f"{TO_PARTNER}/{filename}")

    def _remove_quietly(self, path: str) -> None:
        # Best effort: after a lost connection the part file stays, and the next attempt
        # under the delivery lock removes it (``clear_stale_parts``).
        try:
            self.sftp.remove(path)
        except (OSError, paramiko.SSHException, EOFError, SftpError):
            pass

    def _upload_via(self, part: str, name: str, final: str, src: _LocalSource) -> UploadResult:
        try:
            with self.sftp.open(part, "wb", bufsize=0) as fh:
                fh.set_pipelined(True)
                fh.MAX_REQUEST_SIZE = self.request_size
                for chunk in src.chunks():
                    fh.write(chunk)
                self._drain_write_acks(fh)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self._io_error(exc, "write", part)

        remote = self._stat(part)
        if remote is None or remote.st_size != src.size:
            raise SftpError(
                _("上传后远端文件大小与本地不符，未改名，请重试上传"),
                code="sftp_size_mismatch",
                extra={
                    "path": part,
                    "local_size": src.size,
                    "remote_size": None if remote is None else remote.st_size,
                },
            )
        try:
            # Plain SFTP rename refuses to replace an existing file, which is what we want.
            self.sftp.rename(part, final)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            now = self._stat(final)
            if now is None:
                raise self._io_error(exc, "rename", part)
            # Another writer renamed first: ours is not needed, whatever the comparison says.
            self._remove_quietly(part)
            return self._compare_existing(name, final, now, src)

        listed = {a.filename: a for a in self._listdir_attr(TO_PARTNER)}
        entry = listed.get(name)
        if entry is None or entry.st_size != src.size:
            raise SftpError(
                _("改名后在合作方目录中未找到完整的文件，请重试上传"),
                code="sftp_upload_unconfirmed",
                extra={"path": final, "local_size": src.size},
            )
        return UploadResult(name=name, size=src.size, sha256=src.sha256, already_present=False)

    def _drain_write_acks(self, fh: paramiko.SFTPFile) -> None:
        # In pipelined mode paramiko drops the write replies it has not read by the time the
        # file is closed, so a server's "write failed" would go unseen. Read every reply
        # now: an error status raises here instead.
        pending = fh._reqs
        while pending:
            self.sftp._read_response(pending.popleft())

    def _compare_existing(
        self, name: str, final: str, attrs: paramiko.SFTPAttributes, src: _LocalSource
    ) -> UploadResult:
        if attrs.st_size == src.size:
            digest = hashlib.sha256()
            self._read_into(final, attrs.st_size, digest.update)
            if digest.hexdigest() == src.sha256:
                return UploadResult(
                    name=name, size=src.size, sha256=src.sha256, already_present=True
                )
        raise RemoteConflict(
            _("合作方目录中已有同名文件 %(name)s 且内容不同，未覆盖，请人工核实") % {"name": name},
            extra={"path": final, "local_size": src.size, "remote_size": attrs.st_size},
        )

    # ------------------------------------------------------------------ download

    def _listdir_attr(self, folder: str) -> list[paramiko.SFTPAttributes]:
        try:
            return self.sftp.listdir_attr(folder)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self._io_error(exc, "list", folder)

    def list_incoming(self) -> list[RemoteFile]:
        """Regular files in ``from_partner/``, by name, without ``.part`` files and folders."""
        files = [
            RemoteFile(a.filename, a.st_size or 0, a.st_mtime)
            for a in self._listdir_attr(FROM_PARTNER)
            if not a.filename.endswith(PART_SUFFIX)
            and not a.filename.startswith(".")
            and a.st_mode is not None
            and stat_module.S_ISREG(a.st_mode)
        ]
        return sorted(files, key=lambda f: f.name)

    def _read_into(self, path: str, size: int | None, sink: Any) -> int:
        """Read a remote file with concurrent prefetch, feeding ``sink`` each response."""
        total = 0
        try:
            with self.sftp.open(path, "rb", bufsize=0) as fh:
                fh.MAX_REQUEST_SIZE = self.request_size
                if size is None:
                    size = fh.stat().st_size
                if size:
                    fh.prefetch(size, max_concurrent_requests=self.prefetch_requests)
                while True:
                    # One prefetched response per read: paramiko builds a bigger read by
                    # concatenating responses, copying the growing result each time.
                    block = fh.read(self.request_size)
                    if not block:
                        break
                    sink(block)
                    total += len(block)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self._io_error(exc, "read", path)
        if total != size:
            raise SftpError(
                _("下载的字节数与远端文件大小不符（文件可能正在被写入），请稍后重试"),
                code="sftp_size_mismatch",
                extra={"path": path, "remote_size": size, "read": total},
            )
        return total

    def download(self, name: str) -> bytes:
        """The bytes of ``from_partner/NAME``."""
        check_name(name)
        buf = io.BytesIO()
        self._read_into(f"{FROM_PARTNER}/{name}", None, buf.write)
        return buf.getvalue()

    def download_to(self, name: str, dest: Path | str, *, digest: Any = None) -> int:
        """Write ``from_partner/NAME`` to the local file ``dest``; returns the size. A
        ``hashlib`` object given as ``digest`` is fed the bytes on the way."""
        check_name(name)
        dest = Path(dest)
        tmp = dest.with_name(dest.name + PART_SUFFIX)
        with open(tmp, "wb") as out:
            if digest is None:
                sink = out.write
            else:

                def sink(block: bytes) -> None:
                    out.write(block)
                    digest.update(block)

            size = self._read_into(f"{FROM_PARTNER}/{name}", None, sink)
        os.replace(tmp, dest)
        return size

    def mark_done(self, name: str) -> None:
        """Move ``from_partner/NAME`` to ``from_partner/done/NAME``; already moved → no-op.

        An older ``done/NAME`` is replaced: deciding whether a re-sent name may be processed
        (same bytes) or must be quarantined (different bytes) is the caller's job, before this.
        """
        check_name(name)
        src = f"{FROM_PARTNER}/{name}"
        dst = f"{DONE}/{name}"
        if self._stat(src) is None:
            if self._stat(dst) is not None:
                return
            raise SftpError(
                _("要归档的文件 %(name)s 在合作方目录中不存在") % {"name": name},
                code="sftp_not_found",
                extra={"path": src},
            )
        try:
            self.sftp.posix_rename(src, dst)
        except (OSError, paramiko.SSHException, EOFError) as exc:
            # Servers without the posix-rename@openssh.com extension: plain rename.
            if self._stat(src) is None and self._stat(dst) is not None:
                return
            try:
                self.sftp.rename(src, dst)
            except (OSError, paramiko.SSHException, EOFError):
                raise self._io_error(exc, "rename", src)


class _LocalSource:
    """Bytes or a local file, with its size and SHA-256 known before upload."""

    def __init__(self, data_or_path: bytes | bytearray | memoryview | Path | str) -> None:
        self._data: bytes | memoryview | None = None
        self._path: Path | None = None
        self._fh: IO[bytes] | None = None
        if isinstance(data_or_path, bytes | bytearray | memoryview):
            self._data = memoryview(data_or_path).cast("B")
            self.size = len(self._data)
            self.sha256 = hashlib.sha256(self._data).hexdigest()
        else:
            self._path = Path(data_or_path)
            digest = hashlib.sha256()
            size = 0
            with open(self._path, "rb") as fh:
                while block := fh.read(_LOCAL_CHUNK):
                    digest.update(block)
                    size += len(block)
            self.size = size
            self.sha256 = digest.hexdigest()

    def chunks(self) -> Iterator[bytes]:
        if self._data is not None:
            for i in range(0, self.size, _LOCAL_CHUNK):
                yield bytes(self._data[i : i + _LOCAL_CHUNK])
            return
        assert self._path is not None
        with open(self._path, "rb") as fh:
            while block := fh.read(_LOCAL_CHUNK):
                yield block

    def __enter__(self) -> _LocalSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self._data = None


__all__ = [
    "DONE",
    "FROM_PARTNER",
    "TO_PARTNER",
    "HostKeyMismatch",
    "RemoteConflict",
    "RemoteFile",
    "SftpError",
    "SftpPartnerClient",
    "UploadResult",
    "check_name",
]
