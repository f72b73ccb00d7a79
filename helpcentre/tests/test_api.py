"""The help centre API: public lists of categories, questions (searched), one question,
downloads and the contact directory; bad query parameters are a 400 that names them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from card_service.models import Bank
from helpcentre.models import Category, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()  # anonymous: the help centre is public


def test_categories_list_their_published_questions(api, django_assert_max_num_queries):
    Question.objects.filter(slug="card-minor").update(published=False)
    with django_assert_max_num_queries(2):
        body = api.get("/api/help/categories/").json()
    slugs = [c["slug"] for c in body]
    assert slugs == ["registration", "card", "insurance", "uniform", "hours", "certificates"]
    card = body[1]
    assert card["name"] == "注册志愿者证"
    questions = {q["slug"]: q for q in card["questions"]}
    assert "card-minor" not in questions
    assert questions["card-apply"]["url"] == "/help/q/card-apply/"


def test_search_matches_every_word_title_matches_first(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        body = api.get("/api/help/questions/", {"q": "保险"}).json()
    slugs = [r["slug"] for r in body["results"]]
    assert body["count"] == len(slugs) >= 4
    # Titles that say 保险 come before answers that only mention it.
    titled = [s for s in slugs if "保险" in Question.objects.get(slug=s).title]
    assert slugs[: len(titled)] == titled
    # The title holding both words first.
    both = api.get("/api/help/questions/", {"q": "理赔 报案"}).json()["results"]
    assert both[0]["slug"] == "insurance-claim"
    assert all(set(r) >= {"slug", "title", "url", "category", "excerpt"} for r in both)


def test_search_finds_a_question_by_its_keywords(api):
    results = api.get("/api/help/questions/", {"q": "回乡证"}).json()["results"]
    assert [r["slug"] for r in results] == ["non-mainland-verification"]


def test_search_within_a_category_and_unpublished_questions_are_never_found(api):
    Question.objects.filter(slug="insurance-claim").update(published=False)
    body = api.get("/api/help/questions/", {"category": "insurance"}).json()
    slugs = {r["slug"] for r in body["results"]}
    assert "insurance-who-when" in slugs and "insurance-claim" not in slugs
    assert all(r["category"]["slug"] == "insurance" for r in body["results"])
    assert api.get("/api/help/questions/insurance-claim/").status_code == 404


@pytest.mark.parametrize(
    "params, field",
    [
        ({"q": "领卡" * 26}, "q"),  # 52 characters: refused, not cut
        ({"category": "保险"}, "category"),
        ({"category": "a b"}, "category"),
        ({"limit": "9" * 30}, None),
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(api, params, field):
    response = api.get("/api/help/questions/", params)
    if field is None:  # a huge limit is capped, as on every list
        assert response.status_code == 200
        return
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["extra"]["fields"]


def test_downloads_filter_by_bank_and_refuse_a_bad_one(api, terms, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        rows = api.get("/api/help/downloads/").json()
    assert {r["bank"] for r in rows} == {"BOC", "ICBC", "CEB"}
    boc = api.get("/api/help/downloads/", {"bank": "BOC"}).json()
    assert len(boc) == 1 and boc[0]["bank_name"] == "中国银行"
    assert boc[0]["content_type"] == "application/pdf" and boc[0]["size"] > 1000
    assert boc[0]["url"] == "/help/downloads/insurance-terms-boc/"
    assert boc[0]["filename"].endswith(".pdf")
    assert api.get("/api/help/downloads/", {"bank": "boc; drop"}).status_code == 400


def test_a_question_has_its_text_and_escaped_html(api):
    q = Question.objects.get(slug="card-apply")
    q.body = "先<b>注册</b>\n\n- 再[申请](/me/card/apply/)"
    q.save()
    body = api.get("/api/help/questions/card-apply/").json()
    assert body["body"] == q.body
    assert body["body_html"] == (
        '<p>先&lt;b&gt;注册&lt;/b&gt;</p>\n<ul><li>再<a href="/me/card/apply/">申请</a></li></ul>'
    )
    assert body["category"] == {"slug": "card", "name": "注册志愿者证"}


def test_contact_reads_the_bank_table_and_the_insurers_directory(api):
    from insurance.directory import INSURERS

    Bank.objects.filter(code="ICBC").update(hotline="95588-1")
    body = api.get("/api/help/contact/").json()
    assert body["hotline"] == "12355" and body["email"] == "kf@izyz.org"
    banks = {b["code"]: b for b in body["banks"]}
    assert banks["ICBC"]["hotline"] == "95588-1"  # the table, not a copy
    assert banks["CEB"]["insurer"] == INSURERS["CEB"].name
    assert banks["CEB"]["insurer_phone"] == INSURERS["CEB"].report_phone
    assert banks["BOC"]["claim_steps"] == list(INSURERS["BOC"].claim_steps)
    Bank.objects.filter(code="CEB").update(enabled=False)
    assert "CEB" not in {b["code"] for b in api.get("/api/help/contact/").json()["banks"]}


def test_the_api_is_in_the_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/help/categories/", "/api/help/questions/", "/api/help/questions/{slug}/",
                 "/api/help/downloads/", "/api/help/contact/"):  # fmt: skip
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/help/questions/"]["get"]["parameters"]}
    assert {"q", "category", "limit", "offset"} <= params


def test_categories_survive_without_questions(api):
    Category.objects.create(slug="empty", name="空分类", position=999)
    body = api.get("/api/help/categories/").json()
    assert body[-1] == {"slug": "empty", "name": "空分类", "description": "", "questions": []}
