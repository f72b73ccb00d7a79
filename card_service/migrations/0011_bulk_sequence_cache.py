"""A bank file appends up to a million purchases (and a batch thousands of card events) in
one statement: their ids come from PostgreSQL 1,000 at a time (see SequenceCache)."""

from django.db import migrations

from core.migration_ops import SequenceCache


class Migration(migrations.Migration):
    dependencies = [
        ("card_service", "0010_hotline_card_ref_index"),
    ]

    operations = [
        SequenceCache("cardspend"),
        SequenceCache("cardevent"),
    ]
