"""Brute force: failed logins lock out an account and an address (django-axes) on the login
page and the token endpoint alike; scoped throttles answer 429 in the API's error shape."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from volunteers.tests.factories import UserFactory, hotline_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/auth/token/"
PASSWORD = "pass-word-123"  # the factories' password


def limit() -> int:
    return settings.AXES_FAILURE_LIMIT


def rate(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def assert_locked_page(resp) -> None:
    assert resp.status_code == 429
    html = resp.content.decode()
    assert (
        "登录失败次数过多" in html
        and f"请 {settings.AXES_COOLOFF_TIME.seconds // 60} 分钟后再试" in html
    )
    assert "_auth_user_id" not in resp.wsgi_request.session


def assert_locked_json(resp) -> None:
    assert resp.status_code == 429
    body = resp.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] == "login_locked"
    assert f"请 {settings.AXES_COOLOFF_TIME.seconds // 60} 分钟后再试" in body["message"]
    assert "token" not in body
    assert int(resp["Retry-After"]) == settings.AXES_COOLOFF_TIME.seconds


def test_the_login_page_locks_an_account_after_the_limit_even_for_the_right_password():
    user = UserFactory()
    c = Client()
    for _ in range(limit() - 1):
        resp = c.post(LOGIN, {"username": user.username, "password": "wrong-guess"})
        assert resp.status_code == 200 and "用户名或密码不正确" in resp.content.decode()
    assert_locked_page(c.post(LOGIN, {"username": user.username, "password": "wrong-guess"}))
    # the N+1-th attempt, with the right password, is refused all the same
    assert_locked_page(c.post(LOGIN, {"username": user.username, "password": PASSWORD}))


def test_the_token_endpoint_locks_an_account_after_the_limit():
    user = UserFactory()
    api = APIClient()
    for _ in range(limit() - 1):
        resp = api.post(TOKEN, {"username": user.username, "password": "x"}, format="json")
        assert resp.status_code == 400 and resp.json()["code"] == "invalid_credentials"
    assert_locked_json(api.post(TOKEN, {"username": user.username, "password": "x"}, format="json"))
    assert_locked_json(
        api.post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json")
    )
    assert not user.api_tokens.exists()


def test_failures_on_the_page_and_the_api_count_together_per_account_across_addresses():
    user = UserFactory()
    for n in range(limit()):
        # a new address for each try: the account's own count still locks it
        if n % 2:
            Client(REMOTE_ADDR=f"10.0.0.{n}").post(
                LOGIN, {"username": user.username, "password": "x"}
            )
        else:
            APIClient(REMOTE_ADDR=f"10.0.0.{n}").post(
                TOKEN, {"username": user.username, "password": "x"}, format="json"
            )
    fresh = APIClient(REMOTE_ADDR="10.9.9.9")
    assert_locked_json(fresh.post(TOKEN, {"username": user.username, "password": PASSWORD}))


def test_one_address_trying_many_accounts_is_locked_out():
    c = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(limit()):
        c.post(LOGIN, {"username": f"someone{n}", "password": "x"})
    assert_locked_page(c.post(LOGIN, {"username": UserFactory().username, "password": PASSWORD}))
    # another address is not affected for a fresh account
    other = Client(REMOTE_ADDR="10.1.1.2")
    resp = other.post(LOGIN, {"username": UserFactory().username, "password": PASSWORD})
    assert resp.status_code == 302


def test_the_right_password_below_the_limit_gets_a_token():
    user = UserFactory()
    api = APIClient()
    api.post(TOKEN, {"username": user.username, "password": "x"}, format="json")
    resp = api.post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json")
    assert resp.status_code == 200 and len(resp.json()["token"]) == 40


# --- throttles -------------------------------------------------------------------------------


def assert_throttled(resp) -> None:
    assert resp.status_code == 429
    body = resp.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] == "throttled"
    wait = body["extra"]["wait_seconds"]
    assert wait >= 1 and body["message"] == f"请求过于频繁，请 {wait} 秒后再试"
    assert int(resp["Retry-After"]) >= 1


def test_registration_is_throttled_per_address():
    api = APIClient()
    for _ in range(rate("register")):
        assert api.post("/api/register/", {}, format="json").status_code == 400
    assert_throttled(api.post("/api/register/", {}, format="json"))
    assert APIClient(REMOTE_ADDR="10.2.2.2").post("/api/register/", {}).status_code == 400


def test_the_token_endpoint_is_throttled_per_address():
    api = APIClient()
    for _ in range(rate("token")):
        assert api.post(TOKEN, {}, format="json").status_code == 400
    assert_throttled(api.post(TOKEN, {}, format="json"))


def test_the_public_qr_check_is_throttled_and_a_forged_forwarded_for_does_not_help():
    for n in range(rate("qr")):
        resp = Client(HTTP_X_FORWARDED_FOR=f"10.3.3.{n % 250}").get("/api/card/qr/NOTATOKEN/")
        assert resp.status_code == 404
    assert_throttled(Client(HTTP_X_FORWARDED_FOR="10.4.4.4").get("/api/card/qr/NOTATOKEN/"))
    page = Client().get("/q/NOTATOKEN/")  # the page shares the budget
    assert page.status_code == 429 and "请求过于频繁" in page.content.decode()


def test_the_hotline_look_up_is_throttled_per_staff_user(client_for):
    user = hotline_user()
    staff = client_for(user)
    for _ in range(rate("hotline")):
        assert staff.post("/api/hotline/volunteers/lookup/", {}, format="json").status_code == 400
    assert_throttled(staff.post("/api/hotline/volunteers/lookup/", {}, format="json"))
    assert_throttled(staff.post("/api/card/hotline/progress/", {}, format="json"))
    assert_throttled(staff.post("/api/hotline/coverage/", {}, format="json"))
    page = Client()
    page.force_login(user)
    body = {"kind": "volunteer_no", "key": "440100000001", "incident_at": "2026-05-06 10:30"}
    html = page.post("/staff/hotline/", body).content.decode()
    assert "请求过于频繁" in html and "秒后再试" in html
    other = client_for(hotline_user())
    assert other.post("/api/hotline/volunteers/lookup/", {}, format="json").status_code == 400


def test_the_figures_come_from_the_environment():
    root = Path(__file__).resolve().parents[2]
    code = (
        "from config import settings as s;"
        "print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['qr'], s.AXES_FAILURE_LIMIT,"
        " s.AXES_COOLOFF_TIME.seconds, s.API_TOKEN_TTL_DAYS)"
    )
    env = {
        **os.environ,
        "THROTTLE_QR": "7/min",
        "LOGIN_FAILURE_LIMIT": "3",
        "LOGIN_LOCKOUT_MINUTES": "2",
        "API_TOKEN_TTL_DAYS": "9",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["7/min", "3", "120", "9"]
