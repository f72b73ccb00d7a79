"""The volunteer's pages: profile home, card progress in every state, the apply form, the
e-card and the landing page."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from card_service.models import CardApplication, CardEvent, CardStatus
from card_service.tests.helpers import branch, jpeg_bytes, submit
from volunteers.tests.factories import UserFactory, make_volunteer

pytestmark = pytest.mark.django_db


def page_client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) + dt.timedelta(days=days)


ACCEPTED_ON = dt.date(2026, 11, 2)

# state → (fields set on the application, text the next step must show)
STATES = {
    "submitted": ({}, "实名认证通过后，申请将在银行每日截止时间报送银行"),
    "queued": ({}, "报送前可以撤回"),  # the date: test_progress_dates
    "sent": ({}, "中国银行正在审核您的申请"),
    "accepted": (
        {"card_ref": "REF1", "masked_pan": "621661******1234"},
        "预计于 2026-11-30 至 2026-12-14 制成",
    ),
    "rejected": ({"reason_code": "1005"}, "证件照不符合银行要求"),
    "produced": ({"card_ref": "REF1"}, "卡片将送到网点"),
    "at_branch": ({"card_ref": "REF1"}, "领卡并激活"),
    "mailed": ({"card_ref": "REF1", "tracking_no": "SF1234567890"}, "快递单号 SF1234567890"),
    "collected": ({"card_ref": "REF1"}, "请激活卡片的金融功能"),
    "activated": ({"card_ref": "REF1"}, "首次使用志愿者证消费后，银行将免费制作志愿者实名服装"),
    "cancelled": ({"card_ref": "REF1", "cancel_reason": "L"}, "换卡的制卡工本费需由志愿者自行承担"),
    "withdrawn": ({}, "申请已撤回，您可以随时重新申请"),
}


@pytest.mark.parametrize("state", list(STATES))
def test_progress_page_renders_every_state_in_chinese(state):
    assert set(STATES) == set(CardStatus.values)
    volunteer = make_volunteer()
    app = submit(volunteer, **({"product": "C"} if state == "mailed" else {}))
    fields, next_text = STATES[state]
    at = timezone.make_aware(dt.datetime.combine(ACCEPTED_ON, dt.time(10, 0)))
    if state == "cancelled":
        fields = {**fields, "cancelled_at": at}
    CardApplication.objects.filter(pk=app.pk).update(status=state, status_changed_at=at, **fields)
    CardEvent.objects.create(
        application=app,
        from_status="queued",
        to_status=state,
        at=at,
        source=CardEvent.Source.BANK_FILE,
        source_ref="BOC_EVENT_20261102_0001.dat",
    )
    resp = page_client(volunteer.user).get("/me/card/")
    assert resp.status_code == 200
    html = resp.content.decode()
    label = str(CardStatus(state).label)
    assert f'<strong class="status-label">{label}</strong>' in html
    assert next_text in html
    assert "银行文件" in html  # the event's source
    assert "2026-11-02" in html  # the event's date in the timeline
    assert "95566" in html  # BOC's hotline
    assert ("撤回申请" in html) == (state in ("submitted", "queued"))
    if state == "accepted":
        assert "621661******1234" in html
    if state == "at_branch":
        b = branch("BOC")
        assert b.name in html and b.address in html
    if state == "cancelled":
        assert "卡片遗失" in html


def test_progress_page_without_application_offers_the_form():
    volunteer = make_volunteer()
    html = page_client(volunteer.user).get("/me/card/").content.decode()
    assert "您还没有申办注册志愿者证" in html
    assert "/me/card/apply/" in html


def test_activated_card_after_first_spend_shows_the_uniform_window():
    volunteer = make_volunteer()
    app = submit(volunteer)
    spent = timezone.make_aware(dt.datetime(2026, 12, 1, 12, 0))
    CardApplication.objects.filter(pk=app.pk).update(
        status="activated", card_ref="R9", first_spend_at=spent
    )
    CardEvent.objects.create(
        application=app, from_status="activated", to_status="activated", fact="first_spend",
        at=spent, source=CardEvent.Source.BANK_FILE,
    )  # fmt: skip
    html = page_client(volunteer.user).get("/me/card/").content.decode()
    assert "首次消费" in html
    assert "预计于 2027-01-01 至 2027-02-01 寄送给您" in html  # 1–2 months, as uniforms says


def test_withdraw_button_withdraws_and_returns_to_progress():
    volunteer = make_volunteer()
    app = submit(volunteer)
    c = page_client(volunteer.user)
    resp = c.post(f"/me/card/applications/{app.pk}/withdraw/")
    assert resp.status_code == 302 and resp["Location"] == "/me/card/"
    html = c.get("/me/card/").content.decode()
    assert "申请已撤回" in html
    app.refresh_from_db()
    assert app.status == CardStatus.WITHDRAWN


def apply_form(**overrides):
    b = branch("BOC")
    data = {
        "bank_code": "BOC",
        "product": "D",
        "branch_id": str(b.pk),
        "mail_address": "",
        "postcode": "",
        "uniform_size": "L",
    }
    data.update(overrides)
    return data


def photo_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("me.jpg", jpeg_bytes(), content_type="image/jpeg")


def test_apply_page_success_redirects_to_progress():
    volunteer = make_volunteer()
    c = page_client(volunteer.user)
    assert "申办注册志愿者证" in c.get("/me/card/apply/").content.decode()
    resp = c.post("/me/card/apply/", {**apply_form(), "photo": photo_upload()})
    assert resp.status_code == 302
    assert resp["Location"] == "/me/card/"
    html = c.get("/me/card/").content.decode()
    assert "申请已提交" in html
    assert str(CardStatus.QUEUED.label) in html


def test_apply_page_shows_the_refusal_next_to_the_field():
    minor = make_volunteer(birth=years_ago(16))
    c = page_client(minor.user)
    form_html = c.get("/me/card/apply/").content.decode()
    assert "监护人信息" in form_html  # the guardian block is shown to minors
    resp = c.post(
        "/me/card/apply/",
        {**apply_form(product="C", mail_address="广东省广州市天河区体育西路103号",
                      postcode="510620"), "photo": photo_upload()},
    )  # fmt: skip
    assert resp.status_code == 200
    html = resp.content.decode()
    assert (
        '<div class="error" id="error-product">未满18周岁只能申办借记卡功能的志愿者证</div>' in html
    )
    assert not CardApplication.objects.filter(volunteer=minor).exists()
    # what the volunteer typed is kept
    assert "体育西路103号" in html


def test_apply_page_photo_and_guardian_errors_sit_by_their_fields():
    adult = make_volunteer()
    resp = page_client(adult.user).post("/me/card/apply/", apply_form())
    assert '<div class="error" id="error-photo">请上传证件照</div>' in resp.content.decode()
    minor = make_volunteer(birth=years_ago(16))
    c = page_client(minor.user)
    resp = c.post("/me/card/apply/", {**apply_form(), "photo": photo_upload()})
    assert 'id="error-guardian_name"' in resp.content.decode()
    resp = c.post(
        "/me/card/apply/",
        {**apply_form(), "photo": photo_upload(), "guardian_name": "张大明",
         "guardian_id_type": "01", "guardian_id_number": "440103198001011234",
         "guardian_relation": "01"},
    )  # fmt: skip
    assert 'id="error-guardian_id_number"' in resp.content.decode()


def test_profile_home_shows_masked_data_and_links():
    volunteer = make_volunteer()
    html = page_client(volunteer.user).get("/me/").content.decode()
    assert volunteer.id_number not in html
    assert volunteer.id_number_masked in html
    assert volunteer.mobile not in html
    assert volunteer.mobile_masked in html
    assert "广州市" in html
    assert volunteer.memberships.first().organisation.name in html
    assert "/me/card/" in html and "/me/card/ecard/" in html


def test_ecard_shows_the_card_face_with_the_qr():
    volunteer = make_volunteer()
    app = submit(volunteer)
    c = page_client(volunteer.user)
    html = c.get("/me/card/ecard/").content.decode()
    assert volunteer.name in html
    assert volunteer.volunteer_no in html
    assert "广州市" in html
    assert "<svg" in html and "<?xml" not in html
    assert "viewBox=" in html  # sized by CSS without cropping
    assert "/me/card/ecard/photo/" in html
    photo = c.get("/me/card/ecard/photo/")
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert app.qr_payload  # the QR on the e-card is the card's payload
    # nobody else gets the photo
    other = make_volunteer()
    assert page_client(other.user).get("/me/card/ecard/photo/").status_code == 404


def test_ecard_without_a_card_offers_to_apply():
    volunteer = make_volunteer()
    html = page_client(volunteer.user).get("/me/card/ecard/").content.decode()
    assert "暂无电子志愿者证" in html


def test_root_redirects_volunteers_and_shows_the_landing_page_otherwise():
    volunteer = make_volunteer()
    resp = page_client(volunteer.user).get("/")
    assert resp.status_code == 302 and resp["Location"] == "/me/"
    resp = Client().get("/")
    assert resp.status_code == 200
    assert "注册志愿者证" in resp.content.decode()
    assert "登录" in resp.content.decode()


def test_pages_need_login_and_a_volunteer():
    assert Client().get("/me/card/").status_code == 302
    staff = UserFactory()
    assert page_client(staff).get("/me/").status_code == 403


def test_login_page_renders():
    resp = Client().get("/accounts/login/")
    assert resp.status_code == 200
    assert "登录" in resp.content.decode()


def test_progress_page_query_budget(django_assert_max_num_queries):
    volunteer = make_volunteer()
    for _ in range(3):
        app = submit(volunteer)
        CardApplication.objects.filter(pk=app.pk).update(status="withdrawn")
    submit(volunteer)
    c = page_client(volunteer.user)
    with django_assert_max_num_queries(10):
        resp = c.get("/me/card/")
    assert resp.status_code == 200


def test_replacement_shows_the_fee_note_on_the_form_and_the_progress():
    volunteer = make_volunteer()
    old = submit(volunteer)
    CardApplication.objects.filter(pk=old.pk).update(
        status="cancelled", card_ref="OLD1", cancelled_at=timezone.now() - dt.timedelta(days=30)
    )
    c = page_client(volunteer.user)
    html = c.get("/me/card/apply/").content.decode()
    assert "本次申请为换卡。换卡的制卡工本费需由志愿者自行承担" in html
    submit(volunteer)
    html = c.get("/me/card/").content.decode()
    assert "（换卡）" in html
    assert "换卡的制卡工本费需由志愿者自行承担" in html
    assert "以往申请" in html and old.application_no in html


def test_admin_shows_applications_read_only_and_masked():
    from card_service.services import Guardian
    from volunteers.tests.factories import mainland_id

    minor = make_volunteer(birth=years_ago(16))
    guardian_id = mainland_id(birth=dt.date(1980, 1, 1))
    app = submit(minor, guardian=Guardian("张大明", "01", guardian_id, "01"))
    credit = submit(make_volunteer(), product="C")
    boss = UserFactory(is_superuser=True, is_staff=True)
    c = page_client(boss)
    for a in (app, credit):
        resp = c.get(f"/admin/card_service/cardapplication/{a.pk}/change/")
        assert resp.status_code == 200
        html = resp.content.decode()
        assert guardian_id not in html
        assert "体育西路103号" not in html  # the mail address is masked
        assert 'name="status"' not in html  # lifecycle fields are read-only
    assert (
        guardian_id[:4] + "**********" + guardian_id[-4:]
        in c.get(f"/admin/card_service/cardapplication/{app.pk}/change/").content.decode()
    )
    for url in (
        "/admin/card_service/cardapplication/",
        "/admin/card_service/bank/",
        "/admin/card_service/branch/",
        "/admin/card_service/cardevent/",
        "/admin/card_service/cardspend/",
        "/admin/bank_adapters/partnerfile/",
        "/admin/bank_adapters/batch/",
        "/admin/bank_adapters/alert/",
        "/admin/bank_adapters/appliedbankevent/",
    ):
        assert c.get(url).status_code == 200, url


def test_apply_page_shows_every_missing_field_at_once_and_keeps_the_rest():
    minor = make_volunteer(birth=years_ago(16))
    resp = page_client(minor.user).post(
        "/me/card/apply/",
        {"bank_code": "", "product": "D", "branch_id": "", "uniform_size": "",
         "guardian_name": "张大明", "guardian_id_number": "", "guardian_relation": ""},
    )  # fmt: skip
    assert resp.status_code == 200
    html = resp.content.decode()
    for field in ("bank_code", "branch_id", "photo", "uniform_size", "guardian_id_number",
                  "guardian_relation"):  # fmt: skip
        assert f'id="error-{field}"' in html, field
    assert '<div class="error" id="error-photo">请上传证件照</div>' in html
    assert 'id="error-guardian_name"' not in html and 'value="张大明"' in html
    assert "请修改下面标出的 6 处" in html
    assert not CardApplication.objects.filter(volunteer=minor).exists()


def test_a_minor_is_not_offered_credit():
    minor = make_volunteer(birth=years_ago(16))
    html = page_client(minor.user).get("/me/card/apply/").content.decode()
    assert 'value="D"' in html and 'name="product" value="C"' not in html
    adult = make_volunteer()
    html = page_client(adult.user).get("/me/card/apply/").content.decode()
    assert 'name="product" value="C"' in html


def test_missing_photo_through_the_api_says_upload_one():
    from card_service.rules import check_photo
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        check_photo(b"")
    assert exc.value.message == "请上传证件照" and exc.value.code == "photo_required"
