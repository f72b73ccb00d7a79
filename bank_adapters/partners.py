"""Partner configuration, read from the TOML file named by ``CARD_PARTNERS_FILE``.

Example (the README has the full one)::

    [service]
    signing_key = "var/keys/service/sign.key"        # ours: signs every file we send
    signing_cert = "var/keys/service/sign.crt"
    decryption_key = "var/keys/service/enc.key"      # ours: opens every file we receive
    decryption_cert = "var/keys/service/enc.crt"
    archive_cert = "var/keys/service/archive.crt"    # optional second recipient
    storage_dir = "var/exchange"                     # local copies of every file
    alert_email = "ops@example.org"

    [partners.BOC]
    enabled = true
    host = "sftp.boc.example"
    port = 22
    user = "gdvolunteer"
    private_key = "var/keys/sftp/boc_ed25519"
    known_hosts = ["sftp.boc.example ssh-ed25519 AAAA..."]
    certificates = ["var/keys/partners/BOC.crt"]     # one or more: key roll-over
    encrypt_to = "var/keys/partners/BOC.crt"         # default: the first certificate
    cutoff = "17:00"
    timeout = 30
    # continuous = true   # demo only: send whenever something waits, not once a day

Relative paths are relative to the TOML file's folder. Private keys are only ever read from
these paths, never stored in the database or logged."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings

from bank_adapters import codecs, envelope
from core.errors import ServiceError

PARTNER_CODES = tuple(codecs.PARTNERS)


class ConfigError(ServiceError):
    code = "partner_config"
    http_status = 500


@dataclass(frozen=True)
class PartnerConfig:
    code: str
    enabled: bool
    host: str
    port: int
    user: str
    private_key: Path
    known_hosts: tuple[str, ...]
    certificates: tuple[Path, ...]
    encrypt_to: Path
    cutoff: dt.time
    timeout: float = 30.0
    # Demo and test set-ups: send whenever something waits instead of once at the cut-off.
    continuous: bool = False

    def certs(self) -> list[x509.Certificate]:
        return envelope.load_certificates(*self.certificates)

    def recipient_cert(self) -> x509.Certificate:
        return envelope.load_certificate(self.encrypt_to)

    def sftp_client(self):
        from bank_adapters.sftp import SftpPartnerClient

        return SftpPartnerClient(
            self.host,
            self.port,
            self.user,
            self.private_key,
            list(self.known_hosts),
            timeout=self.timeout,
        )


@dataclass(frozen=True)
class ServiceConfig:
    signing_key: Path
    signing_cert: Path
    decryption_key: Path
    decryption_cert: Path
    archive_cert: Path | None
    storage_dir: Path
    alert_email: str = ""
    partners: dict[str, PartnerConfig] = field(default_factory=dict)

    def partner(self, code: str) -> PartnerConfig:
        try:
            return self.partners[code]
        except KeyError:
            raise ConfigError(f"合作方 {code} 未配置", extra={"partner": code}) from None

    def enabled_partners(self) -> list[PartnerConfig]:
        return [p for p in self.partners.values() if p.enabled]

    def seal(self, plaintext: bytes, partner: PartnerConfig) -> bytes:
        recipients = [partner.recipient_cert()]
        if self.archive_cert:
            recipients.append(envelope.load_certificate(self.archive_cert))
        return envelope.seal(
            plaintext,
            signer_key=envelope.load_private_key(self.signing_key),
            signer_cert=envelope.load_certificate(self.signing_cert),
            recipient_certs=recipients,
        )

    def open(self, data: bytes, partner: PartnerConfig) -> envelope.Opened:
        return envelope.open_envelope(
            data,
            own_key=envelope.load_private_key(self.decryption_key),
            own_cert=envelope.load_certificate(self.decryption_cert),
            partner_certs=partner.certs(),
        )


def _path(base: Path, value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else (base / p)


def parse(text: str, base: Path) -> ServiceConfig:
    try:
        data: dict[str, Any] = tomllib.loads(text)
        svc = data["service"]
        partners = {}
        for code, p in data.get("partners", {}).items():
            if code not in PARTNER_CODES:
                raise ConfigError(f"未知的合作方代码 {code}")
            certs = tuple(_path(base, c) for c in p.get("certificates", []))
            if not certs:
                raise ConfigError(f"合作方 {code} 至少需要配置一个证书")
            known = p["known_hosts"]
            partners[code] = PartnerConfig(
                code=code,
                enabled=bool(p.get("enabled", True)),
                host=p["host"],
                port=int(p.get("port", 22)),
                user=p["user"],
                private_key=_path(base, p["private_key"]),
                known_hosts=tuple([known] if isinstance(known, str) else known),
                certificates=certs,
                encrypt_to=_path(base, p["encrypt_to"]) if p.get("encrypt_to") else certs[0],
                cutoff=dt.time.fromisoformat(p.get("cutoff", "17:00")),
                timeout=float(p.get("timeout", 30)),
                continuous=bool(p.get("continuous", False)),
            )
        return ServiceConfig(
            signing_key=_path(base, svc["signing_key"]),
            signing_cert=_path(base, svc["signing_cert"]),
            decryption_key=_path(base, svc["decryption_key"]),
            decryption_cert=_path(base, svc["decryption_cert"]),
            archive_cert=_path(base, svc["archive_cert"]) if svc.get("archive_cert") else None,
            storage_dir=_path(base, svc.get("storage_dir", "exchange")),
            alert_email=svc.get("alert_email", ""),
            partners=partners,
        )
    except (KeyError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"合作方配置文件有误：{exc}") from exc


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> ServiceConfig:
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), p.parent)


def load(path: str | None = None) -> ServiceConfig:
    """The configuration in force (re-read when the file changes)."""
    p = Path(path or settings.CARD_PARTNERS_FILE)
    if not p.exists():
        raise ConfigError(
            f"合作方配置文件 {p} 不存在：请先运行 demo_exchange_setup 或按 README 配置"
        )
    return _load(str(p), p.stat().st_mtime)
