"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject


def inbox(request: Any) -> dict[str, Any]:
    """``inbox_unread``: the signed-in user's unread in-site notifications, counted by one
    query and only when a template shows it (the header badge)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox_unread": 0}

    def count() -> int:
        from core.selectors import notification_unread_count

        return notification_unread_count(user=user)

    return {"inbox_unread": SimpleLazyObject(count)}
