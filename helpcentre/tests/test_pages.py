"""The help centre's pages: index, category, question (escaped), search (400 on a bad query),
downloads served with their type and name, the contact page read from the directories, and
the 帮助 link on every page."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import resolve

from card_service.models import Bank
from helpcentre.models import Download, Question
from helpcentre.services import FAQ_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client()


def test_the_seeded_help_covers_every_topic_of_the_manual():
    titles = {q.slug: q.title for q in Question.objects.all()}
    for slug in ("real-name-check-failed", "mainland-id-number", "non-mainland-verification",
                 "card-apply", "card-refusals", "card-cut-off", "card-collection",
                 "card-activation", "card-cancellation", "card-reapply", "insurance-who-when",
                 "insurance-insurer-by-bank", "insurance-claim", "uniform-when",
                 "hours-disclosure", "hours-dispute", "hours-backfill", "certificate-request",
                 "certificate-verify"):  # fmt: skip
        assert slug in titles
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles.values())


def test_every_link_in_the_seeded_answers_opens_a_page():
    links = re.findall(r"\]\((/[^)\s]*)\)", FAQ_FILE.read_text(encoding="utf-8"))
    assert len(links) > 20
    slugs = set(Question.objects.values_list("slug", flat=True))
    for link in links:
        match = resolve(link.split("?")[0])  # raises Resolver404 for a dead link
        if match.url_name == "help-question":
            assert match.kwargs["slug"] in slugs, link


def test_the_index_lists_categories_questions_downloads_and_contact(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        html = client.get("/help/").content.decode()
    for text in ("帮助中心", "注册与实名认证", "志愿服务保险", "资料下载", "联系我们",
                 "注册后提示实名校验不通过，怎么办？", 'href="/help/q/card-reapply/"'):  # fmt: skip
        assert text in html


def test_a_question_page_shows_the_answer_with_html_escaped(client):
    q = Question.objects.get(slug="real-name-check-failed")
    q.body = '请核对<script>alert(1)</script>\n\n- 见[个人资料](/me/profile/)\n- <img src=x onerror="a()">'
    q.save()
    response = client.get("/help/q/real-name-check-failed/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "请核对&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<li>见<a href="/me/profile/">个人资料</a></li>' in html
    assert "注册后提示实名校验不通过，怎么办？" in html and "注册与实名认证" in html
    assert 'href="/help/q/mainland-id-number/"' in html  # the category's other questions


def test_an_unpublished_or_unknown_question_is_not_found(client):
    Question.objects.filter(slug="card-minor").update(published=False)
    for path in ("/help/q/card-minor/", "/help/q/no-such-question/", "/help/c/no-such/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "未找到" in response.content.decode()


def test_a_category_page_lists_its_questions(client):
    html = client.get("/help/c/uniform/").content.decode()
    assert "志愿者服装" in html and 'href="/help/q/uniform-when/"' in html
    assert 'href="/help/q/card-apply/"' not in html.split('class="help-main"')[1]


def test_search_shows_results_and_a_bad_query_is_a_400_that_says_why(client):
    html = client.get("/help/search/", {"q": "领卡"}).content.decode()
    assert 'href="/help/q/card-collection/"' in html and "共找到" in html
    html = client.get("/help/search/", {"q": "没有这样的词语"}).content.decode()
    assert "没有找到相关问题" in html
    response = client.get("/help/search/", {"q": "领" * 51})
    assert response.status_code == 400
    assert "不能超过 50 个字符" in response.content.decode()
    assert client.get("/help/search/", {"q": "x", "category": "保险"}).status_code == 400


def test_the_downloads_page_lists_each_banks_terms(client, terms, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        html = client.get("/help/downloads/").content.decode()
    for bank in ("中国银行", "中国工商银行", "中国光大银行"):
        assert f"{bank}注册志愿者证志愿服务保险条款" in html
    assert 'href="/help/downloads/insurance-terms-icbc/"' in html and "PDF" in html


def test_a_download_is_served_with_its_type_and_file_name(client, terms):
    response = client.get("/help/downloads/insurance-terms-ceb/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="insurance-terms-ceb.pdf"; ')
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name == "中国光大银行注册志愿者证志愿服务保险条款.pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and len(body) == terms["CEB"].size


def test_an_unpublished_download_or_a_lost_file_is_not_found(client, terms):
    Download.objects.filter(slug="insurance-terms-boc").update(published=False)
    assert client.get("/help/downloads/insurance-terms-boc/").status_code == 404
    icbc = terms["ICBC"]
    icbc.file.storage.delete(icbc.file.name)
    response = client.get("/help/downloads/insurance-terms-icbc/")
    assert response.status_code == 404 and "12355" in response.content.decode()


def test_the_contact_page_reads_the_numbers_from_the_directories(client):
    from insurance.directory import INSURERS
    from uniforms.services import EXTRA_UNIFORM_PHONE

    Bank.objects.filter(code="BOC").update(hotline="95566-8")
    html = client.get("/help/contact/").content.decode()
    assert 'href="tel:12355"' in html and 'href="mailto:kf@izyz.org"' in html
    assert 'href="tel:95566-8"' in html  # the bank table, not a copy
    for insurer in INSURERS.values():
        assert insurer.name in html and f'href="tel:{insurer.report_phone}"' in html
        assert insurer.mailing_address in html
    assert EXTRA_UNIFORM_PHONE in html


def test_every_page_has_the_help_link_in_header_and_footer(client):
    html = client.get("/activities/").content.decode()
    header = html.split("</header>")[0]
    assert '<a href="/help/">帮助</a>' in header
    footer = html.split("<footer")[1]
    assert 'href="/help/"' in footer and 'href="/help/contact/"' in footer
    assert (
        '<a href="/help/" class="current">帮助</a>' in client.get("/help/contact/").content.decode()
    )


def test_the_pages_answer_only_reads(client):
    assert client.post("/help/", {}).status_code == 405
