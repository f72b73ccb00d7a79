"""Demo keys and certificates for the partner file exchange.

Used by the demo and the tests only: production keys and certificates come from the banks'
and our own PKI and are read from configured file paths (see ``bank_adapters.envelope``).

``generate_demo_pki(folder)`` writes, under ``folder``:

- ``ca.pem`` / ``ca.key`` — one self-signed demo CA that issues every certificate below;
- per party (``SVC`` for the card service, ``ARCHIVE`` for our archive copy, and each partner
  code): ``{code}.key`` / ``{code}.pem`` (RSA 3072, signs and is encrypted to) and, when asked
  for, ``{code}-sign-ec.key`` / ``{code}-sign-ec.pem`` (ECDSA P-256, signing only);
- ``ssh/svc_ed25519`` (+ ``.pub``): the card service's SFTP login key (OpenSSH format);
- ``ssh/{code}_host_ed25519`` (+ ``.pub``): each partner SFTP server's host key.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from bank_adapters import codecs

DEMO_PARTNERS: tuple[str, ...] = tuple(codecs.PARTNERS)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def generate_rsa_key(bits: int = 3072) -> rsa.RSAPrivateKey:
    """A new RSA key (3072 bits by default, the size the interface asks of encryption certs)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def generate_ec_key() -> ec.EllipticCurvePrivateKey:
    """A new ECDSA P-256 key, for signing certificates."""
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def generate_ca(
    common_name: str = "Volunteer Card Demo CA",
    *,
    key: PrivateKey | None = None,
    days: int = 3650,
) -> tuple[PrivateKey, x509.Certificate]:
    """A self-signed demo CA certificate and its key."""
    key = key or generate_rsa_key(3072)
    name = _name(common_name, "Demo PKI")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_certificate(
    *,
    ca_key: PrivateKey,
    ca_cert: x509.Certificate,
    common_name: str,
    organization: str = "Demo PKI",
    key: PrivateKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> tuple[PrivateKey, x509.Certificate]:
    """An end-entity certificate issued by ``ca_cert``; RSA 3072 unless ``key`` is given.

    RSA certificates may sign and be encrypted to; EC certificates may only sign.
    """
    key = key or generate_rsa_key(3072)
    now = dt.datetime.now(dt.UTC)
    not_before = not_before or now - dt.timedelta(days=1)
    not_after = not_after or now + dt.timedelta(days=825)
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=is_rsa,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def write_private_key(path: Path | str, key: PrivateKey) -> Path:
    """Write ``key`` as unencrypted PKCS#8 PEM, readable by its owner only."""
    path = Path(path)
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_secret(path, data)
    return path


def write_certificate(path: Path | str, cert: x509.Certificate) -> Path:
    path = Path(path)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _write_secret(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def generate_ssh_keypair(path: Path | str, *, comment: str = "") -> tuple[Path, str]:
    """Write an Ed25519 private key (OpenSSH format) to ``path`` and ``path.pub``.

    Returns the private key path and the public key line (``ssh-ed25519 AAAA... comment``).
    """
    path = Path(path)
    key = ed25519.Ed25519PrivateKey.generate()
    _write_secret(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        ),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    line = public.decode("ascii") + (f" {comment}" if comment else "")
    Path(f"{path}.pub").write_text(line + "\n")
    return path, line


@dataclass(frozen=True)
class CertFiles:
    """Where one party's key and certificate live."""

    code: str
    key_path: Path
    cert_path: Path
    sign_key_path: Path | None = None  # ECDSA P-256 signing key, if generated
    sign_cert_path: Path | None = None


@dataclass(frozen=True)
class SshFiles:
    key_path: Path
    public_line: str


@dataclass(frozen=True)
class DemoPki:
    folder: Path
    ca_key_path: Path
    ca_cert_path: Path
    service: CertFiles
    archive: CertFiles
    partners: dict[str, CertFiles] = field(default_factory=dict)
    service_ssh: SshFiles | None = None
    host_ssh: dict[str, SshFiles] = field(default_factory=dict)


def _party(
    folder: Path, code: str, ca_key: PrivateKey, ca_cert: x509.Certificate, *, with_ec: bool
) -> CertFiles:
    key, cert = issue_certificate(
        ca_key=ca_key, ca_cert=ca_cert, common_name=f"{code} file exchange"
    )
    key_path = write_private_key(folder / f"{code}.key", key)
    cert_path = write_certificate(folder / f"{code}.pem", cert)
    sign_key_path = sign_cert_path = None
    if with_ec:
        ec_key, ec_cert = issue_certificate(
            ca_key=ca_key,
            ca_cert=ca_cert,
            common_name=f"{code} file signing",
            key=generate_ec_key(),
        )
        sign_key_path = write_private_key(folder / f"{code}-sign-ec.key", ec_key)
        sign_cert_path = write_certificate(folder / f"{code}-sign-ec.pem", ec_cert)
    return CertFiles(code, key_path, cert_path, sign_key_path, sign_cert_path)


def generate_demo_pki(
    folder: Path | str,
    *,
    partners: tuple[str, ...] = DEMO_PARTNERS,
    with_ec_signing: bool = True,
    with_ssh: bool = True,
) -> DemoPki:
    """Generate a complete demo PKI (CA, service, archive, partners, SSH keys) in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = generate_ca()
    ca_key_path = write_private_key(folder / "ca.key", ca_key)
    ca_cert_path = write_certificate(folder / "ca.pem", ca_cert)
    service = _party(folder, "SVC", ca_key, ca_cert, with_ec=with_ec_signing)
    archive = _party(folder, "ARCHIVE", ca_key, ca_cert, with_ec=False)
    parties = {
        code: _party(folder, code, ca_key, ca_cert, with_ec=with_ec_signing) for code in partners
    }
    service_ssh = None
    host_ssh: dict[str, SshFiles] = {}
    if with_ssh:
        service_ssh = SshFiles(*generate_ssh_keypair(folder / "ssh" / "svc_ed25519", comment="svc"))
        for code in partners:
            host_ssh[code] = SshFiles(
                *generate_ssh_keypair(folder / "ssh" / f"{code.lower()}_host_ed25519")
            )
    return DemoPki(
        folder=folder,
        ca_key_path=ca_key_path,
        ca_cert_path=ca_cert_path,
        service=service,
        archive=archive,
        partners=parties,
        service_ssh=service_ssh,
        host_ssh=host_ssh,
    )
