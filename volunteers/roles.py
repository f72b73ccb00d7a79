"""Roles. A volunteer owns a Volunteer row; an organisation admin holds OrganisationAdmin
rows; hotline staff and operations are Django groups."""

from __future__ import annotations

from typing import Any

HOTLINE_GROUP = "hotline"
OPERATIONS_GROUP = "operations"


def remember_groups(user: Any, names: list[str]) -> None:
    """Give the role checks the user's group names, read with the user (``volunteers.authentication``)."""
    user._role_group_cache = set(names)


def _in_group(user: Any, name: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cache = getattr(user, "_role_group_cache", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_group_cache = cache
    return name in cache


def is_hotline(user: Any) -> bool:
    return _in_group(user, HOTLINE_GROUP)


def is_operations(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _in_group(user, OPERATIONS_GROUP)


def administered_org_ids(user: Any) -> set[int]:
    """Organisations the user administers directly (their subtrees follow from the paths)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = getattr(user, "_admin_org_cache", None)
    if cache is None:
        cache = set(user.org_admin_roles.values_list("organisation_id", flat=True))
        user._admin_org_cache = cache
    return cache


def is_org_admin(user: Any) -> bool:
    return bool(administered_org_ids(user))
