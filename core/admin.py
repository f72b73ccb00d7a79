from django.contrib import admin
from django.db.models import Count, Q

from core.admin_mixins import AppendOnlyAdmin, OperationsMayEdit
from core.audit_actions import AuditAction
from core.models import AuditLog, Notification, WorkCalendarDay, WorkCalendarYear
from core.services import audit_log_write


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


class WorkCalendarDayInline(OperationsMayEdit, admin.TabularInline):
    model = WorkCalendarDay
    extra = 3
    fields = ["date", "kind", "name"]


@admin.register(WorkCalendarYear)
class WorkCalendarYearAdmin(OperationsMayEdit, admin.ModelAdmin):
    """One row per State Council notice; its holidays and make-up working days inline."""

    list_display = ["year", "notice", "holiday_count", "workday_count", "updated_at"]
    search_fields = ["notice"]
    inlines = [WorkCalendarDayInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_holidays=Count("days", filter=Q(days__kind=WorkCalendarDay.Kind.HOLIDAY)),
                n_workdays=Count("days", filter=Q(days__kind=WorkCalendarDay.Kind.WORKDAY)),
            )
        )

    @admin.display(description="放假天数", ordering="n_holidays")
    def holiday_count(self, obj) -> int:
        return obj.n_holidays

    @admin.display(description="调休上班天数", ordering="n_workdays")
    def workday_count(self, obj) -> int:
        return obj.n_workdays

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit_log_write(
            action=AuditAction.WORK_CALENDAR_CHANGE if change else AuditAction.WORK_CALENDAR_ADD,
            actor=request.user,
            target=obj,
            data={
                "year": obj.year,
                "holidays": [str(d) for d in _dates(obj, WorkCalendarDay.Kind.HOLIDAY)],
                "workdays": [str(d) for d in _dates(obj, WorkCalendarDay.Kind.WORKDAY)],
            },
        )

    def delete_model(self, request, obj) -> None:
        audit_log_write(
            action=AuditAction.WORK_CALENDAR_DELETE,
            actor=request.user,
            target=obj,
            data={"year": obj.year},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            audit_log_write(
                action=AuditAction.WORK_CALENDAR_DELETE,
                actor=request.user,
                target=obj,
                data={"year": obj.year},
            )
        super().delete_queryset(request, queryset)


def _dates(year: WorkCalendarYear, kind: str) -> list:
    return list(year.days.filter(kind=kind).values_list("date", flat=True))
