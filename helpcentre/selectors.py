"""Reads of the help centre. Everything here is public: only published questions and
downloads are ever returned. The contact directory is read from where each number lives
(the bank table, the insurers' directory, the uniform maker's constant), never copied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    ExpressionWrapper,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from core.errors import NotFound
from helpcentre.models import Category, Download, Question

HOTLINE = "12355"
SERVICE_EMAIL = "kf@izyz.org"
QUERY_MAX = 50  # characters of a search; longer is refused (400), never cut
TERMS_MAX = 5  # words of a search that are matched


def categories_with_questions() -> QuerySet[Category]:
    """Every category with its published questions (titles only), in order: two queries."""
    questions = Question.objects.filter(published=True).only(
        "id", "slug", "title", "category_id", "position"
    )
    return Category.objects.prefetch_related(
        Prefetch("questions", queryset=questions.order_by("position", "pk"))
    )


def category_by_slug(slug: str) -> Category:
    category = categories_with_questions().filter(slug=slug).first()
    if category is None:
        raise NotFound("未找到该帮助分类", code="help_category_not_found")
    return category


def question_search(*, keyword: str = "", category: str = "") -> QuerySet[Question]:
    """Published questions, those matching ``keyword`` (every word of it, in the title, the
    answer or the keywords), those whose title holds more of the words first; optionally
    within one category."""
    qs = Question.objects.filter(published=True).select_related("category")
    if category:
        qs = qs.filter(category__slug=category)
    terms = keyword.split()[:TERMS_MAX]
    for term in terms:
        qs = qs.filter(
            Q(title__icontains=term) | Q(body__icontains=term) | Q(keywords__icontains=term)
        )
    if not terms:
        return qs.order_by("category__position", "category_id", "position", "pk")
    # The more words the title holds, the earlier; then the usual order.
    in_title = sum(
        (Case(When(title__icontains=t, then=Value(1)), default=Value(0)) for t in terms),
        Value(0),
    )
    return qs.annotate(rank=ExpressionWrapper(in_title, output_field=IntegerField())).order_by(
        "-rank", "category__position", "category_id", "position", "pk"
    )


def question_by_slug(slug: str) -> Question:
    question = Question.objects.filter(published=True, slug=slug).select_related("category").first()
    if question is None:
        raise NotFound("未找到该问题，可能已被删除或更换了地址", code="help_question_not_found")
    return question


def related_questions(question: Question, limit: int = 8) -> QuerySet[Question]:
    return (
        Question.objects.filter(published=True, category_id=question.category_id)
        .exclude(pk=question.pk)
        .only("id", "slug", "title")
        .order_by("position", "pk")[:limit]
    )


def downloads(*, bank: str = "") -> QuerySet[Download]:
    qs = Download.objects.filter(published=True).select_related("bank")
    if bank:
        qs = qs.filter(bank_id=bank)
    return qs


def download_by_slug(slug: str) -> Download:
    download = Download.objects.filter(published=True, slug=slug).first()
    if download is None:
        raise NotFound("未找到该资料，可能已被删除或更换了地址", code="help_download_not_found")
    return download


@dataclass(frozen=True)
class BankContact:
    code: str
    name: str
    hotline: str
    cutoff: dt.time | None
    insurer: str
    insurer_phone: str
    claim_steps: tuple[str, ...]
    claim_address: str


@dataclass(frozen=True)
class Contact:
    hotline: str
    email: str
    banks: list[BankContact]
    uniform_phone: str


def contact_directory() -> Contact:
    """The numbers to call: the service's hotline and mail, each enabled bank's hotline and
    daily cut-off with its insurer's report line and claim steps, the uniform maker."""
    from bank_adapters.selectors import partner_cutoff
    from card_service.models import Bank
    from card_service.selectors import bank_hotline
    from insurance.directory import insurer_for_bank
    from uniforms.services import EXTRA_UNIFORM_PHONE

    banks = []
    for bank in Bank.objects.filter(enabled=True).order_by("code"):
        insurer = insurer_for_bank(bank.code)
        banks.append(
            BankContact(
                code=bank.code,
                name=bank.name,
                hotline=bank_hotline(bank),
                cutoff=partner_cutoff(bank.code),
                insurer=insurer.name if insurer else "",
                insurer_phone=insurer.report_phone if insurer else "",
                claim_steps=insurer.claim_steps if insurer else (),
                claim_address=insurer.mailing_address if insurer else "",
            )
        )
    return Contact(
        hotline=HOTLINE, email=SERVICE_EMAIL, banks=banks, uniform_phone=EXTRA_UNIFORM_PHONE
    )
