"""Admin for the card directory and, read-only, the card pipeline. Personal data is masked;
lifecycle fields change only through the services (bank files, the volunteer's actions)."""

from __future__ import annotations

from django.contrib import admin

from card_service.models import Bank, Branch, CardApplication, CardEvent, CardSpend
from core.admin_mixins import AppendOnlyAdmin
from core.masking import mask_id_number


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0
    fields = ["code", "name", "city_code", "address", "active"]


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = [
        "code", "name", "short_name", "offers_debit", "offers_credit",
        "accepts_non_mainland_ids", "hotline", "enabled",
    ]  # fmt: skip
    list_editable = ["enabled"]
    inlines = [BranchInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # applications point at banks; disable instead


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "bank", "city_code", "address", "active"]
    list_filter = ["bank", "city_code", "active"]
    search_fields = ["code", "name", "address"]
    list_editable = ["active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # applications point at branches; close them instead


class CardEventInline(admin.TabularInline):
    model = CardEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "fact", "source", "source_ref", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CardApplication)
class CardApplicationAdmin(AppendOnlyAdmin):
    """Read-only: an application moves only through the services and the bank files."""

    list_display = [
        "application_no", "volunteer", "bank", "product", "delivery", "status",
        "applied_at", "masked_pan",
    ]  # fmt: skip
    list_filter = ["status", "bank", "product", "apply_type", "delivery"]
    search_fields = ["application_no", "volunteer__volunteer_no", "card_ref"]
    date_hierarchy = "applied_at"
    list_select_related = ["volunteer", "bank"]
    fields = [
        "application_no", "volunteer", "card_serial", "apply_type", "bank", "product",
        "delivery", "branch", "mail_address_masked", "postcode", "uniform_size",
        "photo_sha256", "guardian_name", "guardian_id_type", "guardian_id_number_masked",
        "guardian_relation", "fee_payer", "qr_payload", "applied_at", "status",
        "status_changed_at", "batch", "reason_code", "reason_text", "card_ref", "masked_pan",
        "expected_ready_date", "tracking_no", "activated_at", "first_spend_at",
        "cancelled_at", "cancel_reason",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [CardEventInline]

    @admin.display(description="邮寄地址")
    def mail_address_masked(self, obj: CardApplication) -> str:
        return obj.mail_address_masked

    @admin.display(description="监护人证件号码")
    def guardian_id_number_masked(self, obj: CardApplication) -> str:
        return mask_id_number(obj.guardian_id_number)


@admin.register(CardEvent)
class CardEventAdmin(AppendOnlyAdmin):
    list_display = ["application", "at", "from_status", "to_status", "fact", "source", "source_ref"]
    list_filter = ["to_status", "source"]
    search_fields = ["application__application_no", "source_ref"]
    list_select_related = ["application"]
    date_hierarchy = "at"


@admin.register(CardSpend)
class CardSpendAdmin(AppendOnlyAdmin):
    list_display = ["day", "bank", "application", "event_type", "count", "city_code"]
    list_filter = ["bank", "event_type", "city_code"]
    search_fields = ["event_id", "application__application_no"]
    list_select_related = ["application", "bank"]
    date_hierarchy = "day"
