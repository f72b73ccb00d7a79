"""The volunteer's own pages (zh-hans): self-registration, password reset by SMS code, the
profile, 我的活动, organisations and the inbox. Each action calls one service, like the API."""

from __future__ import annotations

from functools import wraps
from typing import Any, Protocol

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import selectors as core_selectors
from core import services as core_services
from core.errors import NotFound, ServiceError
from core.throttling import page_throttle_wait, throttled_message
from volunteers import identity, selectors, services
from volunteers.api import REGISTER_ACCEPTED
from volunteers.identity import IdType
from volunteers.models import MAX_MEMBERSHIPS, Membership, Organisation
from volunteers.serializers import ProfileUpdateSerializer, RegisterInputSerializer

ORG_RESULTS = 20
ORG_TREE_PAGE = 50
INBOX_PAGE = 20


def _volunteer_page(view):
    """Signed-in volunteers only: a user without a volunteer record gets the 404 page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            volunteer = selectors.volunteer_of(request.user)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        return view(request, volunteer, *args, **kwargs)

    return wrapped


FIELD_LABELS = {
    "username": "用户名", "password": "密码", "name": "姓名", "id_number": "证件号码",
    "id_expiry": "证件有效期", "mobile": "手机号码", "birth_date": "出生日期",
    "surname_pinyin": "姓（拼音）", "given_pinyin": "名（拼音）",
}  # fmt: skip


def _serializer_errors(errors: dict[str, Any]) -> dict[str, str]:
    """DRF's errors, one per field; a missing field says which ("请填写证件有效期")."""
    out = {}
    for field, details in errors.items():
        first = details[0] if isinstance(details, list) and details else details
        if isinstance(first, dict):  # a list field's per-item errors
            first = next(iter(first.values()))[0]
        message = str(first)
        if getattr(first, "code", "") in ("required", "blank", "null") and field in FIELD_LABELS:
            message = f"请填写{FIELD_LABELS[field]}"
        elif getattr(first, "code", "") == "invalid" and field in ("id_expiry", "birth_date"):
            message = f"{FIELD_LABELS[field]}格式不对，请按 年-月-日 选择日期"
        out[field if field != "non_field_errors" else "general"] = message
    return out


def _error_of(exc: ServiceError) -> dict[str, str]:
    field = (exc.extra or {}).get("field") or "general"
    return {field: exc.message}


def _org_search(request: HttpRequest, keep_ids: list[int]) -> tuple[str, list, list]:
    """The picker: the organisations already chosen, and up to ORG_RESULTS matching ``q``."""
    q = request.POST.get("q", request.GET.get("q", "")).strip()[:50]
    chosen = list(
        Organisation.objects.select_related("parent").filter(pk__in=keep_ids).order_by("path")
    )
    results = []
    if q:
        results = list(
            selectors.organisation_list(keyword=q)
            .exclude(pk__in=keep_ids)
            .order_by("path")[:ORG_RESULTS]
        )
    return q, chosen, results


def _int_list(values: list[str]) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values if v.isdigit()))[:50]


@require_GET
def organisation_tree(request: HttpRequest) -> JsonResponse:
    """One level of the organisation tree for the picker (org_tree.js): the children of
    ``parent`` (the roots without it), ORG_TREE_PAGE at a time. Names are public."""
    parent, page = request.GET.get("parent", ""), request.GET.get("page", "1")
    if not (parent == "" or (parent.isascii() and parent.isdigit())) or not (
        page.isascii() and page.isdigit() and 0 < int(page) <= 10_000
    ):
        return JsonResponse({"code": "bad_query", "message": "组织编号或页码格式不对"}, status=400)
    parent_id = int(parent) if parent else None
    if parent_id is not None and not Organisation.objects.filter(pk=parent_id).exists():
        return JsonResponse({"code": "not_found", "message": "未找到该组织"}, status=404)
    children = Paginator(selectors.organisation_children(parent_id=parent_id), ORG_TREE_PAGE)
    if int(page) > children.num_pages:
        return JsonResponse({"code": "bad_query", "message": "没有这一页"}, status=400)
    found = children.page(int(page))
    return JsonResponse(
        {
            "parent": parent_id,
            "count": children.count,
            "next_page": found.next_page_number() if found.has_next() else None,
            "results": [
                {
                    "id": o.pk,
                    "name": o.name,
                    "kind": o.get_kind_display(),
                    "has_children": o.has_children,
                }
                for o in found
            ],
        }
    )


# --- registration --------------------------------------------------------------------------

REGISTER_FIELDS = [
    "username", "name", "id_type", "id_number", "id_expiry", "mobile", "city_code",
    "address", "postcode", "gender", "birth_date", "nationality",
]  # fmt: skip


