"""Server-rendered pages (zh-hans): the landing page, the volunteer's profile home, card
progress, the apply form, the e-card, the public page a card QR opens, and the operations
page. Each page calls one selector or service, like the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from activities.selectors import volunteer_star_level
from bank_adapters import ops
from card_service import selectors, services
from card_service.api import submit_kwargs
from card_service.models import CardApplication
from card_service.rules import PHOTO_MAX_BYTES, age_on
from card_service.serializers import ApplicationSubmitSerializer
from core.errors import NotFound, PermissionDenied, ServiceError, size_label
from core.inputs import FormIdField
from core.throttling import page_throttle_wait, throttled_message
from core.views import http_errors as _http_errors
from volunteers.landing import landing_url
from volunteers.models import Volunteer
from volunteers.roles import is_operations
from volunteers.services import GUANGDONG_CITY_CODES

# Service field names → the apply form's fields; anything else shows above the form.
FORM_FIELDS = {
    "bank": "bank_code",
    "product": "product",
    "branch": "branch_id",
    "mail_address": "mail_address",
    "postcode": "postcode",
    "photo": "photo",
    "uniform_size": "uniform_size",
    "guardian_name": "guardian_name",
    "guardian_id_type": "guardian_id_type",
    "guardian_id_number": "guardian_id_number",
    "guardian_relation": "guardian_relation",
    "branch_code": "branch_id",
}


def _volunteer(request: HttpRequest) -> Volunteer | None:
    if not request.user.is_authenticated:
        return None
    return Volunteer.objects.filter(user=request.user).first()


def home(request: HttpRequest) -> HttpResponse:
    """Volunteers go to their profile, staff to their role's page; everyone else sees the
    landing page."""
    if _volunteer(request) is not None:
        return redirect("me")
    if request.user.is_authenticated and (target := landing_url(request.user)) != "/me/":
        return redirect(target)
    return render(
        request, "card_service/landing.html", {"is_operations": is_operations(request.user)}
    )


def _volunteer_or_page(request: HttpRequest) -> Volunteer | HttpResponse:
    volunteer = _volunteer(request)
    if volunteer is None:
        return render(request, "card_service/not_volunteer.html", status=403)
    return volunteer


@login_required
def me(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer_or_page(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    memberships = volunteer.memberships.select_related("organisation").order_by("applied_at")
    progress = selectors.card_progress(volunteer)
    return render(
        request,
        "card_service/me.html",
        {
            "volunteer": volunteer,
            "city_name": selectors.city_name(volunteer.city_code),
            "memberships": memberships,
            "progress": progress,
        },
    )


@login_required
def card_progress(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer_or_page(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    from uniforms.selectors import uniform_progress

    return render(
        request,
        "card_service/progress.html",
        {
            "volunteer": volunteer,
            "progress": selectors.card_progress(volunteer),
            "uniform": uniform_progress(volunteer),
        },
    )


def _apply_context(
    volunteer: Volunteer, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    banks = list(selectors.bank_list())
    branches = [
        {
            "id": b.pk,
            "bank": b.bank_id,
            "name": b.name,
            "city": selectors.city_name(b.city_code),
            "address": b.address,
        }
        for b in selectors.branch_list()
    ]
    return {
        "volunteer": volunteer,
        "banks": [
            {
                "bank": b,
                "products": selectors.bank_products(b),
                "id_types": selectors.bank_id_types(b),
            }
            for b in banks
        ],
        "branches": branches,
        "uniform_sizes": CardApplication.UniformSize.values,
        "relations": CardApplication.GuardianRelation.choices,
        "minor": age_on(volunteer.birth_date, timezone.localdate()) < 18,
        "replacement": selectors.is_replacement(volunteer),
        "fee_note": selectors.FEE_NOTE,
        "photo_max": size_label(PHOTO_MAX_BYTES),
        "values": values,
        "errors": errors,
    }


def _apply_form_gaps(volunteer: Volunteer, values: dict[str, Any], photo: Any) -> dict[str, str]:
    """Every blank the form still has, at once (the service stops at the first problem, so
    without this a person fixes one field per submit). Only what is plainly missing: the
    service still checks everything else."""
    gaps: dict[str, str] = {}
    product = values.get("product", "D")
    minor = age_on(volunteer.birth_date, timezone.localdate()) < 18
    if not values.get("bank_code"):
        gaps["bank_code"] = "请选择发卡银行"
    if minor and product == "C":
        gaps["product"] = "未满18周岁只能申办借记卡功能的志愿者证"
    if product != "C" and not values.get("branch_id"):
        gaps["branch_id"] = "请选择领卡网点"
    if product == "C" and not (values.get("mail_address") or "").strip():
        gaps["mail_address"] = "请填写邮寄地址"
    if product == "C" and not (values.get("postcode") or "").strip():
        gaps["postcode"] = "请填写邮政编码"
    if photo is None or not photo.size:
        gaps["photo"] = "请上传证件照"
    if not values.get("uniform_size"):
        gaps["uniform_size"] = "请选择服装尺码（S、M、L、XL、XXL、XXXL）"
    if minor:
        for field, message in (
            ("guardian_name", "请填写监护人姓名"),
            ("guardian_id_number", "请填写监护人证件号码"),
            ("guardian_relation", "请选择监护人与申请人关系"),
        ):
            if not (values.get(field) or "").strip():
                gaps[field] = message
    return gaps


@login_required
@require_http_methods(["GET", "POST"])
def card_apply(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer_or_page(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    values: dict[str, Any] = {
        "mail_address": volunteer.address,
        "postcode": volunteer.postcode,
        "product": "D",
        "guardian_id_type": "01",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        errors = _apply_form_gaps(volunteer, values, request.FILES.get("photo"))
        # The API's serializer parses the form: lengths, numbers and NUL characters.
        form = ApplicationSubmitSerializer(data={k: v for k, v in values.items() if v != ""})
        if not form.is_valid():  # every mistake at once: the gaps and what does not parse
            for name, problems in form.errors.items():
                key = name if name in FORM_FIELDS.values() else "general"
                errors.setdefault(key, str(problems[0]))
        if not errors:
            try:
                services.card_application_submit(
                    volunteer=volunteer,
                    actor=request.user,
                    **submit_kwargs(form.validated_data, request.FILES.get("photo")),
                )
            except ServiceError as exc:
                field = FORM_FIELDS.get(exc.extra.get("field", ""), "general")
                errors[field] = exc.message
            else:
                messages.success(request, "申请已提交，您可以在本页查看办理进度。")
                return redirect("card-progress-page")
    # 200 with the errors by their fields: a 400 would be a console error in the browser,
    # and the page is a normal answer to a form with mistakes.
    status = 200
    return render(
        request,
        "card_service/apply.html",
        _apply_context(volunteer, values, errors),
        status=status,
    )


@login_required
@require_POST
def card_withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        services.card_application_withdraw(application_id=application_id, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "申请已撤回。")
    return redirect("card-progress-page")


@login_required
def ecard(request: HttpRequest) -> HttpResponse:
    volunteer = _volunteer_or_page(request)
    if isinstance(volunteer, HttpResponse):
        return volunteer
    app = selectors.current_application(volunteer)
    active = app is not None and app.is_open
    stars = volunteer_star_level(volunteer)
    return render(
        request,
        "card_service/ecard.html",
        {
            "volunteer": volunteer,
            "application": app if active else None,
            "city_name": GUANGDONG_CITY_CODES.get(volunteer.city_code, volunteer.city_code),
            "star_level": stars,
            "stars": "★" * stars,
            "qr_svg": selectors.qr_svg_inline(app.qr_payload, scale=3) if active else "",
        },
    )


@login_required
def ecard_photo(request: HttpRequest) -> HttpResponse:
    """The photo of the volunteer's own current card (photos are never public media)."""
    volunteer = _volunteer(request)
    app = selectors.current_application(volunteer) if volunteer else None
    if app is None or not app.photo:
        raise Http404("暂无证件照")
    return FileResponse(app.photo.open("rb"), content_type="image/jpeg")


