"""Read-only admin of the exchange registry: files, batches, applied events and alerts.
Alerts are resolved on the operations page, which audits it."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bank_adapters.models import Alert, AppliedBankEvent, Batch, PartnerFile
from core.admin_mixins import AppendOnlyAdmin


class InboundProblemFilter(admin.SimpleListFilter):
    """Refused files (format) apart from quarantined ones (envelope, or a reused name)."""

    title = _("收到文件的问题")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [
            ("envelope", _("已隔离：签名或加密校验失败")),
            ("name_reused", _("已隔离：同名文件内容不同")),
            ("format", _("已拒收：格式不符")),
            ("dropped", _("已拒收：含完整卡号，内容已删除")),
        ]

    def queryset(self, request, queryset):
        inbound = queryset.filter(direction=PartnerFile.Direction.IN)
        quarantined = inbound.filter(state=PartnerFile.State.QUARANTINED)
        refused = inbound.filter(state=PartnerFile.State.REFUSED)
        match self.value():
            case "envelope":
                return quarantined.exclude(error_code=PartnerFile.NAME_REUSED)
            case "name_reused":
                return quarantined.filter(error_code=PartnerFile.NAME_REUSED)
            case "format":
                return refused.filter(content_dropped_at__isnull=True)
            case "dropped":
                return refused.filter(content_dropped_at__isnull=False)
        return queryset


@admin.register(PartnerFile)
class PartnerFileAdmin(AppendOnlyAdmin):
    list_display = [
        "name", "partner", "direction", "file_type", "business_date", "seq", "state",
        "error_code", "record_count", "attempts", "created_at",
    ]  # fmt: skip
    list_filter = [InboundProblemFilter, "partner", "direction", "file_type", "state"]
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
