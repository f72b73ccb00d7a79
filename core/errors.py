"""The project's one error hierarchy.

Every error has a stable machine ``code``, a message for people (Chinese, through Django's
translation functions) and ``extra`` details. The API exception handler in ``core.api``
turns them into ``{"code", "message", "extra"}``. Messages and extras must never hold
personal data unmasked.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error the service raises on purpose."""

    code: str = "error"
    http_status: int = 400
    default_message: str = "请求无法完成"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = str(message) if message is not None else self.default_message
        if code is not None:
            self.code = code
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "extra": self.extra}

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ValidationFailed(ServiceError):
    """Input from a person or a partner breaks a rule; nothing was changed."""

    code = "invalid"
    http_status = 400
    default_message = "输入有误"


class PermissionDenied(ServiceError):
    code = "permission_denied"
    http_status = 403
    default_message = "您没有执行该操作的权限"


class NotFound(ServiceError):
    code = "not_found"
    http_status = 404
    default_message = "未找到"


class Conflict(ServiceError):
    """The request is well formed but clashes with the current state."""

    code = "conflict"
    http_status = 409
    default_message = "当前状态不允许该操作"


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = "状态不允许该变更"


class IntegrationError(ServiceError):
    """A partner, a file or a remote system misbehaved."""

    code = "integration_error"
    http_status = 502
    default_message = "与合作方交换数据时出错"


def size_label(n: int) -> str:
    """``2097152`` → ``2 MB``, ``512000`` → ``500 KB`` (rounded up: never under-states)."""
    if n >= 1024 * 1024:
        tenths = -(-n * 10 // (1024 * 1024))
        return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"
    return f"{-(-n // 1024)} KB"
