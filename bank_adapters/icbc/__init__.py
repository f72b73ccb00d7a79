"""ICBC (中国工商银行): ``|``-delimited UTF-8 (bank-interface.md 5.2). Its facts; the codec is
codec.py, loaded on first use."""

from importlib import import_module
from typing import Any

from bank_adapters.records import BANK_FILE_TYPES

PARTNER = "ICBC"
NAME = "中国工商银行"
EXTENSION = "dat"
FILE_TYPES = BANK_FILE_TYPES
HEADER_COUNT = True  # the header gives the number of records
HEADER_CREATED_AT = False  # no time the file was made

__all__ = ["EXTENSION", "FILE_TYPES", "NAME", "PARTNER", "decode", "encode", "write"]


def __getattr__(name: str) -> Any:
    return getattr(import_module(f"{__name__}.codec"), name)
