from django.urls import path

from volunteers import api

urlpatterns = [
    path("auth/token/", api.ApiTokenObtainApi.as_view(), name="api-token"),
    path("register/", api.RegisterApi.as_view(), name="register"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("me/memberships/", api.MyMembershipsApi.as_view(), name="my-memberships"),
    path("memberships/<int:membership_id>/remove/", api.MembershipRemoveApi.as_view()),
    path("memberships/<int:membership_id>/decide/", api.MembershipDecideApi.as_view()),
    path("organisations/", api.OrganisationListApi.as_view(), name="organisations"),
    path("organisations/<int:organisation_id>/", api.OrganisationDetailApi.as_view()),
    path(
        "organisations/<int:organisation_id>/volunteers/", api.OrganisationVolunteersApi.as_view()
    ),
    path(
        "organisations/<int:organisation_id>/memberships/", api.OrganisationMembershipsApi.as_view()
    ),
    path("volunteers/<int:volunteer_id>/", api.VolunteerDetailApi.as_view()),
    path("volunteers/<int:volunteer_id>/verify/", api.VolunteerVerifyApi.as_view()),
    path("hotline/volunteers/lookup/", api.HotlineVolunteerLookupApi.as_view()),
]
