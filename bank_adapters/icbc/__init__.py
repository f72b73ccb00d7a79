"""ICBC partner file codec; see codec.py."""

from bank_adapters.icbc.codec import EXTENSION, FILE_TYPES, PARTNER, decode, encode, write

__all__ = ["EXTENSION", "FILE_TYPES", "PARTNER", "decode", "encode", "write"]
