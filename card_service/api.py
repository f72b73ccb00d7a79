"""Thin API views of the card: each validates input, calls one service or selector and shapes
the output. Every refusal leaves through core.api as {"code", "message", "extra"}."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from card_service import qr, rules, selectors, services
from card_service.serializers import (
    ApplicationSubmitSerializer,
    BankSerializer,
    BranchQuerySerializer,
    BranchSerializer,
    CardProgressSerializer,
    HotlineCardProgressSerializer,
    HotlineCardQuerySerializer,
    QrPublicRecordSerializer,
)
from core.fast import representation
from core.inputs import parse_query
from volunteers.selectors import volunteer_of


def _photo_bytes(photo: Any) -> bytes:
    """The uploaded photo; one larger than the rules allow is refused with its real size,
    without being read."""
    if photo is None:
        return b""
    if photo.size > rules.PHOTO_MAX_BYTES:
        raise rules.photo_too_large(photo.size)
    return photo.read(rules.PHOTO_MAX_BYTES + 1)


def submit_kwargs(data: dict[str, Any], photo: Any) -> dict[str, Any]:
    """The service's keyword arguments from the apply form (API or page)."""
    guardian = None
    if any(data.get(k) for k in ("guardian_name", "guardian_id_number", "guardian_relation")):
        guardian = services.Guardian(
            name=data.get("guardian_name", ""),
            id_type=data.get("guardian_id_type") or "01",
            id_number=data.get("guardian_id_number", ""),
            relation=data.get("guardian_relation", ""),
        )
    return {
        "bank_code": data.get("bank_code", ""),
        "product": data.get("product", ""),
        "branch_id": data.get("branch_id"),
        "mail_address": data.get("mail_address", ""),
        "postcode": (data.get("postcode") or "").strip(),
        "uniform_size": data.get("uniform_size", ""),
        "photo": _photo_bytes(photo),
        "guardian": guardian,
    }


class BankListApi(ListAPIView):
    """The issuing banks with their products, accepted ID types, daily cut-off and hotline."""

    permission_classes = [AllowAny]
    serializer_class = BankSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.bank_list()


class BranchListApi(ListAPIView):
    """Branches to collect a debit card from, by bank and city (never Shenzhen)."""

    permission_classes = [AllowAny]
    serializer_class = BranchSerializer

    @extend_schema(parameters=[BranchQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = parse_query(BranchQuerySerializer, self.request)
        return selectors.branch_list(bank_code=p.get("bank"), city_code=p.get("city"))


class ApplicationSubmitApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ApplicationSubmitSerializer, responses={201: CardProgressSerializer})
    def post(self, request):
        data = ApplicationSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = volunteer_of(request.user)
        values = data.validated_data
        services.card_application_submit(
            volunteer=volunteer,
            actor=request.user,
            **submit_kwargs(values, values.get("photo")),
        )
        return Response(
            CardProgressSerializer(selectors.card_progress(volunteer)).data,
            status=status.HTTP_201_CREATED,
        )


class ApplicationWithdrawApi(APIView):
    @extend_schema(request=None, responses=CardProgressSerializer)
    def post(self, request, application_id: int):
        volunteer = volunteer_of(request.user)
        services.card_application_withdraw(application_id=application_id, actor=request.user)
        return Response(CardProgressSerializer(selectors.card_progress(volunteer)).data)


class MyCardProgressApi(APIView):
    @extend_schema(responses=CardProgressSerializer)
    def get(self, request):
        progress = selectors.card_progress(volunteer_of(request.user))
        return Response(representation(CardProgressSerializer)(progress))


class MyQrSvgApi(APIView):
    @extend_schema(responses={(200, "image/svg+xml"): OpenApiTypes.STR})
    def get(self, request):
        payload = selectors.my_qr_payload(volunteer_of(request.user))
        return HttpResponse(qr.render_svg(payload), content_type="image/svg+xml")


class MyQrPngApi(APIView):
    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request):
        payload = selectors.my_qr_payload(volunteer_of(request.user))
        return HttpResponse(qr.render_png(payload), content_type="image/png")


class QrVerifyApi(APIView):
    """Anyone may verify a scanned card QR: the public record, or 404 ``qr_invalid``."""

    permission_classes = [AllowAny]
    throttle_scope = "qr"

    @extend_schema(
        responses={200: QrPublicRecordSerializer, 404: OpenApiResponse(description="qr_invalid")}
    )
    def get(self, request, token: str):
        record = selectors.qr_record(token)
        return Response(QrPublicRecordSerializer(record.as_public_dict()).data)


class HotlineCardProgressApi(APIView):
    """Hotline staff: a looked-up volunteer's card timeline; audited with the reason."""

    throttle_scope = "hotline"

    @extend_schema(request=HotlineCardQuerySerializer, responses=HotlineCardProgressSerializer)
    def post(self, request):
        data = HotlineCardQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        progress = selectors.hotline_card_progress(user=request.user, **data.validated_data)
        return Response(representation(HotlineCardProgressSerializer)(progress))
