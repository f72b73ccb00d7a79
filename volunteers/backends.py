"""Login with a username, an ID number or a mobile, as the manual says (本系统登录的账号通常为：
手机号码、证件号码…或用户名；所有志愿者都可以使用证件号码登录).

The ID number and mobile are encrypted at rest: they are found through their keyed blind
indexes. django-axes counts failures per *resolved* username (``axes_username``), so typing
the ID number, the mobile or the username of one account all count towards the same lock-out,
and per address as before."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core import crypto
from core.errors import ValidationFailed
from volunteers import identity


def resolve_login(identifier: str | None) -> Any | None:
    """The user a typed login identifier names: a username first, then an ID number of any
    of the five types, then a mobile (only when exactly one volunteer has it)."""
    from volunteers.models import Volunteer
    from volunteers.services import id_number_index, mobile_index

    raw = (identifier or "").strip()
    if not raw or len(raw) > 150:
        return None
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: raw}).first()
    if user is not None:
        return user
    indexes = {
        id_number_index(t, identity.normalize_id_number(t, raw)) for t in identity.IdType.values
    }
    volunteer = Volunteer.objects.select_related("user").filter(id_number_index__in=indexes).first()
    if volunteer is not None:
        return volunteer.user
    try:
        mobile = identity.validate_mobile(raw)
    except ValidationFailed:  # not a mobile: nothing more to try
        return None
    found = list(
        Volunteer.objects.select_related("user").filter(mobile_index=mobile_index(mobile))[:2]
    )
    return found[0].user if len(found) == 1 else None


class IdentifierBackend(ModelBackend):
    """``ModelBackend`` whose username may also be an ID number or a mobile."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = resolve_login(username)
        if user is None:
            # Hash anyway, so an unknown identifier answers as slowly as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """``AXES_USERNAME_CALLABLE``: the account's username when the identifier names one, so
    failures typed as username, ID number or mobile add up. Otherwise a keyed hash of the
    typed text: it may be someone's ID number or mobile, which axes' table and log must not
    keep in clear (the same text still counts towards the same lock-out)."""
    typed = ""
    if credentials:
        typed = credentials.get("username") or ""
    if not typed and request is not None and hasattr(request, "POST"):
        typed = request.POST.get("username", "")
    typed = str(typed).strip()
    user = resolve_login(typed)
    if user is not None:
        return user.get_username()
    return "?" + crypto.blind_index(typed.upper(), purpose="login_identifier")[:24]
