"""The help centre's pages (zh-hans, public): the index with the search box, a category, a
question, search results, downloads (and the file itself) and the contact page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.errors import size_label
from core.views import http_errors
from helpcentre import markup, selectors
from helpcentre.files import format_of, suffix
from helpcentre.models import Download
from helpcentre.serializers import QuestionQuerySerializer


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    """Every help page shows the categories in its side menu."""
    context.setdefault("categories", selectors.categories_with_questions())
    return render(request, f"helpcentre/{template}", context, status=status)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "index.html", {})


@require_safe
@http_errors
def category(request: HttpRequest, slug: str) -> HttpResponse:
    c = selectors.category_by_slug(slug)
    return _page(request, "category.html", {"category": c, "current_category": c.slug})


@require_safe
@http_errors
def question(request: HttpRequest, slug: str) -> HttpResponse:
    q = selectors.question_by_slug(slug)
    return _page(
        request,
        "question.html",
        {
            "question": q,
            "current_category": q.category.slug,
            "body": markup.render(q.body),
            "description": markup.excerpt(q.body, 120),
            "related": selectors.related_questions(q),
        },
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Results of ``?q=``; a query that is too long or otherwise bad is a 400 that says why."""
    query = QuestionQuerySerializer(data=request.GET)
    if not query.is_valid():
        errors = [str(e) for field in query.errors.values() for e in field]
        return _page(
            request,
            "search.html",
            {"q": request.GET.get("q", "")[: selectors.QUERY_MAX], "errors": errors},
            status=400,
        )
    p = query.validated_data
    keyword = p.get("q", "")
    results = (
        list(selectors.question_search(keyword=keyword, category=p.get("category", ""))[:50])
        if keyword
        else []
    )
    for r in results:
        r.excerpt = markup.excerpt(r.body)
    return _page(
        request, "search.html", {"q": keyword, "results": results, "searched": bool(keyword)}
    )


@require_safe
def downloads(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.downloads())
    for d in rows:
        fmt = format_of(d.file.name)
        d.format_label = fmt.label if fmt else "文件"
        d.size_label = size_label(d.size)
    terms = [d for d in rows if d.kind == Download.Kind.INSURANCE_TERMS]
    others = [d for d in rows if d.kind != Download.Kind.INSURANCE_TERMS]
    return _page(request, "downloads.html", {"terms": terms, "others": others})


@require_safe
@http_errors
def download_file(request: HttpRequest, slug: str) -> FileResponse:
    """The file, with the type of its format and the name operations gave it."""
    d = selectors.download_by_slug(slug)
    try:
        handle = d.file.open("rb")
    except FileNotFoundError:
        raise Http404("该资料的文件暂时无法下载，请稍后再试或联系客服热线 12355") from None
    response = FileResponse(handle, content_type=d.content_type)
    # The name operations gave (UTF-8, RFC 6266), and the slug for clients that read only
    # the plain parameter.
    response["Content-Disposition"] = (
        f'attachment; filename="{d.slug}{suffix(d.file.name)}"; '
        f"filename*=UTF-8''{quote(d.filename)}"
    )
    return response  # SecurityMiddleware adds nosniff: the type is ours, never sniffed


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    contact = selectors.contact_directory()
    show_cutoff = any(b.cutoff for b in contact.banks)
    return _page(request, "contact.html", {"contact": contact, "show_cutoff": show_cutoff})
