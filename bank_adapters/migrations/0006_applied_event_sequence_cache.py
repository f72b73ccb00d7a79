"""A bank file registers every lifecycle event id it applies in one statement: their ids
come from PostgreSQL 1,000 at a time (see SequenceCache)."""

from django.db import migrations

from core.migration_ops import SequenceCache


class Migration(migrations.Migration):
    dependencies = [
        ("bank_adapters", "0005_exchange_progress_chinese_labels"),
    ]

    operations = [
        SequenceCache("appliedbankevent"),
    ]
