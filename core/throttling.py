"""DRF's scoped throttles for plain Django views (the public QR page, the hotline page), so a
page and its API share one budget per scope (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``)."""

from __future__ import annotations

import math
from types import SimpleNamespace

from django.http import HttpRequest
from rest_framework.throttling import ScopedRateThrottle


def page_throttle_wait(request: HttpRequest, scope: str) -> int | None:
    """Count this request against ``scope``: None when allowed, else the seconds to wait."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def throttled_message(wait: int) -> str:
    return f"请求过于频繁，请 {wait} 秒后再试"
