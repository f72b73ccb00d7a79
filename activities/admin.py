"""Django admin for activities. Status changes, admissions, attendance and hours are made
through the services (they check the rules and write the audit log), so those are read-only
here."""

from django.contrib import admin

from activities.models import (
    Activity,
    ActivityDay,
    Attendance,
    FaceCheck,
    HoursDispute,
    HoursEntry,
    Invitation,
    SignUp,
)
from core.admin_mixins import AppendOnlyAdmin


class ActivityDayInline(admin.TabularInline):
    model = ActivityDay
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "category", "organisation", "city_code", "places", "status"]
    list_filter = ["status", "kind", "category", "city_code", "members_only", "self_checkin"]
    search_fields = ["name", "address"]
    raw_id_fields = ["organisation", "created_by"]
    readonly_fields = ["status", "status_changed_at", "created_at"]
    inlines = [ActivityDayInline]


@admin.register(ActivityDay)
class ActivityDayAdmin(admin.ModelAdmin):
    list_display = ["activity", "date", "starts_at", "ends_at"]
    date_hierarchy = "date"
    raw_id_fields = ["activity"]


@admin.register(SignUp)
class SignUpAdmin(AppendOnlyAdmin):
    list_display = ["activity", "volunteer", "status", "invited", "applied_at", "decided_at"]
    list_filter = ["status", "invited"]
    raw_id_fields = ["activity", "volunteer", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(AppendOnlyAdmin):
    list_display = ["activity", "volunteer", "invited_by", "created_at"]
    raw_id_fields = ["activity", "volunteer", "invited_by"]


@admin.register(FaceCheck)
class FaceCheckAdmin(AppendOnlyAdmin):
    list_display = ["volunteer", "activity", "checked_by", "checked_at"]
    raw_id_fields = ["volunteer", "activity", "checked_by"]


@admin.register(Attendance)
class AttendanceAdmin(AppendOnlyAdmin):
    list_display = [
        "day", "volunteer", "checked_in_at", "check_in_method", "checked_out_at", "check_out_method",
    ]  # fmt: skip
    list_filter = ["check_in_method", "check_out_method"]
    raw_id_fields = ["day", "volunteer", "check_in_by", "check_out_by"]


@admin.register(HoursEntry)
class HoursEntryAdmin(AppendOnlyAdmin):
    list_display = [
        "volunteer", "activity", "service_date", "kind", "minutes", "source", "status", "counts_from",
        "published_on", "under_dispute",
    ]  # fmt: skip
    list_filter = ["kind", "source", "status", "under_dispute"]
    date_hierarchy = "service_date"
    raw_id_fields = ["volunteer", "activity", "day", "attendance", "approved_by"]


@admin.register(HoursDispute)
class HoursDisputeAdmin(AppendOnlyAdmin):
    """Disputes are raised and answered through the services (audited); here they are read."""

    list_display = ["entry", "status", "raised_by", "raised_at", "answered_by", "answered_at"]
    list_filter = ["status"]
    date_hierarchy = "raised_at"
    raw_id_fields = ["entry", "raised_by", "answered_by"]
