"""The organisation admin console (/org/…): the pages an organisation's admins work in.

Every read goes through a selector that checks the admin's subtree, every change through the
service that already exists (and writes its audit row). A service's refusal comes back as a
message on the page it came from; users who administer nothing get 403, other
organisations' objects 404."""

from __future__ import annotations

import io
from functools import wraps
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from activities import qr
from activities import selectors as activity_selectors
from activities import services as activity_services
from activities.models import Activity, ActivityDay, FaceCheck, HoursDispute, HoursEntry, SignUp
from card_service import services as card_services
from core.errors import NotFound, PermissionDenied, ServiceError
from core.views import http_errors
from org_console.forms import ActivityForm, BackfillForm, OrganisationProfileForm
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services
from volunteers.models import Membership, Volunteer
from volunteers.roles import administered_org_ids

PAGE_SIZE = 20


def console(view):
    """Logged in, an organisation admin; the selectors' errors become 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not administered_org_ids(request.user):
            raise HttpForbidden("只有组织管理员可以打开组织管理页面")
        return translated(request, *args, **kwargs)

    translated = http_errors(view)
    return wrapped


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


def _done(request: HttpRequest, call: Any, success: str) -> bool:
    """Run one service call; its refusal becomes an error message, nothing changes."""
    try:
        call()
    except (NotFound, PermissionDenied):
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    nxt = request.POST.get("next", "")
    if nxt.startswith("/org/") and "//" not in nxt:
        return redirect(nxt)
    return redirect(fallback)


# --- organisations -------------------------------------------------------------------------


@console
def home(request: HttpRequest) -> HttpResponse:
    keyword = request.GET.get("q", "").strip()
    qs = volunteer_selectors.organisations_administered(request.user).annotate(
        pending=Count("memberships", filter=Q(memberships__status=Membership.Status.PENDING))
    )
    if keyword:
        qs = qs.filter(name__icontains=keyword)
    return render(
        request,
        "org_console/home.html",
        {
            "page": _page(request, qs.order_by("path")),
            "q": keyword,
            "qs": _query_without_page(request),
        },
    )


def _org_context(request: HttpRequest, organisation_id: int, tab: str) -> dict[str, Any]:
    org = volunteer_selectors.organisation_for_admin(
        user=request.user, organisation_id=organisation_id
    )
    return {"org": org, "tab": tab}


@console
def members(request: HttpRequest, organisation_id: int) -> HttpResponse:
    ctx = _org_context(request, organisation_id, "members")
    status = request.GET.get("status", Membership.Status.PENDING)
    if status not in Membership.Status.values:
        status = ""
    keyword = request.GET.get("q", "")
    qs = volunteer_selectors.organisation_memberships(
        user=request.user, organisation_id=organisation_id, status=status or None, keyword=keyword
    )
    ctx.update(
        page=_page(request, qs),
        status=status,
        statuses=Membership.Status.choices,
        q=keyword,
        qs=_query_without_page(request),
    )
    return render(request, "org_console/members.html", ctx)


@console
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """组织资料: the introduction and contacts the public page shows."""
    ctx = _org_context(request, organisation_id, "profile")
    org = ctx["org"]
    form = OrganisationProfileForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer_services.organisation_profile_update(
                organisation_id=org.pk, actor=request.user, **form.cleaned_data
            )
        except ServiceError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, "组织资料已保存，组织主页已更新")
            return redirect("org-profile", organisation_id=org.pk)
    ctx["form"] = form
    return render(request, "org_console/profile.html", ctx)


def _membership_of(organisation_id: int, membership_id: int) -> None:
    """The membership must belong to the organisation in the URL (the service then checks
    that the admin administers it)."""
    if not Membership.objects.filter(pk=membership_id, organisation_id=organisation_id).exists():
        raise Http404("未找到该入会申请")


@console
@require_POST
def member_decide(request: HttpRequest, organisation_id: int, membership_id: int) -> HttpResponse:
    _membership_of(organisation_id, membership_id)
    approve = request.POST.get("decision") == "approve"
    note = request.POST.get("note", "").strip()
    fallback = reverse("org-members", args=[organisation_id])
    if not approve and not note:
        messages.error(request, "请填写不通过的原因，志愿者会收到该原因")
        return _back(request, fallback)
    _done(
        request,
        lambda: volunteer_services.membership_decide(
            membership_id=membership_id, actor=request.user, approve=approve, note=note
        ),
        "已通过该志愿者的入会申请" if approve else "已拒绝该志愿者的入会申请",
    )
    return _back(request, fallback)


@console
@require_POST
def member_remove(request: HttpRequest, organisation_id: int, membership_id: int) -> HttpResponse:
    _membership_of(organisation_id, membership_id)
    reason = request.POST.get("reason", "").strip()
    fallback = reverse("org-members", args=[organisation_id]) + "?status=approved"
    if not reason:
        messages.error(request, "请填写移除的原因")
        return _back(request, fallback)
    _done(
        request,
        lambda: volunteer_services.membership_remove(
            membership_id=membership_id, actor=request.user, reason=reason
        ),
        "已将该志愿者移出本组织；如需再加入，志愿者须重新申请",
    )
    return _back(request, fallback)


@console
def verification_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    ctx = _org_context(request, organisation_id, "verification")
    qs = volunteer_selectors.organisation_verification_queue(
        user=request.user, organisation_id=organisation_id
    )
    ctx.update(page=_page(request, qs), qs=_query_without_page(request))
    return render(request, "org_console/verification_list.html", ctx)


@console
@require_http_methods(["GET", "POST"])
def verification_detail(
    request: HttpRequest, organisation_id: int, volunteer_id: int
) -> HttpResponse:
    ctx = _org_context(request, organisation_id, "verification")
    back = reverse("org-verification", args=[organisation_id])
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        note = request.POST.get("note", "").strip()
        volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
        if volunteer is None:
            raise Http404("未找到该志愿者")
        if not approve and not note:
            messages.error(request, "请填写核验不通过的原因，志愿者会收到该原因")
            return redirect(request.path)
        ok = _done(
            request,
            lambda: volunteer_services.volunteer_verify(
                volunteer=volunteer, actor=request.user, approve=approve, note=note
            ),
            "已核验通过" if approve else "已记录核验不通过",
        )
        return redirect(back if ok else request.path)
    ctx["volunteer"] = volunteer_selectors.volunteer_identity_for_verification(
        user=request.user, volunteer_id=volunteer_id
    )
    return render(request, "org_console/verification_detail.html", ctx)


# --- activities ----------------------------------------------------------------------------


@console
def activities(request: HttpRequest, organisation_id: int) -> HttpResponse:
    ctx = _org_context(request, organisation_id, "activities")
    status = request.GET.get("status", "")
    keyword = request.GET.get("q", "").strip()
    qs = activity_selectors.activity_search(
        user=request.user,
        organisation_id=ctx["org"].pk,
        status=status if status in Activity.Status.values else None,
        keyword=keyword or None,
    )
    ctx.update(
        page=_page(request, qs),
        status=status,
        statuses=Activity.Status.choices,
        q=keyword,
        qs=_query_without_page(request),
    )
    return render(request, "org_console/activities.html", ctx)


@console
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    ctx = _org_context(request, organisation_id, "activities")
    org = ctx["org"]
    form = ActivityForm(request.POST or None, initial={"city_code": org.city_code})
    if request.method == "POST" and form.is_valid():
        try:
            activity = activity_services.activity_create(
                admin=request.user,
                organisation=org,
                days=form.cleaned_data["days"],
                **form.service_fields(),
            )
        except ServiceError as exc:
            form.add_error(
                exc.extra.get("field") if exc.extra.get("field") in form.fields else None,
                exc.message,
            )
        else:
            messages.success(request, "活动已保存为草稿，核对无误后请发布")
            return redirect("org-activity", activity_id=activity.pk)
    ctx.update(form=form, title="发布新活动")
    return render(request, "org_console/activity_form.html", ctx)


def _activity_context(request: HttpRequest, activity_id: int, tab: str) -> dict[str, Any]:
    activity = activity_selectors.activity_for_admin(user=request.user, activity_id=activity_id)
    days = list(ActivityDay.objects.filter(activity=activity).order_by("date"))
    return {"activity": activity, "org": activity.organisation, "days": days, "tab": tab}


@console
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    ctx = _activity_context(request, activity_id, "overview")
    counts = dict(
        SignUp.objects.filter(activity=ctx["activity"])
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    ctx.update(
        applied=counts.get(SignUp.Status.APPLIED, 0),
        admitted=counts.get(SignUp.Status.ADMITTED, 0),
        today=timezone.localdate(),
    )
    return render(request, "org_console/activity_detail.html", ctx)


@console
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    ctx = _activity_context(request, activity_id, "overview")
    activity = ctx["activity"]
    if activity.status != Activity.Status.DRAFT:
        messages.error(request, f"活动已{activity.get_status_display()}，发布后不能再修改")
        return redirect("org-activity", activity_id=activity.pk)
    form = ActivityForm(request.POST or None, initial=ActivityForm.initial_from(activity))
    if request.method == "POST" and form.is_valid():
        try:
            activity_services.activity_update(
                admin=request.user,
                activity_id=activity.pk,
                days=form.cleaned_data["days"],
                **form.service_fields(),
            )
        except ServiceError as exc:
            form.add_error(
                exc.extra.get("field") if exc.extra.get("field") in form.fields else None,
                exc.message,
            )
        else:
            messages.success(request, "活动已修改")
            return redirect("org-activity", activity_id=activity.pk)
    ctx.update(form=form, title="修改活动")
    return render(request, "org_console/activity_form.html", ctx)


STATUS_WORDS = {
    Activity.Status.PUBLISHED: "活动已发布，志愿者现在可以报名",
    Activity.Status.CANCELLED: "活动已取消，已录用的志愿者会收到通知",
    Activity.Status.FINISHED: "活动已结束",
}


@console
@require_POST
def activity_status(request: HttpRequest, activity_id: int) -> HttpResponse:
    status = request.POST.get("status", "")
    _done(
        request,
        lambda: activity_services.activity_change_status(
            admin=request.user, activity_id=activity_id, status=status
        ),
        STATUS_WORDS.get(status, "活动状态已更新"),
    )
    return redirect("org-activity", activity_id=activity_id)


# --- sign-ups ------------------------------------------------------------------------------


@console
def signups(request: HttpRequest, activity_id: int) -> HttpResponse:
    ctx = _activity_context(request, activity_id, "signups")
    status = request.GET.get("status", "")
    keyword = request.GET.get("q", "").strip()
    qs = activity_selectors.activity_signups(
        user=request.user,
        activity_id=activity_id,
        status=status if status in SignUp.Status.values else None,
    ).select_related("volunteer__face_check")
    if keyword:
        qs = qs.filter(
            Q(volunteer__name__icontains=keyword) | Q(volunteer__volunteer_no=keyword.upper())
        )
    ctx.update(
        page=_page(request, qs.order_by("applied_at", "id")),
        status=status,
        statuses=SignUp.Status.choices,
        q=keyword,
        qs=_query_without_page(request),
        face_checked=set(
            FaceCheck.objects.filter(volunteer__signups__activity=ctx["activity"]).values_list(
                "volunteer_id", flat=True
            )
        ),
    )
    return render(request, "org_console/signups.html", ctx)


SIGNUP_ACTIONS = {
    "admit": (activity_services.signup_admit, "已录用，志愿者会收到录用短信"),
    # Refusing an application and removing an admitted volunteer are one transition; the
    # manual's 拒绝短信 is the removal text.
    "refuse": (activity_services.signup_remove, "已拒绝该报名，志愿者会收到通知"),
    "remove": (activity_services.signup_remove, "已将该志愿者移出本活动，志愿者会收到通知"),
}


@console
@require_POST
def signup_action(
    request: HttpRequest, activity_id: int, signup_id: int, action: str
) -> HttpResponse:
    signup = SignUp.objects.filter(pk=signup_id, activity_id=activity_id).first()
    if action not in SIGNUP_ACTIONS or signup is None:
        raise Http404("未找到该报名")
    if action == "refuse" and signup.status != SignUp.Status.APPLIED:
        messages.error(request, "只能拒绝待录用的报名；已录用的志愿者请使用“移出活动”")
        return _back(request, reverse("org-signups", args=[activity_id]))
    service, words = SIGNUP_ACTIONS[action]
    _done(request, lambda: service(admin=request.user, signup_id=signup_id), words)
    return _back(request, reverse("org-signups", args=[activity_id]))


@console
@require_POST
def face_check(request: HttpRequest, activity_id: int, volunteer_id: int) -> HttpResponse:
    _done(
        request,
        lambda: activity_services.face_check_record(
            admin=request.user, activity_id=activity_id, volunteer_id=volunteer_id
        ),
        "已记录面验通过",
    )
    return _back(request, reverse("org-signups", args=[activity_id]))


@console
@require_POST
def invite(request: HttpRequest, activity_id: int) -> HttpResponse:
    number = request.POST.get("volunteer_no", "").strip().upper()
    volunteer = Volunteer.objects.filter(volunteer_no=number).first() if number else None
    if volunteer is None:
        messages.error(request, "请输入本组织志愿者的志愿者编号（12位）")
    else:
        _done(
            request,
            lambda: activity_services.invitation_create(
                admin=request.user, activity_id=activity_id, volunteer_id=volunteer.pk
            ),
            f"已邀请志愿者 {volunteer.name_masked}，其报名后将自动录用",
        )
    return redirect("org-signups", activity_id=activity_id)


# --- attendance ----------------------------------------------------------------------------


def _day(activity: Activity, day_id: int) -> ActivityDay:
    day = ActivityDay.objects.filter(pk=day_id, activity=activity).first()
    if day is None:
        raise Http404("未找到该活动日")
    return day


def _action(action: str) -> str:
    if action not in qr.ACTIONS:
        raise Http404("未知的签到签退类型")
    return "签到" if action == "in" else "签退"


@console
def attendance(request: HttpRequest, activity_id: int) -> HttpResponse:
    ctx = _activity_context(request, activity_id, "attendance")
    from activities.models import Attendance

    qs = (
        Attendance.objects.filter(day__activity=ctx["activity"])
        .select_related("volunteer", "day")
        .order_by("day__date", "checked_in_at", "id")
    )
    ctx.update(page=_page(request, qs), qs=_query_without_page(request))
    return render(request, "org_console/attendance.html", ctx)


@console
def activity_qr(request: HttpRequest, activity_id: int, day_id: int, action: str) -> HttpResponse:
    ctx = _activity_context(request, activity_id, "attendance")
    ctx.update(
        day=_day(ctx["activity"], day_id),
        action=action,
        action_label=_action(action),
        refresh_seconds=qr.SLOT_SECONDS // 2,
    )
    return render(request, "org_console/qr.html", ctx)


@console
def activity_qr_svg(
    request: HttpRequest, activity_id: int, day_id: int, action: str
) -> HttpResponse:
    """The current code as an SVG image; the QR page fetches it again every half slot."""
    _action(action)
    code, _expires = activity_selectors.activity_qr_for_admin(
        user=request.user, activity_id=activity_id, day_id=day_id, action=action
    )
    out = io.BytesIO()
    segno.make(qr.payload_url(code), error="m").save(out, kind="svg", scale=8, xmldecl=False)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@console
@require_http_methods(["GET", "POST"])
def card_scanner(request: HttpRequest, activity_id: int, day_id: int, action: str) -> HttpResponse:
    ctx = _activity_context(request, activity_id, "attendance")
    day = _day(ctx["activity"], day_id)
    label = _action(action)
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        if not token:
            messages.error(request, "请扫描或输入志愿者证上的二维码内容")
        else:
            try:
                att = card_services.card_qr_attendance(
                    token=token, admin=request.user, day_id=day.pk, action=action
                )
            except NotFound as exc:
                messages.error(request, exc.message)
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"志愿者 {att.volunteer.name_masked} {label}成功")
        return redirect(request.path)
    ctx.update(day=day, action=action, action_label=label)
    return render(request, "org_console/scanner.html", ctx)


# --- hours ---------------------------------------------------------------------------------


@console
@require_http_methods(["GET", "POST"])
def hours(request: HttpRequest, activity_id: int) -> HttpResponse:
    ctx = _activity_context(request, activity_id, "hours")
    activity = ctx["activity"]
    admitted = (
        SignUp.objects.filter(activity=activity, status=SignUp.Status.ADMITTED)
        .select_related("volunteer")
        .order_by("volunteer__name")
    )
    form = BackfillForm(request.POST or None)
    form.fields["volunteer_id"].choices = [
        (s.volunteer_id, f"{s.volunteer.name}（{s.volunteer.volunteer_no}）") for s in admitted
    ]
    form.fields["day_id"].choices = [(d.pk, f"{d.date:%Y-%m-%d}") for d in ctx["days"]]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity_services.hours_backfill(
                admin=request.user,
                activity_day=_day(activity, d["day_id"]),
                volunteer=Volunteer.objects.get(pk=d["volunteer_id"]),
                checked_in_at=d["checked_in_at"],
                checked_out_at=d["checked_out_at"],
                reason=d["reason"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已补录，时长于明日起计入")
            return redirect("org-hours", activity_id=activity.pk)
    status = request.GET.get("status", "")
    qs = activity_selectors.activity_hours(
        user=request.user,
        activity_id=activity.pk,
        status=status if status in HoursEntry.Status.values else None,
    ).order_by("day__date", "volunteer__name", "id")
    ctx.update(
        form=form,
        page=_page(request, qs),
        status=status,
        statuses=HoursEntry.Status.choices,
        qs=_query_without_page(request),
        pending=HoursEntry.objects.filter(
            activity=activity, status=HoursEntry.Status.PENDING
        ).count(),
    )
    return render(request, "org_console/hours.html", ctx)


@console
@require_POST
def hours_decide(request: HttpRequest, activity_id: int, entry_id: int) -> HttpResponse:
    if not HoursEntry.objects.filter(pk=entry_id, activity_id=activity_id).exists():
        raise Http404("未找到该时长记录")
    approve = request.POST.get("decision") == "approve"
    _done(
        request,
        lambda: activity_services.hours_decide(
            admin=request.user,
            entry_id=entry_id,
            approve=approve,
            reason=request.POST.get("reason", "").strip(),
        ),
        "已审核通过，时长于明日起计入" if approve else "已驳回该时长",
    )
    return _back(request, reverse("org-hours", args=[activity_id]))


# --- 时长异议 --------------------------------------------------------------------------------


@console
def disputes(request: HttpRequest) -> HttpResponse:
    """The disputes (我有异议) on hours of the activities the admin's organisations publish."""
    status = request.GET.get("status", HoursDispute.Status.OPEN)
    if status not in HoursDispute.Status.values:
        status = ""
    qs = activity_selectors.disputes_for_admin(user=request.user, status=status or None)
    return render(
        request,
        "org_console/disputes.html",
        {
            "page": _page(request, qs.order_by("-raised_at", "-id")),
            "status": status,
            "statuses": HoursDispute.Status.choices,
            "qs": _query_without_page(request),
            "tab": "disputes",
        },
    )


@console
@require_POST
def dispute_answer(request: HttpRequest, dispute_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    raw_minutes = request.POST.get("minutes", "").strip()
    if decision not in ("reject", "correct", "remove"):
        messages.error(request, "请选择答复方式")
        return _back(request, reverse("org-disputes"))
    if decision == "correct" and not raw_minutes.isdigit():
        messages.error(request, "请填写更正后的时长（分钟）")
        return _back(request, reverse("org-disputes"))
    _done(
        request,
        lambda: activity_services.hours_dispute_answer(
            admin=request.user,
            dispute_id=dispute_id,
            uphold=decision != "reject",
            answer=request.POST.get("answer", ""),
            minutes=int(raw_minutes) if decision == "correct" else None,
        ),
        {
            "reject": "已答复：异议不成立",
            "correct": "已答复：时长已更正",
            "remove": "已答复：时长已撤销",
        }[decision],
    )
    return _back(request, reverse("org-disputes"))
