from django import forms
from django.contrib import admin
from django.db.models import Q

from core.audit_actions import AuditAction
from core.services import audit_log_write
from volunteers import identity, services
from volunteers.models import ApiToken, Membership, Organisation, OrganisationAdmin, Volunteer


@admin.register(Organisation)
class OrganisationAdminView(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "city_code", "help_phone"]
    list_filter = ["kind", "city_code"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]
    fieldsets = [
        (None, {"fields": ["name", "code", "kind", "parent", "path", "city_code"]}),
        (
            "组织主页（公开显示）",
            {"fields": ["intro", "address", "contact_name", "help_phone", "help_email"]},
        ),
        ("实名核验联系方式（公开显示）", {"fields": ["verification_phone", "verification_note"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class TreeForm(form):
            def clean_parent(self):
                parent = self.cleaned_data.get("parent")
                if services.organisation_parent_is_own_subtree(self.instance, parent):
                    raise forms.ValidationError(services.ORG_PARENT_CYCLE)
                return parent

        return TreeForm

    def save_model(self, request, obj, form, change) -> None:
        """The model's validators checked the form (as in the org console); the node takes its
        place in the tree (a new parent moves the subtree); the change is audited with the
        names of the fields that changed."""
        super().save_model(request, obj, form, change)
        services.organisation_tree_place(organisation=obj, actor=request.user)
        if change and form.changed_data:
            audit_log_write(
                action=AuditAction.ORGANISATION_CHANGE,
                actor=request.user,
                target=obj,
                data={"fields": sorted(form.changed_data)},
            )


@admin.register(OrganisationAdmin)
class OrganisationAdminRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    raw_id_fields = ["user", "organisation"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["organisation", "decided_by"]
    fk_name = "volunteer"


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    """Personal data is shown masked and cannot be edited here: changes go through the
    services, which validate and audit them."""

    list_display = [
        "volunteer_no", "name_masked", "id_type", "id_number_masked", "mobile_masked",
        "city_code", "verification", "registered_at",
    ]  # fmt: skip
    list_filter = ["id_type", "verification", "city_code"]
    search_fields = ["volunteer_no"]
    search_help_text = "输入志愿者编号，或完整的证件号码、手机号码"
    exclude = ["id_number", "mobile", "address"]
    readonly_fields = [
        "user", "volunteer_no", "name", "gender", "birth_date", "nationality", "id_type",
        "id_number_masked", "id_expiry", "mobile_masked", "address_masked", "city_code",
        "registered_at", "verified_at",
    ]  # fmt: skip
    inlines = [MembershipInline]

    @admin.display(description="姓名")
    def name_masked(self, obj: Volunteer) -> str:
        return obj.name_masked

    @admin.display(description="证件号码")
    def id_number_masked(self, obj: Volunteer) -> str:
        return obj.id_number_masked

    @admin.display(description="手机号码")
    def mobile_masked(self, obj: Volunteer) -> str:
        return obj.mobile_masked

    @admin.display(description="通讯地址")
    def address_masked(self, obj: Volunteer) -> str:
        return obj.address_masked

    def has_add_permission(self, request) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        """A full ID number or mobile finds its volunteer through the blind index (the
        columns are encrypted, so a LIKE search cannot see them); never a partial match."""
        base = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return queryset, may_have_duplicates
        indexes = {
            services.id_number_index(t, identity.normalize_id_number(t, term))
            for t in identity.IdType.values
        }
        by_index = base.filter(
            Q(id_number_index__in=indexes) | Q(mobile_index=services.mobile_index(term))
        )
        return queryset | by_index, may_have_duplicates


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "organisation", "status", "applied_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["volunteer", "organisation", "decided_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked (deleted) here, never made: the key exists only in
    the answer of POST /api/auth/token/."""

    list_display = ["user", "created", "expires_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "key_hash", "created", "expires_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
