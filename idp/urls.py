from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    # No icon: answered, so a browser's automatic request is not a 404 in its console.
    path("favicon.ico", lambda request: HttpResponse(status=204)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
