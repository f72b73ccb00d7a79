from django.urls import path

from org_console import views

A = "activities/<int:activity_id>/"
DAY = A + "days/<int:day_id>/"

urlpatterns = [
    path("", views.home, name="org-home"),
    path("disputes/", views.disputes, name="org-disputes"),
    path("disputes/<int:dispute_id>/answer/", views.dispute_answer, name="org-dispute-answer"),
    path("<int:organisation_id>/members/", views.members, name="org-members"),
    path("<int:organisation_id>/profile/", views.profile, name="org-profile"),
    path(
        "<int:organisation_id>/members/<int:membership_id>/decide/",
        views.member_decide,
        name="org-member-decide",
    ),
    path(
        "<int:organisation_id>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="org-member-remove",
    ),
    path(
        "<int:organisation_id>/verification/",
        views.verification_list,
        name="org-verification",
    ),
    path(
        "<int:organisation_id>/verification/<int:volunteer_id>/",
        views.verification_detail,
        name="org-verification-detail",
    ),
    path("<int:organisation_id>/activities/", views.activities, name="org-activities"),
    path("<int:organisation_id>/activities/new/", views.activity_new, name="org-activity-new"),
    path(A, views.activity_detail, name="org-activity"),
    path(A + "edit/", views.activity_edit, name="org-activity-edit"),
    path(A + "status/", views.activity_status, name="org-activity-status"),
    path(A + "signups/", views.signups, name="org-signups"),
    path(
        A + "signups/<int:signup_id>/<str:action>/", views.signup_action, name="org-signup-action"
    ),
    path(A + "face-check/<int:volunteer_id>/", views.face_check, name="org-face-check"),
    path(A + "invite/", views.invite, name="org-invite"),
    path(A + "attendance/", views.attendance, name="org-attendance"),
    path(DAY + "qr/<str:action>/", views.activity_qr, name="org-qr"),
    path(DAY + "qr/<str:action>/code.svg", views.activity_qr_svg, name="org-qr-svg"),
    path(DAY + "scan/<str:action>/", views.card_scanner, name="org-scanner"),
    path(A + "hours/", views.hours, name="org-hours"),
    path(A + "hours/<int:entry_id>/decide/", views.hours_decide, name="org-hours-decide"),
]
