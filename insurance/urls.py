from django.urls import path

from insurance import api, views

urlpatterns = [
    path("api/hotline/coverage/", api.HotlineCoverageApi.as_view(), name="hotline-coverage"),
    path("staff/hotline/", views.hotline_page, name="hotline-page"),
    path(
        "staff/insurance/reconciliation/",
        views.reconciliation_page,
        name="insurance-reconciliation-page",
    ),
]
