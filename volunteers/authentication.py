"""API token authentication in one query.

DRF's ``TokenAuthentication`` reads the token with its user, and the role checks of
``volunteers.roles`` then read the user's groups: two queries, each built by the ORM's
compiler, on every API request. Here one hand-written query (``volunteers.fast``) returns
the user, whether the token is still live and the user's group names, and the groups are
handed to the role checks' cache.

Tokens are ``volunteers.models.ApiToken`` rows holding only the SHA-256 of the key: the
presented key is hashed and looked up by its hash. An unknown token or an inactive user is
refused as DRF does; an expired token is refused with its own code and message.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from volunteers.fast import token_owner
from volunteers.models import ApiToken
from volunteers.roles import remember_groups


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "API 令牌已过期，请通过 POST /api/auth/token/ 重新登录获取新令牌"
    default_code = "token_expired"


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's, with expiry, hashed keys and the user's
    groups read at once."""

    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        key_hash = ApiToken.hash_key(key)
        owner = token_owner(key_hash, now=timezone.now())
        if owner is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not owner.live:
            raise TokenExpired()
        user = owner.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_groups(user, owner.groups)
        return user, ApiToken(pk=owner.token_id, user=user, key_hash=key_hash)
