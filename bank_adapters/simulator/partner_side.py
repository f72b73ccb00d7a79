"""The partner's half of the interface, as a small library for the simulators.

- ``PartnerKeys`` opens what the card service sent (decrypt with the partner's RSA key,
  verify the service's signature against the service's certificates) and seals what the
  partner sends (sign with the partner's signing key, encrypt to the service's RSA cert).
- ``LocalFolder`` and ``SftpFolder`` read ``to_partner/`` and write ``from_partner/``; a
  write is atomic (``NAME.part``, then rename) as the upload rule of section 1 says.
- ``PartnerSide`` ties them together with the file names of section 1: a SEQ per type and
  date, kept in ``seq.json`` in the partner's state folder, and the names of the service's
  files already handled, in ``seen.json``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import stat as stat_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import paramiko
from cryptography import x509

from bank_adapters import codecs, envelope
from bank_adapters.codecs import FileName
from bank_adapters.errors import FileFormatError
from bank_adapters.fields import SHANGHAI
from bank_adapters.records import (
    EventRecord,
    Header,
    PolicyRecord,
    Record,
    ResultRecord,
    StatusRecord,
)
from bank_adapters.sftp import DONE, FROM_PARTNER, PART_SUFFIX, TO_PARTNER

__all__ = [
    "JsonState",
    "LocalFolder",
    "Outbox",
    "PartnerFolder",
    "PartnerKeys",
    "PartnerSide",
    "SftpFolder",
]


# --------------------------------------------------------------------------- state


class JsonState:
    """A small JSON document on disk, rewritten atomically (``.tmp`` then rename)."""

    def __init__(self, path: Path | str, default: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.data: dict[str, Any] = dict(default or {})
        if self.path.exists():
            self.data.update(json.loads(self.path.read_text(encoding="utf-8")))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)


class Outbox:
    """Files a simulator has decided but not yet written, kept in its ``state.json``.

    A tick first records what it decided (card steps, the records with their event ids and
    policy numbers) and saves the state, then writes the files. A write that fails (server
    down, the demo stopped) is retried with the same records at the next tick or after a
    restart, instead of being lost, or decided again with new numbers: a card is never
    answered, activated or insured twice. At worst a file is written again after a crash
    between the write and the save, with the same ids, which the service applies once."""

    def __init__(self, state: JsonState, side: PartnerSide) -> None:
        self.state = state
        self.side = side
        state.data.setdefault("outbox", [])

    def __len__(self) -> int:
        return len(self.state.data["outbox"])

    def add(self, file_type: str, records: Sequence[Record], *, now: dt.datetime) -> None:
        """Queue one file; the caller saves the state with whatever else it decided."""
        self.state.data["outbox"].append(
            {
                "type": file_type,
                "now": now.isoformat(),
                "records": [
                    {f.name: _encode(getattr(r, f.name)) for f in dataclasses.fields(r)}
                    for r in records
                ],
            }
        )

    def flush(self) -> list[tuple[str, list[Record]]]:
        """Write the queued files in order; returns ``(name, records)`` of each written."""
        written = []
        queue = self.state.data["outbox"]
        while queue:
            entry = queue[0]
            cls = _RECORD_TYPES[entry["type"]]
            records = [cls(**{k: _decode(v) for k, v in r.items()}) for r in entry["records"]]
            name = self.side.send(
                entry["type"], records, now=dt.datetime.fromisoformat(entry["now"])
            )
            queue.pop(0)
            self.state.save()
            written.append((name, records))
        return written


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "datetime" in value:
        return dt.datetime.fromisoformat(value["datetime"])
    if isinstance(value, dict) and "date" in value:
        return dt.date.fromisoformat(value["date"])
    return value


_RECORD_TYPES = {c.FILE_TYPE: c for c in (ResultRecord, EventRecord, PolicyRecord, StatusRecord)}

# --------------------------------------------------------------------------- envelope


@dataclass(frozen=True)
class PartnerKeys:
    """The partner's keys and the card service's certificates, as the partner holds them."""

    code: str
    decryption_key: envelope.PrivateKey
    decryption_cert: x509.Certificate
    signing_key: envelope.PrivateKey
    signing_cert: x509.Certificate
    service_certs: tuple[x509.Certificate, ...]  # any of them may sign what the service sends
    service_encryption_cert: x509.Certificate

    @classmethod
    def from_files(
        cls,
        code: str,
        *,
        key: Path | str,
        cert: Path | str,
        sign_key: Path | str | None,
        sign_cert: Path | str | None,
        service_certs: Sequence[Path | str],
        service_encryption_cert: Path | str,
    ) -> PartnerKeys:
        """Load from PEM files; without a separate signing key the RSA key signs too."""
        return cls(
            code=code,
            decryption_key=envelope.load_private_key(key),
            decryption_cert=envelope.load_certificate(cert),
            signing_key=envelope.load_private_key(sign_key or key),
            signing_cert=envelope.load_certificate(sign_cert or cert),
            service_certs=tuple(envelope.load_certificates(*service_certs)),
            service_encryption_cert=envelope.load_certificate(service_encryption_cert),
        )

    @classmethod
    def from_pki(cls, pki: Any, code: str) -> PartnerKeys:
        """The keys of ``code`` in a ``bank_adapters.pki.DemoPki``."""
        files = pki.partners[code]
        service = [pki.service.cert_path]
        if pki.service.sign_cert_path:
            service.append(pki.service.sign_cert_path)
        return cls.from_files(
            code,
            key=files.key_path,
            cert=files.cert_path,
            sign_key=files.sign_key_path,
            sign_cert=files.sign_cert_path,
            service_certs=service,
            service_encryption_cert=pki.service.cert_path,
        )

    def open(self, data: bytes) -> bytes:
        """Decrypt and verify a file from the card service; raises ``EnvelopeError``."""
        return envelope.open_envelope(
            data,
            own_key=self.decryption_key,
            own_cert=self.decryption_cert,
            partner_certs=list(self.service_certs),
        ).plaintext

    def seal(self, plaintext: bytes) -> bytes:
        """Sign with the partner's signing key, then encrypt to the service's RSA cert."""
        return envelope.seal(
            plaintext,
            signer_key=self.signing_key,
            signer_cert=self.signing_cert,
            recipient_certs=[self.service_encryption_cert],
        )


# --------------------------------------------------------------------------- folders


class PartnerFolder(Protocol):
    """The partner's view of its login folder."""

    def list_outgoing(self) -> list[str]:
        """Names in ``to_partner/`` (never ``.part``), sorted."""
        ...

    def read(self, name: str) -> bytes: ...

    def write(self, name: str, data: bytes) -> None:
        """Put ``from_partner/NAME`` atomically; never overwrite."""
        ...

    def incoming_names(self) -> set[str]:
        """Names in ``from_partner/`` and ``from_partner/done/`` (to avoid reusing one)."""
        ...

    def pending_incoming(self) -> set[str]:
        """Names in ``from_partner/`` the service has not taken yet (not in ``done/``)."""
        ...

    def close(self) -> None: ...


