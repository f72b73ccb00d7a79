"""Server-rendered pages (zh-hans): the volunteer's certificates and the request form, one
certificate's progress (polled by certificates/progress.js), the PDF download, the public
verification page a certificate QR opens, and the admin's revoke form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from certificates import selectors, services
from certificates.models import Certificate
from core.errors import NotFound, ServiceError, ValidationFailed
from core.throttling import page_throttle_wait, throttled_message
from volunteers.models import Volunteer


def _volunteer(request: HttpRequest) -> Volunteer | None:
    return Volunteer.objects.filter(user=request.user).first()


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", code="certificate_period") from None


def _int(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number < 2**31 else None


@login_required
@require_http_methods(["GET", "POST"])
def my_certificates(request: HttpRequest) -> HttpResponse:
    """我的证明: the list and the request form."""
    volunteer = _volunteer(request)
    if volunteer is None:
        return render(request, "card_service/not_volunteer.html", status=403)
    if request.method == "POST":
        try:
            cert = services.certificate_request(
                volunteer=volunteer,
                scope=request.POST.get("scope", ""),
                period_start=_date(request.POST.get("period_start")),
                period_end=_date(request.POST.get("period_end")),
                activity_id=_int(request.POST.get("activity_id")),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已提交申请，证明正在生成。")
            return redirect("certificate-page", certificate_id=cert.pk)
    return render(
        request,
        "certificates/mine.html",
        {
            "certificates": selectors.my_certificates(volunteer)[:50],
            "activities": selectors.certifiable_activities(volunteer)[:200],
            "scopes": Certificate.Scope.choices,
            "form": request.POST,
        },
    )


@login_required
def my_certificate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """One certificate's progress; the page polls the API until it is ready or failed."""
    try:
        cert = selectors.my_certificate(
            volunteer=_volunteer(request), certificate_id=certificate_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    working = cert.status in (Certificate.Status.PENDING, Certificate.Status.RENDERING)
    return render(request, "certificates/detail.html", {"cert": cert, "working": working})


@login_required
def my_certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """The volunteer's own PDF; anyone else's is not found."""
    try:
        name, data = selectors.my_certificate_pdf(
            volunteer=_volunteer(request), certificate_id=certificate_id
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificate-page", certificate_id=certificate_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The public page a certificate QR opens: what it certifies, or 已撤销, or not found."""
    if wait := page_throttle_wait(request, "qr"):
        response = render(
            request,
            "certificates/not_found.html",
            {"throttled": throttled_message(wait)},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        verified = selectors.certificate_verify(token)
    except NotFound:
        return render(request, "certificates/not_found.html", status=404)
    may_revoke = not verified.revoked and selectors.may_revoke(request.user, verified.certificate)
    return render(
        request,
        "certificates/verify.html",
        {"v": verified, "c": verified.content, "may_revoke": may_revoke},
    )


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """An organisation admin's revoke form (reached from the verification page)."""
    cert = Certificate.objects.filter(pk=certificate_id).defer("pdf").first()
    if cert is None or not selectors.may_revoke(request.user, cert):
        raise Http404("未找到该志愿服务证明")
    if request.method == "POST":
        try:
            services.certificate_revoke(
                admin=request.user,
                certificate_id=cert.pk,
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"证明 {cert.number} 已撤销，志愿者已收到通知。")
            return redirect("certificate-verify-page", token=cert.token)
    return render(request, "certificates/revoke.html", {"cert": cert})
