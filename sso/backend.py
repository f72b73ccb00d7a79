"""The 一号通 authentication backend: mozilla-django-oidc's code flow, with

* the provider's endpoints from ``sso.provider`` (discovery with a timeout);
* the id_token checked in full: signature (RS256 from the provider's JWKS), issuer,
  audience (our client id), expiry, issued-at and the nonce of this login;
* accounts found only through an ``OidcLink`` (issuer, sub), never by e-mail or name;
* a link made only when the signed-in owner asked for it (``sso_link_user_id`` in the
  session, set by the 绑定一号通 button);
* an unknown identity handed to registration: its claims are kept, encrypted, in the
  session (``sso_pending``), no one is signed in and ``NewIdentity`` tells the callback
  (an exception, so Django does not signal a failed login that axes would count).

It runs after axes' backend, which refuses a locked-out address before any backend is
asked; it answers only calls from the callback view (``nonce`` given), never a password
login.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core import crypto
from sso import provider as sso_provider
from sso.models import OidcLink
from sso.services import oidc_link_create, oidc_link_used

logger = logging.getLogger(__name__)

SESSION_LINK_USER = "sso_link_user_id"
SESSION_PENDING = "sso_pending"
PENDING_CONTEXT = b"sso-pending"
SESSION_ID_TOKEN = "oidc_id_token"
ID_TOKEN_CONTEXT = b"sso-id-token"


# How long a provider sign-in may wait for its registration. The next registration in this
# browser links the provider's identity: on a shared computer, not someone else's an hour on.
PENDING_MAX_AGE_SECONDS = 30 * 60


def pending_store(session: Any, claims: dict[str, Any]) -> None:
    claims = {**claims, "at": int(time.time())}
    session[SESSION_PENDING] = crypto.encrypt(json.dumps(claims), context=PENDING_CONTEXT)


def pending_load(session: Any) -> dict[str, Any] | None:
    token = session.get(SESSION_PENDING)
    if not token:
        return None
    try:
        claims = json.loads(crypto.decrypt(token, context=PENDING_CONTEXT))
    except Exception:  # a stale or foreign value: start again
        claims = None
    if not claims or time.time() - claims.get("at", 0) > PENDING_MAX_AGE_SECONDS:
        session.pop(SESSION_PENDING, None)
        return None
    return claims


def id_token_store(session: Any, id_token: str) -> None:
    session[SESSION_ID_TOKEN] = crypto.encrypt(id_token, context=ID_TOKEN_CONTEXT)


def id_token_load(session: Any) -> str | None:
    token = session.get(SESSION_ID_TOKEN)
    if not token:
        return None
    try:
        return crypto.decrypt(token, context=ID_TOKEN_CONTEXT)
    except Exception:
        return None


class NewIdentity(Exception):
    """The provider vouched for an identity linked to no account: not a failed login (axes
    must not count it against the address), the callback sends the person to registration."""


class YihaotongBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Endpoints are resolved per login (sso.provider), not at start-up: SSO may be off
        # and the provider may be down, and password login must not care.
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if request is None or "nonce" not in kwargs or not sso_provider.enabled():
            return None
        op = sso_provider.provider()
        self.provider = op
        self.OIDC_OP_TOKEN_ENDPOINT = op.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = op.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = op.jwks_uri
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as exc:
            logger.warning("OIDC provider unreachable: %s", exc.__class__.__name__)
            raise sso_provider.ProviderUnavailable() from exc
        except (SuspiciousOperation, jwt.InvalidTokenError, KeyError, ValueError) as exc:
            logger.warning("OIDC login refused: %s", exc)
            raise sso_provider.SsoRefused() from exc

    def get_user(self, user_id: Any) -> Any:
        return ModelBackend.get_user(self, user_id)

    # --- the id_token ---------------------------------------------------------------------
    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("id_token signed with an unexpected algorithm")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.provider.issuer,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"id_token refused: {exc.__class__.__name__}") from exc
        aud = claims["aud"]
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("id_token for several audiences without our azp")
        return claims

    def verify_token(self, token: Any, **kwargs: Any) -> dict[str, Any]:
        if not token:
            raise SuspiciousOperation("no id_token in the token response")
        if "nonce" in kwargs and not kwargs["nonce"]:
            raise SuspiciousOperation("no nonce kept for this login")
        return super().verify_token(token, **kwargs)

    def get_userinfo(self, access_token: Any, id_token: Any, payload: dict[str, Any]) -> dict:
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload["sub"]:
                raise SuspiciousOperation("userinfo is about another subject")
            claims.update(info)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def store_tokens(self, access_token: Any, id_token: Any) -> None:
        # Kept for RP-initiated logout (id_token_hint), encrypted: it may carry the name and
        # mobile. The access token is not needed.
        id_token_store(self.request.session, id_token)

    # --- the account ----------------------------------------------------------------------
    def get_or_create_user(self, access_token: Any, id_token: Any, payload: dict) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("claims without a subject")
        issuer, sub = self.provider.issuer, str(payload["sub"])
        session = self.request.session
        link_user_id = session.pop(SESSION_LINK_USER, None)
        user = getattr(self.request, "user", None)
        if link_user_id is not None:
            if not (user and user.is_authenticated and user.pk == link_user_id):
                raise SuspiciousOperation("link asked by another session")
            oidc_link_create(user=user, issuer=issuer, sub=sub)
            messages.success(self.request, "已绑定一号通，下次可使用一号通登录。")
            return user
        link = OidcLink.objects.select_related("user").filter(issuer=issuer, sub=sub).first()
        if link is not None:
            oidc_link_used(link=link)
            return link.user
        # No one is signed in yet: the id_token waits with the claims, for the logout of the
        # account registration makes (sso.handover), not beside an anonymous session.
        id_token = id_token_load(session) or ""
        session.pop(SESSION_ID_TOKEN, None)
        pending_store(
            session,
            {
                "issuer": issuer,
                "sub": sub,
                "name": str(claims.get("name") or ""),
                "mobile": str(claims.get("phone_number") or ""),
                "id_number": str(claims.get(settings.OIDC_ID_NUMBER_CLAIM) or ""),
                "id_token": id_token,
            },
        )
        raise NewIdentity()
