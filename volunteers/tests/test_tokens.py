"""API tokens are stored hashed and expire; passwords set through the API meet the
validators, with Chinese messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from volunteers.models import ApiToken
from volunteers.tests.factories import OrganisationFactory, UserFactory, mainland_id

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
PASSWORD = "pass-word-123"


def issue(user) -> dict:
    resp = APIClient().post(TOKEN, {"username": user.username, "password": PASSWORD})
    assert resp.status_code == 200, resp.content
    return resp.json()


def as_token(key: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


def test_a_token_is_shown_once_and_the_database_never_holds_it():
    user = UserFactory()
    key = issue(user)["token"]
    assert as_token(key).get("/api/organisations/").status_code == 200
    row = ApiToken.objects.get(user=user)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    for model in apps.get_models():  # every table of the project, every column
        for values in model._default_manager.values_list():
            assert key not in repr(values), model
    # a second login issues another key; the first still works until it expires
    second = issue(user)["token"]
    assert second != key and as_token(key).get("/api/organisations/").status_code == 200


def test_a_token_expires_after_the_configured_days(settings):
    settings.API_TOKEN_TTL_DAYS = 3
    user = UserFactory()
    before = timezone.now()
    body = issue(user)
    row = ApiToken.objects.get(user=user)
    assert before + dt.timedelta(days=3) <= row.expires_at <= timezone.now() + dt.timedelta(days=3)
    assert dt.datetime.fromisoformat(body["expires_at"]) == row.expires_at


def test_an_expired_token_is_refused_with_a_clear_message():
    user = UserFactory()
    key = issue(user)["token"]
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    resp = as_token(key).get("/api/me/")
    assert resp.status_code in (401, 403)  # 403: session authentication comes first
    body = resp.json()
    assert body["code"] == "token_expired" and "已过期" in body["message"]
    assert "/api/auth/token/" in body["message"]


def test_an_unknown_token_still_says_invalid():
    resp = as_token("f" * 40).get("/api/me/")
    assert resp.status_code in (401, 403) and resp.json()["code"] == "authentication_failed"


def test_issuing_a_token_clears_the_users_expired_ones():
    user = UserFactory()
    issue(user)
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(days=1))
    issue(user)
    assert ApiToken.objects.filter(user=user).count() == 1


def test_drf_authtoken_keys_are_moved_hashed_and_keep_working():
    """The migration from DRF's authtoken: the holder keeps the key, the clear key is gone."""
    migration = importlib.import_module("volunteers.migrations.0002_auth_api_token")
    user = UserFactory()
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as c:
        c.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id integer NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime NOT NULL, user_id integer NOT NULL)"
        )
        c.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [old_key, timezone.now() - dt.timedelta(days=400), user.pk],
        )
    migration.move_drf_tokens(apps, SimpleNamespace(connection=connection))
    assert "authtoken_token" not in connection.introspection.table_names()
    row = ApiToken.objects.get(user=user)
    assert row.key_hash == hashlib.sha256(old_key.encode()).hexdigest()
    assert row.expires_at > timezone.now() + dt.timedelta(days=29)
    resp = as_token(old_key).get("/api/me/")
    assert resp.status_code == 404  # authenticated; a user without a volunteer profile


# --- passwords -------------------------------------------------------------------------------


def register(password: str, username: str = "newcomer"):
    org = OrganisationFactory()
    return APIClient().post(
        "/api/register/",
        {
            "username": username, "password": password, "name": "陈小明", "id_type": "01",
            "id_number": mainland_id(), "id_expiry": "2099-01-01", "mobile": "13912345678",
            "city_code": "440100", "organisation_ids": [org.pk],
        },
        format="json",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("12345678", "密码只包含数字"),
        ("password", "这个密码太常见了"),
        ("Ab3$x", "密码长度太短。密码必须包含至少 8 个字符"),
        ("newcomer2026", "太相似"),
    ],
)
def test_a_weak_password_is_refused_in_chinese_and_nothing_is_created(password, says):
    resp = register(password)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "password_weak" and body["extra"]["field"] == "password"
    assert says in body["message"]
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_a_good_password_registers_and_logs_in():
    assert register("Kapok-flower-2026").status_code == 202
    resp = APIClient().post(TOKEN, {"username": "newcomer", "password": "Kapok-flower-2026"})
    assert resp.status_code == 200
