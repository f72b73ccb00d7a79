from django.urls import path

from certificates import api, views

urlpatterns = [
    # API
    path("api/certificates/", api.MyCertificateListApi.as_view(), name="certificate-list"),
    path("api/certificates/<int:certificate_id>/", api.MyCertificateApi.as_view(),
         name="certificate-detail"),
    path("api/certificates/<int:certificate_id>/pdf/", api.MyCertificatePdfApi.as_view(),
         name="certificate-pdf"),
    path("api/certificates/<int:certificate_id>/revoke/", api.CertificateRevokeApi.as_view(),
         name="certificate-revoke"),
    path("api/certificates/verify/<str:token>/", api.CertificateVerifyApi.as_view(),
         name="certificate-verify"),
    # Pages. The QR's URL is upper case (QR alphanumeric mode); typed links may be lower case.
    path("me/certificates/", views.my_certificates, name="certificates-page"),
    path("me/certificates/<int:certificate_id>/", views.my_certificate,
         name="certificate-page"),
    path("me/certificates/<int:certificate_id>/pdf/", views.my_certificate_pdf,
         name="certificate-pdf-page"),
    path("certificates/<int:certificate_id>/revoke/", views.revoke, name="certificate-revoke-page"),
    path("c/<str:token>/", views.verify, name="certificate-verify-page"),
    path("C/<str:token>/", views.verify, name="certificate-verify-page-upper"),
]  # fmt: skip
