"""The help centre in the Django admin: operations (the role in ``volunteers.roles``) add,
edit and delete categories, questions and downloads; every save and delete goes through
``helpcentre.services`` and is audited."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.forms import Textarea
from django.utils.html import format_html

from core.admin_mixins import OperationsMayEdit
from core.errors import size_label
from helpcentre import markup, services
from helpcentre.models import Category, Download, Question


class _AuditedAdmin(OperationsMayEdit, admin.ModelAdmin):
    def save_model(self, request, obj, form, change) -> None:
        changed = list(form.changed_data)
        services.help_content_save(
            actor=request.user,
            obj=obj,
            changed=changed,
            before={name: form.initial.get(name) for name in changed} if change else {},
        )

    def delete_model(self, request, obj) -> None:
        services.help_content_delete(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            services.help_content_delete(actor=request.user, obj=obj)


@admin.register(Category)
class CategoryAdmin(_AuditedAdmin):
    list_display = ["name", "slug", "position", "question_count", "updated_at"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    fields = ["name", "slug", "description", "position"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_questions=Count("questions"))

    @admin.display(description="问题数", ordering="n_questions")
    def question_count(self, obj: Category) -> int:
        return obj.n_questions


@admin.register(Question)
class QuestionAdmin(_AuditedAdmin):
    list_display = ["title", "category", "published", "position", "updated_at"]
    list_editable = ["published", "position"]
    list_filter = ["published", "category"]
    list_select_related = ["category"]
    search_fields = ["title", "slug", "body", "keywords"]
    fields = ["category", "title", "slug", "body", "preview", "keywords", "position", "published"]
    readonly_fields = ["preview"]
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 18, "cols": 90})}}

    @admin.display(description="显示效果（保存后更新）")
    def preview(self, obj: Question) -> str:
        if not obj.body:
            return "—"
        return format_html('<div class="help-preview">{}</div>', markup.render(obj.body))


@admin.register(Download)
class DownloadAdmin(_AuditedAdmin):
    list_display = ["title", "kind", "bank", "filename", "size_display", "published",
                    "updated_at"]  # fmt: skip
    list_filter = ["kind", "bank", "published"]
    list_select_related = ["bank"]
    search_fields = ["title", "slug", "filename", "description"]
    fields = ["title", "slug", "kind", "bank", "description", "file", "filename",
              "content_type", "size_display", "position", "published"]  # fmt: skip
    readonly_fields = ["content_type", "size_display"]

    @admin.display(description="文件大小", ordering="size")
    def size_display(self, obj: Download) -> str:
        return size_label(obj.size) if obj.size else "—"
