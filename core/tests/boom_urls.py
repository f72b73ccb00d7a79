"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


class Boom(Exception):
    pass


def page_boom(request):
    raise Boom("secret internals: 440102199001011234")


class ApiBoom(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise Boom("secret internals: 440102199001011234")


class OncePerMinute(AnonRateThrottle):
    rate = "1/min"
    scope = "boom"

    def get_rate(self):
        return self.rate


class ApiThrottled(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [OncePerMinute]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("boom/", page_boom),
    path("api/boom/", ApiBoom.as_view()),
    path("api/throttled/", ApiThrottled.as_view()),
    *project_urlpatterns,
]
