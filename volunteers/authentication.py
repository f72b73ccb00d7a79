"""API token authentication in one query.

DRF's ``TokenAuthentication`` reads the token with its user, and the role checks of
``volunteers.roles`` then read the user's groups: two queries, each built by the ORM's
compiler, on every API request. Here one raw query returns the user, whether the token is
still live and the user's group names, and the groups are handed to the role checks' cache.

Tokens are ``volunteers.models.ApiToken`` rows holding only the SHA-256 of the key: the
presented key is hashed and looked up by its hash. An unknown token or an inactive user is
refused as DRF does; an expired token is refused with its own code and message.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from volunteers.models import ApiToken
from volunteers.roles import remember_groups

_SEP = "\x1f"  # ASCII unit separator: never in a group name typed in the admin


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "API 令牌已过期，请通过 POST /api/auth/token/ 重新登录获取新令牌"
    default_code = "token_expired"


def _query() -> str:
    user_model = get_user_model()
    users = user_model._meta.db_table
    groups = user_model.groups.field.related_model._meta.db_table
    through = user_model.groups.through._meta
    user_col = through.get_field(user_model._meta.model_name).column
    group_col = through.get_field("group").column
    agg = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return (
        f"SELECT u.*, t.id AS token_id, "  # noqa: S608  (names from the models)
        f"CASE WHEN t.expires_at > %s THEN 1 ELSE 0 END AS token_live, "
        f"(SELECT {agg}(g.name, %s) FROM {groups} g "
        f"JOIN {through.db_table} ug ON ug.{group_col} = g.id "
        f"WHERE ug.{user_col} = u.id) AS role_groups "
        f"FROM {ApiToken._meta.db_table} t JOIN {users} u ON u.id = t.user_id "
        f"WHERE t.key_hash = %s"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with expiry, hashed keys and the user's
    groups read at once."""

    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        key_hash = ApiToken.hash_key(key)
        params = [timezone.now(), _SEP, key_hash]
        user = next(iter(get_user_model().objects.raw(_query(), params)), None)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.token_live:
            raise TokenExpired()
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_groups(user, [g for g in (user.role_groups or "").split(_SEP) if g])
        return user, ApiToken(pk=user.token_id, user=user, key_hash=key_hash)
