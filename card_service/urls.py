from django.urls import path

from card_service import api

urlpatterns = [
    path("banks/", api.BankListApi.as_view(), name="card-banks"),
    path("branches/", api.BranchListApi.as_view(), name="card-branches"),
    path("applications/", api.ApplicationSubmitApi.as_view(), name="card-apply"),
    path(
        "applications/<int:application_id>/withdraw/",
        api.ApplicationWithdrawApi.as_view(),
        name="card-withdraw",
    ),
    path("me/progress/", api.MyCardProgressApi.as_view(), name="card-my-progress"),
    path("me/qr.svg", api.MyQrSvgApi.as_view(), name="card-my-qr-svg"),
    path("me/qr.png", api.MyQrPngApi.as_view(), name="card-my-qr-png"),
    path("qr/<str:token>/", api.QrVerifyApi.as_view(), name="card-qr-verify"),
    path("hotline/progress/", api.HotlineCardProgressApi.as_view(), name="card-hotline-progress"),
]
