from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from sso import views as sso_views
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
    # 退出 ends the 一号通 session too (RP-initiated logout), so it comes before auth's.
    path("accounts/logout/", sso_views.logout, name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sso/", include("sso.urls")),
    path("start/", landing.landing, name="landing"),
    # Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the Django admin).
    path("favicon.ico", _favicon),
    path("api/activities/", include("activities.urls")),
    path("activities/", include("activities.page_urls")),
    path("org/", include("org_console.urls")),
    path("api/", include("volunteers.urls")),
    path("api/card/", include("card_service.urls")),
    path("", include("volunteers.page_urls")),
    path("", include("card_service.page_urls")),
    path("", include("uniforms.urls")),
    path("", include("insurance.urls")),
    path("", include("certificates.urls")),
    path("", include("helpcentre.urls")),
]

# API paths answer {"code", "message", "extra"}; pages answer in the site's template.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
