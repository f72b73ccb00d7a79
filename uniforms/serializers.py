from __future__ import annotations

from rest_framework import serializers

from uniforms.models import UniformSize, UniformStatus


class TimelineEntrySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=UniformStatus.choices)
    label = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()


class UniformProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=UniformStatus.choices)
    status_label = serializers.CharField()
    status_changed_at = serializers.DateTimeField()
    order_no = serializers.CharField(help_text="最近一次发送给厂商的订单号；未发送时为空")
    size = serializers.ChoiceField(choices=UniformSize.choices)
    mail_address_masked = serializers.CharField()
    postcode = serializers.CharField()
    editable = serializers.BooleanField(help_text="发送给厂商之前可修改地址和尺码")
    address_needed = serializers.BooleanField()
    first_spend_date = serializers.DateField()
    expected_from = serializers.DateField(help_text="预计寄到：首次消费后 1 个月起")
    expected_to = serializers.DateField(help_text="预计寄到：首次消费后 2 个月内")
    tracking_no = serializers.CharField()
    next_step = serializers.CharField()
    timeline = TimelineEntrySerializer(many=True)
    progress_hotline = serializers.CharField()
    progress_hotline_bank = serializers.CharField()
    extra_uniform_phone = serializers.CharField()
    extra_uniform_note = serializers.CharField()


class UniformCorrectionSerializer(serializers.Serializer):
    mail_address = serializers.CharField(required=False, max_length=200, trim_whitespace=True)
    postcode = serializers.CharField(required=False, max_length=6, allow_blank=True)
    size = serializers.ChoiceField(choices=UniformSize.choices, required=False)
