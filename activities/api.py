"""Thin API views: each validates input, calls one service or selector, shapes output."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import qr, ranking, selectors, services
from activities.models import ActivityDay
from activities.serializers import (
    ActivityCreateSerializer,
    ActivitySearchSerializer,
    ActivitySerializer,
    AttendanceSerializer,
    BackfillInputSerializer,
    DisclosedEntrySerializer,
    DisputeAnswerSerializer,
    DisputeInputSerializer,
    DisputeQuerySerializer,
    FaceCheckSerializer,
    HoursDecisionSerializer,
    HoursDisputeSerializer,
    HoursEntrySerializer,
    HoursQuerySerializer,
    InvitationSerializer,
    MyRankSerializer,
    MySignUpSerializer,
    QrCodeSerializer,
    QrQuerySerializer,
    RankingQuerySerializer,
    RankLineSerializer,
    ScanInputSerializer,
    SelfAttendanceInputSerializer,
    SignUpQuerySerializer,
    SignUpSerializer,
    StatusChangeSerializer,
    TotalsSerializer,
    VolunteerIdSerializer,
)
from core.errors import NotFound
from core.inputs import parse_query
from volunteers.models import Organisation, Volunteer
from volunteers.selectors import volunteer_of


class ActivityListApi(ListAPIView):
    """Search published activities (admins also see their own drafts)."""

    serializer_class = ActivitySerializer
    permission_classes = [AllowAny]

    @extend_schema(parameters=[ActivitySearchSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = parse_query(ActivitySearchSerializer, self.request)
        return selectors.activity_search(
            user=self.request.user,
            status=p.get("status"),
            city_code=p.get("city"),
            category=p.get("category"),
            kind=p.get("kind"),
            on=p.get("date"),
            keyword=p.get("q"),
            organisation_id=p.get("organisation"),
            when=p.get("when"),
        )


class ActivityCreateApi(APIView):
    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def post(self, request):
        data = ActivityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {
            k: v for k, v in data.validated_data.items() if k not in ("days", "organisation_id")
        }
        org = Organisation.objects.filter(pk=data.validated_data["organisation_id"]).first()
        if org is None:
            raise NotFound("未找到该组织")
        activity = services.activity_create(
            admin=request.user, organisation=org, days=data.to_days(), **fields
        )
        activity = selectors.activity_detail(user=request.user, activity_id=activity.pk)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


class ActivityDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ActivitySerializer)
    def get(self, request, activity_id: int):
        return Response(
            ActivitySerializer(
                selectors.activity_detail(user=request.user, activity_id=activity_id)
            ).data
        )


class ActivityStatusApi(APIView):
    @extend_schema(request=StatusChangeSerializer, responses=ActivitySerializer)
    def post(self, request, activity_id: int):
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.activity_change_status(
            admin=request.user, activity_id=activity_id, **data.validated_data
        )
        return Response(
            ActivitySerializer(
                selectors.activity_detail(user=request.user, activity_id=activity_id)
            ).data
        )


class SignUpCreateApi(APIView):
    @extend_schema(request=None, responses={201: SignUpSerializer})
    def post(self, request, activity_id: int):
        signup = services.signup_create(
            volunteer=volunteer_of(request.user), activity_id=activity_id
        )
        return Response(SignUpSerializer(signup).data, status=status.HTTP_201_CREATED)


class ActivitySignUpListApi(ListAPIView):
    serializer_class = SignUpSerializer

    @extend_schema(parameters=[SignUpQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.activity_signups(
            user=self.request.user,
            activity_id=self.kwargs["activity_id"],
            status=parse_query(SignUpQuerySerializer, self.request).get("status"),
        )


class SignUpAdmitApi(APIView):
    @extend_schema(request=None, responses=SignUpSerializer)
    def post(self, request, signup_id: int):
        return Response(
            SignUpSerializer(services.signup_admit(admin=request.user, signup_id=signup_id)).data
        )


class SignUpRemoveApi(APIView):
    @extend_schema(request=None, responses=SignUpSerializer)
    def post(self, request, signup_id: int):
        return Response(
            SignUpSerializer(services.signup_remove(admin=request.user, signup_id=signup_id)).data
        )


class InvitationCreateApi(APIView):
    @extend_schema(request=VolunteerIdSerializer, responses={201: InvitationSerializer})
    def post(self, request, activity_id: int):
        data = VolunteerIdSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inv = services.invitation_create(
            admin=request.user, activity_id=activity_id, **data.validated_data
        )
        return Response(InvitationSerializer(inv).data, status=status.HTTP_201_CREATED)


class FaceCheckCreateApi(APIView):
    @extend_schema(request=VolunteerIdSerializer, responses={201: FaceCheckSerializer})
    def post(self, request, activity_id: int):
        data = VolunteerIdSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fc = services.face_check_record(
            admin=request.user, activity_id=activity_id, **data.validated_data
        )
        return Response(FaceCheckSerializer(fc).data, status=status.HTTP_201_CREATED)


class ActivityQrApi(APIView):
    """The current rotating check-in/check-out code of a day, for the activity's admins."""

    @extend_schema(parameters=[QrQuerySerializer], responses=QrCodeSerializer)
    def get(self, request, activity_id: int, day_id: int):
        query = parse_query(QrQuerySerializer, request)
        code, expires = selectors.activity_qr_for_admin(
            user=request.user, activity_id=activity_id, day_id=day_id, action=query["action"]
        )
        return Response(
            QrCodeSerializer(
                {
                    "code": code,
                    "url": qr.payload_url(code),
                    "expires_at": expires,
                    "svg": qr.render_svg(code),
                }
            ).data
        )