def _check_name(name: str) -> None:
    if not name or "/" in name or name.startswith(".") or name.endswith(PART_SUFFIX):
        raise ValueError(f"bad file name {name!r}")


class LocalFolder:
    """The login folder on this machine (the simulator runs beside the SFTP server)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        for sub in (TO_PARTNER, FROM_PARTNER, DONE):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def list_outgoing(self) -> list[str]:
        return sorted(
            p.name
            for p in (self.root / TO_PARTNER).iterdir()
            if p.is_file() and not p.name.endswith(PART_SUFFIX) and not p.name.startswith(".")
        )

    def read(self, name: str) -> bytes:
        _check_name(name)
        return (self.root / TO_PARTNER / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        _check_name(name)
        final = self.root / FROM_PARTNER / name
        part = final.with_name(name + PART_SUFFIX)
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # link() refuses an existing target, unlike rename(): a name is never overwritten.
        os.link(part, final)
        os.unlink(part)

    def incoming_names(self) -> set[str]:
        return {p.name for p in (self.root / FROM_PARTNER).iterdir()} | {
            p.name for p in (self.root / DONE).iterdir()
        }

    def pending_incoming(self) -> set[str]:
        return {p.name for p in (self.root / FROM_PARTNER).iterdir() if p.is_file()}

    def close(self) -> None:
        return None


class SftpFolder:
    """The login folder over SFTP, logged in with the partner side's own SSH key.

    Connects lazily, pins the server's host key like the card service does, and reconnects
    after an error on the next call.
    """

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        key_path: Path | str,
        known_hosts_lines: Iterable[str],
        *,
        timeout: float = 15.0,
    ) -> None:
        self.host, self.port, self.username = host, int(port), username
        self.key_path = Path(key_path)
        self.known_hosts_lines = list(known_hosts_lines)
        self.timeout = timeout
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    def _session(self) -> paramiko.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        client = paramiko.SSHClient()
        hostname = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        for line in self.known_hosts_lines:
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
            if entry is not None and entry.key is not None:
                client.get_host_keys().add(hostname, entry.key.get_name(), entry.key)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                pkey=paramiko.PKey.from_path(self.key_path),
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
                allow_agent=False,
                look_for_keys=False,
            )
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(self.timeout)
        except BaseException:
            client.close()
            raise
        self._client, self._sftp = client, sftp
        return sftp

    def _call(self, fn: Any) -> Any:
        try:
            return fn(self._session())
        except (OSError, paramiko.SSHException, EOFError):
            if self._sftp is not None and not self._transport_alive():
                self.close()
            raise

    def _transport_alive(self) -> bool:
        transport = self._client.get_transport() if self._client else None
        return bool(transport and transport.is_active())

    def list_outgoing(self) -> list[str]:
        def run(sftp: paramiko.SFTPClient) -> list[str]:
            return sorted(
                a.filename
                for a in sftp.listdir_attr(TO_PARTNER)
                if not a.filename.endswith(PART_SUFFIX)
                and not a.filename.startswith(".")
                and a.st_mode is not None
                and stat_module.S_ISREG(a.st_mode)
            )

        return self._call(run)

    def read(self, name: str) -> bytes:
        _check_name(name)

        def run(sftp: paramiko.SFTPClient) -> bytes:
            with sftp.open(f"{TO_PARTNER}/{name}", "rb") as fh:
                fh.prefetch()
                return fh.read()

        return self._call(run)

    def write(self, name: str, data: bytes) -> None:
        _check_name(name)
        final = f"{FROM_PARTNER}/{name}"
        part = final + PART_SUFFIX

        def run(sftp: paramiko.SFTPClient) -> None:
            with sftp.open(part, "wb") as fh:
                fh.write(data)
            if sftp.stat(part).st_size != len(data):
                raise OSError(f"size check failed for {part}")
            sftp.rename(part, final)  # plain SFTP rename: refuses to replace a file

        self._call(run)

    def incoming_names(self) -> set[str]:
        def run(sftp: paramiko.SFTPClient) -> set[str]:
            return set(sftp.listdir(FROM_PARTNER)) | set(sftp.listdir(DONE))

        return self._call(run)

    def pending_incoming(self) -> set[str]:
        def run(sftp: paramiko.SFTPClient) -> set[str]:
            return {
                a.filename
                for a in sftp.listdir_attr(FROM_PARTNER)
                if a.st_mode is not None and stat_module.S_ISREG(a.st_mode)
            }

        return self._call(run)

    def close(self) -> None:
        if self._sftp is not None:
            try:
                self._sftp.close()
            except (OSError, paramiko.SSHException, EOFError):
                pass
        if self._client is not None:
            self._client.close()
        self._client = self._sftp = None


# --------------------------------------------------------------------------- the partner


class PartnerSide:
    """One partner's end of the exchange: new files from the service in, sealed files out."""

    def __init__(self, keys: PartnerKeys, folder: PartnerFolder, state_dir: Path | str) -> None:
        self.code = keys.code
        self.keys = keys
        self.folder = folder
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._seq = JsonState(self.state_dir / "seq.json")
        self._seen = JsonState(self.state_dir / "seen.json", {"names": []})

    # ---- in

    def new_files(self, file_type: str) -> list[FileName]:
        """The service's ``file_type`` files in ``to_partner/`` not handled yet, oldest first."""
        seen = set(self._seen.data["names"])
        found = []
        for name in self.folder.list_outgoing():
            if name in seen:
                continue
            try:
                parsed = codecs.parse_filename(name)
            except FileFormatError:  # a name that breaks section 1 is not ours to read
                continue
            if parsed.partner == self.code and parsed.file_type == file_type:
                found.append(parsed)
        return sorted(found, key=lambda f: (f.business_date, f.seq))

    def open(self, name: str) -> bytes:
        """Read and open (decrypt, verify) ``to_partner/NAME``."""
        return self.keys.open(self.folder.read(name))

    def decode(self, name: str, plaintext: bytes) -> tuple[Header, list[Record]]:
        header, records = codecs.decode_file(plaintext, filename=name)
        return header, list(records)

    def mark_seen(self, *names: str) -> None:
        self._seen.data["names"].extend(n for n in names if n not in self._seen.data["names"])
        self._seen.save()

    # ---- out

    def next_seq(self, file_type: str, day: dt.date) -> int:
        """The next SEQ for this type and date, never one already on the server."""
        key = f"{file_type}_{day:%Y%m%d}"
        taken = self.folder.incoming_names()
        seq = int(self._seq.data.get(key, 0))
        while True:
            seq += 1
            if codecs.build_filename(self.code, file_type, day, seq) not in taken:
                break
        self._seq.data[key] = seq
        self._seq.save()
        return seq

    def send(self, file_type: str, records: Sequence[Record], *, now: dt.datetime) -> str:
        """Encode, seal and put one file; returns its name. The date is ``now`` in Shanghai."""
        local = now.astimezone(SHANGHAI).replace(microsecond=0)
        day = local.date()
        seq = self.next_seq(file_type, day)
        header = codecs.header_for(
            self.code, file_type, day, seq, count=len(records), made_at=local
        )
        plaintext = codecs.codec_for(self.code).encode(header, records)
        name = codecs.build_filename(self.code, file_type, day, seq)
        self.folder.write(name, self.keys.seal(plaintext))
        return name

    def close(self) -> None:
        self.folder.close()
