"""The public organisation pages (zh-hans, no login): the directory (找组织) at
/organisations/ and each organisation's page. They read through the same selectors and the
same query parser as ``/api/organisations/``, and share its throttle budget."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from activities import selectors as activity_selectors
from core.throttling import page_throttle_wait, throttled_message
from core.views import http_errors
from volunteers import selectors
from volunteers.models import Membership, Organisation, Volunteer
from volunteers.serializers import OrganisationQuerySerializer
from volunteers.services import GUANGDONG_CITY_CODES, user_administers

DIRECTORY_PAGE = 20
ACTIVITY_PAGE = 10
CHILDREN_SHOWN = 30
WHEN_TABS = [
    (activity_selectors.WHEN_CURRENT, "招募中和进行中"),
    (activity_selectors.WHEN_PAST, "已结束"),
]


def _throttled(request: HttpRequest) -> HttpResponse | None:
    wait = page_throttle_wait(request, "directory")
    if wait is None:
        return None
    response = render(
        request,
        "error.html",
        {"status": 429, "title": "请求过于频繁", "text": throttled_message(wait)},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def _query_without_page(request: HttpRequest) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


def _first_errors(errors: dict) -> dict[str, str]:
    return {field: str(details[0]) for field, details in errors.items()}


def organisation_directory(request: HttpRequest) -> HttpResponse:
    """找组织: search by name, filter by city, kind (and parent, from an organisation's page)."""
    if (throttled := _throttled(request)) is not None:
        return throttled
    # Blank fields of the form mean "any"; a value that is not valid is said beside its field
    # (the API answers 400; a form shown again with its errors is a page, not a failed load).
    raw = {k: v for k, v in request.GET.items() if k != "page" and v.strip()}
    query = OrganisationQuerySerializer(data=raw)
    page, parent, errors = None, None, {}
    if query.is_valid():
        p = query.validated_data
        qs = selectors.organisation_list(
            parent_id=p.get("parent"),
            keyword=p.get("q", ""),
            city_code=p.get("city"),
            kind=p.get("kind"),
        )
        page = Paginator(qs, DIRECTORY_PAGE).get_page(request.GET.get("page"))
        page.object_list = selectors.with_member_counts(page.object_list)
        if p.get("parent"):
            parent = Organisation.objects.filter(pk=p["parent"]).first()
    else:
        errors = _first_errors(query.errors)
    return render(
        request,
        "volunteers/org_directory.html",
        {
            "page": page,
            "values": raw,
            "errors": errors,
            "parent": parent,
            "cities": sorted(GUANGDONG_CITY_CODES.items()),
            "kinds": Organisation.Kind.choices,
            "qs": _query_without_page(request),
        },
    )


@http_errors
def organisation_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """组织主页: who the organisation is, how to reach it, its numbers, activities and
    sub-organisations."""
    if (throttled := _throttled(request)) is not None:
        return throttled
    org = selectors.organisation_profile(organisation_id=organisation_id)
    when = request.GET.get("when", "")
    if when not in dict(WHEN_TABS):
        when = activity_selectors.WHEN_CURRENT
    activities = Paginator(
        activity_selectors.activity_search(organisation_id=org.pk, when=when), ACTIVITY_PAGE
    ).get_page(request.GET.get("page"))
    children = (
        list(Organisation.objects.filter(parent_id=org.pk).order_by("path")[:CHILDREN_SHOWN])
        if org.children_count
        else []
    )
    user = request.user
    membership, is_volunteer = None, False
    if user.is_authenticated:
        membership = (
            Membership.objects.filter(
                volunteer__user=user, organisation=org, status__in=Membership.LIVE
            )
            .only("status")
            .first()
        )
        is_volunteer = membership is not None or Volunteer.objects.filter(user=user).exists()
    return render(
        request,
        "volunteers/org_page.html",
        {
            "org": org,
            "activities": activities,
            "when": when,
            "when_tabs": WHEN_TABS,
            "children": children,
            "membership": membership,
            "is_volunteer": is_volunteer,
            "is_admin": user.is_authenticated and user_administers(user, org),
        },
    )
