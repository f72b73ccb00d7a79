"""BOC (中国银行): fixed width in bytes, GB18030 (bank-interface.md 5.1). Its facts; the
codec is codec.py, loaded on first use."""

from importlib import import_module
from typing import Any

from bank_adapters.records import BANK_FILE_TYPES

PARTNER = "BOC"
NAME = "中国银行"
EXTENSION = "txt"
FILE_TYPES = BANK_FILE_TYPES
HEADER_COUNT = True  # the header gives the number of records
HEADER_CREATED_AT = True  # and the time the file was made

__all__ = ["EXTENSION", "FILE_TYPES", "NAME", "PARTNER", "decode", "encode", "write"]


def __getattr__(name: str) -> Any:
    return getattr(import_module(f"{__name__}.codec"), name)
