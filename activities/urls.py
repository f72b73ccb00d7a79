from django.urls import path

from activities import api

urlpatterns = [
    path("", api.ActivityListApi.as_view(), name="activity-list"),
    path("create/", api.ActivityCreateApi.as_view(), name="activity-create"),
    path("<int:activity_id>/", api.ActivityDetailApi.as_view(), name="activity-detail"),
    path("<int:activity_id>/status/", api.ActivityStatusApi.as_view(), name="activity-status"),
    path("<int:activity_id>/signup/", api.SignUpCreateApi.as_view(), name="activity-signup"),
    path(
        "<int:activity_id>/signups/", api.ActivitySignUpListApi.as_view(), name="activity-signups"
    ),
    path(
        "<int:activity_id>/invitations/", api.InvitationCreateApi.as_view(), name="activity-invite"
    ),
    path(
        "<int:activity_id>/face-checks/",
        api.FaceCheckCreateApi.as_view(),
        name="activity-face-check",
    ),
    path(
        "<int:activity_id>/days/<int:day_id>/qr/", api.ActivityQrApi.as_view(), name="activity-qr"
    ),
    path("<int:activity_id>/backfill/", api.HoursBackfillApi.as_view(), name="activity-backfill"),
    path("<int:activity_id>/hours/", api.ActivityHoursListApi.as_view(), name="activity-hours"),
    path("signups/<int:signup_id>/admit/", api.SignUpAdmitApi.as_view(), name="signup-admit"),
    path("signups/<int:signup_id>/remove/", api.SignUpRemoveApi.as_view(), name="signup-remove"),
    path("hours/<int:entry_id>/decide/", api.HoursDecideApi.as_view(), name="hours-decide"),
    path(
        "<int:activity_id>/disclosure/",
        api.ActivityDisclosureApi.as_view(),
        name="activity-disclosure",
    ),
    path(
        "hours/<int:entry_id>/disputes/", api.HoursDisputeRaiseApi.as_view(), name="hours-dispute"
    ),
    path("disputes/", api.HoursDisputeListApi.as_view(), name="dispute-list"),
    path(
        "disputes/<int:dispute_id>/answer/",
        api.HoursDisputeAnswerApi.as_view(),
        name="dispute-answer",
    ),
    path("attendance/scan/", api.AttendanceScanApi.as_view(), name="attendance-scan"),
    path("attendance/self/", api.AttendanceSelfApi.as_view(), name="attendance-self"),
    path("active/", api.ActiveRankingApi.as_view(), name="active-ranking"),
    path("me/ranks/", api.MyRanksApi.as_view(), name="my-ranks"),
    path("me/signups/", api.MySignUpListApi.as_view(), name="my-signups"),
    path("me/hours/", api.MyHoursApi.as_view(), name="my-hours"),
    path("me/hours/entries/", api.MyHoursEntryListApi.as_view(), name="my-hours-entries"),
]
