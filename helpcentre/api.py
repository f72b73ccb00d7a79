"""The help centre API: public, read-only, thin (each view parses its query, calls one
selector and shapes the answer)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.inputs import parse_query
from helpcentre import selectors
from helpcentre.serializers import (
    CategorySerializer,
    ContactSerializer,
    DownloadQuerySerializer,
    DownloadSerializer,
    QuestionListSerializer,
    QuestionQuerySerializer,
    QuestionSerializer,
)


class CategoryListApi(ListAPIView):
    """帮助分类及其中已发布的问题（标题和地址）。"""

    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    pagination_class = None  # a handful of categories

    def get_queryset(self):
        return selectors.categories_with_questions()


class QuestionListApi(ListAPIView):
    """已发布的问题；``q`` 按关键词搜索（标题匹配的排在前面），``category`` 限定分类。"""

    serializer_class = QuestionListSerializer
    permission_classes = [AllowAny]

    @extend_schema(parameters=[QuestionQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = parse_query(QuestionQuerySerializer, self.request)
        return selectors.question_search(keyword=p.get("q", ""), category=p.get("category", ""))


class QuestionDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=QuestionSerializer)
    def get(self, request, slug: str):
        """一个问题及其解答（原文和转义后的 HTML）。"""
        return Response(QuestionSerializer(selectors.question_by_slug(slug)).data)


class DownloadListApi(ListAPIView):
    """可下载的资料（各银行的保险条款等），``bank`` 限定发卡银行。"""

    serializer_class = DownloadSerializer
    permission_classes = [AllowAny]
    pagination_class = None  # a few documents per bank

    @extend_schema(parameters=[DownloadQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = parse_query(DownloadQuerySerializer, self.request)
        return selectors.downloads(bank=p.get("bank", ""))


class ContactApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ContactSerializer)
    def get(self, request):
        """联系方式：客服热线和邮箱，各发卡银行的客服热线、报送时间及其保险公司的报案电话和理赔方法。"""
        return Response(ContactSerializer(asdict(selectors.contact_directory())).data)