class RegisterHandover(Protocol):
    """Another sign-in that hands a new person to this page (一号通, registered by the sso
    app): what it asserts pre-fills the form and is never trusted (every check of a normal
    registration runs on what is posted); once the account exists it is linked, in the
    registration's transaction, and the person goes where the handover says."""

    def asserted(self, request: HttpRequest) -> dict[str, str] | None:
        """The fields the sign-in asserts (name, mobile, id_number), or None when this
        browser is not in the middle of one."""

    def note(self) -> str:
        """What the page says while the handover is pending."""

    def cancel_url(self) -> str:
        """Where a POST drops the handover, to register without it."""

    def link(self, request: HttpRequest, volunteer: Any) -> None:
        """Link the new account (None: the ID number had one; nothing is made)."""

    def done(self, request: HttpRequest, volunteer: Any) -> HttpResponse:
        """The answer after the commit."""


# Filled by AppConfig.ready() of the apps that hand people over (sso).
register_handovers: list[RegisterHandover] = []


def _handover(request: HttpRequest) -> tuple[RegisterHandover | None, dict[str, str]]:
    for handover in register_handovers:
        asserted = handover.asserted(request)
        if asserted is not None:
            return handover, asserted
    return None, {}


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """自助注册. A new account and an ID number that already has one end on the same page
    (see ``volunteer_sign_up``); every other error is shown at its field, all at once. A
    person sent by 一号通 finds what it asserted filled in, and the new account linked."""
    if request.user.is_authenticated:
        return redirect("/me/")
    handover, asserted = _handover(request)
    chosen_ids = _int_list(request.POST.getlist("organisation_ids"))
    if request.method == "POST":
        values = {f: request.POST.get(f, "") for f in REGISTER_FIELDS}
    else:
        values = {f: asserted.get(f, "") for f in REGISTER_FIELDS}
    errors: dict[str, str] = {}
    status = 200  # a form shown again with its errors is a page, not a failed load
    if request.method == "POST" and request.POST.get("action") == "register":
        if wait := page_throttle_wait(request, "register"):
            errors["general"] = throttled_message(wait)
            status = 429
        else:
            data = {k: v for k, v in values.items() if v != "" or k in ("address", "postcode")}
            data["password"] = request.POST.get("password", "")
            data["organisation_ids"] = chosen_ids
            serializer = RegisterInputSerializer(data=data)
            if not serializer.is_valid():
                errors = _serializer_errors(serializer.errors)
            errors = {**errors, **_register_prechecks(values, chosen_ids)}
            if request.POST.get("password2", "") != data["password"]:
                errors["password2"] = "两次输入的密码不一致"
            if not errors:
                try:
                    with transaction.atomic():
                        volunteer = services.volunteer_sign_up(**serializer.validated_data)
                        if handover is not None:
                            handover.link(request, volunteer)
                except ServiceError as exc:
                    errors = _error_of(exc)
                else:
                    if handover is not None:
                        return handover.done(request, volunteer)
                    return redirect("register-done")
    q, chosen, results = _org_search(request, chosen_ids)
    return render(
        request,
        "volunteers/register.html",
        {
            "values": values,
            "errors": errors,
            "id_types": IdType.choices,
            "cities": sorted(services.GUANGDONG_CITY_CODES.items()),
            "q": q,
            "chosen": chosen,
            "results": results,
            "max_orgs": MAX_MEMBERSHIPS,
            "searched": request.method == "POST" and request.POST.get("action") == "search",
            "handover": handover,
        },
        status=status,
    )


def _register_prechecks(values: dict[str, str], org_ids: list[int]) -> dict[str, str]:
    """The field rules the service checks one after another, checked here side by side so
    the form shows every error at once; the service still checks them all again."""
    checks = [
        lambda: identity.validate_id_number(values["id_type"], values["id_number"]),
        lambda: identity.validate_name(values["name"], values["id_type"]),
        lambda: identity.validate_mobile(values["mobile"]),
    ]
    errors: dict[str, str] = {}
    if not org_ids:
        errors["organisation_ids"] = "请至少选择一个归属组织"
    elif len(org_ids) > MAX_MEMBERSHIPS:
        errors["organisation_ids"] = f"最多只能选择{MAX_MEMBERSHIPS}个归属组织"
    if values["city_code"] not in services.GUANGDONG_CITY_CODES:
        errors["city_code"] = "请选择广东省内的注册地市"
    if values["id_type"] not in IdType.values:
        return {**errors, "id_type": "请选择有效的证件类型"}
    for check in checks:
        try:
            check()
        except ServiceError as exc:
            for field, message in _error_of(exc).items():
                errors.setdefault(field, message)
    return errors


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/register_done.html", {"message": REGISTER_ACCEPTED})


# --- password reset --------------------------------------------------------------------------

RESET_SENT = (
    "如该账号已注册，验证码已通过短信发送到其登记的手机号码，10 分钟内有效。"
    "请输入短信中的 6 位验证码并设置新密码。"
)


