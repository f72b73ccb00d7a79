"""CEB (中国光大银行): XML checked against its XSD (bank-interface.md 5.3). Its facts; the
codec is codec.py, loaded on first use (with lxml)."""

from importlib import import_module
from typing import Any

from bank_adapters.records import BANK_FILE_TYPES

PARTNER = "CEB"
NAME = "中国光大银行"
EXTENSION = "xml"
FILE_TYPES = BANK_FILE_TYPES
HEADER_COUNT = True  # the header gives the number of records
HEADER_CREATED_AT = False  # no time the file was made

__all__ = ["EXTENSION", "FILE_TYPES", "NAME", "PARTNER", "decode", "encode", "write"]


def __getattr__(name: str) -> Any:
    return getattr(import_module(f"{__name__}.codec"), name)
