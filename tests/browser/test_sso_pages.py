"""一号通 in a real browser, at both widths: a new person signs in with the provider, lands on
the volunteer registration page with the provider's claims filled in, registers (choosing the
organisation from the tree) and is signed in and linked; logout ends the provider's session
too. The provider is the tests' small local one (sso/tests/local_provider.py), whose token,
userinfo and key endpoints the service calls; the person's visits to its pages are played by
the test."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from sso.models import OidcLink
from sso.tests.local_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider
from tests.browser.conftest import REGISTRATION, fill_form
from volunteers.models import Volunteer
from volunteers.tests.factories import mainland_id


@pytest.fixture
def idp(settings):
    with LocalProvider() as provider:
        settings.OIDC_ISSUER = provider.issuer
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        yield provider


def test_a_new_person_signs_in_with_the_provider_registers_and_logs_out_of_both(web, roles, idp):
    id_number = mainland_id(birth=dt.date(1999, 9, 9), male=False)
    claims = {"name": "李新人", "phone_number": "13900001111", "id_number": id_number}
    ended = []
    page = web.page()

    # A route does not see the request a redirect leads to, so the provider is played at the
    # service's own answers: the redirect to the provider becomes the provider's redirect back.
    def redirected(route) -> tuple[dict, str]:
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)  # the session cookie of this step included
        return headers, headers["location"]

    def approve(route):  # the person signs in at the provider and approves
        headers, authorize = redirected(route)
        code, state = idp.approve(authorize, sub="yht-new", claims=claims)
        headers["location"] = "/sso/callback/?" + urlencode({"code": code, "state": state})
        route.fulfill(status=302, headers=headers)

    def end_session(route):  # the provider ends its session and sends the browser back
        headers, logout = redirected(route)
        query = {k: v[0] for k, v in parse_qs(urlparse(logout).query).items()}
        ended.append(query["id_token_hint"])
        headers["location"] = query["post_logout_redirect_uri"]
        route.fulfill(status=302, headers=headers)

    page.route("**/sso/login/", approve)
    page.route("**/accounts/logout/", end_session)

    web.visit(page, "/accounts/login/", "login-sso")
    page.click("text=使用一号通登录")
    page.wait_for_url("**/register/")
    web.check(page, "register-sso")
    assert "您正在使用一号通注册" in page.locator("#handover-note").inner_text()
    assert page.input_value("#id_name") == "李新人"
    assert page.input_value("#id_mobile") == "13900001111"
    assert page.input_value("#id_id_number") == id_number
    page.locator(f"#org-tree input[data-org='{roles['organisation'].pk}']").check()
    fill_form(page, {"username": "lixinren", **REGISTRATION})
    page.click("#register-submit")
    page.wait_for_url("**/me/")
    assert "注册成功，已绑定一号通" in page.locator(".msg-success").inner_text()
    web.check(page, "me-registered-sso")
    volunteer = Volunteer.objects.get(user__username="lixinren")
    assert volunteer.verification == Volunteer.Verification.VERIFIED
    assert OidcLink.objects.get(sub="yht-new").user == volunteer.user

    if page.is_visible("#menu-toggle"):
        page.click("#menu-toggle")
    page.click("header form button[type=submit]")  # 退出
    page.wait_for_url("**/accounts/login/")
    assert len(ended) == 1  # the provider was asked to end its session too
    web.check(page, "login-after-sso-logout")
