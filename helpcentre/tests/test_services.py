"""The seed of the questions (data migration and reload) and the demo's PDFs."""

from __future__ import annotations

import pytest

from core.models import AuditLog
from helpcentre import demo, services
from helpcentre.files import validate_download_file
from helpcentre.markup import render
from helpcentre.models import Category, Download, Question

pytestmark = pytest.mark.django_db


def test_the_migration_loaded_the_file_and_loading_again_adds_nothing():
    count = Question.objects.count()
    assert count >= 30 and Category.objects.count() == 6
    assert services.faq_seed() == 0
    assert Question.objects.count() == count


def test_loading_again_keeps_operations_edits_and_restores_only_what_is_missing():
    Question.objects.filter(slug="card-apply").update(title="运营改过的标题")
    Question.objects.filter(slug="uniform-buy").delete()
    assert services.faq_seed() == 1
    assert Question.objects.get(slug="card-apply").title == "运营改过的标题"
    assert Question.objects.get(slug="uniform-buy").category.slug == "uniform"


def test_every_seeded_answer_renders_with_no_mark_left_over():
    for q in Question.objects.all():
        html = render(q.body)
        assert html.startswith("<") and "&lt;" not in html, q.slug
        assert "**" not in html and "](" not in html and "## " not in html, q.slug


def test_the_demo_publishes_one_checked_pdf_per_bank_once():
    assert demo.seed() == "3 insurance-terms PDFs"
    assert demo.seed() == "0 insurance-terms PDFs"
    rows = Download.objects.order_by("bank_id")
    assert [d.bank_id for d in rows] == ["BOC", "CEB", "ICBC"]
    for d in rows:
        assert d.kind == Download.Kind.INSURANCE_TERMS and d.content_type == "application/pdf"
        with d.file.open("rb") as f:
            assert f.read(5) == b"%PDF-"
    # The demo is no person: its rows are audited as the system's.
    assert set(
        AuditLog.objects.filter(action="help_download_add").values_list("actor_label", flat=True)
    ) == {"system"}


def test_the_demo_pdf_passes_the_upload_check():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from card_service.models import Bank

    pdf = demo.terms_pdf(Bank.objects.get(code="ICBC"))
    validate_download_file(SimpleUploadedFile("t.pdf", pdf))


@pytest.mark.parametrize(
    "given, title, stored, expected",
    [
        ("", "中国银行保险条款", "helpcentre/2026/x.pdf", "中国银行保险条款.pdf"),
        ("条款", "标题", "x.PDF", "条款.pdf"),
        ("条款.pdf", "标题", "new.docx", "条款.docx"),  # the file was replaced by a Word file
        ("v1.2 条款", "标题", "x.pdf", "v1.2 条款.pdf"),
    ],
)
def test_the_download_name_carries_the_stored_files_extension(given, title, stored, expected):
    from helpcentre.files import download_name

    assert download_name(given, title, stored) == expected
