"""Refuse a request whose body is larger than ``REQUEST_MAX_BYTES`` before anything reads it:
Django bounds only the form fields of a body (``DATA_UPLOAD_MAX_MEMORY_SIZE``), not its
files, and DRF's JSON parser reads the body whole. Refuse a query string that carries a NUL
character too: PostgreSQL cannot hold one, so any page that filters by a raw parameter would
answer 500 (forms and serializers already refuse it in fields)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.views import error_response, request_too_large_message


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return error_response(request, 413, message=request_too_large_message())
        if any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in [k, *vs]):
            return error_response(request, 400, message="请求参数中含有不允许的控制字符")
        return self.get_response(request)
