"""一号通 pages: sign in, the provider's callback, link and unlink from the profile, the
registration step of a new person, and logout of both sessions."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from core.errors import ServiceError
from sso import provider as sso_provider
from sso.backend import (
    SESSION_LINK_USER,
    SESSION_PENDING,
    NewIdentity,
    id_token_load,
    pending_load,
)
from sso.services import oidc_link_create, oidc_link_remove
from volunteers.models import Organisation
from volunteers.services import GUANGDONG_CITY_CODES, volunteer_sign_up

logger = logging.getLogger(__name__)
BACKEND = "sso.backend.YihaotongBackend"


def _require_enabled() -> None:
    if not sso_provider.enabled():
        raise Http404("一号通登录未启用")


def _back_to_login(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(settings.LOGIN_URL)


class LoginStartView(OIDCAuthenticationRequestView):
    """使用一号通登录: off to the provider with a fresh state and nonce."""

    http_method_names = ["get", "post"]

    def __init__(self, **kwargs):  # endpoints resolved per request (sso.provider)
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        try:
            op = sso_provider.provider()
        except sso_provider.ProviderUnavailable as exc:
            return _back_to_login(request, exc.message)
        self.OIDC_OP_AUTH_ENDPOINT = op.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        request.session.pop(SESSION_LINK_USER, None)
        request.session.pop(SESSION_PENDING, None)
        return super().get(request)


login_start = LoginStartView.as_view()


@require_POST
@login_required
def link_start(request: HttpRequest) -> HttpResponse:
    """绑定一号通 (from the profile, signed in with a password): the callback links the
    identity the provider vouches for to this account."""
    _require_enabled()
    try:
        op = sso_provider.provider()
    except sso_provider.ProviderUnavailable as exc:
        messages.error(request, exc.message)
        return redirect(settings.LOGIN_REDIRECT_URL)
    view = LoginStartView()
    view.setup(request)
    view.OIDC_OP_AUTH_ENDPOINT = op.authorization_endpoint
    view.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
    response = OIDCAuthenticationRequestView.get(view, request)
    request.session[SESSION_LINK_USER] = request.user.pk
    request.session["oidc_login_next"] = resolve_url(settings.LOGIN_REDIRECT_URL)
    return response


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with ``code`` and ``state``. The library
    checks the state against this session's and spends it (no replay); the backend checks
    the id_token. Every refusal ends on the login page with a Chinese message."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        if request.GET.get("error"):
            super().get(request)
            return _back_to_login(request, "已取消一号通登录，您可以使用用户名和密码登录。")
        try:
            return super().get(request)
        except NewIdentity:
            return redirect("sso-register")
        except ServiceError as exc:
            message = exc.message
        except SuspiciousOperation:  # the state is not this session's
            message = sso_provider.SsoRefused.default_message
        if request.user.is_authenticated:
            messages.error(request, message)
            return redirect(settings.LOGIN_REDIRECT_URL)
        return _back_to_login(request, message)

    def login_failure(self) -> HttpResponse:
        # No user: the state was missing, or axes refused the address (locked out).
        return _back_to_login(self.request, sso_provider.SsoRefused.default_message)


callback = CallbackView.as_view()


@require_POST
@login_required
def unlink(request: HttpRequest) -> HttpResponse:
    try:
        oidc_link_remove(user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已解除一号通绑定，请使用用户名和密码登录。")
    return redirect(settings.LOGIN_REDIRECT_URL)


def provider_logout_url(request: HttpRequest) -> str:
    """Where logout sends the browser: the provider's end_session_endpoint with the
    id_token of this sign-in, so both sessions end; our login page when the session did
    not come from 一号通 or the provider cannot be reached."""
    local = request.build_absolute_uri(resolve_url(settings.LOGIN_URL))
    id_token = id_token_load(request.session)
    if not (id_token and sso_provider.enabled()):
        return resolve_url(settings.LOGIN_URL)
    try:
        op = sso_provider.provider()
    except sso_provider.ProviderUnavailable:
        messages.warning(request, "已退出本站；一号通暂时无法连接，其登录状态未能同时退出。")
        return resolve_url(settings.LOGIN_URL)
    if not op.end_session_endpoint:
        return resolve_url(settings.LOGIN_URL)
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": local,
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{op.end_session_endpoint}?{query}"


class LogoutView(OIDCLogoutView):
    """退出 (POST, as every logout button posts): ends our session, then the provider's."""

    def post(self, request: HttpRequest) -> HttpResponse:
        target = provider_logout_url(request) if request.user.is_authenticated else None
        auth.logout(request)
        if target is None or target == resolve_url(settings.LOGIN_URL):
            # Not a 一号通 session: where the form asked (a local page), as Django's view.
            asked = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(
                asked, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = asked
        return HttpResponseRedirect(target or resolve_url(settings.LOGIN_URL))


logout = LogoutView.as_view()


# --- Registration of a new person ----------------------------------------------------------
class RegisterForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, strip=False)
    name = forms.CharField(label="姓名", max_length=50)
    id_type = forms.ChoiceField(
        label="证件类型",
        choices=[
            ("01", "居民身份证"),
            ("02", "港澳居民来往内地通行证"),
            ("03", "台湾居民来往大陆通行证"),
            ("04", "护照"),
        ],
    )
    id_number = forms.CharField(label="证件号码", max_length=30)
    id_expiry = forms.DateField(
        label="证件有效期至", widget=forms.DateInput(attrs={"type": "date"})
    )
    mobile = forms.CharField(label="手机号码", max_length=20)
    city_code = forms.ChoiceField(label="注册地市", choices=sorted(GUANGDONG_CITY_CODES.items()))
    organisation = forms.ModelChoiceField(
        label="归属组织", queryset=Organisation.objects.order_by("path"), empty_label=None
    )


