"""一号通 sign-in against a real (small) OpenID provider on a loopback port."""

from __future__ import annotations

import time
from unittest import mock
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from core.models import AuditLog
from sso.backend import id_token_load
from sso.models import OidcLink
from sso.tests.local_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider
from volunteers.models import Volunteer
from volunteers.tests.factories import OrganisationFactory, UserFactory, mainland_id, make_volunteer

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
UNAVAILABLE = "一号通暂时无法连接，请稍后再试，或使用用户名和密码登录。"
REFUSED = "一号通登录未通过校验，请重新登录。"


@pytest.fixture
def idp():
    with LocalProvider() as provider:
        yield provider


@pytest.fixture
def sso_on(settings, idp):
    settings.OIDC_ISSUER = idp.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    return idp


def start(client, path="/sso/login/", method="get"):
    response = getattr(client, method)(path)
    assert response.status_code == 302, response
    return response["Location"]


def sign_in(client, idp, *, sub, claims=None, start_path="/sso/login/", method="get", **bend):
    authorize = start(client, start_path, method)
    code, state = idp.approve(authorize, sub=sub, claims=claims, **bend)
    return client.get("/sso/callback/", {"code": code, "state": state})


def password_login(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def signed_in_user(client):
    from django.contrib.auth import get_user

    return get_user(client)


def page_text(client, url="/accounts/login/"):
    return client.get(url).content.decode()


def link(client, idp, volunteer, sub="yht-0001"):
    password_login(client, volunteer.user)
    response = sign_in(client, idp, sub=sub, start_path="/sso/link/", method="post")
    assert response.status_code == 302
    assert response["Location"] == "/start/"
    return response


# --- linking, signing in, unlinking -----------------------------------------------------------
def test_link_from_profile_then_sign_in_with_the_provider(client, sso_on):
    volunteer = make_volunteer()
    link(client, sso_on, volunteer)
    assert OidcLink.objects.get(issuer=sso_on.issuer, sub="yht-0001").user == volunteer.user
    assert AuditLog.objects.filter(action="oidc_link_create").count() == 1
    assert "已绑定一号通" in page_text(client, "/me/")

    client.post("/accounts/logout/")
    assert not signed_in_user(client).is_authenticated
    response = sign_in(client, sso_on, sub="yht-0001")
    assert response.status_code == 302 and response["Location"] == "/start/"
    assert signed_in_user(client) == volunteer.user


def test_profile_shows_the_link_button_and_login_page_the_sign_in_button(client, sso_on):
    volunteer = make_volunteer()
    assert "使用一号通登录" in page_text(client)
    password_login(client, volunteer.user)
    assert "绑定一号通" in page_text(client, "/me/")


def test_nothing_of_sso_shows_while_it_is_off(client, settings):
    settings.OIDC_ISSUER = ""
    assert "一号通" not in page_text(client)
    assert client.get("/sso/login/").status_code == 404


def test_unlink_is_audited_and_the_identity_no_longer_signs_in(client, sso_on):
    volunteer = make_volunteer()
    link(client, sso_on, volunteer)
    response = client.post("/sso/unlink/")
    assert response.status_code == 302
    assert not OidcLink.objects.exists()
    assert AuditLog.objects.filter(action="oidc_link_remove", actor=volunteer.user).exists()

    client.post("/accounts/logout/")
    response = sign_in(client, sso_on, sub="yht-0001")
    assert response["Location"] == "/sso/register/"
    assert not signed_in_user(client).is_authenticated


def test_an_identity_linked_to_another_account_is_not_linked_again(client, sso_on):
    first, second = make_volunteer(), make_volunteer()
    link(client, sso_on, first)
    client.post("/accounts/logout/")
    password_login(client, second.user)
    response = sign_in(client, sso_on, sub="yht-0001", start_path="/sso/link/", method="post")
    assert response["Location"] == "/start/"
    assert "该一号通账号已绑定其他志愿者账号" in page_text(client, "/me/")
    assert OidcLink.objects.get().user == first.user
    assert signed_in_user(client) == second.user


def test_no_account_is_matched_by_email_or_name(client, sso_on):
    UserFactory(username="xiaoming", email="xiaoming@example.org")
    response = sign_in(
        client,
        sso_on,
        sub="yht-new",
        claims={"email": "xiaoming@example.org", "preferred_username": "xiaoming"},
    )
    assert response["Location"] == "/sso/register/"
    assert not signed_in_user(client).is_authenticated


# --- state, nonce, issuer, audience, expiry ---------------------------------------------------
def test_a_wrong_state_is_refused_before_the_code_is_spent(client, sso_on):
    make_volunteer()
    authorize = start(client)
    code, _ = sso_on.approve(authorize, sub="yht-0001")
    response = client.get("/sso/callback/", {"code": code, "state": "forged-state"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert REFUSED in page_text(client)
    assert sso_on.token_requests == []
    assert not signed_in_user(client).is_authenticated


def test_a_replayed_callback_is_refused(client, sso_on):
    volunteer = make_volunteer()
    link(client, sso_on, volunteer)
    client.post("/accounts/logout/")
    authorize = start(client)
    code, state = sso_on.approve(authorize, sub="yht-0001")
    assert client.get("/sso/callback/", {"code": code, "state": state})["Location"] == "/start/"
    client.post("/accounts/logout/")
    spent = len(sso_on.token_requests)
    response = client.get("/sso/callback/", {"code": code, "state": state})
    assert response["Location"] == "/accounts/login/"
    assert len(sso_on.token_requests) == spent
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize(
    "bend",
    [
        pytest.param({"nonce": "nonce-of-another-login"}, id="mismatched nonce"),
        pytest.param({"nonce": None}, id="no nonce"),
        pytest.param({"iss": "https://evil.example.org/idp"}, id="wrong issuer"),
        pytest.param({"aud": "another-client"}, id="wrong audience"),
        pytest.param(
            {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"
        ),
        pytest.param(
            {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
            id="signed by another key",
        ),
    ],
)
def test_a_bad_id_token_is_refused(client, sso_on, bend):
    volunteer = make_volunteer()
    OidcLink.objects.create(user=volunteer.user, issuer=sso_on.issuer, sub="yht-0001")
    response = sign_in(client, sso_on, sub="yht-0001", **bend)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert REFUSED in page_text(client)
    assert not signed_in_user(client).is_authenticated


def test_a_good_id_token_signs_in(client, sso_on):
    """The counterpart of the refusals above: the same set-up, nothing bent."""
    volunteer = make_volunteer()
    OidcLink.objects.create(user=volunteer.user, issuer=sso_on.issuer, sub="yht-0001")
    assert sign_in(client, sso_on, sub="yht-0001")["Location"] == "/start/"
    assert signed_in_user(client) == volunteer.user


# --- a new person -------------------------------------------------------------------------
def register_form(org, id_number, **overrides):
    body = {
        "action": "register", "username": "lixinren", "password": "a-long-pass-phrase-9",
        "password2": "a-long-pass-phrase-9", "name": "李新人", "id_type": "01",
        "id_number": id_number, "id_expiry": "2099-01-01", "mobile": "13900001111",
        "city_code": "440100", "organisation_ids": [org.pk],
    }  # fmt: skip
    return {**body, **overrides}


def test_a_new_person_is_handed_to_registration_with_the_claims_pre_filled(client, sso_on):
    org = OrganisationFactory()
    id_number = mainland_id()
    claims = {"name": "李新人", "phone_number": "13900001111", "id_number": id_number}
    response = sign_in(client, sso_on, sub="yht-new", claims=claims)
    assert response["Location"] == "/sso/register/"
    assert client.get("/sso/register/")["Location"] == "/register/"
    page = client.get("/register/")
    values = page.context["values"]
    assert (values["name"], values["mobile"], values["id_number"]) == (
        "李新人", "13900001111", id_number,
    )  # fmt: skip
    assert "您正在使用一号通注册" in page.content.decode()

    response = client.post("/register/", register_form(org, id_number))
    assert response.status_code == 302 and response["Location"] == "/start/"
    volunteer = Volunteer.objects.get(user__username="lixinren")
    assert volunteer.verification == "verified"  # the real-name check ran
    assert OidcLink.objects.get(sub="yht-new").user == volunteer.user
    assert signed_in_user(client) == volunteer.user
    assert "sso_pending" not in client.session
    # Signing out ends the provider's session too; signing in again finds the account.
    logout = urlparse(client.post("/accounts/logout/")["Location"])
    assert f"{logout.scheme}://{logout.netloc}{logout.path}" == sso_on.issuer + "/logout"
    assert "id_token_hint" in parse_qs(logout.query)
    assert sign_in(client, sso_on, sub="yht-new")["Location"] == "/start/"
    assert signed_in_user(client) == volunteer.user


def test_an_id_number_asserted_by_the_provider_is_still_checked(client, sso_on):
    org = OrganisationFactory()
    good = mainland_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # the wrong check digit
    sign_in(client, sso_on, sub="yht-new", claims={"name": "李新人", "id_number": bad})
    assert client.get("/register/").context["values"]["id_number"] == bad
    response = client.post("/register/", register_form(org, bad))
    assert response.status_code == 200
    assert "error-id_number" in response.content.decode()
    assert not Volunteer.objects.filter(user__username="lixinren").exists()
    assert not OidcLink.objects.exists()


def test_an_id_number_with_an_account_links_nothing_and_tells_only_its_owner(client, sso_on):
    owner = make_volunteer()
    org = OrganisationFactory()
    sign_in(client, sso_on, sub="yht-new", claims={"name": "李新人"})
    response = client.post("/register/", register_form(org, owner.id_number))
    assert response["Location"] == "/accounts/login/"
    assert "如您已有志愿者账号，请使用原账号登录后在个人中心绑定一号通" in page_text(client)
    assert not OidcLink.objects.exists()
    assert not signed_in_user(client).is_authenticated


def test_registering_without_the_provider_links_nothing(client, sso_on):
    org = OrganisationFactory()
    sign_in(client, sso_on, sub="yht-new", claims={"name": "李新人"})
    assert client.post("/sso/register/cancel/")["Location"] == "/register/"
    page = client.get("/register/")
    assert page.context["values"]["name"] == ""
    assert "您正在使用一号通注册" not in page.content.decode()
    response = client.post("/register/", register_form(org, mainland_id()))
    assert response["Location"] == "/register/done/"
    assert Volunteer.objects.filter(user__username="lixinren").exists()
    assert not OidcLink.objects.exists()


def test_a_provider_sign_in_waits_half_an_hour_for_its_registration(client, sso_on):
    from sso.backend import PENDING_MAX_AGE_SECONDS

    sign_in(client, sso_on, sub="yht-new", claims={"name": "李新人"})
    later = time.time() + PENDING_MAX_AGE_SECONDS + 1
    with mock.patch("sso.backend.time.time", return_value=later):
        assert client.get("/sso/register/")["Location"] == "/accounts/login/"
        assert client.get("/register/").context["handover"] is None


def test_registration_needs_a_provider_sign_in_first(client, sso_on):
    response = client.get("/sso/register/")
    assert response["Location"] == "/accounts/login/"


# --- logout -----------------------------------------------------------------------------------
def test_logout_ends_the_provider_session_too(client, sso_on):
    volunteer = make_volunteer()
    OidcLink.objects.create(user=volunteer.user, issuer=sso_on.issuer, sub="yht-0001")
    sign_in(client, sso_on, sub="yht-0001")
    assert "eyJ" not in client.session["oidc_id_token"]  # no JWT in the clear at rest
    id_token = id_token_load(client.session)
    assert jwt.decode(id_token, options={"verify_signature": False})["sub"] == "yht-0001"
    response = client.post("/accounts/logout/")
    target = urlparse(response["Location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == sso_on.issuer + "/logout"
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/accounts/login/"
    assert not signed_in_user(client).is_authenticated


def test_logout_of_a_password_session_stays_here(client, sso_on):
    volunteer = make_volunteer()
    password_login(client, volunteer.user)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert not signed_in_user(client).is_authenticated
    password_login(client, volunteer.user)
    assert client.post("/accounts/logout/", {"next": "/"})["Location"] == "/"
    password_login(client, volunteer.user)
    response = client.post("/accounts/logout/", {"next": "https://evil.example.org/"})
    assert response["Location"] == "/accounts/login/"


# --- the provider down --------------------------------------------------------------------
def test_discovery_unreachable_leaves_password_login_working(client, settings, idp):
    settings.OIDC_ISSUER = idp.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    idp.server.shutdown()
    idp.server.server_close()
    volunteer = make_volunteer()
    response = client.get("/sso/login/")
    assert response["Location"] == "/accounts/login/"
    assert UNAVAILABLE in page_text(client)
    password_login(client, volunteer.user)
    assert signed_in_user(client) == volunteer.user


def test_token_endpoint_unreachable_leaves_password_login_working(client, sso_on):
    volunteer = make_volunteer()
    authorize = start(client)  # discovery answered
    code, state = sso_on.approve(authorize, sub="yht-0001")
    sso_on.server.shutdown()
    sso_on.server.server_close()
    response = client.get("/sso/callback/", {"code": code, "state": state})
    assert response["Location"] == "/accounts/login/"
    assert UNAVAILABLE in page_text(client)
    password_login(client, volunteer.user)
    assert signed_in_user(client) == volunteer.user


# --- django-axes --------------------------------------------------------------------------
def test_new_people_signing_in_are_not_failed_logins(client, sso_on, settings):
    volunteer = make_volunteer()
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        client.session.flush()
        response = sign_in(client, sso_on, sub=f"yht-new-{n}")
        assert response["Location"] == "/sso/register/"
    password_login(client, volunteer.user)
    assert signed_in_user(client) == volunteer.user


def test_a_locked_out_address_cannot_sign_in_with_the_provider_either(client, sso_on, settings):
    volunteer = make_volunteer()
    OidcLink.objects.create(user=volunteer.user, issuer=sso_on.issuer, sub="yht-0001")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "nobody", "password": "wrong-password"})
    response = sign_in(client, sso_on, sub="yht-0001")
    assert response.status_code == 429  # axes' lock-out page, as for a password login
    assert not signed_in_user(client).is_authenticated
