from django.urls import path

from card_service import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("me/card/", views.card_progress, name="card-progress-page"),
    path("me/card/apply/", views.card_apply, name="card-apply-page"),
    path(
        "me/card/applications/<int:application_id>/withdraw/",
        views.card_withdraw,
        name="card-withdraw-page",
    ),
    path("me/card/ecard/", views.ecard, name="ecard-page"),
    path("me/card/ecard/photo/", views.ecard_photo, name="ecard-photo"),
    # The card QR's URL is upper case (QR alphanumeric mode); typed links may be lower case.
    path("q/<str:token>/", views.qr_page, name="qr-page"),
    path("Q/<str:token>/", views.qr_page, name="qr-page-upper"),
    path("staff/ops/", views.ops_page, name="ops-page"),
    path("staff/ops/progress.json", views.ops_progress_json, name="ops-progress"),
    path(
        "staff/ops/alerts/<int:alert_id>/resolve/",
        views.ops_alert_resolve,
        name="ops-alert-resolve",
    ),
]
