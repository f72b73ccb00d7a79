from django.contrib import admin

from core.admin_mixins import AppendOnlyAdmin
from insurance.models import CoverageYear, Policy


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("policy_no", "bank", "insurer", "volunteer", "coverage_start", "coverage_end",
                    "status", "source_file")  # fmt: skip
    list_filter = ("bank", "status", "insurer")
    search_fields = ("policy_no", "volunteer__volunteer_no", "application__card_ref")
    raw_id_fields = ("application", "volunteer")
    date_hierarchy = "coverage_start"


@admin.register(CoverageYear)
class CoverageYearAdmin(AppendOnlyAdmin):
    """A derived table rebuilt nightly: read-only here."""

    list_display = ("volunteer", "year_index", "starts_on", "ends_on", "covered", "reason",
                    "qualifying_date", "computed_at")  # fmt: skip
    list_filter = ("covered", "reason")
    search_fields = ("volunteer__volunteer_no",)
    raw_id_fields = ("volunteer",)
