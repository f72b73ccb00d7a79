"""Read-only admin of the exchange registry: files, batches, applied events and alerts.
Alerts are resolved on the operations page, which audits it."""

from __future__ import annotations

from django.contrib import admin

from bank_adapters.models import Alert, AppliedBankEvent, Batch, PartnerFile
from core.admin_mixins import AppendOnlyAdmin


@admin.register(PartnerFile)
class PartnerFileAdmin(AppendOnlyAdmin):
    list_display = [
        "name", "partner", "direction", "file_type", "business_date", "seq", "state",
        "record_count", "attempts", "created_at",
    ]  # fmt: skip
    list_filter = ["partner", "direction", "file_type", "state"]
    search_fields = ["name", "sha256"]
    date_hierarchy = "created_at"


@admin.register(Batch)
class BatchAdmin(AppendOnlyAdmin):
    list_display = [
        "__str__", "partner", "file_type", "business_date", "seq", "record_count", "created_at",
    ]  # fmt: skip
    list_filter = ["partner", "file_type"]
    list_select_related = ["data_file", "photo_file"]
    date_hierarchy = "business_date"


@admin.register(AppliedBankEvent)
class AppliedBankEventAdmin(AppendOnlyAdmin):
    list_display = ["partner", "event_id", "file", "applied_at"]
    list_filter = ["partner"]
    search_fields = ["event_id"]
    list_select_related = ["file"]


@admin.register(Alert)
class AlertAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "kind", "partner", "file", "resolved_at", "resolved_by"]
    list_filter = ["kind", "partner", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["message"]
    list_select_related = ["file", "resolved_by"]
    date_hierarchy = "created_at"
