"""The bank and branch directory, loaded from ``card_service/data/banks.json`` (editable in
the admin afterwards). Loading is an upsert: running it again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from volunteers.services import SHENZHEN

DATA_FILE = Path(__file__).resolve().parent / "data" / "banks.json"


def load_directory(apps=None, schema_editor=None, *, path: Path = DATA_FILE) -> int:
    """Create or update the banks and branches of the data file; returns the branch count.
    Usable as a data migration (``apps`` given) or directly."""
    if apps is None:
        from card_service.models import Bank, Branch
    else:
        Bank = apps.get_model("card_service", "Bank")
        Branch = apps.get_model("card_service", "Branch")
    data = json.loads(path.read_text(encoding="utf-8"))
    for bank in data["banks"]:
        Bank.objects.update_or_create(code=bank["code"], defaults=bank)
    count = 0
    for row in data["branches"]:
        if row["city_code"] == SHENZHEN:
            raise ValueError(f"branch {row['code']} is in Shenzhen, which the programme excludes")
        Branch.objects.update_or_create(
            bank_id=row["bank"],
            code=row["code"],
            defaults={k: v for k, v in row.items() if k not in ("bank", "code")},
        )
        count += 1
    return count
