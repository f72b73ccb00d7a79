"""Input and output shapes of the certificate API, with bounds."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from certificates.models import Certificate

EARLIEST = dt.date(2000, 1, 1)


class CertificateRequestSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Certificate.Scope.choices)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    activity_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1
    )

    def validate(self, attrs: dict) -> dict:
        for name in ("period_start", "period_end"):
            value = attrs.get(name)
            if value is not None and not EARLIEST <= value <= dt.date(2100, 1, 1):
                raise serializers.ValidationError({name: "日期应在 2000-01-01 之后"})
        return attrs


class CertificateSerializer(serializers.ModelSerializer):
    """The volunteer's own view of a certificate and its progress."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    scope_label = serializers.CharField(source="get_scope_display", read_only=True)
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "scope",
            "scope_label",
            "period_start",
            "period_end",
            "activity_id",
            "status",
            "status_label",
            "error",
            "number",
            "issued_on",
            "requested_at",
            "ready_at",
            "revoked_at",
            "revoke_reason",
            "pdf_url",
            "verify_url",
        ]
        read_only_fields = fields

    def get_pdf_url(self, obj: Certificate) -> str | None:
        if obj.status != Certificate.Status.READY:
            return None
        return f"/api/certificates/{obj.pk}/pdf/"

    def get_verify_url(self, obj: Certificate) -> str | None:
        return f"/c/{obj.token}/" if obj.token else None


class HoursRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    organisation = serializers.CharField()
    first_date = serializers.DateField()
    last_date = serializers.DateField()
    days = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=9, decimal_places=1)


class CertificateContentSerializer(serializers.Serializer):
    """What the certificate says (the holder's name masked)."""

    number = serializers.CharField()
    issued_on = serializers.DateField()
    issuer = serializers.CharField()
    scope = serializers.ChoiceField(choices=Certificate.Scope.choices)
    scope_label = serializers.CharField()
    name_masked = serializers.CharField()
    id_type = serializers.CharField()
    id_number_masked = serializers.CharField()
    volunteer_no = serializers.CharField()
    organisations = serializers.ListField(child=serializers.CharField())
    activities = HoursRowSerializer(many=True)
    training = HoursRowSerializer(many=True)
    service_hours = serializers.DecimalField(max_digits=9, decimal_places=1)
    training_hours = serializers.DecimalField(max_digits=9, decimal_places=1)
    star_level = serializers.IntegerField(min_value=0, max_value=5)


class CertificateVerifySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["valid", "revoked"])
    status_label = serializers.CharField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    key_id = serializers.CharField()
    content_digest = serializers.CharField()
    certificate = CertificateContentSerializer()


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=2, max_length=200)
