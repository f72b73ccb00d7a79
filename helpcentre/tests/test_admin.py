"""Operations edit the help centre in the Django admin: the role grants it (staff without it
are refused), every add, change and delete is audited with what changed, and an upload is
checked (format, content, size) and served with the type of its format."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditLog
from helpcentre.demo import terms_pdf
from helpcentre.models import Category, Download, Question

pytestmark = pytest.mark.django_db

NEW_PDF = b"%PDF-1.4\n% new terms\n%%EOF\n"


def question_form(q: Question, **changes) -> dict:
    data = {
        "category": q.category_id,
        "title": q.title,
        "slug": q.slug,
        "body": q.body,
        "keywords": q.keywords,
        "position": q.position,
        "published": "on" if q.published else "",
    }
    return {k: v for k, v in (data | changes).items() if v != ""}


def test_operations_see_the_help_centre_in_the_admin_in_chinese(ops_client):
    html = ops_client.get("/admin/").content.decode()
    assert "帮助中心" in html and "常见问题" in html and "下载资料" in html
    listing = ops_client.get("/admin/helpcentre/question/").content.decode()
    assert "注册后提示实名校验不通过，怎么办？" in listing and "已发布" in listing
    q = Question.objects.get(slug="card-apply")
    form = ops_client.get(f"/admin/helpcentre/question/{q.pk}/change/").content.decode()
    assert "显示效果" in form and '<a href="/me/">个人中心</a>' in form  # the preview


def test_staff_without_the_operations_role_cannot_edit(staff_client):
    assert staff_client.get("/admin/helpcentre/question/").status_code == 403
    q = Question.objects.get(slug="card-apply")
    response = staff_client.post(
        f"/admin/helpcentre/question/{q.pk}/change/", question_form(q, title="改掉")
    )
    assert response.status_code == 403
    q.refresh_from_db()
    assert q.title != "改掉"


def test_an_edited_answer_is_saved_and_audited_with_what_changed(ops_client, ops, client):
    q = Question.objects.get(slug="card-reapply")
    old_title = q.title
    response = ops_client.post(
        f"/admin/helpcentre/question/{q.pk}/change/",
        question_form(q, title="注销后多久能重新申请志愿者证？", body="三个工作日后。"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditLog.objects.get(action="help_question_change")
    assert row.actor == ops and row.target_id == str(q.pk)
    assert row.data["slug"] == "card-reapply"
    assert row.data["changed"]["title"] == {
        "from": old_title,
        "to": "注销后多久能重新申请志愿者证？",
    }
    assert row.data["changed"]["body"]["to"] == "三个工作日后。"
    assert set(row.data["changed"]) == {"title", "body"}
    html = client.get("/help/q/card-reapply/").content.decode()
    assert "注销后多久能重新申请志愿者证？" in html and "<p>三个工作日后。</p>" in html


def test_a_new_question_and_category_are_audited(ops_client):
    r = ops_client.post(
        "/admin/helpcentre/category/add/", {"name": "账号问题", "slug": "account", "position": 5}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    cat = Category.objects.get(slug="account")
    r = ops_client.post(
        "/admin/helpcentre/question/add/",
        {"category": cat.pk, "title": "忘记用户名怎么办？", "slug": "forgot-username",
         "body": "可以用证件号码登录。", "position": 10, "published": "on"},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    add = AuditLog.objects.get(action="help_question_add")
    assert add.data["changed"]["title"] == {"from": "", "to": "忘记用户名怎么办？"}
    assert AuditLog.objects.filter(action="help_category_add", target_id=str(cat.pk)).exists()


def test_the_list_page_edits_are_audited_too(ops_client):
    qs = list(Question.objects.filter(category__slug="uniform").order_by("position", "pk"))
    data = {
        "form-TOTAL_FORMS": str(len(qs)),
        "form-INITIAL_FORMS": str(len(qs)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "保存",
    }
    for i, q in enumerate(qs):
        data |= {f"form-{i}-id": str(q.pk), f"form-{i}-position": str(q.position)}
        if q.slug != "uniform-buy":
            data[f"form-{i}-published"] = "on"
    r = ops_client.post(
        "/admin/helpcentre/question/?category__id__exact=" + str(qs[0].category_id), data
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert not Question.objects.get(slug="uniform-buy").published
    row = AuditLog.objects.get(action="help_question_change")
    assert row.data["changed"] == {"published": {"from": True, "to": False}}


def test_deletes_are_audited_with_what_was_deleted(ops_client):
    q = Question.objects.get(slug="uniform-buy")
    r = ops_client.post(f"/admin/helpcentre/question/{q.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    row = AuditLog.objects.get(action="help_question_delete")
    assert row.data["deleted"]["title"] == q.title and row.data["deleted"]["body"] == q.body
    ids = list(Question.objects.filter(category__slug="hours").values_list("pk", flat=True))
    r = ops_client.post(
        "/admin/helpcentre/question/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert r.status_code == 302
    assert AuditLog.objects.filter(action="help_question_delete").count() == 1 + len(ids)
    # A category that still holds questions is protected.
    cat = Category.objects.get(slug="card")
    ops_client.post(f"/admin/helpcentre/category/{cat.pk}/delete/", {"post": "yes"})
    assert Category.objects.filter(slug="card").exists()
    assert not AuditLog.objects.filter(action="help_category_delete").exists()


def _download_form(**changes) -> dict:
    return {"title": "中国银行保险条款", "slug": "boc-terms", "kind": "insurance_terms",
            "bank": "BOC", "description": "", "filename": "", "position": 10,
            "published": "on"} | changes  # fmt: skip


def test_an_uploaded_pdf_is_described_served_and_audited(ops_client, client, ops):
    from card_service.models import Bank

    pdf = terms_pdf(Bank.objects.get(code="BOC"))
    r = ops_client.post(
        "/admin/helpcentre/download/add/",
        _download_form(file=SimpleUploadedFile("tiaokuan.PDF", pdf, "text/html")),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    d = Download.objects.get(slug="boc-terms")
    # The type follows the format, whatever the browser claimed; the name is the title's.
    assert d.content_type == "application/pdf" and d.size == len(pdf)
    assert d.filename == "中国银行保险条款.pdf"
    row = AuditLog.objects.get(action="help_download_add")
    assert row.actor == ops and row.data["changed"]["file"]["to"] == d.file.name
    served = client.get("/help/downloads/boc-terms/")
    assert served["Content-Type"] == "application/pdf"
    assert b"".join(served.streaming_content) == pdf


def test_replacing_the_file_deletes_the_old_one_after_commit(
    ops_client, terms, django_capture_on_commit_callbacks
):
    d = terms["BOC"]
    old_name, storage = d.file.name, d.file.storage
    data = _download_form(
        title=d.title, slug=d.slug, filename=d.filename, position=d.position,
        file=SimpleUploadedFile("new.pdf", NEW_PDF),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        r = ops_client.post(f"/admin/helpcentre/download/{d.pk}/change/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    d.refresh_from_db()
    assert d.file.name != old_name and not storage.exists(old_name)
    assert d.size == len(NEW_PDF)
    row = AuditLog.objects.get(action="help_download_change")
    assert row.data["changed"]["file"] == {"from": old_name, "to": d.file.name}


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("terms.html", b"<html></html>"), "只能上传以下格式的文件"),
        (
            SimpleUploadedFile("terms.pdf", b"<html><script>x</script></html>"),
            "文件内容不是 PDF 格式",
        ),
        (SimpleUploadedFile("terms.docx", b"%PDF-1.4"), "文件内容不是 Word 格式"),
        (SimpleUploadedFile("terms.pdf", b""), "提交的是空文件"),  # Django's own check
    ],
)
def test_a_bad_upload_is_refused_with_a_reason_and_nothing_is_saved(ops_client, upload, message):
    r = ops_client.post("/admin/helpcentre/download/add/", _download_form(file=upload))
    assert r.status_code == 200
    assert message in r.content.decode()
    assert (
        not Download.objects.exists()
        and not AuditLog.objects.filter(action__startswith="help_").exists()
    )


def test_a_too_large_upload_and_terms_without_a_bank_are_refused(ops_client, settings):
    settings.HELP_DOWNLOAD_MAX_BYTES = 100
    r = ops_client.post(
        "/admin/helpcentre/download/add/",
        _download_form(file=SimpleUploadedFile("t.pdf", b"%PDF-" + b"x" * 200)),
    )
    assert "文件过大" in r.content.decode()
    settings.HELP_DOWNLOAD_MAX_BYTES = 10_000
    r = ops_client.post(
        "/admin/helpcentre/download/add/",
        _download_form(bank="", file=SimpleUploadedFile("t.pdf", b"%PDF-1.4")),
    )
    assert r.status_code == 200 and "保险条款须选择对应的发卡银行" in r.content.decode()
    r = ops_client.post(
        "/admin/helpcentre/download/add/",
        _download_form(filename='a/b".pdf', file=SimpleUploadedFile("t.pdf", b"%PDF-1.4")),
    )
    assert r.status_code == 200 and "文件名不能包含" in r.content.decode()
    r = ops_client.post(
        "/admin/helpcentre/download/add/",
        _download_form(filename="条" * 128, file=SimpleUploadedFile("t.pdf", b"%PDF-1.4")),
    )
    assert r.status_code == 200 and "下载文件名过长" in r.content.decode()
    assert not Download.objects.exists()
