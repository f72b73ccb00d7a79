"""Admin helpers: append-only models, and edits allowed by the operations role."""

from __future__ import annotations

from django.contrib import admin


class AppendOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OperationsMayEdit:
    """Admin permissions from the operations role (``volunteers.roles``), not from Django's
    per-model permissions: staff in the operations group (and superusers) view, add, change
    and delete. Mixed in before ``admin.ModelAdmin`` by the data operations keep (the
    working-day calendar, the help centre)."""

    def _allowed(self, request) -> bool:
        from volunteers.roles import is_operations

        return bool(request.user.is_staff and is_operations(request.user))

    def has_module_permission(self, request) -> bool:
        return self._allowed(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return self._allowed(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request) or super().has_delete_permission(request, obj)
