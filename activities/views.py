"""Server-rendered pages (zh-hans): activity list and detail with the sign-up button, the
admins' rotating check-in/check-out QR, the scan landing page and the volunteer's hours.
Each page calls one selector or service, like the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from activities import qr, ranking, selectors, services
from activities.models import Activity
from activities.serializers import ActivitySearchSerializer
from core.errors import ServiceError
from core.views import http_errors as _http_errors
from volunteers.roles import administered_org_ids
from volunteers.selectors import volunteer_of
from volunteers.services import user_administers


def activity_list(request: HttpRequest) -> HttpResponse:
    # Blank filters mean "any"; a filter that is not valid is not applied.
    query = ActivitySearchSerializer(data={k: v for k, v in request.GET.items() if v})
    p = query.validated_data if query.is_valid() else {}
    if query.errors:
        messages.error(request, "筛选条件有误，已显示全部活动")
    activities = selectors.activity_search(
        user=request.user,
        city_code=p.get("city"),
        category=p.get("category"),
        keyword=p.get("q"),
    )[:50]
    return render(
        request,
        "activities/list.html",
        {"activities": activities, "categories": Activity.Category.choices, "query": p},
    )


@_http_errors
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_detail(user=request.user, activity_id=activity_id)
    is_admin = bool(administered_org_ids(request.user)) and user_administers(
        request.user, activity.organisation
    )
    return render(request, "activities/detail.html", {"activity": activity, "is_admin": is_admin})


@login_required
@require_POST
def activity_signup(request: HttpRequest, activity_id: int) -> HttpResponse:
    try:
        signup = services.signup_create(
            volunteer=volunteer_of(request.user), activity_id=activity_id
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "报名成功，已被录用"
            if signup.status == signup.Status.ADMITTED
            else "报名成功，请等待活动发布方管理员审核录用",
        )
    return redirect("activity-page", activity_id=activity_id)


@login_required
@_http_errors
def activity_qr(request: HttpRequest, activity_id: int, day_id: int, action: str) -> HttpResponse:
    if action not in qr.ACTIONS:
        raise Http404("未知的二维码类型")
    code, expires = selectors.activity_qr_for_admin(
        user=request.user, activity_id=activity_id, day_id=day_id, action=action
    )
    return render(
        request,
        "activities/qr.html",
        {
            "svg": qr.render_svg(code),
            "action_label": "签到" if action == "in" else "签退",
            "expires": expires,
            "refresh": qr.SLOT_SECONDS // 2,
            "activity_id": activity_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@_http_errors
def scan(request: HttpRequest, code: str) -> HttpResponse:
    """The page an activity QR opens: it names the activity, the day and whether this is a
    check-in or a check-out before the volunteer confirms."""
    result = None
    if request.method == "POST":
        try:
            result = services.attendance_scan_activity_qr(
                volunteer=volunteer_of(request.user), code=code
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
    target, problem = None, ""
    try:
        target = selectors.activity_scan_target(code)
    except ServiceError as exc:
        problem = exc.message
    return render(
        request,
        "activities/scan.html",
        {"code": code, "attendance": result, "target": target, "problem": problem},
    )


@login_required
@_http_errors
def my_hours(request: HttpRequest) -> HttpResponse:
    volunteer = volunteer_of(request.user)
    totals = selectors.volunteer_hours(volunteer)
    entries = [
        (e, selectors.hours_entry_note(e))
        for e in selectors.my_hours_entries(volunteer=volunteer)[:200]
    ]
    ranks = ranking.volunteer_ranks(volunteer)
    return render(
        request,
        "activities/my_hours.html",
        {"totals": totals, "entries": entries, "ranks": ranks},
    )


def active_ranking(request: HttpRequest) -> HttpResponse:
    """活跃志愿者: a city's or an organisation's ranking this month or year, names masked."""
    p = request.GET
    scope = p.get("scope") if p.get("scope") in ("org", "city") else "city"
    period = p.get("period") if p.get("period") in ("month", "year") else "month"
    key = (p.get("key") or "440100")[:20]
    lines = ranking.ranking_page(scope=scope, scope_key=key, period=period)
    return render(
        request,
        "activities/active.html",
        {"lines": lines, "scope": scope, "period": period, "key": key},
    )


@_http_errors
def activity_disclosure(request: HttpRequest, activity_id: int) -> HttpResponse:
    """时长公示: the activity's published hours, each with a 我有异议 form."""
    activity, rows = selectors.activity_disclosure(user=request.user, activity_id=activity_id)
    return render(
        request,
        "activities/disclosure.html",
        {"activity": activity, "rows": rows, "days": services_disclosure_days()},
    )


def services_disclosure_days() -> int:
    from activities.disclosure import disclosure_days

    return disclosure_days()


@login_required
@require_POST
def hours_dispute(request: HttpRequest, entry_id: int) -> HttpResponse:
    """我有异议 from the disclosure page; back to it with the outcome."""
    activity_id = request.POST.get("activity", "")
    try:
        services.hours_dispute_raise(
            user=request.user, entry_id=entry_id, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "异议已提交，组织核实后将答复您；核实前该时长暂不计入")
    if activity_id.isdigit():
        return redirect("activity-disclosure-page", activity_id=int(activity_id))
    return redirect("activity-list-page")
