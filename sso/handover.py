"""一号通 hands a new person to the volunteer registration page (``volunteers.views.register``):
the claims the provider asserted pre-fill the form — never trusted, every check of a normal
registration runs on what is posted, the real-name check included — and the new account is
linked to the identity the provider vouched for, then signed in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from sso import provider as sso_provider
from sso.backend import SESSION_PENDING, id_token_store, pending_load
from sso.services import oidc_link_create

BACKEND = "sso.backend.YihaotongBackend"
ASSERTED_FIELDS = ("name", "mobile", "id_number")


class YihaotongHandover:
    def asserted(self, request: HttpRequest) -> dict[str, str] | None:
        if not sso_provider.enabled():
            return None
        pending = pending_load(request.session)
        if pending is None:
            return None
        return {f: pending[f] for f in ASSERTED_FIELDS if pending.get(f)}

    def note(self) -> str:
        return (
            "您正在使用一号通注册：姓名、手机号码等已按一号通提供的信息填写，请核对并补充；"
            "提交后仍将进行实名认证，证件信息以认证结果为准。注册成功后本账号将与该一号通账号绑定。"
        )

    def cancel_url(self) -> str:
        return reverse("sso-register-cancel")

    def link(self, request: HttpRequest, volunteer: Any) -> None:
        pending = pending_load(request.session)
        if volunteer is not None and pending is not None:
            oidc_link_create(user=volunteer.user, issuer=pending["issuer"], sub=pending["sub"])

    def done(self, request: HttpRequest, volunteer: Any) -> HttpResponse:
        pending = pending_load(request.session) or {}
        request.session.pop(SESSION_PENDING, None)
        if volunteer is None:
            # As the ordinary sign-up: whether the ID number is registered is told only to
            # its owner (the notifier), never here.
            messages.info(
                request,
                "注册申请已提交。如您已有志愿者账号，请使用原账号登录后在个人中心绑定一号通。",
            )
            return redirect(settings.LOGIN_URL)
        auth.login(request, volunteer.user, backend=BACKEND)
        if pending.get("id_token"):  # a 一号通 session: logout ends the provider's too
            id_token_store(request.session, pending["id_token"])
        messages.success(
            request,
            f"注册成功，已绑定一号通，您的志愿者编号为 {volunteer.volunteer_no}。",
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
