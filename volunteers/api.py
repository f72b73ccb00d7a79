"""Thin API views: each validates input, calls one service or selector, shapes output."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound, ValidationFailed
from core.inputs import parse_query
from volunteers import selectors, services
from volunteers.lockout import LoginLocked, lockout_message
from volunteers.models import Organisation
from volunteers.serializers import (
    ApiTokenInputSerializer,
    ApiTokenSerializer,
    DecisionSerializer,
    HotlineLookupSerializer,
    MembershipApplySerializer,
    MembershipQuerySerializer,
    MembershipSerializer,
    OrganisationDirectorySerializer,
    OrganisationProfileSerializer,
    OrganisationQuerySerializer,
    ProfileUpdateSerializer,
    ReasonSerializer,
    RegisterAcceptedSerializer,
    RegisterInputSerializer,
    VolunteerBriefSerializer,
    VolunteerSerializer,
)

REGISTER_ACCEPTED = (
    "注册申请已受理。我们已向该证件号码登记的手机号码发送短信，请按短信提示操作；"
    "新注册的志愿者可使用刚设置的用户名和密码登录。"
)


class RegisterApi(APIView):
    """Self-registration. Whether an ID number is already registered is never told here:
    a new registration and an ID number that already has an account get the same answer,
    202 with the same message; in the second case nothing is created and the existing
    account's owner is told (in-site and SMS) that someone tried to register with their ID.
    A taken username is said (usernames are public handles), as is every other input error."""

    permission_classes = [AllowAny]
    throttle_scope = "register"

    @extend_schema(
        request=RegisterInputSerializer,
        responses={202: RegisterAcceptedSerializer},
        description=(
            "自助注册。无论证件号码是否已注册，均返回相同的 202 应答（不泄露他人是否已注册）："
            "证件号码已注册时不创建任何账号，并通过站内信和短信通知原账号持有人。"
            "用户名已被使用（409 username_taken）及其他输入错误（400）会如实返回。"
        ),
    )
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.volunteer_sign_up(**data.validated_data)
        return Response({"message": REGISTER_ACCEPTED}, status=status.HTTP_202_ACCEPTED)


class ApiTokenObtainApi(APIView):
    """Exchange a username and password for an API token (shown once; it expires after
    ``API_TOKEN_TTL_DAYS``). Failed attempts count towards the login lock-out (django-axes)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "token"

    @extend_schema(request=ApiTokenInputSerializer, responses={200: ApiTokenSerializer})
    def post(self, request):
        data = ApiTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, so django-axes counts the failure and flags a lock-out on it.
        django_request = request._request
        user = authenticate(django_request, **data.validated_data)
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                raise LoginLocked(lockout_message())
            raise ValidationFailed("用户名或密码不正确", code="invalid_credentials")
        token, key = services.api_token_issue(user=user)
        return Response(ApiTokenSerializer({"token": key, "expires_at": token.expires_at}).data)


class MeApi(APIView):
    @extend_schema(responses=VolunteerSerializer)
    def get(self, request):
        return Response(VolunteerSerializer(selectors.volunteer_of(request.user)).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=VolunteerSerializer)
    def patch(self, request):
        data = ProfileUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer = services.volunteer_update_contact(
            volunteer=selectors.volunteer_of(request.user),
            actor=request.user,
            **data.validated_data,
        )
        return Response(VolunteerSerializer(volunteer).data)


class MyMembershipsApi(APIView):
    @extend_schema(responses=MembershipSerializer(many=True))
    def get(self, request):
        volunteer = selectors.volunteer_of(request.user)
        qs = volunteer.memberships.select_related("organisation")
        return Response(MembershipSerializer(qs, many=True).data)

    @extend_schema(request=MembershipApplySerializer, responses={201: MembershipSerializer})
    def post(self, request):
        data = MembershipApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = Organisation.objects.filter(pk=data.validated_data["organisation_id"]).first()
        if org is None:
            raise NotFound("未找到该组织")
        m = services.membership_apply(
            volunteer=selectors.volunteer_of(request.user), organisation=org
        )
        return Response(MembershipSerializer(m).data, status=status.HTTP_201_CREATED)


class MembershipRemoveApi(APIView):
    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    def post(self, request, membership_id: int):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        m = services.membership_remove(
            membership_id=membership_id, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(MembershipSerializer(m).data)


class MembershipDecideApi(APIView):
    @extend_schema(request=DecisionSerializer, responses=MembershipSerializer)
    def post(self, request, membership_id: int):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        m = services.membership_decide(
            membership_id=membership_id, actor=request.user, **data.validated_data
        )
        return Response(MembershipSerializer(m).data)


class OrganisationListApi(ListAPIView):
    """The public directory of organisations (找组织): by name, city, kind or parent, in tree
    order, each with its members count (the organisation itself)."""

    serializer_class = OrganisationDirectorySerializer
    permission_classes = [AllowAny]
    throttle_scope = "directory"

    @extend_schema(parameters=[OrganisationQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = parse_query(OrganisationQuerySerializer, self.request)
        return selectors.organisation_list(
            parent_id=p.get("parent"),
            keyword=p.get("q", ""),
            city_code=p.get("city"),
            kind=p.get("kind"),
        )

    def paginate_queryset(self, queryset):
        return selectors.with_member_counts(super().paginate_queryset(queryset))


class OrganisationDetailApi(APIView):
    """An organisation's public page: contacts, members count and counted service hours (the
    organisation itself). Its activities: ``/api/activities/?organisation={id}&when=current``
    (or ``past``); its sub-organisations: ``/api/organisations/?parent={id}``."""

    permission_classes = [AllowAny]
    throttle_scope = "directory"

    @extend_schema(responses=OrganisationProfileSerializer)
    def get(self, request, organisation_id: int):
        org = selectors.organisation_profile(organisation_id=organisation_id)
        return Response(OrganisationProfileSerializer(org).data)


class OrganisationVolunteersApi(ListAPIView):
    serializer_class = VolunteerBriefSerializer

    def get_queryset(self):
        return selectors.organisation_volunteers(
            user=self.request.user, organisation_id=self.kwargs["organisation_id"]
        )


class OrganisationMembershipsApi(ListAPIView):
    serializer_class = MembershipSerializer

    @extend_schema(parameters=[MembershipQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.organisation_pending_memberships(
            user=self.request.user, organisation_id=self.kwargs["organisation_id"]
        )
        wanted = parse_query(MembershipQuerySerializer, self.request).get("status")
        return qs.filter(status=wanted) if wanted else qs


class VolunteerDetailApi(APIView):
    @extend_schema(responses=VolunteerSerializer)
    def get(self, request, volunteer_id: int):
        v = selectors.volunteer_visible_to(user=request.user, volunteer_id=volunteer_id)
        return Response(VolunteerSerializer(v).data)


class VolunteerVerifyApi(APIView):
    @extend_schema(request=DecisionSerializer, responses=VolunteerSerializer)
    def post(self, request, volunteer_id: int):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = selectors.volunteer_visible_to(user=request.user, volunteer_id=volunteer_id)
        v = services.volunteer_verify(volunteer=v, actor=request.user, **data.validated_data)
        return Response(VolunteerSerializer(v).data)


class HotlineVolunteerLookupApi(APIView):
    throttle_scope = "hotline"

    @extend_schema(request=HotlineLookupSerializer, responses=VolunteerBriefSerializer)
    def post(self, request):
        data = HotlineLookupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = selectors.hotline_lookup(user=request.user, **data.validated_data)
        if v is None:
            raise NotFound("未找到该志愿者", code="volunteer_not_found")
        return Response(VolunteerBriefSerializer(v).data)
