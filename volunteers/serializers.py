from __future__ import annotations

from rest_framework import serializers

from core import inputs
from volunteers.identity import IdType
from volunteers.models import Membership, Organisation, Volunteer
from volunteers.services import GUANGDONG_CITY_CODES


class OrganisationSerializer(serializers.ModelSerializer):
    parent_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "code", "kind", "parent_id", "city_code"]


class OrganisationDirectorySerializer(OrganisationSerializer):
    """A line of the public directory."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent_name = serializers.CharField(
        source="parent.name", read_only=True, default=None, allow_null=True
    )
    city_name = serializers.CharField(read_only=True, help_text="所在地市")
    members_count = serializers.IntegerField(
        read_only=True, help_text="本组织已加入的志愿者人数（不含下级组织）"
    )

    class Meta(OrganisationSerializer.Meta):
        fields = [
            *OrganisationSerializer.Meta.fields,
            "kind_display", "parent_name", "city_name", "members_count",
        ]  # fmt: skip


class OrganisationProfileSerializer(OrganisationDirectorySerializer):
    """An organisation's public page: its contacts are the organisation's published lines."""

    service_hours = serializers.DecimalField(
        max_digits=14,
        decimal_places=1,
        read_only=True,
        help_text=(
            "本组织发布的志愿服务活动中已计入的服务时长（小时），不含下级组织；"
            "公示期内和异议处理中的时长不计入"
        ),
    )
    children_count = serializers.IntegerField(
        read_only=True, help_text="直属下级组织数；列表见 /api/organisations/?parent={id}"
    )

    class Meta(OrganisationDirectorySerializer.Meta):
        fields = [
            *OrganisationDirectorySerializer.Meta.fields,
            "created_at", "intro", "address", "contact_name", "help_phone", "help_email",
            "verification_phone", "verification_note", "service_hours", "children_count",
        ]  # fmt: skip


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
    city = serializers.ChoiceField(
        choices=sorted(GUANGDONG_CITY_CODES.items()),
        required=False,
        help_text="所在地市代码（广东省 21 个地市之一，如 440100 广州市）",
        error_messages={"invalid_choice": "地市代码应为广东省 21 个地市之一，如 440100"},
    )
    kind = serializers.ChoiceField(
        choices=Organisation.Kind.choices,
        required=False,
        help_text="组织类型",
        error_messages={
            "invalid_choice": "组织类型应为 federation、city、district、organisation 或 group"
        },
    )


class MembershipQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Membership.Status.choices, required=False)


class HotlineLookupSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    id_type = serializers.CharField(max_length=2, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    volunteer_no = serializers.CharField(max_length=20, required=False, allow_blank=True)
