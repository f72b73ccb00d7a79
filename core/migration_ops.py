"""Migration operations the apps share."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexOnline(AddIndexConcurrently):
    """``AddIndex`` built with CREATE INDEX CONCURRENTLY on PostgreSQL, so a table of ten
    million volunteers keeps taking registrations while it is built (a plain CREATE INDEX
    blocks writes for as long as the build takes); other databases build it plainly. The
    migration must say ``atomic = False``. A build that fails on PostgreSQL leaves an INVALID
    index: drop it before migrating again."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
