"""一号通 pages: sign in, the provider's callback, link and unlink from the profile, the hand-over
of a new person to registration (``sso.handover``), and logout of both sessions."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
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
from sso.services import oidc_link_remove

logger = logging.getLogger(__name__)


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


# --- A new person -------------------------------------------------------------------------
def register(request: HttpRequest) -> HttpResponse:
    """Where the callback sends a person the provider vouches for but who has no account:
    on to the volunteer registration page, which fills in what the provider asserted and
    links the new account (``sso.handover``)."""
    _require_enabled()
    if pending_load(request.session) is None:
        return _back_to_login(request, "请先使用一号通登录。")
    if request.user.is_authenticated:
        messages.info(request, "您已登录，可在个人中心绑定一号通。")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return redirect("register-page")


@require_POST
def register_cancel(request: HttpRequest) -> HttpResponse:
    """不绑定: drop the provider's claims and register as anyone else does."""
    request.session.pop(SESSION_PENDING, None)
    messages.info(request, "已取消一号通绑定，请填写注册信息。")
    return redirect("register-page")
