"""The help centre in a real browser: the index from the header link, a search, a question,
the downloads (a PDF comes back as a file with its name) and the contact page."""

from __future__ import annotations

import pytest


@pytest.fixture
def help_content(settings, tmp_path):
    """The questions (the live server's flushed database lost the migration's rows) and the
    demo's insurance-terms PDFs."""
    from helpcentre import demo
    from helpcentre.services import faq_seed

    settings.MEDIA_ROOT = tmp_path / "media"
    faq_seed()
    demo.seed()


def test_help_index_question_downloads_and_contact(web, roles, help_content):
    page = web.page()
    web.visit(page, "/activities/", "help-from-header")
    if web.width_name == "phone":
        page.click("#menu-toggle")
    page.click("header.site >> text=帮助")
    page.wait_for_url("**/help/")
    web.check(page, "help-index")
    assert "注册与实名认证" in page.inner_text("main")

    page.fill("#help-q", "领卡")
    page.click("form.help-search button")
    page.wait_for_url("**/help/search/?q=*")
    web.check(page, "help-search")
    page.click("text=申请后多久能拿到志愿者证？如何领取？")
    page.wait_for_url("**/help/q/card-collection/")
    web.check(page, "help-question")
    assert "4–6 周" in page.inner_text("article")

    web.visit(page, "/help/q/real-name-check-failed/", "help-question-list")
    web.visit(page, "/help/downloads/", "help-downloads")
    with page.expect_download() as info:
        page.click("text=中国光大银行注册志愿者证志愿服务保险条款")
    assert info.value.suggested_filename == "中国光大银行注册志愿者证志愿服务保险条款.pdf"

    web.visit(page, "/help/contact/", "help-contact")
    text = page.inner_text("main")
    assert "12355" in text and "kf@izyz.org" in text and "光大永明人寿" in text

    # Signed in, the header still has its one 帮助 link.
    volunteer = web.page(roles["volunteer_user"])
    web.visit(volunteer, "/help/c/insurance/", "help-category-signed-in")
