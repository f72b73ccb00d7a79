"""The project's URLs plus ``/bench/bare/``: a plain Django view returning a tiny JSON,
through the same middleware, as the reference for the look-up benchmark."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *project_urlpatterns]
