"""Input and output of the insurance API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from card_service.serializers import CardProgressSerializer
from core import inputs


class HotlineCoverageQuerySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="为何查询（来电事由），写入审计日志")
    incident_at = inputs.DateTimeField(help_text="事发时间（北京时间）")
    id_type = serializers.CharField(max_length=2, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    volunteer_no = serializers.CharField(max_length=20, required=False, allow_blank=True)
    card_ref = serializers.CharField(max_length=32, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, help_text="与 name 一起使用")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        return {k: v for k, v in values.items() if v not in ("", None)}


class _Volunteer(serializers.Serializer):
    volunteer_no = serializers.CharField(allow_null=True)
    name = serializers.CharField(help_text="masked")
    id_number = serializers.CharField(help_text="masked")


class _Year(serializers.Serializer):
    year_index = serializers.IntegerField(help_text="0 = 第1保障年度")
    label = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    covered = serializers.BooleanField()
    reason = serializers.CharField()


class _Policy(serializers.Serializer):
    policy_no = serializers.CharField()
    insurer = serializers.CharField()
    coverage_start = serializers.DateField()
    coverage_end = serializers.DateField()


class _Attendance(serializers.Serializer):
    on_activity = serializers.BooleanField(help_text="签到中，或在前后交通时间窗口内")
    during = serializers.BooleanField(help_text="事发时间在签到与签退之间")
    activity_name = serializers.CharField(required=False)
    activity_kind = serializers.CharField(required=False)
    organisation_name = serializers.CharField(required=False)
    day = serializers.DateField(required=False)
    checked_in_at = serializers.DateTimeField(required=False)
    checked_out_at = serializers.DateTimeField(required=False, allow_null=True)


class _Benefit(serializers.Serializer):
    item = serializers.CharField()
    amount = serializers.CharField()


class _Insurer(serializers.Serializer):
    bank = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    report_phone = serializers.CharField()
    claim_steps = serializers.ListField(child=serializers.CharField())
    mailing_address = serializers.CharField()
    benefits = _Benefit(many=True)
    benefits_note = serializers.CharField()


class HotlineCoverageSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    message = serializers.CharField(required=False)
    volunteer = _Volunteer(required=False)
    incident_at = serializers.DateTimeField(required=False)
    covered = serializers.BooleanField(required=False, help_text="事发日是否在保障年度内")
    incident_covered = serializers.BooleanField(
        required=False, help_text="该事故是否在保障范围内（在保障期内且在活动或其前后交通时间内）"
    )
    headline = serializers.CharField(required=False)
    coverage_year = _Year(required=False, allow_null=True)
    reason_text = serializers.CharField(required=False)
    policy = _Policy(required=False, allow_null=True)
    attendance = _Attendance(required=False)
    travel_window_hours = serializers.IntegerField(required=False)
    insurer = _Insurer(required=False, allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField(), required=False)
    card_progress = CardProgressSerializer(required=False, allow_null=True)