class AttendanceScanApi(APIView):
    """The volunteer scanned the activity's check-in or check-out QR."""

    @extend_schema(request=ScanInputSerializer, responses=AttendanceSerializer)
    def post(self, request):
        data = ScanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        att = services.attendance_scan_activity_qr(
            volunteer=volunteer_of(request.user), **data.validated_data
        )
        return Response(AttendanceSerializer(att).data)


class AttendanceSelfApi(APIView):
    """Self check-in or check-out at the place and time of the activity."""

    @extend_schema(request=SelfAttendanceInputSerializer, responses=AttendanceSerializer)
    def post(self, request):
        data = SelfAttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        att = services.attendance_self(volunteer=volunteer_of(request.user), **data.validated_data)
        return Response(AttendanceSerializer(att).data)


class HoursBackfillApi(APIView):
    @extend_schema(request=BackfillInputSerializer, responses={201: HoursEntrySerializer})
    def post(self, request, activity_id: int):
        data = BackfillInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        day = ActivityDay.objects.filter(pk=v["day_id"], activity_id=activity_id).first()
        volunteer = Volunteer.objects.filter(pk=v["volunteer_id"]).first()
        if day is None or volunteer is None:
            raise NotFound("未找到该活动日或志愿者")
        entry = services.hours_backfill(
            admin=request.user,
            activity_day=day,
            volunteer=volunteer,
            checked_in_at=v["checked_in_at"],
            checked_out_at=v["checked_out_at"],
            reason=v["reason"],
        )
        return Response(HoursEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class ActivityHoursListApi(ListAPIView):
    """Each activity's hour list, for its admins (``?status=pending`` for approval)."""

    serializer_class = HoursEntrySerializer

    @extend_schema(parameters=[HoursQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.activity_hours(
            user=self.request.user,
            activity_id=self.kwargs["activity_id"],
            status=parse_query(HoursQuerySerializer, self.request).get("status"),
        )


class HoursDecideApi(APIView):
    @extend_schema(request=HoursDecisionSerializer, responses=HoursEntrySerializer)
    def post(self, request, entry_id: int):
        data = HoursDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.hours_decide(admin=request.user, entry_id=entry_id, **data.validated_data)
        return Response(HoursEntrySerializer(entry).data)


class MySignUpListApi(ListAPIView):
    serializer_class = MySignUpSerializer

    def get_queryset(self):
        return selectors.my_signups(volunteer=volunteer_of(self.request.user))


class MyHoursApi(APIView):
    """The volunteer's totals today and star level."""

    @extend_schema(responses=TotalsSerializer)
    def get(self, request):
        totals = selectors.volunteer_hours(volunteer_of(request.user))
        return Response(TotalsSerializer({**asdict(totals), "star_level": totals.star_level}).data)


class MyHoursEntryListApi(ListAPIView):
    """The volunteer's hour entries, each with why it does or does not count yet."""

    serializer_class = HoursEntrySerializer

    def get_queryset(self):
        return selectors.my_hours_entries(volunteer=volunteer_of(self.request.user))


# --- 时长公示 / 我有异议 ---------------------------------------------------------------------


class ActivityDisclosureApi(APIView):
    """An activity's published hours (时长公示), names masked; public."""

    permission_classes = [AllowAny]

    @extend_schema(responses=DisclosedEntrySerializer(many=True))
    def get(self, request, activity_id: int):
        _, rows = selectors.activity_disclosure(user=request.user, activity_id=activity_id)
        return Response(DisclosedEntrySerializer([asdict(r) for r in rows], many=True).data)


class HoursDisputeRaiseApi(APIView):
    """我有异议: object to a published entry with a reason (signed-in users)."""

    @extend_schema(request=DisputeInputSerializer, responses={201: HoursDisputeSerializer})
    def post(self, request, entry_id: int):
        data = DisputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.hours_dispute_raise(
            user=request.user, entry_id=entry_id, reason=data.validated_data["reason"]
        )
        return Response(HoursDisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


class HoursDisputeListApi(ListAPIView):
    """The disputes on the activities the admin's organisations published."""

    serializer_class = HoursDisputeSerializer

    @extend_schema(parameters=[DisputeQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.disputes_for_admin(
            user=self.request.user,
            status=parse_query(DisputeQuerySerializer, self.request).get("status"),
        )


class HoursDisputeAnswerApi(APIView):
    """The organisation answers: uphold (correct to ``minutes`` or remove) or reject."""

    @extend_schema(request=DisputeAnswerSerializer, responses=HoursDisputeSerializer)
    def post(self, request, dispute_id: int):
        data = DisputeAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.hours_dispute_answer(
            admin=request.user, dispute_id=dispute_id, **data.validated_data
        )
        return Response(HoursDisputeSerializer(dispute).data)


# --- 活跃志愿者 ------------------------------------------------------------------------------


class ActiveRankingApi(APIView):
    """活跃志愿者: one organisation's or city's ranking this month or year (names masked)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[RankingQuerySerializer], responses=RankLineSerializer(many=True))
    def get(self, request):
        q = RankingQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        v = q.validated_data
        lines = ranking.ranking_page(scope=v["scope"], scope_key=v["key"], period=v["period"])
        return Response(RankLineSerializer([asdict(x) for x in lines], many=True).data)


class MyRanksApi(APIView):
    """The volunteer's own ranks this month and this year."""

    @extend_schema(responses=MyRankSerializer(many=True))
    def get(self, request):
        ranks = ranking.volunteer_ranks(volunteer_of(request.user))
        return Response(MyRankSerializer(ranks, many=True).data)
