"""Thin API views: each validates input, calls one service or selector, shapes output."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import selectors, services
from certificates.serializers import (
    CertificateRequestSerializer,
    CertificateSerializer,
    CertificateVerifySerializer,
    RevokeSerializer,
)
from volunteers.models import Volunteer


def _volunteer(request) -> Volunteer | None:
    return Volunteer.objects.filter(user=request.user).first()


def verification_data(verified: selectors.Verified) -> dict:
    cert = verified.certificate
    return {
        "status": "revoked" if verified.revoked else "valid",
        "status_label": "已撤销" if verified.revoked else "有效",
        "revoked_at": cert.revoked_at,
        "key_id": verified.claim.key_id,
        "content_digest": cert.content_digest,
        "certificate": verified.content,
    }


class MyCertificateListApi(ListAPIView):
    """The volunteer's own certificates, newest first."""

    serializer_class = CertificateSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        volunteer = _volunteer(self.request)
        if volunteer is None:
            return selectors.my_certificates(volunteer=None).none()
        return selectors.my_certificates(volunteer)

    @extend_schema(request=CertificateRequestSerializer, responses={201: CertificateSerializer})
    def post(self, request):
        """Ask for a certificate; it is rendered in the background (poll its ``status``)."""
        data = CertificateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = _volunteer(request)
        if volunteer is None:
            return Response(
                {"code": "not_volunteer", "message": "只有注册志愿者可以申请证明", "extra": {}},
                status=status.HTTP_403_FORBIDDEN,
            )
        cert = services.certificate_request(volunteer=volunteer, **data.validated_data)
        return Response(CertificateSerializer(cert).data, status=status.HTTP_201_CREATED)


class MyCertificateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CertificateSerializer)
    def get(self, request, certificate_id: int):
        """One of the volunteer's certificates: its progress (pending/rendering/ready/failed)."""
        cert = selectors.my_certificate(
            volunteer=_volunteer(request), certificate_id=certificate_id
        )
        return Response(CertificateSerializer(cert).data)


class MyCertificatePdfApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, certificate_id: int):
        """The PDF of the volunteer's own ready certificate."""
        name, data = selectors.my_certificate_pdf(
            volunteer=_volunteer(request), certificate_id=certificate_id
        )
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class CertificateVerifyApi(APIView):
    """Public: what a certificate's QR token certifies, or 404 for any token that does not
    verify (the same answer whatever is wrong with it)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "qr"  # the card QR page's budget: per address

    @extend_schema(responses=CertificateVerifySerializer)
    def get(self, request, token: str):
        verified = selectors.certificate_verify(token)
        return Response(CertificateVerifySerializer(verification_data(verified)).data)


class CertificateRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RevokeSerializer, responses=CertificateVerifySerializer)
    def post(self, request, certificate_id: int):
        """An admin of an organisation on the certificate revokes it with a reason."""
        data = RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cert = services.certificate_revoke(
            admin=request.user, certificate_id=certificate_id, reason=data.validated_data["reason"]
        )
        verified = selectors.certificate_verify(cert.token)
        return Response(CertificateVerifySerializer(verification_data(verified)).data)
