"""UNF (服装厂商): CSV, with no header of its own (bank-interface.md 4.6). Its facts; the
codec is codec.py, loaded on first use."""

from importlib import import_module
from typing import Any

PARTNER = "UNF"
NAME = "服装厂商"
EXTENSION = "csv"
FILE_TYPES = ("ORDER", "STATUS")
HEADER_COUNT = False  # no header: it comes from the file name
HEADER_CREATED_AT = False  # no time the file was made

__all__ = ["EXTENSION", "FILE_TYPES", "NAME", "PARTNER", "decode", "encode", "write"]


def __getattr__(name: str) -> Any:
    return getattr(import_module(f"{__name__}.codec"), name)
