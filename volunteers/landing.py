"""Where each person lands after login, and the header menu of the pages their roles open.

Roles, from the most specific to the most general: hotline, operations, organisation admin,
site admin (Django admin), volunteer. A person with several roles lands on the most specific
one's page and finds the others in the menu."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from volunteers.roles import OPERATIONS_GROUP, _in_group, is_hotline, is_operations, is_org_admin


@dataclass(frozen=True)
class MenuItem:
    role: str
    label: str
    url: str


def _roles(user: Any) -> dict[str, bool]:
    """Every role of ``user`` in one query (the header asks on every page)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from volunteers.models import OrganisationAdmin, Volunteer
    from volunteers.roles import HOTLINE_GROUP

    User = get_user_model()
    groups = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            r_hotline=Exists(groups.filter(group__name=HOTLINE_GROUP)),
            r_operations=Exists(groups.filter(group__name=OPERATIONS_GROUP)),
            r_org_admin=Exists(OrganisationAdmin.objects.filter(user_id=OuterRef("pk"))),
            r_volunteer=Exists(Volunteer.objects.filter(user_id=OuterRef("pk"))),
        )
        .values("r_hotline", "r_operations", "r_org_admin", "r_volunteer")
        .first()
    ) or {}
    return {k[2:]: bool(v) for k, v in row.items()}


def menu_for(user: Any) -> list[MenuItem]:
    """The pages the user's roles open, in the order of the landing rule."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = _roles(user)
    items: list[MenuItem] = []
    if roles.get("hotline"):
        items.append(MenuItem("hotline", "热线查询", "/staff/hotline/"))
    if roles.get("operations") or user.is_superuser:
        items += [
            MenuItem("operations", "交换状态", "/staff/ops/"),
            MenuItem("operations", "捐款统计", "/staff/donations/"),
            MenuItem("operations", "保单核对", "/staff/insurance/reconciliation/"),
        ]
    if roles.get("org_admin"):
        items.append(MenuItem("org_admin", "组织管理", "/org/"))
    if user.is_staff:
        items.append(MenuItem("admin", "后台管理", "/admin/"))
    if roles.get("volunteer"):
        items.append(MenuItem("volunteer", "个人中心", "/me/"))
    return items


def landing_url(user: Any) -> str:
    """The page of the user's most specific role; /me/ for a volunteer or anyone else (it
    offers registration to a person who is not a volunteer yet)."""
    if is_hotline(user):
        return "/staff/hotline/"
    # A superuser counts as operations for the pages, but lands on the admin unless they
    # are in the operations group themselves.
    if _in_group(user, OPERATIONS_GROUP):
        return "/staff/ops/"
    if is_org_admin(user):
        return "/org/"
    if user.is_staff:
        return "/admin/"
    if is_operations(user):
        return "/staff/ops/"
    return "/me/"


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """LOGIN_REDIRECT_URL: send the person to their own page."""
    return redirect(landing_url(request.user))


def role_menu(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: ``role_menu`` for the header (lazy: only pages that render
    the header pay for the role look-ups)."""
    user = getattr(request, "user", None)
    return {"role_menu": _Lazy(lambda: menu_for(user))}


class _Lazy:
    def __init__(self, fn: Any) -> None:
        self._fn = fn
        self._value: list[MenuItem] | None = None

    def _get(self) -> list[MenuItem]:
        if self._value is None:
            self._value = self._fn()
        return self._value

    def __iter__(self):
        return iter(self._get())

    def __bool__(self) -> bool:
        return bool(self._get())

    def __len__(self) -> int:
        return len(self._get())
