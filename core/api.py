"""The one DRF exception handler: every error leaves as {"code", "message", "extra"}."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from core.errors import ServiceError
from core.views import own_message, request_too_large_message

_DRF_CODES = {
    drf_exceptions.NotAuthenticated: ("not_authenticated", "请先登录"),
    drf_exceptions.AuthenticationFailed: ("authentication_failed", "登录信息无效"),
    drf_exceptions.PermissionDenied: ("permission_denied", "您没有执行该操作的权限"),
    drf_exceptions.NotFound: ("not_found", "未找到"),
    drf_exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法"),
    drf_exceptions.ParseError: ("parse_error", "请求内容无法解析"),
    drf_exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试"),
    drf_exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的内容类型"),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=exc.http_status)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"code": "request_too_large", "message": request_too_large_message(), "extra": {}},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound(own_message(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied(own_message(exc) or None)
    response = drf_default_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        response.data = {"code": "invalid", "message": "输入有误", "extra": {"fields": exc.detail}}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code, message = "error", "请求无法完成"
    for cls, pair in _DRF_CODES.items():
        if isinstance(exc, cls):
            code, message = pair
            break
    extra: dict[str, Any] = {}
    if not type(exc).__module__.startswith("rest_framework"):
        # The project's own DRF exceptions (e.g. an expired API token) carry a stable code
        # and a Chinese message of their own.
        code, message = exc.default_code, str(exc.detail)
    if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
        # The header and the words say the same wait, rounded up.
        seconds = max(1, math.ceil(exc.wait))
        message = f"请求过于频繁，请 {seconds} 秒后再试"
        extra = {"wait_seconds": seconds, "retry_after": seconds}
        response["Retry-After"] = str(seconds)
    elif own_message(exc):  # a detail we wrote ourselves (Chinese) says more than the default
        message = str(exc.detail)
    response.data = {"code": code, "message": message, "extra": extra}
    return response
