"""CEB (中国光大银行) partner files: XML checked against its XSD (bank-interface.md 5.3).

The partner's facts are here, read by the registry (``bank_adapters.codecs.PARTNERS``)
without loading the codec; the codec (``codec.py``: ``decode``, ``encode``, ``write``) loads
on first use.
"""

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
