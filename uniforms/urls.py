"""Included at the site root: ``/api/uniform/``, ``/me/uniform/``, ``/staff/donations/``."""

from django.urls import path

from uniforms import api, views

urlpatterns = [
    path("api/uniform/", api.MyUniformApi.as_view(), name="my-uniform"),
    path("me/uniform/", views.my_uniform, name="my-uniform-page"),
    path("staff/donations/", views.donations_report, name="donations-report"),
    path("staff/donations.csv", views.donations_csv, name="donations-csv"),
]
