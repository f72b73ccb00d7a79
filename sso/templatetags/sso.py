"""``{% sso_login_button %}`` on the login page and ``{% sso_profile_panel %}`` on the
profile; both render nothing while 一号通 is off (OIDC_ISSUER unset)."""

from __future__ import annotations

from django import template

from sso import provider as sso_provider
from sso.models import OidcLink

register = template.Library()


@register.inclusion_tag("sso/login_button.html", takes_context=True)
def sso_login_button(context):
    return {"enabled": sso_provider.enabled(), "next": context.get("next", "")}


@register.inclusion_tag("sso/profile_panel.html", takes_context=True)
def sso_profile_panel(context):
    request = context["request"]
    link = None
    if sso_provider.enabled() and request.user.is_authenticated:
        link = OidcLink.objects.filter(user=request.user).first()
    return {
        "enabled": sso_provider.enabled(),
        "link": link,
        "csrf_token": context.get("csrf_token"),
    }
