from django.urls import path

from sso import views

urlpatterns = [
    path("login/", views.login_start, name="sso-login"),
    path("callback/", views.callback, name="oidc_authentication_callback"),
    path("link/", views.link_start, name="sso-link"),
    path("unlink/", views.unlink, name="sso-unlink"),
    path("register/", views.register, name="sso-register"),
    path("register/cancel/", views.register_cancel, name="sso-register-cancel"),
    path("logout/", views.logout, name="sso-logout"),
]
