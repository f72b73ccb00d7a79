"""Thin API views of insurance: validate, call one selector, shape the output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import PermissionDenied
from insurance import selectors
from insurance.serializers import HotlineCoverageQuerySerializer, HotlineCoverageSerializer
from volunteers.roles import is_hotline


class HotlineCoverageApi(APIView):
    """Hotline staff: was this person covered by the accident insurance at a moment? Look up
    by ID number, volunteer number or card reference; every look-up is audited."""

    throttle_scope = "hotline"

    @extend_schema(request=HotlineCoverageQuerySerializer, responses=HotlineCoverageSerializer)
    def post(self, request):
        if not is_hotline(request.user):
            raise PermissionDenied("只有热线客服可以查询保险保障")
        query = HotlineCoverageQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        answer = selectors.hotline_coverage(user=request.user, **query.validated_data)
        return Response(HotlineCoverageSerializer(answer).data)
