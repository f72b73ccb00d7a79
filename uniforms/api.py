"""Thin API views: the volunteer's own uniform order, and corrections before it goes out."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from uniforms import selectors, services
from uniforms.serializers import UniformCorrectionSerializer, UniformProgressSerializer
from volunteers.models import Volunteer
from volunteers.selectors import volunteer_of


def _progress(volunteer: Volunteer) -> dict:
    progress = selectors.uniform_progress(volunteer)
    if progress is None:
        raise NotFound(
            "您还没有实名服装订单：持志愿者证首次消费后会自动下单", code="no_uniform_order"
        )
    return progress


class MyUniformApi(APIView):
    @extend_schema(responses=UniformProgressSerializer, operation_id="my_uniform")
    def get(self, request):
        return Response(UniformProgressSerializer(_progress(volunteer_of(request.user))).data)

    @extend_schema(
        request=UniformCorrectionSerializer,
        responses=UniformProgressSerializer,
        operation_id="my_uniform_correct",
    )
    def patch(self, request):
        data = UniformCorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = volunteer_of(request.user)
        services.uniform_order_correct(
            volunteer=volunteer, actor=request.user, **data.validated_data
        )
        return Response(UniformProgressSerializer(_progress(volunteer)).data)
