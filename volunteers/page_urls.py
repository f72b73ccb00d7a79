from django.urls import path

from volunteers import org_pages, views

urlpatterns = [
    path("register/", views.register, name="register-page"),
    path("register/organisations/", views.organisation_tree, name="organisation-tree"),
    path("register/done/", views.register_done, name="register-done"),
    path("password/forgot/", views.password_forgot, name="password-forgot"),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("me/profile/", views.profile, name="profile-page"),
    path("me/activities/", views.my_activities, name="my-activities-page"),
    path("me/organisations/", views.my_organisations, name="my-organisations-page"),
    path("me/organisations/join/", views.organisation_join, name="organisation-join-page"),
    path(
        "me/organisations/<int:membership_id>/leave/",
        views.organisation_leave,
        name="organisation-leave-page",
    ),
    path("organisations/", org_pages.organisation_directory, name="organisation-directory"),
    path(
        "organisations/<int:organisation_id>/",
        org_pages.organisation_page,
        name="organisation-page",
    ),
    path("me/inbox/", views.inbox, name="inbox-page"),
    path("me/inbox/read/", views.inbox_read, name="inbox-read-all"),
    path("me/inbox/<int:notification_id>/read/", views.inbox_read, name="inbox-read"),
]
