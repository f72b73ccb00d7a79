"""Errors look like the service: every API failure is {"code", "message", "extra"} with a
Chinese message, whatever raised it (DRF, Django's URL resolver, the body limit, a crash);
pages get a Chinese error page in the site's template with the reason and a link home."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from PIL import Image

from card_service import rules
from volunteers.tests.factories import OrganisationFactory, UserFactory, make_volunteer

pytestmark = pytest.mark.django_db


def _api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "extra"}
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


def test_unknown_api_url_is_json_404():
    _api_error(Client().get("/api/no-such-thing/"), 404, "not_found")
    _api_error(Client().post("/api/activities/abc/"), 404, "not_found")


def test_api_method_not_allowed_is_json_405():
    _api_error(Client().get("/api/register/"), 405, "method_not_allowed")


def test_api_malformed_body_is_json_400():
    response = Client().post("/api/register/", "{not json", content_type="application/json")
    _api_error(response, 400, "parse_error")


def test_api_unsupported_media_type_is_json_415():
    response = Client().post("/api/register/", "x", content_type="text/plain")
    _api_error(response, 415, "unsupported_media_type")


@override_settings(REQUEST_MAX_BYTES=1024 * 1024)
def test_api_too_large_body_is_json_413_naming_the_limit():
    body = json.dumps({"username": "x" * (1024 * 1024)})
    response = Client().post("/api/register/", body, content_type="application/json")
    assert _api_error(response, 413, "request_too_large")["message"] == "请求内容过大：最大 1 MB"


@override_settings(REQUEST_MAX_BYTES=8 * 1024 * 1024, DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_api_form_field_beyond_djangos_limit_is_json_413():
    """Django's own RequestDataTooBig (form fields over DATA_UPLOAD_MAX_MEMORY_SIZE) too."""
    user = make_volunteer(organisations=[OrganisationFactory()]).user
    client = Client()
    client.force_login(user)
    response = client.post("/api/card/applications/", {"mail_address": "x" * 4096})
    _api_error(response, 413, "request_too_large")


@override_settings(REQUEST_MAX_BYTES=1024 * 1024)
def test_page_too_large_body_is_a_chinese_page():
    response = Client().post("/accounts/login/", {"username": "x" * (1024 * 1024)})
    assert response.status_code == 413
    html = response.content.decode()
    assert "上传内容过大" in html and "最大 1 MB" in html and 'href="/"' in html


@pytest.mark.urls("core.tests.boom_urls")
def test_api_crash_is_json_500_without_internals():
    body = _api_error(Client(raise_request_exception=False).get("/api/boom/"), 500, "server_error")
    assert "secret" not in json.dumps(body) and "Boom" not in json.dumps(body)


@pytest.mark.urls("core.tests.boom_urls")
def test_page_crash_is_a_chinese_500_page_without_internals():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务暂时出错" in html and 'href="/"' in html and "注册志愿者证" in html
    assert "secret" not in html and "Boom" not in html and "440102" not in html


@pytest.mark.urls("core.tests.boom_urls")
def test_throttled_is_json_429_with_retry_after():
    cache.clear()
    client = Client()
    assert client.get("/api/throttled/").status_code == 200
    response = client.get("/api/throttled/")
    body = _api_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert body["extra"]["retry_after"] == int(response["Retry-After"])
    assert f"{body['extra']['retry_after']} 秒后再试" in body["message"]


def test_page_404_is_chinese_with_a_link_home():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'href="/"' in html
    assert "<title>页面不存在" in html  # the site's template
    assert "Page not found" not in html and "urlpatterns" not in html


def test_page_404_shows_our_reason():
    response = Client().get("/activities/999999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="error-reason"' in html and "活动" in html


def test_page_404_of_a_missing_photo_says_so():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.get("/me/card/ecard/photo/")
    assert response.status_code == 404
    assert "暂无证件照" in response.content.decode()


def test_page_403_is_chinese_with_the_reason():
    client = Client()
    client.force_login(UserFactory())
    response = client.get("/staff/hotline/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html and "只有热线客服可以使用该页面" in html and 'href="/"' in html


def test_csrf_failure_is_a_chinese_403():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html and "CSRF" not in html


def _jpeg_of_at_least(n_bytes: int) -> bytes:
    """A real JPEG padded with a comment segment to ``n_bytes`` or more."""
    buf = io.BytesIO()
    Image.new("RGB", (358, 441), "white").save(buf, "JPEG")
    data = buf.getvalue()
    pad = b"\xff\xfe" + (65533).to_bytes(2, "big") + b"x" * 65531
    chunks = [data[:2]] + [pad] * (n_bytes // len(pad) + 1) + [data[2:]]
    return b"".join(chunks)


@override_settings(REQUEST_MAX_BYTES=16 * 1024 * 1024)
def test_photo_too_large_names_its_real_size():
    """A 5 MB photo used to be read only up to 4 MB, and the message said 4096 KB."""
    user = make_volunteer(organisations=[OrganisationFactory()]).user
    client = Client()
    client.force_login(user)
    photo = _jpeg_of_at_least(5 * 1024 * 1024 + 200 * 1024)
    upload = io.BytesIO(photo)
    upload.name = "photo.jpg"
    response = client.post("/api/card/applications/", {"photo": upload, "bank_code": "BOC"})
    body = _api_error(response, 400, "photo_too_large")
    limit = f"{rules.PHOTO_MAX_BYTES // 1024} KB"
    mb = -(-len(photo) * 10 // (1024 * 1024)) / 10  # rounded up to 0.1 MB
    assert 5 < mb < 6
    assert body["message"] == f"证件照过大：{mb:.1f} MB，最大 {limit}"


def test_a_nul_character_in_a_query_string_is_a_400_on_pages_and_the_api():
    """PostgreSQL cannot hold NUL: a page filtering by a raw parameter (the org console's member
    search, the volunteer's organisation search) would answer 500 without the middleware."""
    from volunteers.services import organisation_admin_add

    org = OrganisationFactory()
    admin = UserFactory()
    organisation_admin_add(organisation=org, user=admin)
    c = Client()
    c.force_login(admin)
    page = c.get(f"/org/{org.pk}/members/", {"q": "a\x00b"})
    assert page.status_code == 400
    assert "控制字符" in page.content.decode()
    volunteer = make_volunteer()
    c.force_login(volunteer.user)
    assert c.get("/me/organisations/", {"q": "\x00"}).status_code == 400
    _api_error(c.get("/api/organisations/", {"a\x00": "1"}), 400, "bad_request")
    assert c.get(f"/org/{org.pk}/members/", {"q": "ab"}).status_code in (200, 403)