def _client_address(request: HttpRequest) -> str:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or ""


@require_http_methods(["GET", "POST"])
def password_forgot(request: HttpRequest) -> HttpResponse:
    """Step 1: the identifier (username, ID number or mobile). The answer never says whether
    it names an account."""
    errors: dict[str, str] = {}
    identifier = request.POST.get("identifier", "").strip()
    if request.method == "POST":
        try:
            services.password_reset_request(identifier=identifier, address=_client_address(request))
        except ServiceError as exc:
            errors = _error_of(exc)
            status = 429 if exc.http_status == 429 else 200
        else:
            request.session["password_reset_identifier"] = identifier
            messages.info(request, RESET_SENT)
            return redirect("password-reset")
        return render(
            request,
            "volunteers/password_forgot.html",
            {"identifier": identifier, "errors": errors},
            status=status,
        )
    return render(request, "volunteers/password_forgot.html", {"identifier": "", "errors": {}})


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the SMS and the new password."""
    identifier = request.session.get("password_reset_identifier")
    if not identifier:
        return redirect("password-forgot")
    errors: dict[str, str] = {}
    status = 200  # a form shown again with its errors is a page, not a failed load
    if request.method == "POST":
        password = request.POST.get("password", "")
        if password != request.POST.get("password2", ""):
            errors["password2"] = "两次输入的密码不一致"
        else:
            try:
                services.password_reset_confirm(
                    identifier=identifier, code=request.POST.get("code", ""), password=password
                )
            except ServiceError as exc:
                errors = _error_of(exc)
            else:
                request.session.pop("password_reset_identifier", None)
                messages.success(request, "密码已重新设置，请使用新密码登录")
                return redirect("login")
    return render(request, "volunteers/password_reset.html", {"errors": errors}, status=status)


# --- profile ---------------------------------------------------------------------------------

CONTACT_FIELDS = ["mobile", "address", "postcode", "surname_pinyin", "given_pinyin"]
IDENTITY_FIELDS = ["name", "id_type", "id_number", "id_expiry", "gender", "birth_date"]


@_volunteer_page
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, volunteer) -> HttpResponse:
    """完善资料: the username (changed once), contact details and pinyin; a name or ID
    correction (re-runs the real-name check). The full ID number and mobile are never
    printed: their fields start empty."""
    contact = {
        "mobile": "",
        "address": volunteer.address,
        "postcode": volunteer.postcode,
        "surname_pinyin": volunteer.surname_pinyin,
        "given_pinyin": volunteer.given_pinyin,
    }
    ident = {
        "name": volunteer.name,
        "id_type": volunteer.id_type,
        "id_number": "",
        "id_expiry": volunteer.id_expiry.isoformat(),
        "gender": volunteer.gender,
        "birth_date": volunteer.birth_date.isoformat(),
    }
    errors: dict[str, str] = {}
    form = request.POST.get("form")
    status = 200  # a form shown again with its errors is a page, not a failed load
    if request.method == "POST" and form == "contact":
        contact = {f: request.POST.get(f, "") for f in CONTACT_FIELDS}
        data = {k: v for k, v in contact.items() if not (k == "mobile" and not v)}
        serializer = ProfileUpdateSerializer(data=data)
        if not serializer.is_valid():
            errors = _serializer_errors(serializer.errors)
        else:
            try:
                services.volunteer_update_contact(
                    volunteer=volunteer, actor=request.user, **serializer.validated_data
                )
            except ServiceError as exc:
                errors = _error_of(exc)
            else:
                messages.success(request, "个人资料已保存")
                return redirect("profile-page")
    elif request.method == "POST" and form == "username":
        try:
            services.volunteer_change_username(
                volunteer=volunteer, actor=request.user, username=request.POST.get("username", "")
            )
        except ServiceError as exc:
            errors = _error_of(exc)
        else:
            messages.success(
                request, "用户名已修改，请使用新用户名登录（仍可使用证件号码或手机号码登录）"
            )
            return redirect("profile-page")
    elif request.method == "POST" and form == "identity":
        ident = {f: request.POST.get(f, "") for f in IDENTITY_FIELDS}
        errors = _identity_correct(request, volunteer, ident)
        if not errors:
            return redirect("profile-page")
    return render(
        request,
        "volunteers/profile.html",
        {
            "volunteer": volunteer,
            "contact": contact,
            "ident": ident,
            "errors": errors,
            "form": form,
            "id_types": IdType.choices,
            "new_username": request.POST.get("username", "") if form == "username" else "",
        },
        status=status,
    )


def _identity_correct(request: HttpRequest, volunteer, ident: dict[str, str]) -> dict[str, str]:
    import datetime as dt

    def date_of(field: str, required: bool) -> dt.date | None:
        try:
            return dt.date.fromisoformat(ident[field])
        except ValueError:
            if required or ident[field]:
                raise ServiceError("日期格式应为 YYYY-MM-DD") from None
            return None

    try:
        try:
            expiry = date_of("id_expiry", True)
        except ServiceError as exc:
            return {"id_expiry": exc.message}
        try:
            birth = date_of("birth_date", False)
        except ServiceError as exc:
            return {"birth_date": exc.message}
        number = ident["id_number"] or (
            volunteer.id_number if ident["id_type"] == volunteer.id_type else ""
        )
        if not number:
            return {"id_number": "更换证件类型时请填写新的证件号码"}
        done = services.volunteer_correct_identity(
            volunteer=volunteer,
            actor=request.user,
            name=ident["name"],
            id_type=ident["id_type"],
            id_number=number,
            id_expiry=expiry,
            gender=ident["gender"] or None,
            birth_date=birth,
        )
    except ServiceError as exc:
        return _error_of(exc)
    v = done.volunteer
    messages.success(
        request,
        f"证件信息已更正，实名认证状态：{v.get_verification_display()}。{v.verification_note}",
    )
    for note in done.notes:  # a card application held or withdrawn: said where it is seen
        messages.warning(request, note)
    return {}


# --- 我的活动 ---------------------------------------------------------------------------------


@_volunteer_page
def my_activities(request: HttpRequest, volunteer) -> HttpResponse:
    """我的活动: 待录用 (applied, not over), 进行中 (admitted, not over), 已结束 (the rest)."""
    from activities import selectors as activity_selectors
    from activities.models import Activity, SignUp

    over = {Activity.Status.FINISHED, Activity.Status.CANCELLED}
    pending, ongoing, done = [], [], []
    for s in activity_selectors.my_signups(volunteer=volunteer)[:300]:
        if s.activity.status in over or s.status == SignUp.Status.REMOVED:
            done.append(s)
        elif s.status == SignUp.Status.APPLIED:
            pending.append(s)
        else:
            ongoing.append(s)
    tab = request.GET.get("tab", "pending")
    if tab not in ("pending", "ongoing", "done"):
        tab = "pending"
    lists = {"pending": pending, "ongoing": ongoing, "done": done}
    return render(
        request,
        "volunteers/my_activities.html",
        {
            "tab": tab,
            "signups": lists[tab],
            "counts": {k: len(v) for k, v in lists.items()},
        },
    )


# --- organisations ---------------------------------------------------------------------------


@_volunteer_page
def my_organisations(request: HttpRequest, volunteer) -> HttpResponse:
    """归属组织: the live memberships (leave / withdraw), and a search to apply to join."""
    memberships = list(
        Membership.objects.filter(volunteer=volunteer, status__in=Membership.LIVE)
        .select_related("organisation__parent")
        .order_by("applied_at", "id")
    )
    q = request.GET.get("q", "").strip()[:50]
    results = []
    if q:
        mine = [m.organisation_id for m in memberships]
        results = list(
            selectors.organisation_list(keyword=q)
            .exclude(pk__in=mine)
            .order_by("path")[:ORG_RESULTS]
        )
    return render(
        request,
        "volunteers/my_organisations.html",
        {
            "memberships": memberships,
            "q": q,
            "results": results,
            "max_orgs": MAX_MEMBERSHIPS,
            "full": len(memberships) >= MAX_MEMBERSHIPS,
        },
    )


@_volunteer_page
@require_POST
def organisation_join(request: HttpRequest, volunteer) -> HttpResponse:
    org_id = request.POST.get("organisation_id", "")
    org = Organisation.objects.filter(pk=int(org_id)).first() if org_id.isdigit() else None
    if org is None:
        messages.error(request, "未找到该组织")
    else:
        try:
            services.membership_apply(volunteer=volunteer, organisation=org)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已申请加入「{org.name}」，请等待该组织管理员审核")
    return redirect("my-organisations-page")


@_volunteer_page
@require_POST
def organisation_leave(request: HttpRequest, volunteer, membership_id: int) -> HttpResponse:
    if not Membership.objects.filter(pk=membership_id, volunteer=volunteer).exists():
        raise Http404("未找到该归属组织")
    try:
        m = services.membership_remove(
            membership_id=membership_id, actor=request.user, reason="志愿者本人退出"
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已退出「{m.organisation.name}」")
    return redirect("my-organisations-page")


# --- inbox -----------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(core_selectors.notification_inbox(user=request.user), INBOX_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "volunteers/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request: HttpRequest, notification_id: int | None = None) -> HttpResponse:
    try:
        core_services.notification_mark_read(user=request.user, notification_id=notification_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    page = request.POST.get("page", "")
    return redirect(reverse("inbox-page") + (f"?page={page}" if page.isdigit() else ""))
