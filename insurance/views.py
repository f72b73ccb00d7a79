"""Staff pages (zh-hans): the hotline's coverage look-up and the operations' policy
reconciliation. Each calls one selector, like the API."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from bank_adapters.codecs import BANKS
from card_service.models import Bank
from core.errors import ServiceError
from core.inputs import YEAR_MAX, YEAR_MIN
from core.throttling import page_throttle_wait, throttled_message
from insurance import selectors
from volunteers.roles import is_hotline, is_operations

LOOKUP_KINDS = (
    ("id_number", "证件号码"),
    ("card_ref", "卡片参考号"),
    ("mobile", "手机号码"),
    ("name", "姓名 + 出生日期"),
    ("volunteer_no", "志愿者编号"),
)


def _parse_date(value: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
        try:
            day = dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
        return day if YEAR_MIN <= day.year <= YEAR_MAX else None
    return None


def _parse_incident(value: str) -> dt.datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            moment = dt.datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return timezone.make_aware(moment) if YEAR_MIN <= moment.year <= YEAR_MAX else None
    return None


class HotlineForm(forms.Form):
    kind = forms.ChoiceField(choices=LOOKUP_KINDS)
    key = forms.CharField(max_length=40)
    incident_at = forms.CharField(max_length=40, required=False)
    reason = forms.CharField(max_length=200, required=False)
    birth_date = forms.CharField(max_length=20, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def hotline_page(request: HttpRequest) -> HttpResponse:
    if not is_hotline(request.user):
        raise HttpForbidden("只有热线客服可以使用该页面")
    form = request.POST if request.method == "POST" else {}
    context: dict = {"form": form, "kinds": LOOKUP_KINDS, "answer": None, "error": ""}
    if request.method == "POST":
        parsed = HotlineForm(form)
        valid = parsed.is_valid()
        data = parsed.cleaned_data if valid else {}
        kind, key = data.get("kind"), data.get("key")
        incident = _parse_incident(data.get("incident_at", ""))
        birth = _parse_date(data.get("birth_date", ""))
        if wait := page_throttle_wait(request, "hotline"):
            context["error"] = throttled_message(wait)
        elif not valid and set(parsed.errors) - {"kind", "key"}:
            context["error"] = "查询事由或事发时间有误：事由最多 200 字，且不能含有控制字符"
        elif not valid:
            context["error"] = "请选择查询方式并输入证件号码、卡片参考号、手机号码或姓名"
        elif kind == "name" and birth is None:
            context["error"] = "按姓名查询时请填写出生日期，如 1990-05-06"
        elif incident is None:
            context["error"] = "请输入事发时间，如 2026-05-06 10:30"
        else:
            keys = {kind: key, "birth_date": birth} if kind == "name" else {kind: key}
            try:
                context["answer"] = selectors.hotline_coverage(
                    user=request.user, reason=data["reason"], incident_at=incident,
                    **keys,
                )  # fmt: skip
            except ServiceError as exc:
                context["error"] = exc.message
    return render(request, "insurance/hotline.html", context)


@login_required
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    if not is_operations(request.user):
        raise HttpForbidden("只有运营人员可以查看保单核对")
    bank = request.GET.get("bank") if request.GET.get("bank") in BANKS else None
    missing = selectors.policies_missing(user=request.user, bank=bank)
    unexpected = selectors.policies_unexpected(user=request.user, bank=bank)
    not_computed = selectors.policies_not_computed(user=request.user, bank=bank)
    return render(
        request,
        "insurance/reconciliation.html",
        {
            "bank": bank or "",
            "banks": list(
                Bank.objects.filter(code__in=BANKS).order_by("code").values_list("code", "name")
            ),
            "missing": missing[:200],
            "missing_count": missing.count(),
            "unexpected": unexpected[:200],
            "unexpected_count": unexpected.count(),
            "not_computed_count": not_computed.count(),
            "computed_at": selectors.coverage_computed_at(),
        },
    )
