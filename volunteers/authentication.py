"""API token authentication in one query.

DRF's ``TokenAuthentication`` reads the token with its user, and the role checks of
``volunteers.roles`` then read the user's groups: two queries, each built by the ORM's
compiler, on every API request. Here one raw query returns the user, the token's creation
time and the user's group names, and the groups are handed to the role checks' cache. The
rules and messages are DRF's: an unknown token or an inactive user is refused.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from volunteers.roles import remember_groups

_SEP = "\x1f"  # ASCII unit separator: never in a group name typed in the admin


def _query() -> str:
    user_model = get_user_model()
    users = user_model._meta.db_table
    groups = user_model.groups.field.related_model._meta.db_table
    through = user_model.groups.through._meta
    user_col = through.get_field(user_model._meta.model_name).column
    group_col = through.get_field("group").column
    agg = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return (
        f"SELECT u.*, t.created AS token_created, "  # noqa: S608  (names from the models)
        f"(SELECT {agg}(g.name, %s) FROM {groups} g "
        f"JOIN {through.db_table} ug ON ug.{group_col} = g.id "
        f"WHERE ug.{user_col} = u.id) AS role_groups "
        f"FROM {Token._meta.db_table} t JOIN {users} u ON u.id = t.user_id WHERE t.key = %s"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with the user's groups read at once."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user = next(iter(get_user_model().objects.raw(_query(), [_SEP, key])), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_groups(user, [g for g in (user.role_groups or "").split(_SEP) if g])
        return user, Token(key=key, user=user, created=user.token_created)
