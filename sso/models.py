"""The link between a local account and a 一号通 (OpenID Connect) identity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OidcLink(models.Model):
    """One provider identity, ``(issuer, sub)``, linked to one account. Made only by the
    account's owner (after a password login, or when registering from the provider);
    never by matching an e-mail address or a name."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oidc_links",
        verbose_name=_("账号"),
    )
    issuer = models.CharField(_("身份提供方"), max_length=255)
    sub = models.CharField(_("一号通用户标识"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("一号通绑定")
        verbose_name_plural = _("一号通绑定")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="oidc_link_identity_unique"),
            models.UniqueConstraint(fields=["user", "issuer"], name="oidc_link_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.issuer}"
