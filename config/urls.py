from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

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
    path("api/activities/", include("activities.urls")),
    path("activities/", include("activities.page_urls")),
    path("api/", include("volunteers.urls")),
    path("api/card/", include("card_service.urls")),
    path("", include("volunteers.page_urls")),
    path("", include("card_service.page_urls")),
    path("", include("uniforms.urls")),
    path("", include("insurance.urls")),
]
