"""Server-rendered pages: the volunteer's uniform (with the correction form while the order
has not gone out), and the donations report and its CSV for operations."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from card_service.models import Bank
from core.errors import ServiceError
from core.inputs import YEAR_MAX, YEAR_MIN
from core.views import http_errors as _http_errors
from uniforms import charts, selectors, services
from uniforms.models import UniformSize
from uniforms.serializers import UniformCorrectionSerializer
from volunteers.selectors import volunteer_of


@login_required
@require_http_methods(["GET", "POST"])
@_http_errors
def my_uniform(request: HttpRequest) -> HttpResponse:
    volunteer = volunteer_of(request.user)
    if request.method == "POST":
        # The API's serializer parses the form; a blank field means "unchanged".
        fields = ("mail_address", "postcode", "size")
        form = UniformCorrectionSerializer(
            data={k: request.POST[k].strip() for k in fields if request.POST.get(k, "").strip()}
        )
        if not form.is_valid():
            messages.error(request, "；".join(str(e[0]) for e in form.errors.values()))
            return redirect("my-uniform-page")
        try:
            services.uniform_order_correct(
                volunteer=volunteer,
                actor=request.user,
                **{k: form.validated_data.get(k) for k in fields},
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已保存")
        return redirect("my-uniform-page")
    return render(
        request,
        "uniforms/my_uniform.html",
        {
            "progress": selectors.uniform_progress(volunteer),
            "sizes": UniformSize.values,
            "extra_uniform_phone": services.EXTRA_UNIFORM_PHONE,
        },
    )


def _month(value: str | None) -> dt.date | None:
    try:
        month = dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None
    return month if YEAR_MIN <= month.year <= YEAR_MAX else None


def _filters(request: HttpRequest) -> dict:
    start = _month(request.GET.get("from"))
    end = _month(request.GET.get("to"))
    if end is not None:
        end = selectors.add_months(end, 1) - dt.timedelta(days=1)
    bank = request.GET.get("bank") or None
    if bank not in set(Bank.objects.values_list("code", flat=True)):
        bank = None
    return {"date_from": start, "date_to": end, "bank": bank}


@login_required
@require_GET
@_http_errors
def donations_report(request: HttpRequest) -> HttpResponse:
    rows = selectors.donation_totals(user=request.user, **_filters(request))
    months = selectors.donation_by_month_and_bank(rows)
    banks = list(Bank.objects.order_by("code").values_list("code", "short_name"))
    total = sum(r["purchases"] for r in rows)
    return render(
        request,
        "uniforms/donations.html",
        {
            "rows": rows,
            "months": [
                {**m, "cells": [m["banks"].get(code, 0) for code, _ in banks]} for m in months
            ],
            "banks": banks,
            "chart": charts.bar_chart_svg(months, banks),
            "total_purchases": total,
            "total_donation": selectors.DONATION_PER_PURCHASE * total,
            "query": request.GET,
        },
    )


@login_required
@require_GET
@_http_errors
def donations_csv(request: HttpRequest) -> HttpResponse:
    rows = selectors.donation_totals(user=request.user, **_filters(request))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["月份", "银行", "地市代码", "地市", "持卡人数", "消费笔数", "最低捐赠金额（元）"])
    for r in rows:
        w.writerow(
            [
                r["month"].strftime("%Y-%m"),
                r["bank_name"],
                r["city_code"],
                r["city_name"],
                r["cards"],
                r["purchases"],
                f"{r['min_donation']:.2f}",
            ]
        )
    # The BOM makes Excel read the file as UTF-8.
    response = HttpResponse(
        ("\ufeff" + buf.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="donations.csv"'
    return response
