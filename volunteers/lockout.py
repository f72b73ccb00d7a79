"""The login lock-out (django-axes): after ``LOGIN_FAILURE_LIMIT`` failed logins for one
username or from one address, logins are refused for ``LOGIN_LOCKOUT_MINUTES``, on the
login page and on ``POST /api/auth/token/`` alike, with a Chinese message saying how long
to wait. Every attempt during the lock-out starts the wait again (axes' default)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.errors import ServiceError


class LoginLocked(ServiceError):
    code = "login_locked"
    http_status = 429
    default_message = "登录失败次数过多，请稍后再试"


def lockout_seconds() -> int | None:
    cool_off = settings.AXES_COOLOFF_TIME
    return int(cool_off.total_seconds()) if cool_off else None


def lockout_message() -> str:
    seconds = lockout_seconds()
    if seconds is None:
        return "登录失败次数过多，该账号或当前网络地址已被锁定，请联系管理员解锁。"
    minutes = max(1, math.ceil(seconds / 60))
    return f"登录失败次数过多，该账号或当前网络地址已被暂时锁定，请 {minutes} 分钟后再试。"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: JSON in the API's error shape under /api/, a page elsewhere."""
    error = LoginLocked(lockout_message())
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error.as_dict(), status=error.http_status, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(
            request,
            "registration/login_locked.html",
            {"message": error.message},
            status=error.http_status,
        )
    seconds = lockout_seconds()
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
