"""Where the 一号通 identity provider is: its issuer from OIDC_ISSUER and its endpoints,
either explicit (OIDC_OP_*_ENDPOINT) or discovered from
``{issuer}/.well-known/openid-configuration`` with a timeout. SSO is off when OIDC_ISSUER
is empty; an unreachable provider raises ``ProviderUnavailable`` and password login goes on
working."""

from __future__ import annotations

import dataclasses
import logging

import requests
from django.conf import settings
from django.core.cache import cache

from core.errors import ServiceError

logger = logging.getLogger(__name__)

CACHE_KEY = "sso:discovery:{issuer}"
CACHE_SECONDS = 3600


class ProviderUnavailable(ServiceError):
    code = "sso_unavailable"
    http_status = 503
    default_message = "一号通暂时无法连接，请稍后再试，或使用用户名和密码登录。"


class SsoRefused(ServiceError):
    code = "sso_refused"
    http_status = 400
    default_message = "一号通登录未通过校验，请重新登录。"


@dataclasses.dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ISSUER", ""))


def _explicit() -> dict[str, str]:
    return {
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
        "end_session_endpoint": settings.OIDC_OP_LOGOUT_ENDPOINT,
    }


def _discover(issuer: str) -> dict[str, str]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        doc = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OIDC discovery failed at %s: %s", url, exc.__class__.__name__)
        raise ProviderUnavailable() from exc
    if not isinstance(doc, dict) or doc.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        logger.warning("OIDC discovery at %s names another issuer", url)
        raise ProviderUnavailable()
    return {
        key: str(doc.get(key) or "")
        for key in (
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
            "end_session_endpoint",
        )
    }


def provider() -> Provider:
    """The provider's endpoints; explicit settings win over discovery, which is cached."""
    issuer = settings.OIDC_ISSUER
    if not issuer:
        raise ProviderUnavailable("一号通登录未启用", code="sso_disabled")
    endpoints = _explicit()
    if not all(endpoints[k] for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
        key = CACHE_KEY.format(issuer=issuer)
        found = cache.get(key)
        if found is None:
            found = _discover(issuer)
            cache.set(key, found, CACHE_SECONDS)
        endpoints = {k: v or found.get(k, "") for k, v in endpoints.items()}
    if not all(endpoints[k] for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
        raise ProviderUnavailable()
    return Provider(issuer=issuer, **endpoints)
