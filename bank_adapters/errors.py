"""The one error type of the partner file codecs.

A decoder returns records or raises :class:`FileFormatError`; an encoder refuses a value that
does not fit with the same error. The message is for people (Chinese) and names the file,
the line, the field and the reason; values are masked, and some (``masked_pan``, a birth
date, the QR payload) are never shown at all.
"""

from __future__ import annotations

from typing import Any

from core.errors import ValidationFailed
from core.masking import mask_address, mask_id_number, mask_mobile, mask_name, mask_text

# The codecs reach the project (its error type, its masking) only through this module.
__all__ = ["FileFormatError", "mask_text", "show_value"]


class FileFormatError(ValidationFailed):
    """A partner file (or a record about to be written to one) breaks the interface spec."""

    code = "bank_file_invalid"
    default_message = "合作方文件格式有误，整个文件不予处理"

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: str | None = None,
        element: str | None = None,
        record: int | None = None,
    ) -> None:
        where = f"文件 {file} " if file else ""
        if line is not None:
            where += f"第{line}行"
        elif record is not None:
            where += f"第{record}条记录"
        if field:
            where += f"字段 {field} "
        elif element:
            where += f"元素 {element} "
        elif where:
            where += " "
        message = f"{where}{reason}"
        if value is not None:
            message += f"（值：{value}）"
        extra: dict[str, Any] = {"file": file, "line": line, "field": field, "reason": reason}
        if element is not None:
            extra["element"] = element
        if record is not None:
            extra["record"] = record
        if value is not None:
            extra["value"] = value
        super().__init__(message, extra=extra)
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        self.element = element


_MASKERS = {
    "name": mask_name,
    "id": mask_id_number,
    "mobile": mask_mobile,
    "address": mask_address,
}


def show_value(value: object, personal: str | None) -> str | None:
    """What an error may show of a field's value: masked, cut short, or nothing."""
    if value is None or personal == "secret":
        return None
    text = value if isinstance(value, str) else str(value)
    if not text:
        return None
    masker = _MASKERS.get(personal or "")
    shown = masker(text) if masker else mask_text(text)
    if len(shown) > 48:
        shown = shown[:45] + "..."
    return shown
