"""The public page a card QR opens, and an admin checking a volunteer in from it."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from activities.tests.helpers import all_day_today
from card_service.models import CardApplication, CardStatus
from card_service.tests.helpers import submit
from volunteers import services as volunteer_services
from volunteers.models import Membership
from volunteers.tests.factories import OrganisationFactory, UserFactory, make_volunteer

pytestmark = pytest.mark.django_db


def token_of(app: CardApplication) -> str:
    return app.qr_payload.rpartition("/")[2]


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def card():
    org = OrganisationFactory(name="天河区青年志愿者协会")
    volunteer = make_volunteer(organisations=[org], name="欧阳娜娜")
    app = submit(volunteer)
    return {"org": org, "volunteer": volunteer, "app": app}


@pytest.fixture
def today_activity(card):
    """An activity of the volunteer's organisation today, the volunteer admitted and
    face-checked, and its admin."""
    from activities import services

    admin = UserFactory(username="org_admin")
    volunteer_services.organisation_admin_add(organisation=card["org"], user=admin)
    activity = services.activity_create(
        admin=admin,
        organisation=card["org"],
        name="社区义诊志愿服务",
        days=[all_day_today()],
        places=10,
        address="广州市天河区体育西路1号",
        city_code="440100",
        contact_name="陈老师",
        contact_phone="020-12345678",
    )
    services.activity_change_status(admin=admin, activity_id=activity.pk, status="published")
    signup = services.signup_create(volunteer=card["volunteer"], activity_id=activity.pk)
    services.signup_admit(admin=admin, signup_id=signup.pk)
    services.face_check_record(
        admin=admin, activity_id=activity.pk, volunteer_id=card["volunteer"].pk
    )
    return {"admin": admin, "activity": activity, "day": activity.days.get()}


def test_valid_token_shows_the_public_record_masked(card):
    v = card["volunteer"]
    resp = Client().get(f"/q/{token_of(card['app'])}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "欧***" in html
    assert "欧阳娜娜" not in html
    assert v.id_number not in html and v.id_number_masked not in html
    assert v.mobile not in html
    assert card["org"].name in html
    assert f"{timezone.localdate(v.registered_at):%Y-%m-%d}" in html
    assert "服务时长" in html and "星级" in html
    assert "已失效" not in html
    assert 'name="checkin"' not in html  # the public sees no check-in action


def test_upper_and_lower_case_paths_and_tokens(card):
    token = token_of(card["app"])
    assert card["app"].qr_payload.startswith("HTTPS://V.GDZYZ.CN/Q/")
    for path in (f"/Q/{token}/", f"/q/{token.lower()}/", f"/Q/{token.lower()}/"):
        assert Client().get(path).status_code == 200, path


def test_forged_token_is_404_with_a_clear_page(card):
    token = token_of(card["app"])
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, "NOTATOKEN", "1" + card["volunteer"].volunteer_no + "AB" + "A" * 16):
        resp = Client().get(f"/q/{bad}/")
        assert resp.status_code == 404
        assert "二维码无效" in resp.content.decode()


def test_cancelled_card_is_invalid_and_offers_no_check_in(card, today_activity):
    CardApplication.objects.filter(pk=card["app"].pk).update(
        status=CardStatus.CANCELLED, cancelled_at=timezone.now()
    )
    resp = as_user(today_activity["admin"]).get(f"/q/{token_of(card['app'])}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "该志愿者证已注销，此二维码已失效" in html
    assert 'name="checkin"' not in html and 'name="checkout"' not in html
    # a forged POST is refused too
    resp = as_user(today_activity["admin"]).post(
        f"/q/{token_of(card['app'])}/",
        {"day_id": today_activity["day"].pk, "action": "in"},
        follow=True,
    )
    assert "该志愿者证已注销，此二维码已失效" in resp.content.decode()
    from activities.models import Attendance

    assert not Attendance.objects.exists()


def test_replaced_card_is_invalid(card, today_activity):
    old = card["app"]
    CardApplication.objects.filter(pk=old.pk).update(
        status=CardStatus.CANCELLED,
        cancelled_at=timezone.now() - dt.timedelta(days=30),
        card_ref="OLD1",
    )
    new = submit(card["volunteer"])
    assert new.card_serial == old.card_serial + 1
    html = as_user(today_activity["admin"]).get(f"/q/{token_of(old)}/").content.decode()
    assert "该志愿者证已换卡，此二维码已失效" in html
    assert 'name="checkin"' not in html
    # the new card works
    html = as_user(today_activity["admin"]).get(f"/q/{token_of(new)}/").content.decode()
    assert "已失效" not in html
    assert 'name="checkin"' in html


def test_admin_of_the_volunteers_organisation_checks_in_and_out(card, today_activity):
    from activities.models import Attendance

    c = as_user(today_activity["admin"])
    url = f"/q/{token_of(card['app'])}/"
    html = c.get(url).content.decode()
    assert "社区义诊志愿服务" in html
    assert 'name="checkin"' in html and 'name="checkout"' in html
    resp = c.post(url, {"day_id": today_activity["day"].pk, "action": "in"}, follow=True)
    assert "签到成功" in resp.content.decode()
    att = Attendance.objects.get(volunteer=card["volunteer"])
    assert att.checked_in_at is not None and att.check_in_by == today_activity["admin"]
    resp = c.post(url, {"day_id": today_activity["day"].pk, "action": "in"}, follow=True)
    assert "今日已签到，请勿重复签到" in resp.content.decode()


def test_admin_of_another_organisation_sees_no_check_in(card, today_activity):
    other_org = OrganisationFactory(name="越秀区志愿者协会")
    stranger = UserFactory()
    volunteer_services.organisation_admin_add(organisation=other_org, user=stranger)
    url = f"/q/{token_of(card['app'])}/"
    html = as_user(stranger).get(url).content.decode()
    assert "欧***" in html
    assert 'name="checkin"' not in html
    resp = as_user(stranger).post(
        url, {"day_id": today_activity["day"].pk, "action": "in"}, follow=True
    )
    assert "只有该志愿者所属组织的管理员可以扫码为其签到签退" in resp.content.decode()


def test_pending_membership_does_not_make_an_admin_a_scanner(card, today_activity):
    Membership.objects.filter(volunteer=card["volunteer"]).update(status="pending")
    html = as_user(today_activity["admin"]).get(f"/q/{token_of(card['app'])}/").content.decode()
    assert 'name="checkin"' not in html
    assert card["org"].name not in html  # only approved memberships are shown


def test_service_hours_and_star_level_come_from_activities(card, today_activity):
    from activities.models import HoursEntry

    HoursEntry.objects.create(
        volunteer=card["volunteer"], activity=today_activity["activity"],
        day=today_activity["day"], kind="service", service_date=timezone.localdate(),
        minutes=300 * 60, source="scanned", status="credited", counts_from=timezone.localdate(),
    )  # fmt: skip
    html = Client().get(f"/q/{token_of(card['app'])}/").content.decode()
    assert "300.0 小时" in html
    # the same star display on every page: the QR page, the e-card, my hours
    assert "★★☆☆☆ 2星" in html
    ecard = as_user(card["volunteer"].user).get("/me/card/ecard/").content.decode()
    assert "★★☆☆☆ 2星" in ecard
    hours = as_user(card["volunteer"].user).get("/activities/me/hours/").content.decode()
    assert "★★☆☆☆ 2星" in hours


def test_retired_forged_and_unknown_tokens_get_one_and_the_same_answer(card, settings):
    """The public QR check tells nothing about why a token fails: a retired key, a forged
    signature, a card that does not exist and garbage all get the same page and JSON."""
    from card_service import qr

    token = token_of(card["app"])
    unknown = qr.make_payload(volunteer_no="440199999999", card_serial=1).rpartition("/")[2]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    kid = qr.verify_payload(card["app"].qr_payload).key_id
    new_kid = "Z" if kid != "Z" else "Y"
    settings.QR_SIGNING_KEYS = f"{new_kid}:{'A' * 43}=,{settings.QR_SIGNING_KEYS}"
    settings.QR_RETIRED_KEY_IDS = [kid]  # the card's own key is retired

    pages = {bad: Client().get(f"/q/{bad}/") for bad in (token, unknown, forged, "NOTATOKEN")}
    apis = {bad: Client().get(f"/api/card/qr/{bad}/") for bad in pages}

    assert {r.status_code for r in pages.values()} == {404}
    # the same page but for the link back after logging in, which names the path asked for
    assert len({r.content.decode().replace(bad, "T") for bad, r in pages.items()}) == 1
    assert "二维码无效" in pages[token].content.decode()
    assert "停用" not in pages[token].content.decode()
    assert {r.status_code for r in apis.values()} == {404}
    assert len({r.content for r in apis.values()}) == 1
    assert apis[token].json()["code"] == "qr_invalid" and apis[token].json()["extra"] == {}
