"""Input and output shapes of the card API. No rules here: the services decide."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from card_service import selectors
from card_service.models import Bank, Branch, CardApplication
from core import inputs


class CardBankProductSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class BankSerializer(serializers.ModelSerializer):
    products = serializers.SerializerMethodField()
    id_types = serializers.SerializerMethodField()
    branch_count = serializers.IntegerField(read_only=True)
    cutoff = serializers.SerializerMethodField(
        help_text="the daily cut-off configured for this bank's file exchange (HH:MM)"
    )

    class Meta:
        model = Bank
        fields = [
            "code", "name", "short_name", "products", "id_types", "cutoff", "hotline",
            "branch_count",
        ]  # fmt: skip

    def get_products(self, obj: Bank) -> list[dict[str, str]]:
        return CardBankProductSerializer(selectors.bank_products(obj), many=True).data

    def get_cutoff(self, obj: Bank) -> str | None:
        from bank_adapters.selectors import partner_cutoff

        cutoff = partner_cutoff(obj.code)
        return f"{cutoff:%H:%M}" if cutoff is not None else None

    def get_id_types(self, obj: Bank) -> list[str]:
        return selectors.bank_id_types(obj)


class BranchSerializer(serializers.ModelSerializer):
    bank_code = serializers.CharField(source="bank_id", read_only=True)
    city_name = serializers.SerializerMethodField()

    class Meta:
        model = Branch
        fields = ["id", "bank_code", "code", "name", "city_code", "city_name", "address"]

    def get_city_name(self, obj: Branch) -> str:
        return selectors.city_name(obj.city_code)


class BranchQuerySerializer(serializers.Serializer):
    bank = serializers.CharField(max_length=8, required=False, help_text="BOC, ICBC or CEB")
    city = serializers.CharField(max_length=6, required=False, help_text="city code, e.g. 440100")


class ApplicationSubmitSerializer(serializers.Serializer):
    """The apply form. Everything but the photo may be blank here: the service refuses a
    missing choice with a message that says what to pick."""

    bank_code = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    product = serializers.CharField(max_length=1, required=False, allow_blank=True, default="")
    branch_id = inputs.IdField(required=False, allow_null=True, default=None)
    mail_address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    uniform_size = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_empty_file=True)
    guardian_name = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    guardian_id_type = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="01"
    )
    guardian_id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    guardian_relation = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default=""
    )


class WithdrawSerializer(serializers.Serializer):
    pass


class CardDateWindowSerializer(serializers.Serializer):
    earliest = serializers.DateField(allow_null=True)
    latest = serializers.DateField(allow_null=True)


class CardTimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    date = serializers.DateField()
    status = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    source_label = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


class BankBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    hotline = serializers.CharField()


class BranchBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()


class CardRejectionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class ApplicationProgressSerializer(serializers.Serializer):
    application_id = serializers.IntegerField()
    application_no = serializers.CharField()
    apply_type = serializers.ChoiceField(choices=CardApplication.ApplyType.choices)
    apply_type_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    applied_at = serializers.DateTimeField()
    bank = BankBriefSerializer()
    product = serializers.CharField()
    product_label = serializers.CharField()
    delivery = serializers.CharField()
    delivery_label = serializers.CharField()
    location = serializers.CharField()
    next_step = serializers.CharField()
    expected_window = CardDateWindowSerializer(allow_null=True)
    expected_ready_date = serializers.DateField(allow_null=True)
    branch = BranchBriefSerializer(allow_null=True)
    tracking_no = serializers.CharField(allow_blank=True)
    mail_address = serializers.CharField(allow_blank=True, help_text="masked")
    masked_pan = serializers.CharField(allow_blank=True)
    rejection = CardRejectionSerializer(allow_null=True)
    cancel_reason = serializers.CharField(allow_blank=True)
    fee_note = serializers.CharField(allow_blank=True)
    fee_payer_label = serializers.CharField()
    first_spend_at = serializers.DateTimeField(allow_null=True)
    can_withdraw = serializers.BooleanField()
    timeline = CardTimelineEntrySerializer(many=True)


class CardHistoryEntrySerializer(serializers.Serializer):
    application_no = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    applied_at = serializers.DateTimeField()
    bank_name = serializers.CharField()


class CardProgressSerializer(serializers.Serializer):
    volunteer_no = serializers.CharField(allow_null=True)
    has_application = serializers.BooleanField()
    can_apply = serializers.BooleanField()
    reapply_from = serializers.DateField(
        allow_null=True,
        help_text="after a cancellation: the first day a new application is allowed",
    )
    current = ApplicationProgressSerializer(allow_null=True)
    history = CardHistoryEntrySerializer(many=True)
    hotlines = serializers.DictField(child=serializers.CharField())


class HotlineVolunteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer_no = serializers.CharField(allow_null=True)
    name = serializers.CharField(help_text="masked")
    id_number = serializers.CharField(help_text="masked")


class HotlineCardProgressSerializer(CardProgressSerializer):
    volunteer = HotlineVolunteerSerializer()


class HotlineCardQuerySerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)
    volunteer_id = inputs.IdField(required=False, allow_null=True)
    volunteer_no = serializers.CharField(max_length=20, required=False, allow_blank=True)
    id_type = serializers.CharField(max_length=2, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        # Blank look-up keys mean "not given".
        return {k: v for k, v in values.items() if k == "reason" or v not in ("", None)}


class QrPublicRecordSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    invalid_reason = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)
    volunteer_no = serializers.CharField()
    name = serializers.CharField(help_text="partly masked")
    registered_on = serializers.DateField()
    city = serializers.CharField()
    organisations = serializers.ListField(child=serializers.CharField())
    service_hours = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)
    star_level = serializers.IntegerField()
    card_serial = serializers.IntegerField()
