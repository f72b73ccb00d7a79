from __future__ import annotations

from rest_framework import serializers

from core import inputs
from volunteers.identity import IdType
from volunteers.models import Membership, Organisation, Volunteer


class OrganisationSerializer(serializers.ModelSerializer):
    parent_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "code", "kind", "parent_id", "city_code"]


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organisation", "status", "status_display", "applied_at", "decided_at"]


class VolunteerSerializer(serializers.ModelSerializer):
    """A volunteer as their own profile and their admins show it: personal data masked."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    mobile = serializers.CharField(source="mobile_masked", read_only=True)
    address = serializers.CharField(source="address_masked", read_only=True)
    id_type_display = serializers.CharField(source="get_id_type_display", read_only=True)
    verification_display = serializers.CharField(source="get_verification_display", read_only=True)

    class Meta:
        model = Volunteer
        fields = [
            "id", "volunteer_no", "name", "surname_pinyin", "given_pinyin", "gender",
            "birth_date", "nationality", "id_type", "id_type_display", "id_number", "id_expiry",
            "mobile", "address", "postcode", "city_code", "verification",
            "verification_display", "registered_at",
        ]  # fmt: skip
        read_only_fields = fields


class VolunteerBriefSerializer(serializers.Serializer):
    # Declared field by field: a ModelSerializer rebuilds its fields from the model each time
    # it is used, which cost more than the hotline look-up that answers with it.
    id = serializers.IntegerField(read_only=True)
    volunteer_no = serializers.CharField(
        read_only=True,
        allow_null=True,
        label=Volunteer._meta.get_field("volunteer_no").verbose_name,
    )
    name = serializers.CharField(source="name_masked", read_only=True)
    id_type = serializers.ChoiceField(
        choices=IdType.choices,
        read_only=True,
        label=Volunteer._meta.get_field("id_type").verbose_name,
    )
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    verification = serializers.ChoiceField(
        choices=Volunteer.Verification.choices,
        read_only=True,
        label=Volunteer._meta.get_field("verification").verbose_name,
    )


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    # Strength is checked by AUTH_PASSWORD_VALIDATORS in the service (messages in Chinese).
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=60)
    id_type = serializers.CharField(max_length=2)
    id_number = serializers.CharField(max_length=40)
    id_expiry = inputs.DateField()
    mobile = serializers.CharField(max_length=30)
    city_code = serializers.CharField(max_length=6)
    organisation_ids = serializers.ListField(
        child=inputs.IdField(), allow_empty=True, max_length=20
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    postcode = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    gender = serializers.ChoiceField(choices=["M", "F"], required=False, allow_null=True)
    birth_date = inputs.DateField(required=False, allow_null=True)
    nationality = serializers.CharField(max_length=3, required=False, allow_blank=True)
    surname_pinyin = serializers.CharField(max_length=40, required=False, allow_blank=True)
    given_pinyin = serializers.CharField(max_length=60, required=False, allow_blank=True)


class RegisterAcceptedSerializer(serializers.Serializer):
    message = serializers.CharField(read_only=True)


class ApiTokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class ApiTokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="仅此一次显示；服务只保存其 SHA-256")
    expires_at = serializers.DateTimeField(read_only=True)


class ProfileUpdateSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=30, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=6, required=False, allow_blank=True)
    surname_pinyin = serializers.CharField(max_length=40, required=False)
    given_pinyin = serializers.CharField(max_length=60, required=False)


class MembershipApplySerializer(serializers.Serializer):
    organisation_id = inputs.IdField()


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OrganisationQuerySerializer(serializers.Serializer):
    parent = inputs.IdField(required=False, help_text="上级组织")
    q = serializers.CharField(max_length=50, required=False, help_text="名称关键词")


class MembershipQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Membership.Status.choices, required=False)


class HotlineLookupSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    id_type = serializers.CharField(max_length=2, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    volunteer_no = serializers.CharField(max_length=20, required=False, allow_blank=True)