def _sign_up_and_link(data: dict, pending: dict) -> Any:
    volunteer = volunteer_sign_up(
        username=data["username"],
        password=data["password"],
        name=data["name"],
        id_type=data["id_type"],
        id_number=data["id_number"],
        id_expiry=data["id_expiry"],
        mobile=data["mobile"],
        city_code=data["city_code"],
        organisation_ids=[data["organisation"].pk],
    )
    if volunteer is not None:
        oidc_link_create(user=volunteer.user, issuer=pending["issuer"], sub=pending["sub"])
    return volunteer


def register(request: HttpRequest) -> HttpResponse:
    """The registration step of a person the provider vouches for but who has no account:
    the form comes pre-filled with the provider's claims, and ``volunteer_sign_up`` runs
    every check of a normal registration (the real-name check included) on what is posted;
    nothing the provider asserted is taken as verified. On success the new account is
    linked to the identity and signed in."""
    _require_enabled()
    pending = pending_load(request.session)
    if pending is None:
        return _back_to_login(request, "请先使用一号通登录。")
    if request.user.is_authenticated:
        messages.info(request, "您已登录，可在个人中心绑定一号通。")
        return redirect(settings.LOGIN_REDIRECT_URL)
    initial = {"name": pending["name"], "mobile": pending["mobile"]}
    if pending["id_number"]:
        initial["id_number"] = pending["id_number"]
    form = RegisterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                volunteer = _sign_up_and_link(data, pending)
        except ServiceError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            request.session.pop(SESSION_PENDING, None)
            if volunteer is None:
                # As the ordinary sign-up: whether the ID number is registered is told only
                # to its owner (the notifier), never here.
                messages.info(
                    request,
                    "注册申请已提交。如您已有志愿者账号，请使用原账号登录后在个人中心绑定一号通。",
                )
                return redirect(settings.LOGIN_URL)
            auth.login(request, volunteer.user, backend=BACKEND)
            messages.success(request, f"注册成功，您的志愿者编号为 {volunteer.volunteer_no}。")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "sso/register.html",
        {"form": form, "cancel": reverse("login")},
    )
