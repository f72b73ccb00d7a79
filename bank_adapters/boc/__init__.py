"""BOC partner file codec; see codec.py."""

from bank_adapters.boc.codec import EXTENSION, FILE_TYPES, PARTNER, decode, encode, write

__all__ = ["EXTENSION", "FILE_TYPES", "PARTNER", "decode", "encode", "write"]
