"""The card API: directory, apply, withdraw, progress, the personal QR, public verification
and the hotline's card timeline. Every refusal is {"code", "message", "extra"}."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from card_service.models import Bank, Branch, CardApplication, CardEvent, CardStatus
from card_service.tests.helpers import branch, jpeg_bytes, partners_file, submit
from core.models import AuditLog
from volunteers.tests.factories import UserFactory, hotline_user, make_volunteer

pytestmark = pytest.mark.django_db


def years_ago(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert set(body) == {"code", "message", "extra"}
    assert body["code"] == code
    return body


# --- directory -----------------------------------------------------------------------------


def test_banks_list_products_id_types_cutoffs_and_hotlines(
    api, django_assert_max_num_queries, settings, tmp_path
):
    # the cut-off is the partners file's, which the sender keeps; a disabled bank has none
    settings.CARD_PARTNERS_FILE = partners_file(
        tmp_path, {"BOC": "17:00", "ICBC": "15:45", "CEB": "16:30"}, disabled=("ICBC",)
    )
    with django_assert_max_num_queries(2):
        resp = api.get("/api/card/banks/")
    assert resp.status_code == 200
    banks = {b["code"]: b for b in resp.json()}
    assert set(banks) == {"BOC", "ICBC", "CEB"}
    assert banks["BOC"]["id_types"] == ["01", "02", "03", "04", "05"]
    assert banks["ICBC"]["id_types"] == ["01"]
    assert [p["code"] for p in banks["CEB"]["products"]] == ["D", "C"]
    assert banks["CEB"]["cutoff"] == "16:30"
    assert banks["BOC"]["cutoff"] == "17:00" and banks["ICBC"]["cutoff"] is None
    assert banks["ICBC"]["hotline"] == "95588"
    assert banks["BOC"]["branch_count"] > 0


def test_branches_by_bank_and_city_never_shenzhen(api, django_assert_max_num_queries):
    Branch.objects.create(
        bank_id="BOC", code="BC44030001", name="深圳市福田支行", city_code="440300",
        address="广东省深圳市福田区深南大道1号",
    )  # fmt: skip
    with django_assert_max_num_queries(3):
        resp = api.get("/api/card/branches/", {"bank": "BOC", "limit": 500})
    rows = resp.json()["results"]
    assert rows and all(r["bank_code"] == "BOC" for r in rows)
    assert all(r["city_code"] != "440300" for r in rows)
    resp = api.get("/api/card/branches/", {"bank": "ICBC", "city": "440100"})
    rows = resp.json()["results"]
    assert rows and {(r["bank_code"], r["city_code"], r["city_name"]) for r in rows} == {
        ("ICBC", "440100", "广州市")
    }
    assert api.get("/api/card/branches/", {"city": "440300"}).json()["count"] == 0


def test_disabled_bank_and_closed_branch_are_not_offered(api):
    Bank.objects.filter(code="CEB").update(enabled=False)
    b = branch("BOC")
    Branch.objects.filter(pk=b.pk).update(active=False)
    assert "CEB" not in {x["code"] for x in api.get("/api/card/banks/").json()}
    ids = {r["id"] for r in api.get("/api/card/branches/", {"limit": 500}).json()["results"]}
    assert b.pk not in ids


# --- apply and withdraw --------------------------------------------------------------------


def form(**overrides):
    data = {
        "bank_code": "BOC",
        "product": "D",
        "branch_id": branch("BOC").pk,
        "uniform_size": "M",
        "photo": SimpleUploadedFile("me.jpg", jpeg_bytes(), content_type="image/jpeg"),
    }
    data.update(overrides)
    return data


def test_apply_multipart_then_progress(client_for):
    volunteer = make_volunteer()
    c = client_for(volunteer.user)
    resp = c.post("/api/card/applications/", form(), format="multipart")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["current"]["status"] == "queued"
    assert body["current"]["status_label"] == str(CardStatus.QUEUED.label)
    assert body["current"]["bank"] == {"code": "BOC", "name": "中国银行", "hotline": "95566"}
    assert [e["status"] for e in body["current"]["timeline"]] == ["submitted", "queued"]
    assert body["current"]["can_withdraw"] is True
    assert body["can_apply"] is False


def test_apply_refusals_arrive_as_code_message_extra(client_for):
    minor = make_volunteer(birth=years_ago(16))
    c = client_for(minor.user)
    body = assert_error(
        c.post("/api/card/applications/", form(product="C", branch_id="",
               mail_address="广东省广州市天河区体育西路103号", postcode="510620"),
               format="multipart"),
        400,
        "minor_debit_only",
    )  # fmt: skip
    assert body["message"] == "未满18周岁只能申办借记卡功能的志愿者证"
    assert body["extra"]["field"] == "product"
    body = assert_error(
        c.post("/api/card/applications/", form(), format="multipart"), 400, "guardian_required"
    )
    adult = make_volunteer()
    c = client_for(adult.user)
    body = assert_error(
        c.post("/api/card/applications/", form(photo=""), format="multipart"), 400, "photo_required"
    )
    assert body["extra"]["field"] == "photo"
    sz = Branch.objects.create(
        bank_id="BOC", code="BC44030009", name="深圳市某支行", city_code="440300", address="深圳市"
    )
    assert_error(
        c.post("/api/card/applications/", form(branch_id=sz.pk), format="multipart"),
        400,
        "branch_in_shenzhen",
    )


def test_apply_with_guardian_for_a_minor(client_for):
    from volunteers.tests.factories import mainland_id

    minor = make_volunteer(birth=years_ago(16))
    c = client_for(minor.user)
    resp = c.post(
        "/api/card/applications/",
        form(guardian_name="张大明", guardian_id_type="01",
             guardian_id_number=mainland_id(birth=dt.date(1980, 1, 1)), guardian_relation="01"),
        format="multipart",
    )  # fmt: skip
    assert resp.status_code == 201, resp.content
    app = CardApplication.objects.get(volunteer=minor)
    assert app.guardian_name == "张大明"


def test_apply_needs_a_logged_in_volunteer(api, client_for):
    resp = api.post("/api/card/applications/", form(), format="multipart")
    assert resp.status_code in (401, 403)
    assert resp.json()["code"] == "not_authenticated"
    assert_error(
        client_for(UserFactory()).post("/api/card/applications/", form(), format="multipart"),
        404,
        "not_a_volunteer",
    )


def test_withdraw_own_application_only(client_for):
    volunteer = make_volunteer()
    app = submit(volunteer)
    other = make_volunteer()
    assert_error(
        client_for(other.user).post(f"/api/card/applications/{app.pk}/withdraw/"), 404, "not_found"
    )
    resp = client_for(volunteer.user).post(f"/api/card/applications/{app.pk}/withdraw/")
    assert resp.status_code == 200
    assert resp.json()["current"]["status"] == "withdrawn"
    assert resp.json()["can_apply"] is True
    assert_error(
        client_for(volunteer.user).post(f"/api/card/applications/{app.pk}/withdraw/"),
        409,
        "withdraw_too_late",
    )


def test_withdraw_refused_once_sent(client_for):
    volunteer = make_volunteer()
    app = submit(volunteer)
    CardApplication.objects.filter(pk=app.pk).update(status=CardStatus.SENT)
    body = assert_error(
        client_for(volunteer.user).post(f"/api/card/applications/{app.pk}/withdraw/"),
        409,
        "withdraw_too_late",
    )
    assert body["message"] == "申请已报送银行，不能撤回"


# --- progress ------------------------------------------------------------------------------


def test_my_progress_timeline_and_rejection_in_words(client_for, django_assert_max_num_queries):
    volunteer = make_volunteer()
    app = submit(volunteer)
    at = timezone.now()
    for to in ("sent", "rejected"):
        CardEvent.objects.create(
            application=app, from_status="", to_status=to, at=at, source="bank_file"
        )
    CardApplication.objects.filter(pk=app.pk).update(
        status="rejected", reason_code="1099", reason_text="地址无法投递"
    )
    c = client_for(volunteer.user)
    with django_assert_max_num_queries(8):
        resp = c.get("/api/card/me/progress/")
    cur = resp.json()["current"]
    assert cur["status_label"] == "银行未受理"
    assert cur["rejection"] == {"code": "1099", "text": "其他原因：地址无法投递"}
    assert [e["label"] for e in cur["timeline"]][-1] == "银行未受理"
    assert cur["timeline"][-1]["source_label"] == "银行文件"
    assert cur["timeline"][-1]["note"] == "其他原因：地址无法投递"
    assert resp.json()["can_apply"] is True


def test_progress_query_count_does_not_grow_with_history(client_for, django_assert_max_num_queries):
    volunteer = make_volunteer()
    for _ in range(4):
        app = submit(volunteer)
        CardApplication.objects.filter(pk=app.pk).update(status="withdrawn")
    c = client_for(volunteer.user)
    with django_assert_max_num_queries(8):
        body = c.get("/api/card/me/progress/").json()
    assert len(body["history"]) == 3


def test_no_application_progress(client_for):
    volunteer = make_volunteer()
    body = client_for(volunteer.user).get("/api/card/me/progress/").json()
    assert body["has_application"] is False and body["current"] is None
    assert body["hotlines"] == {"BOC": "95566", "ICBC": "95588", "CEB": "95595"}


# --- personal QR ---------------------------------------------------------------------------


def test_my_qr_svg_and_png(client_for):
    volunteer = make_volunteer()
    c = client_for(volunteer.user)
    assert_error(c.get("/api/card/me/qr.svg"), 404, "no_active_card")
    submit(volunteer)
    svg = c.get("/api/card/me/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    png = c.get("/api/card/me/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


def test_public_qr_verification(api):
    volunteer = make_volunteer(name="欧阳娜娜")
    app = submit(volunteer)
    token = app.qr_payload.rpartition("/")[2]
    resp = api.get(f"/api/card/qr/{token}/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["valid"] is True
    assert body["name"] == "欧***"
    assert body["volunteer_no"] == volunteer.volunteer_no
    assert volunteer.id_number not in resp.content.decode()
    assert api.get(f"/api/card/qr/{token.lower()}/").json()["valid"] is True
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    body = assert_error(api.get(f"/api/card/qr/{forged}/"), 404, "qr_invalid")
    assert "二维码无效" in body["message"]


# --- hotline -------------------------------------------------------------------------------


def test_hotline_card_timeline_only_for_hotline_and_audited(client_for):
    volunteer = make_volunteer()
    submit(volunteer)
    for user in (volunteer.user, UserFactory()):
        assert_error(
            client_for(user).post(
                "/api/card/hotline/progress/", {"volunteer_id": volunteer.pk, "reason": "来电"}
            ),
            403,
            "permission_denied",
        )
    agent = hotline_user()
    c = client_for(agent)
    assert_error(
        c.post("/api/card/hotline/progress/", {"volunteer_id": volunteer.pk, "reason": " "}),
        400,
        "reason_required",
    )
    before = AuditLog.objects.count()
    resp = c.post(
        "/api/card/hotline/progress/", {"volunteer_id": volunteer.pk, "reason": "来电查询制卡进度"}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["current"]["status"] == "queued"
    assert body["volunteer"]["id_number"] == volunteer.id_number_masked
    assert volunteer.id_number not in resp.content.decode()
    row = AuditLog.objects.order_by("-id").first()
    assert AuditLog.objects.count() == before + 1
    assert (row.action, row.actor_id, row.target_id, row.reason) == (
        "hotline_card_progress",
        agent.pk,
        str(volunteer.pk),
        "来电查询制卡进度",
    )


def test_hotline_card_timeline_by_id_number(client_for):
    volunteer = make_volunteer()
    submit(volunteer)
    c = client_for(hotline_user())
    resp = c.post(
        "/api/card/hotline/progress/",
        {"id_type": "01", "id_number": volunteer.id_number, "reason": "来电"},
    )
    assert resp.status_code == 200
    assert resp.json()["volunteer"]["volunteer_no"] == volunteer.volunteer_no
    actions = list(AuditLog.objects.order_by("-id").values_list("action", flat=True)[:2])
    assert actions == ["hotline_card_progress", "hotline_lookup"]
    assert_error(
        c.post("/api/card/hotline/progress/", {"volunteer_no": "GD0000000000", "reason": "来电"}),
        404,
        "volunteer_not_found",
    )


def test_schema_is_generated(api):
    resp = api.get("/api/schema/")
    assert resp.status_code == 200
    assert b"/api/card/applications/" in resp.content
