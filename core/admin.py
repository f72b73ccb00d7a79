from django.contrib import admin

from core.admin_mixins import AppendOnlyAdmin
from core.models import AuditLog, Notification


@admin.register(AuditLog)
class AuditLogAdmin(AppendOnlyAdmin):
    list_display = ["at", "actor_label", "action", "target_type", "target_id", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "actor_label", "action"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "channel", "text", "read_at"]
    list_filter = ["channel"]
    raw_id_fields = ["user"]
