"""Django admin for certificates: read-only; requests, rendering and revocation go through
the services (they check the rules, write the audit log and notify)."""

from django.contrib import admin

from certificates.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["number", "volunteer", "scope", "status", "issued_on", "requested_at"]
    list_filter = ["status", "scope", "issued_on"]
    search_fields = ["number", "volunteer__volunteer_no"]
    raw_id_fields = ["volunteer", "activity", "revoked_by"]
    exclude = ["pdf"]
    readonly_fields = [f.name for f in Certificate._meta.concrete_fields if f.name != "pdf"] + [
        "organisations"
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