class QrAttendanceForm(forms.Form):
    day_id = FormIdField()
    action = forms.ChoiceField(choices=[("in", "签到"), ("out", "签退")])


@_http_errors
@require_http_methods(["GET", "POST"])
def qr_page(request: HttpRequest, token: str) -> HttpResponse:
    """The public page a card QR opens; admins of the volunteer's organisations also get the
    check-in and check-out buttons for today's activities."""
    if wait := page_throttle_wait(request, "qr"):
        response = render(
            request,
            "card_service/qr_invalid.html",
            {"throttled": throttled_message(wait)},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        record = selectors.qr_record(token)
    except NotFound:
        return render(request, "card_service/qr_invalid.html", status=404)
    if request.method == "POST":
        form = QrAttendanceForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请选择活动日，并选择签到或签退。")
            return redirect(request.path)
        try:
            services.card_qr_attendance(token=token, admin=request.user, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            label = "签到" if form.cleaned_data["action"] == "in" else "签退"
            messages.success(request, f"已为志愿者 {record.name_masked} {label}成功。")
        return redirect(request.path)
    may_check_in = selectors.qr_scanner_may_check_in(request.user, record)
    days = selectors.qr_checkin_days(request.user, record.volunteer) if may_check_in else []
    return render(
        request,
        "card_service/qr_public.html",
        {
            "record": record,
            "may_check_in": may_check_in,
            "days": days,
        },
    )


@_http_errors
def ops_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "bank_adapters/ops.html", ops.ops_overview(user=request.user))


@_http_errors
def ops_progress_json(request: HttpRequest) -> HttpResponse:
    """Polled by ops.js: the progress of running sends and receives, without reloading."""
    if not request.user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "message": "请先登录"}, status=401)
    return JsonResponse(ops.ops_progress(user=request.user))


@_http_errors
@require_POST
def ops_alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    try:
        note = forms.CharField(max_length=500, required=False).clean(request.POST.get("note", ""))
        ops.alert_resolve(alert_id=alert_id, actor=request.user, note=note)
    except (NotFound, PermissionDenied):
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
    except forms.ValidationError:
        messages.error(request, "处理说明有误：最多 500 个字，不能含有控制字符")
    else:
        messages.success(request, "告警已标记为已处理。")
    return redirect("ops-page")
