"""Test helpers for card applications."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from PIL import Image

from card_service import services
from card_service.models import Branch, CardApplication


def jpeg_bytes(size: tuple[int, int] = (358, 441), fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buf, fmt, quality=80)
    return buf.getvalue()


def branch(bank: str = "BOC", city: str = "440100") -> Branch:
    return Branch.objects.filter(bank_id=bank, city_code=city).order_by("code").first()


def non_mainland(id_type: str) -> dict[str, Any]:
    """A volunteer's identity on a non-mainland document (HK/Macau or Taiwan permit, passport)."""
    return {
        "02": dict(id_type="02", id_number="H87654321", name="陳大文", gender="M", birth_date=dt.date(1990, 1, 1)),
        "03": dict(id_type="03", id_number="87654321", name="林志明", gender="M", birth_date=dt.date(1990, 1, 1)),
        "05": dict(id_type="05", id_number="P7654321", name="SMITH JOHN", gender="M", birth_date=dt.date(1990, 1, 1), nationality="GBR"),
    }[id_type]  # fmt: skip


def submit(volunteer, **overrides: Any) -> CardApplication:
    bank = overrides.pop("bank_code", "BOC")
    product = overrides.pop("product", "D")
    kwargs: dict[str, Any] = {
        "volunteer": volunteer,
        "bank_code": bank,
        "product": product,
        "photo": jpeg_bytes(),
        "uniform_size": "L",
        "actor": volunteer.user,
    }
    if product == "D":
        b = branch(bank)
        kwargs["branch_id"] = b.pk if b else None
    else:
        kwargs["mail_address"] = "广东省广州市天河区体育西路103号"
        kwargs["postcode"] = "510620"
    kwargs.update(overrides)
    return services.card_application_submit(**kwargs)


def partners_file(
    tmp_path: Path, cutoffs: dict[str, str], *, disabled: tuple[str, ...] = ()
) -> str:
    """A partners file (what the sender reads) with these partners' cut-offs; the key and
    certificate paths are never opened by what reads only the cut-off."""
    lines = [
        "[service]",
        'signing_key = "k"',
        'signing_cert = "c"',
        'decryption_key = "k"',
        'decryption_cert = "c"',
    ]
    for code, cutoff in cutoffs.items():
        lines += [
            f"[partners.{code}]",
            f"enabled = {'false' if code in disabled else 'true'}",
            'host = "127.0.0.1"',
            'user = "gdvolunteer"',
            'private_key = "k"',
            'known_hosts = ["127.0.0.1 ssh-ed25519 AAAA"]',
            'certificates = ["c"]',
            f'cutoff = "{cutoff}"',
        ]
    path = tmp_path / "partners.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)
