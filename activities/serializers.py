"""Input and output serializers of the activities API. No rules here: the services check."""

from __future__ import annotations

from rest_framework import serializers

from activities import selectors
from activities.models import (
    Activity,
    ActivityDay,
    Attendance,
    FaceCheck,
    HoursDispute,
    HoursEntry,
    Invitation,
    SignUp,
)
from activities.selectors import WHEN_CHOICES
from core import inputs
from core.masking import mask_name

# --- output --------------------------------------------------------------------------------


class ActivityDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = ActivityDay
        fields = ["id", "date", "starts_at", "ends_at"]


class ActivitySerializer(serializers.ModelSerializer):
    organisation_id = serializers.IntegerField(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    admitted_count = serializers.IntegerField(read_only=True, default=0)
    days = ActivityDaySerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id", "name", "kind", "category", "description", "organisation_id", "organisation_name",
            "contact_name", "contact_phone", "address", "city_code", "lat", "lng", "places",
            "admitted_count", "members_only", "self_checkin", "checkin_radius_m",
            "checkin_before_min", "checkin_after_min", "status", "status_display", "days",
        ]  # fmt: skip
        read_only_fields = fields


class VolunteerRefSerializer(serializers.Serializer):
    """A volunteer as activity admins see them: number and masked name."""

    id = serializers.IntegerField()
    volunteer_no = serializers.CharField()
    name = serializers.CharField(source="name_masked")


class SignUpSerializer(serializers.ModelSerializer):
    volunteer = VolunteerRefSerializer(read_only=True)
    activity_id = serializers.IntegerField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SignUp
        fields = [
            "id",
            "activity_id",
            "volunteer",
            "status",
            "status_display",
            "invited",
            "applied_at",
            "decided_at",
        ]
        read_only_fields = fields


class MySignUpSerializer(serializers.ModelSerializer):
    activity = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = SignUp
        fields = [
            "id",
            "activity",
            "status",
            "status_display",
            "invited",
            "applied_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_activity(self, obj: SignUp) -> dict:
        a = obj.activity
        return {
            "id": a.pk,
            "name": a.name,
            "kind": a.kind,
            "status": a.status,
            "organisation": a.organisation.name,
        }


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "activity_id", "volunteer_id", "created_at"]
        read_only_fields = fields


class FaceCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = FaceCheck
        fields = ["id", "volunteer_id", "activity_id", "checked_at"]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    activity_id = serializers.IntegerField(source="day.activity_id", read_only=True)
    date = serializers.DateField(source="day.date", read_only=True)
    hours = serializers.SerializerMethodField()

    class Meta:
        model = Attendance
        fields = [
            "id", "activity_id", "day_id", "date", "checked_in_at", "check_in_method",
            "checked_out_at", "check_out_method", "hours",
        ]  # fmt: skip
        read_only_fields = fields

    def get_hours(self, obj: Attendance) -> dict | None:
        entry = getattr(obj, "hours_entry", None)
        return HoursEntrySerializer(entry).data if entry else None


class HoursEntrySerializer(serializers.ModelSerializer):
    activity_name = serializers.CharField(source="activity.name", read_only=True)
    volunteer = VolunteerRefSerializer(read_only=True)
    hours = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    note = serializers.SerializerMethodField()

    class Meta:
        model = HoursEntry
        fields = [
            "id", "activity_id", "activity_name", "day_id", "service_date", "volunteer", "kind",
            "minutes", "hours", "source", "status", "status_display", "counts_from", "note",
        ]  # fmt: skip
        read_only_fields = fields

    def get_hours(self, obj: HoursEntry) -> str:
        return str(selectors.minutes_to_hours(obj.minutes))

    def get_note(self, obj: HoursEntry) -> str:
        return selectors.hours_entry_note(obj)


class TotalsSerializer(serializers.Serializer):
    service = serializers.DecimalField(max_digits=8, decimal_places=1)
    service_scanned = serializers.DecimalField(max_digits=8, decimal_places=1)
    service_backfilled = serializers.DecimalField(max_digits=8, decimal_places=1)
    training = serializers.DecimalField(max_digits=8, decimal_places=1)
    star_level = serializers.IntegerField()


class QrCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    url = serializers.CharField()
    expires_at = serializers.DateTimeField()
    svg = serializers.CharField()


# --- input ---------------------------------------------------------------------------------


class DayInputSerializer(serializers.Serializer):
    date = inputs.DateField()
    start = serializers.TimeField()
    end = serializers.TimeField()


