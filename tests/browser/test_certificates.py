"""Certificates in a real browser: the request form, the progress page polling through its
static script until the PDF is ready, the public verification page and the revoke form."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def _hours(roles):
    from activities import services
    from activities.models import HoursEntry

    served = timezone.localdate() - dt.timedelta(days=30)
    activity = services.activity_create(
        admin=roles["org_admin"], organisation=roles["organisation"], name="图书馆导读服务",
        days=[(served, dt.time(9, 0), dt.time(12, 0))], places=10, address="广州市天河区",
        city_code="440100", contact_name="陈老师", contact_phone="020-12345678",
        now=timezone.now() - dt.timedelta(days=40),
    )  # fmt: skip
    HoursEntry.objects.create(
        volunteer=roles["volunteer"], activity=activity, day=activity.days.get(), kind="service",
        service_date=served, minutes=180, source="scanned", status="credited", counts_from=served,
    )  # fmt: skip


def test_request_progress_verify_and_revoke(web, roles):
    from certificates import services
    from certificates.models import Certificate

    _hours(roles)
    page = web.page(roles["volunteer_user"])
    web.visit(page, "/me/certificates/", "certificates-mine")
    page.click("button[name=request]")  # 全部服务 is checked by default
    page.wait_for_url("**/me/certificates/*/")
    assert "排队中" in page.inner_text("#cert-status")
    web.check(page, "certificate-pending")
    cert = Certificate.objects.get()
    services.certificate_render(certificate_id=cert.pk)  # what the Celery worker does
    page.wait_for_selector("text=下载证明（PDF）", timeout=15_000)  # progress.js reloaded it
    web.check(page, "certificate-ready")
    cert.refresh_from_db()

    public = web.page()
    web.visit(public, f"/C/{cert.token}/", "certificate-verify")
    assert "有效" in public.inner_text("main") and cert.number in public.inner_text("main")

    admin = web.page(roles["org_admin"])
    web.visit(admin, f"/c/{cert.token}/", "certificate-verify-admin")
    admin.click("text=撤销该证明（组织管理员）")
    web.check(admin, "certificate-revoke")
    admin.fill("textarea[name=reason]", "时长记录有误")
    admin.click("button[name=revoke]")
    admin.wait_for_url(f"**/c/{cert.token}/")
    web.check(admin, "certificate-revoked")
    assert "已撤销" in admin.inner_text("main")
