"""An encrypted text field for personal data. The column holds ``kid$ciphertext``; Python code
sees the clear text. Pair it with a ``CharField`` holding ``core.crypto.blind_index`` for
look-ups: an encrypted column cannot be filtered on."""

from __future__ import annotations

from typing import Any

from django.db import models

from core import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest with AES-256-GCM"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str):
        if lookup_name not in ("isnull",):
            raise TypeError(
                f"{self.name} is encrypted: look it up through its blind index, not '{lookup_name}'"
            )
        return super().get_lookup(lookup_name)
