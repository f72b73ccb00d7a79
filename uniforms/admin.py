"""Uniform orders in the admin: read-only, personal data masked. Changes go through the
services (the volunteer's corrections) and the maker's STATUS files."""

from django.contrib import admin

from core.admin_mixins import AppendOnlyAdmin
from uniforms.models import UniformEvent, UniformOrder, UniformOrderLine


class UniformOrderLineInline(admin.TabularInline):
    model = UniformOrderLine
    extra = 0
    fields = ["order_no", "attempt", "batch", "maker_status", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class UniformEventInline(admin.TabularInline):
    model = UniformEvent
    extra = 0
    fields = ["at", "from_status", "to_status", "source", "source_ref", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UniformOrder)
class UniformOrderAdmin(AppendOnlyAdmin):
    list_display = [
        "id", "volunteer", "status", "size", "mail_address_masked", "tracking_no",
        "first_spend_at", "status_changed_at",
    ]  # fmt: skip
    list_filter = ["status", "size"]
    search_fields = ["volunteer__volunteer_no", "lines__order_no", "tracking_no"]
    list_select_related = ["volunteer"]
    exclude = ["mail_address", "mobile"]
    readonly_fields = [
        "volunteer", "application", "first_spend_at", "size", "mail_address_masked",
        "postcode", "mobile_masked", "status", "status_changed_at", "tracking_no", "created_at",
    ]  # fmt: skip
    inlines = [UniformOrderLineInline, UniformEventInline]
