"""Writes of the 一号通 links: each atomic and audited."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit_actions import AuditAction
from core.errors import Conflict, NotFound
from core.services import audit_log_write
from sso.models import OidcLink


@transaction.atomic
def oidc_link_create(*, user: Any, issuer: str, sub: str) -> OidcLink:
    """Link the provider identity ``(issuer, sub)`` to ``user``, who has just proved both:
    a password session (or a fresh registration) and a verified id_token."""
    taken = OidcLink.objects.filter(issuer=issuer, sub=sub).first()
    if taken is not None and taken.user_id != user.pk:
        raise Conflict(
            "该一号通账号已绑定其他志愿者账号，请先用该账号登录并解除绑定。",
            code="sso_identity_taken",
        )
    if taken is not None:
        return taken
    if OidcLink.objects.filter(user=user, issuer=issuer).exists():
        raise Conflict(
            "您的账号已绑定另一个一号通账号，请先在个人中心解除绑定。",
            code="sso_already_linked",
        )
    try:
        with transaction.atomic():
            link = OidcLink.objects.create(user=user, issuer=issuer, sub=sub)
    except IntegrityError as exc:  # a concurrent link of the same identity
        raise Conflict("该一号通账号已绑定其他志愿者账号。", code="sso_identity_taken") from exc
    audit_log_write(
        action=AuditAction.OIDC_LINK_CREATE, actor=user, target=link, data={"issuer": issuer}
    )
    return link


@transaction.atomic
def oidc_link_remove(*, user: Any) -> None:
    """Unlink the account from 一号通; password login stays as it was."""
    links = list(OidcLink.objects.select_for_update().filter(user=user))
    if not links:
        raise NotFound("您的账号尚未绑定一号通", code="sso_not_linked")
    for link in links:
        audit_log_write(
            action=AuditAction.OIDC_LINK_REMOVE,
            actor=user,
            target=link,
            data={"issuer": link.issuer},
        )
        link.delete()


def oidc_link_used(*, link: OidcLink) -> None:
    OidcLink.objects.filter(pk=link.pk).update(last_login_at=timezone.now())
