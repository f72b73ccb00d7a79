"""The volunteer's uniform: API (read, correct) and page, each showing only the caller's own
order, with personal data masked."""

from __future__ import annotations

import pytest
from django.test import Client

from uniforms.models import UniformOrder, UniformStatus
from uniforms.tests.conftest import bank_event, issued_card
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder():
    v = make_volunteer()
    issued_card(v, "REF-V1", product="C")
    bank_event("BOC", "E1", "REF-V1", "FIRST_SPEND")
    return v


def test_api_shows_my_own_order_masked(holder, client_for, django_assert_max_num_queries):
    c = client_for(holder.user)
    with django_assert_max_num_queries(6):
        r = c.get("/api/uniform/")
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "ordered" and data["editable"] is True
    assert data["extra_uniform_phone"] == "0755-83127504"
    assert (data["expected_from"], data["expected_to"]) == ("2027-01-02", "2027-02-02")
    assert "体育西路103号" not in r.content.decode()  # masked
    assert data["mail_address_masked"].startswith("广东省")

    other = make_volunteer()
    r = client_for(other.user).get("/api/uniform/")
    assert r.status_code == 404 and r.json()["code"] == "no_uniform_order"


def test_api_patch_corrects_size_and_address_until_sent(holder, client_for):
    c = client_for(holder.user)
    r = c.patch(
        "/api/uniform/",
        {"size": "XL", "mail_address": "广州市荔湾区1号", "postcode": "510140"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["size"] == "XL"
    order = UniformOrder.objects.get()
    assert (order.mail_address, order.postcode, order.size) == ("广州市荔湾区1号", "510140", "XL")
    r = c.patch("/api/uniform/", {"postcode": "51"}, format="json")
    assert r.status_code == 400 and r.json()["extra"]["field"] == "postcode"
    r = c.patch("/api/uniform/", {"size": "XS"}, format="json")
    assert r.status_code == 400
    UniformOrder.objects.update(status=UniformStatus.SENT)
    r = c.patch("/api/uniform/", {"size": "M"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "uniform_order_sent"


def test_api_needs_a_login(api):
    assert api.get("/api/uniform/").status_code in (401, 403)


def test_page_shows_progress_and_the_form_then_saves(holder, django_assert_max_num_queries):
    c = Client()
    c.force_login(holder.user)
    with django_assert_max_num_queries(10):
        page = c.get("/me/uniform/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "0755-83127504" in html and "已下单" in html and 'name="mail_address"' in html
    assert "2027-01-02 至 2027-02-02" in html
    r = c.post("/me/uniform/", {"size": "S", "mail_address": "", "postcode": ""})
    assert r.status_code == 302
    assert UniformOrder.objects.get().size == "S"
    r = c.post("/me/uniform/", {"postcode": "12"}, follow=True)
    assert "邮政编码应为6位数字" in r.content.decode()

    UniformOrder.objects.update(status=UniformStatus.SENT)
    html = c.get("/me/uniform/").content.decode()
    assert 'name="mail_address"' not in html and "不能再修改" in html


def test_page_without_an_order_explains_when_it_comes():
    v = make_volunteer()
    c = Client()
    c.force_login(v.user)
    html = c.get("/me/uniform/").content.decode()
    assert "首次任意消费" in html and "0755-83127504" in html
