"""Certificates: issuing all / a period / one activity, the task's states, the signed QR,
the public page, revocation and who may do what."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from django.test import Client

from activities.models import HoursEntry
from certificates import selectors, services, signing
from certificates.models import Certificate
from certificates.tests.conftest import JUNE, MARCH
from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditLog, Notification

pytestmark = pytest.mark.django_db


def hours_of(rows):
    return {r["name"]: r["hours"] for r in rows}


def test_all_service_lists_each_activity_with_training_apart(world, issue):
    cert = issue(world["xiaoming"])
    assert cert.status == Certificate.Status.READY
    c = cert.content
    assert hours_of(c["activities"]) == {"图书馆导读服务": "5.8", "公园环保清洁": "1.5"}
    assert hours_of(c["training"]) == {"志愿者通识培训": "2.0"}
    # 180 + 170 + 90 minutes = 7 h 20 min; training never added; the pending 10 h left out.
    assert c["service_hours"] == "7.3" and c["training_hours"] == "2.0"
    assert c["organisations"] == ["B组织", "C组织"]
    assert c["star_level"] == 0
    assert c["volunteer_no"] == world["xiaoming"].volunteer_no
    assert c["id_number_masked"].count("*") == 10 and c["name_masked"] == "张**"
    assert cert.number == f"ZS{cert.issued_on.year}{cert.pk:08d}"
    assert set(cert.organisations.values_list("name", flat=True)) == {"B组织", "C组织"}
    assert bytes(cert.pdf).startswith(b"%PDF")


def test_a_period_lists_only_the_days_served_in_it(world, issue):
    cert = issue(world["xiaoming"], "period", period_start=MARCH, period_end=MARCH)
    assert hours_of(cert.content["activities"]) == {"图书馆导读服务": "3.0"}
    assert cert.content["training"] == [] and cert.content["service_hours"] == "3.0"
    assert cert.content["organisations"] == ["B组织"]
    assert cert.content["scope_label"] == "2026-03-02 至 2026-03-02"


def test_one_activity(world, issue):
    cert = issue(world["xiaoming"], "activity", activity_id=world["park"].pk)
    assert hours_of(cert.content["activities"]) == {"公园环保清洁": "1.5"}
    assert cert.content["organisations"] == ["C组织"] and cert.content["training"] == []


def test_a_training_only_certificate_counts_no_service(world, issue):
    cert = issue(world["xiaoming"], "activity", activity_id=world["course"].pk)
    assert cert.content["service_hours"] == "0.0" and cert.content["activities"] == []
    assert cert.content["training_hours"] == "2.0"


def test_the_star_level_is_the_volunteers_whatever_the_period(world, issue):
    HoursEntry.objects.filter(activity=world["park"]).update(minutes=100 * 60)
    cert = issue(world["xiaoming"], "period", period_start=MARCH, period_end=MARCH)
    assert cert.content["service_hours"] == "3.0" and cert.content["star_level"] == 1


@pytest.mark.parametrize(
    "kw, code",
    [
        ({"scope": "period", "period_start": JUNE, "period_end": MARCH}, "certificate_period"),
        ({"scope": "period", "period_start": MARCH}, "certificate_period"),
        (
            {"scope": "period", "period_start": MARCH, "period_end": dt.date(2999, 1, 1)},
            "certificate_period",
        ),
        ({"scope": "activity"}, "certificate_activity"),
        ({"scope": "bogus"}, "certificate_scope"),
        (
            {
                "scope": "period",
                "period_start": dt.date(2025, 1, 1),
                "period_end": dt.date(2025, 2, 1),
            },
            "certificate_empty",
        ),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(world, kw, code):
    with pytest.raises(ValidationFailed) as exc:
        services.certificate_request(volunteer=world["xiaoming"], **kw)
    assert exc.value.code == code and not Certificate.objects.exists()


def test_an_activity_the_volunteer_has_no_counted_hours_in_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        services.certificate_request(
            volunteer=world["xiaoming"], scope="activity", activity_id=world["late"].pk
        )
    assert exc.value.code == "certificate_empty"


# --- the task and its states ----------------------------------------------------------------


def test_the_task_moves_pending_to_ready_and_running_it_again_changes_nothing(
    world, client_for, django_capture_on_commit_callbacks, eager_celery
):
    from certificates.tasks import certificate_render_task

    api = client_for(world["xiaoming"].user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = api.post("/api/certificates/", {"scope": "all"}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "pending" and len(callbacks) == 1
    cert_id = r.json()["id"]
    assert api.get(f"/api/certificates/{cert_id}/").json()["status_label"] == "排队中"
    callbacks[0]()  # the on-commit enqueue; eager Celery runs the task here
    body = api.get(f"/api/certificates/{cert_id}/").json()
    assert body["status"] == "ready" and body["pdf_url"] == f"/api/certificates/{cert_id}/pdf/"
    cert = Certificate.objects.get(pk=cert_id)
    assert certificate_render_task.delay(cert_id).get() == "ready"
    again = Certificate.objects.get(pk=cert_id)
    assert (again.number, again.token, again.ready_at) == (cert.number, cert.token, cert.ready_at)


def test_a_crashed_render_left_in_rendering_is_finished_by_the_next_run(world):
    cert = services.certificate_request(volunteer=world["xiaoming"], scope="all")
    Certificate.objects.filter(pk=cert.pk).update(status=Certificate.Status.RENDERING)
    assert services.certificate_render(certificate_id=cert.pk).status == "ready"


def test_hours_withdrawn_before_the_task_runs_make_it_fail_with_a_reason(world):
    cert = services.certificate_request(
        volunteer=world["xiaoming"], scope="activity", activity_id=world["park"].pk
    )
    HoursEntry.objects.filter(activity=world["park"]).update(status="rejected", counts_from=None)
    cert = services.certificate_render(certificate_id=cert.pk)
    assert cert.status == "failed" and "没有已计入" in cert.error and not cert.pdf
    assert AuditLog.objects.filter(action="certificate.failed", target_id=str(cert.pk)).exists()


def test_the_progress_page_polls_through_a_static_script(world):
    cert = services.certificate_request(volunteer=world["xiaoming"], scope="all")
    c = Client()
    c.force_login(world["xiaoming"].user)
    html = c.get(f"/me/certificates/{cert.pk}/").content.decode()
    assert "certificates/progress.js" in html and "排队中" in html
    assert "<script>" not in html and "style=" not in html


# --- verification --------------------------------------------------------------------------


def test_a_good_token_shows_exactly_what_the_certificate_says(world, issue, api):
    cert = issue(world["xiaoming"])
    claim = signing.verify_token(signing.payload(cert.token))  # offline: the key alone
    assert claim.number == cert.number and claim.volunteer_no == cert.content["volunteer_no"]
    assert claim.service_hours == Decimal("7.3") and claim.training_hours == Decimal("2.0")
    assert cert.content_digest.startswith(claim.content_digest)
    body = api.get(f"/api/certificates/verify/{cert.token}/").json()
    assert body["status"] == "valid" and body["content_digest"] == cert.content_digest
    shown = body["certificate"]
    assert shown["number"] == cert.number and shown["name_masked"] == "张**"
    assert "name" not in shown and "张小明" not in str(body)
    assert [r["name"] for r in shown["activities"]] == ["图书馆导读服务", "公园环保清洁"]
    html = Client().get(f"/C/{cert.token}/").content.decode()
    assert "有效" in html and cert.number in html and "志愿者通识培训" in html
    assert (
        "张小明" not in html and "style=" not in html and "<script>" not in html
    )  # no inline script


def test_the_stored_content_changed_behind_the_signature_is_not_found(world, issue, api):
    cert = issue(world["xiaoming"])
    content = dict(cert.content, service_hours="999.0")
    Certificate.objects.filter(pk=cert.pk).update(content=content)
    assert api.get(f"/api/certificates/verify/{cert.token}/").status_code == 404


def test_every_bad_token_gets_the_same_not_found(world, issue, api):
    cert = issue(world["xiaoming"])
    unknown, _ = signing.make_token(
        certificate_id=cert.pk + 1000, volunteer_no=cert.content["volunteer_no"],
        issued_on=cert.issued_on, service_hours=Decimal(1), training_hours=Decimal(0),
        star_level=0, scope="all", digest_hex=cert.content_digest,
    )  # fmt: skip
    flipped = cert.token[:-1] + ("A" if cert.token[-1] != "A" else "B")
    answers = set()
    for token in (unknown, flipped, "x", cert.token.lower(), cert.token + "A"):
        r = api.get(f"/api/certificates/verify/{token}/")
        assert r.status_code == 404
        answers.add((r.json()["code"], r.json()["message"]))
        page = Client().get(f"/c/{token}/")
        assert page.status_code == 404 and "未找到该志愿服务证明" in page.content.decode()
    assert answers == {("certificate_not_found", signing.InvalidCertificateToken.default_message)}


def test_a_card_qr_token_is_not_a_certificate(world):
    from card_service import qr

    with pytest.raises(signing.InvalidCertificateToken):
        signing.verify_token(qr.make_token(volunteer_no="GD2026000042", card_serial=1))


def test_key_rotation_keeps_old_certificates_until_the_key_is_retired(world, issue, settings):
    cert = issue(world["xiaoming"])
    old = settings.QR_SIGNING_KEYS
    settings.QR_SIGNING_KEYS = "2:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY," + old
    assert selectors.certificate_verify(cert.token).claim.key_id == "1"
    new = issue(world["xiaoming"], "activity", activity_id=world["park"].pk)
    assert new.key_id == "2" and new.token.startswith("2")
    settings.CERT_SIGNING_KEY_ID = "1"  # certificates may keep a key id of their own
    assert issue(world["xiaoming"], "activity",
                 activity_id=world["course"].pk).key_id == "1"  # fmt: skip
    settings.CERT_SIGNING_KEY_ID = ""
    settings.QR_RETIRED_KEY_IDS = ["1"]
    with pytest.raises(signing.InvalidCertificateToken):
        selectors.certificate_verify(cert.token)
    assert selectors.certificate_verify(new.token).claim.key_id == "2"


# --- revocation and access -----------------------------------------------------------------


def test_an_admin_of_an_organisation_on_it_revokes_and_the_page_says_so(
    world, issue, client_for, api, django_capture_on_commit_callbacks
):
    cert = issue(world["xiaoming"], "period", period_start=MARCH, period_end=MARCH)  # B only
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(world["admin_A"]).post(  # A is B's parent
            f"/api/certificates/{cert.pk}/revoke/", {"reason": "时长记录有误"}, format="json"
        )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert r.json()["status_label"] == "已撤销"
    assert api.get(f"/api/certificates/verify/{cert.token}/").json()["status"] == "revoked"
    html = Client().get(f"/c/{cert.token}/").content.decode()
    assert "已撤销" in html and cert.number in html
    row = AuditLog.objects.get(action="certificate.revoke", target_id=str(cert.pk))
    assert row.actor == world["admin_A"] and row.reason == "时长记录有误"
    assert Notification.objects.filter(
        user=world["xiaoming"].user, text__contains=cert.number
    ).exists()
    pdf = client_for(world["xiaoming"].user).get(f"/api/certificates/{cert.pk}/pdf/")
    assert pdf.status_code == 409 and pdf.json()["code"] == "certificate_revoked"


def test_an_admin_of_an_unrelated_organisation_cannot_revoke(world, issue, client_for):
    cert = issue(world["xiaoming"], "period", period_start=MARCH, period_end=MARCH)  # B only
    r = client_for(world["admin_C"]).post(
        f"/api/certificates/{cert.pk}/revoke/", {"reason": "时长记录有误"}, format="json"
    )
    assert r.status_code == 403
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(admin=world["xiaoming"].user, certificate_id=cert.pk,
                                    reason="我不想要了")  # fmt: skip
    cert.refresh_from_db()
    assert cert.status == "ready" and not AuditLog.objects.filter(action="certificate.revoke")
    page = Client()
    page.force_login(world["admin_C"])
    assert page.get(f"/certificates/{cert.pk}/revoke/").status_code == 404
    assert "撤销该证明" not in page.get(f"/c/{cert.token}/").content.decode()


def test_a_revoke_needs_a_reason_and_happens_once(world, issue, client_for):
    cert = issue(world["xiaoming"])
    admin = client_for(world["admin_B"])
    assert admin.post(f"/api/certificates/{cert.pk}/revoke/", {"reason": " "},
                      format="json").status_code == 400  # fmt: skip
    assert admin.post(f"/api/certificates/{cert.pk}/revoke/", {"reason": "重复申请"},
                      format="json").status_code == 200  # fmt: skip
    again = admin.post(f"/api/certificates/{cert.pk}/revoke/", {"reason": "重复申请"},
                       format="json")  # fmt: skip
    assert again.status_code == 409


def test_only_the_volunteer_downloads_their_pdf(world, issue, client_for):
    cert = issue(world["xiaoming"])
    mine = client_for(world["xiaoming"].user).get(f"/api/certificates/{cert.pk}/pdf/")
    assert mine.status_code == 200 and mine["Content-Type"] == "application/pdf"
    assert mine.content.startswith(b"%PDF") and cert.number in mine["Content-Disposition"]
    for user in (world["other"].user, world["admin_B"]):
        assert client_for(user).get(f"/api/certificates/{cert.pk}/pdf/").status_code == 404
        assert client_for(user).get(f"/api/certificates/{cert.pk}/").status_code == 404
        page = Client()
        page.force_login(user)
        assert page.get(f"/me/certificates/{cert.pk}/pdf/").status_code == 404
    assert client_for(world["other"].user).get("/api/certificates/").json()["count"] == 0


def test_the_request_page_issues_and_shows_the_download(world, eager_celery,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    page = Client()
    page.force_login(world["xiaoming"].user)
    assert "图书馆导读服务" in page.get("/me/certificates/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = page.post("/me/certificates/", {"scope": "activity",
                                            "activity_id": str(world["library"].pk)})  # fmt: skip
    cert = Certificate.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/me/certificates/{cert.pk}/"
    html = page.get(r["Location"]).content.decode()
    assert "下载证明" in html and "progress.js" not in html
    bad = page.post("/me/certificates/", {"scope": "period", "period_start": "2026-13-01"})
    assert "日期格式" in bad.content.decode() and Certificate.objects.count() == 1


def test_the_api_is_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/certificates/", "/api/certificates/{certificate_id}/pdf/",
                 "/api/certificates/verify/{token}/",
                 "/api/certificates/{certificate_id}/revoke/"):  # fmt: skip
        assert path in schema["paths"]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_the_qr_printed_in_the_pdf_opens_the_verification_page(world, issue, tmp_path):
    import subprocess

    import zxingcpp
    from PIL import Image

    cert = issue(world["xiaoming"])
    (tmp_path / "c.pdf").write_bytes(bytes(cert.pdf))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(tmp_path / "c.pdf"),
         str(tmp_path / "page")], check=True, timeout=60,
    )  # fmt: skip
    (png,) = tmp_path.glob("page*.png")
    (scanned,) = [b.text for b in zxingcpp.read_barcodes(Image.open(png))]
    assert scanned == signing.payload(cert.token)
    html = Client().get("/" + scanned.split("/", 3)[3] + "/").content.decode()
    assert "有效" in html and cert.number in html
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "c.pdf"), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode()
    assert "志愿服务证明" in text and cert.number in text and "7.3 小时" in text


def test_a_volunteer_without_a_number_is_told_why(world):
    from volunteers.models import Volunteer

    Volunteer.objects.filter(pk=world["xiaoming"].pk).update(volunteer_no=None)
    world["xiaoming"].refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        services.certificate_request(volunteer=world["xiaoming"], scope="all")
    assert exc.value.code == "certificate_no_volunteer_no" and not Certificate.objects.exists()


def test_the_admin_shows_certificates_read_only_in_chinese(world, issue, admin_client):
    cert = issue(world["xiaoming"])
    listing = admin_client.get("/admin/certificates/certificate/").content.decode()
    assert "志愿服务证明" in listing and cert.number in listing
    page = admin_client.get(f"/admin/certificates/certificate/{cert.pk}/change/")
    assert page.status_code == 200 and "证明编号" in page.content.decode()
    assert admin_client.get("/admin/certificates/certificate/add/").status_code == 403


def test_at_most_three_certificates_are_made_at_once_per_volunteer(world):
    from core.errors import Conflict

    for _ in range(services.MAX_IN_PROGRESS):
        services.certificate_request(volunteer=world["xiaoming"], scope="all")
    with pytest.raises(Conflict) as exc:
        services.certificate_request(volunteer=world["xiaoming"], scope="all")
    assert exc.value.code == "certificate_busy" and Certificate.objects.count() == 3
    services.certificate_render(certificate_id=Certificate.objects.first().pk)
    services.certificate_request(volunteer=world["xiaoming"], scope="all")  # one finished
