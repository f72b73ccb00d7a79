from django.urls import path

from activities import views

urlpatterns = [
    path("", views.activity_list, name="activity-list-page"),
    path("<int:activity_id>/", views.activity_detail, name="activity-page"),
    path("<int:activity_id>/signup/", views.activity_signup, name="activity-signup-page"),
    path(
        "<int:activity_id>/days/<int:day_id>/qr/<str:action>/",
        views.activity_qr,
        name="activity-qr-page",
    ),
    path(
        "<int:activity_id>/disclosure/",
        views.activity_disclosure,
        name="activity-disclosure-page",
    ),
    path("hours/<int:entry_id>/dispute/", views.hours_dispute, name="hours-dispute-page"),
    path("scan/<str:code>/", views.scan, name="activity-scan-page"),
    path("active/", views.active_ranking, name="active-ranking-page"),
    path("me/hours/", views.my_hours, name="my-hours-page"),
]
