"""Django-level error views: ``/api/`` paths get ``{"code", "message", "extra"}`` like every
other API error; pages get a Chinese page in the site's template, with the reason when we
wrote one and a link home. Nothing of the exception itself reaches the visitor."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core.errors import NotFound, size_label
from core.errors import PermissionDenied as CorePermissionDenied

_CJK = re.compile(r"[\u4e00-\u9fff]")

# status → (code, API message, page title, page text)
_ERRORS: dict[int, tuple[str, str, str, str]] = {
    400: ("bad_request", "请求无法处理", "请求有误", "您的请求无法处理，请返回上一页检查后重试。"),
    403: ("permission_denied", "您没有执行该操作的权限", "无权访问", "您没有访问该页面的权限。"),
    404: ("not_found", "未找到该地址", "页面不存在", "您访问的页面不存在或已被删除。"),
    405: ("method_not_allowed", "不支持该请求方法", "请求有误", "该页面不支持这种请求方式。"),
    413: ("request_too_large", "请求内容过大", "上传内容过大", "上传的内容过大。"),
    500: (
        "server_error",
        "服务器内部错误，请稍后再试",
        "服务暂时出错",
        "服务器出了点问题，我们已记录下来，请稍后再试。",
    ),
}


def request_too_large_message() -> str:
    return f"请求内容过大：最大 {size_label(settings.REQUEST_MAX_BYTES)}"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def own_message(exception: Any) -> str:
    """The exception's message when it is one of ours (Chinese, for people), else nothing:
    Django's and Python's own messages name models and internals."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    return message if isinstance(message, str) and _CJK.search(message) else ""


def error_response(
    request: HttpRequest | None, status: int, *, reason: str = "", message: str = ""
) -> HttpResponse:
    code, api_message, title, text = _ERRORS[status]
    if request is not None and is_api(request):
        return JsonResponse(
            {"code": code, "message": message or reason or api_message, "extra": {}},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    # A 500 may come from a broken database or session: render without the request context.
    context = {"status": status, "title": title, "text": message or text, "reason": reason}
    if request is not None and status != 500:
        html = render_to_string("error.html", context, request=request)
    else:
        html = render_to_string("error.html", context)
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, message=request_too_large_message())
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, 403, reason=own_message(exception))


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, 404, reason=own_message(exception))


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(request, 403, reason="页面已过期或来源无法验证，请刷新页面后重新提交。")


def http_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page view whose selectors and services raise the project's not-found and permission
    errors: they become Django's 404 and 403 pages, with the error's Chinese message."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except CorePermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapped
