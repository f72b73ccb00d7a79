"""Refuse a request whose body is larger than ``REQUEST_MAX_BYTES`` before anything reads it:
Django bounds only the form fields of a body (``DATA_UPLOAD_MAX_MEMORY_SIZE``), not its
files, and DRF's JSON parser reads the body whole."""

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
        return self.get_response(request)