class ActivityCreateSerializer(serializers.Serializer):
    organisation_id = inputs.IdField()
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Activity.Kind.choices, default=Activity.Kind.SERVICE)
    category = serializers.ChoiceField(
        choices=Activity.Category.choices, default=Activity.Category.COMMUNITY
    )
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    contact_name = serializers.CharField(max_length=40)
    contact_phone = serializers.CharField(max_length=20)
    address = serializers.CharField(max_length=200)
    city_code = serializers.CharField(max_length=6)
    lat = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    lng = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    places = serializers.IntegerField(min_value=1, max_value=100_000)
    members_only = serializers.BooleanField(default=False)
    self_checkin = serializers.BooleanField(default=False)
    checkin_radius_m = serializers.IntegerField(default=500, min_value=0, max_value=100_000)
    checkin_before_min = serializers.IntegerField(default=60, min_value=0, max_value=720)
    checkin_after_min = serializers.IntegerField(default=60, min_value=0, max_value=720)
    days = DayInputSerializer(many=True)

    def to_days(self) -> list[tuple]:
        return [(d["date"], d["start"], d["end"]) for d in self.validated_data["days"]]


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Activity.Status.choices)


class VolunteerIdSerializer(serializers.Serializer):
    volunteer_id = inputs.IdField()


class ScanInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=200)


class SelfAttendanceInputSerializer(serializers.Serializer):
    activity_id = inputs.IdField()
    action = serializers.ChoiceField(choices=[("in", "签到"), ("out", "签退")])
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class BackfillInputSerializer(serializers.Serializer):
    volunteer_id = inputs.IdField()
    day_id = inputs.IdField()
    checked_in_at = inputs.DateTimeField()
    checked_out_at = inputs.DateTimeField()
    reason = serializers.CharField(max_length=200)


class HoursDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ActivitySearchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Activity.Status.choices, required=False)
    city = serializers.CharField(max_length=6, required=False)
    category = serializers.ChoiceField(choices=Activity.Category.choices, required=False)
    kind = serializers.ChoiceField(choices=Activity.Kind.choices, required=False)
    date = inputs.DateField(required=False, help_text="当天有活动日的活动")
    q = serializers.CharField(max_length=50, required=False, help_text="关键词（名称、地点）")
    organisation = inputs.IdField(required=False, help_text="发布组织（不含下级组织）")
    when = serializers.ChoiceField(
        choices=WHEN_CHOICES,
        required=False,
        help_text="current：招募中和进行中（按开始日期）；past：已结束（最近的在前）",
    )


class SignUpQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SignUp.Status.choices, required=False)


class HoursQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=HoursEntry.Status.choices, required=False, help_text="pending: 待审核"
    )


class DisputeQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=HoursDispute.Status.choices, required=False, help_text="open: 处理中"
    )


class QrQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("in", "签到"), ("out", "签退")], default="in")


class DisclosedEntrySerializer(serializers.Serializer):
    entry_id = serializers.IntegerField()
    volunteer_name = serializers.CharField(help_text="姓名（已脱敏）")
    service_date = serializers.DateField()
    minutes = serializers.IntegerField()
    source = serializers.CharField()
    published_on = serializers.DateField()
    counts_from = serializers.DateField()
    state = serializers.ChoiceField(choices=["disclosing", "disputed", "counted"])
    state_display = serializers.CharField()


class DisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class DisputeAnswerSerializer(serializers.Serializer):
    uphold = serializers.BooleanField()
    answer = serializers.CharField(max_length=500, allow_blank=True)
    minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)


class HoursDisputeSerializer(serializers.ModelSerializer):
    activity_id = serializers.IntegerField(source="entry.activity_id", read_only=True)
    activity_name = serializers.CharField(source="entry.activity.name", read_only=True)
    volunteer_name = serializers.SerializerMethodField()
    minutes = serializers.IntegerField(source="entry.minutes", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = HoursDispute
        fields = [
            "id", "entry", "activity_id", "activity_name", "volunteer_name", "minutes", "reason",
            "status", "status_display", "raised_at", "answer", "answered_at", "minutes_before",
            "minutes_after",
        ]  # fmt: skip

    def get_volunteer_name(self, obj: HoursDispute) -> str:
        return mask_name(obj.entry.volunteer.name)


class RankLineSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    volunteer_name = serializers.CharField(help_text="姓名（已脱敏）")
    hours = serializers.CharField()


class RankingQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["org", "city"])
    key = serializers.CharField(max_length=20)
    period = serializers.ChoiceField(choices=["month", "year"], default="month")


class MyRankSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_display = serializers.CharField()
    scope = serializers.CharField()
    scope_key = serializers.CharField()
    scope_name = serializers.CharField()
    rank = serializers.IntegerField()
    hours = serializers.CharField()
