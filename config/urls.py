from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from volunteers import landing


def _favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("core/favicon.svg"), permanent=True)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split view: Swagger UI's start-up script comes from ?script, not inline (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="api_docs/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("start/", landing.landing, name="landing"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the Django admin).
    path("favicon.ico", _favicon),
    path("api/activities/", include("activities.urls")),
    path("activities/", include("activities.page_urls")),
    path("api/", include("volunteers.urls")),
    path("api/card/", include("card_service.urls")),
    path("", include("card_service.page_urls")),
    path("", include("uniforms.urls")),
    path("", include("insurance.urls")),
]
