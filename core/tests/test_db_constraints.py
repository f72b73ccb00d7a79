"""Every index and constraint the models declare exists in the migrated database: a migration
that alters a column can drop more than it says (0004 once took a partial unique index with
the plain index it removed)."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def test_every_declared_index_and_constraint_is_in_the_database():
    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            meta = model._meta
            if not meta.managed or meta.proxy:
                continue
            declared = [c.name for c in meta.constraints] + [i.name for i in meta.indexes]
            if not declared:
                continue
            present = connection.introspection.get_constraints(cursor, meta.db_table)
            missing += [f"{meta.label}.{name}" for name in declared if name not in present]
    assert missing == []
