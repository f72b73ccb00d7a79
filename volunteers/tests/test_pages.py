"""The volunteer's own pages: registration, login by username / ID number / mobile, password
reset by SMS code, profile, 我的活动, organisations and the inbox."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from core.models import AuditLog, Notification
from core.notify import notify
from volunteers.backends import resolve_login
from volunteers.models import Membership, PasswordResetCode, Volunteer
from volunteers.tests.factories import OrganisationFactory, mainland_id, make_volunteer

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # the factories' password


def register_form(org_ids, **overrides) -> dict:
    body = {
        "action": "register", "username": "newcomer", "password": "Kapok-flower-2026",
        "password2": "Kapok-flower-2026", "name": "陈小明", "id_type": "01",
        "id_number": mainland_id(birth=dt.date(2001, 2, 3), male=False), "id_expiry": "2099-01-01", "mobile": "13912345678",
        "city_code": "440100", "organisation_ids": [str(i) for i in org_ids],
    }  # fmt: skip
    body.update(overrides)
    return body


def html(resp) -> str:
    return resp.content.decode()


# --- registration ----------------------------------------------------------------------------


def test_registration_creates_the_volunteer_and_ends_on_the_neutral_page(client):
    org = OrganisationFactory()
    resp = client.post("/register/", register_form([org.pk]))
    assert resp.status_code == 302 and resp["Location"] == "/register/done/"
    v = Volunteer.objects.get(user__username="newcomer")
    assert list(v.memberships.values_list("organisation", flat=True)) == [org.pk]
    done = client.get("/register/done/")
    assert "注册申请已受理" in html(done) and "_auth_user_id" not in client.session


def test_a_taken_id_number_ends_exactly_where_a_new_registration_does(client):
    org = OrganisationFactory()
    owner = make_volunteer()
    taken = client.post(
        "/register/", register_form([org.pk], id_number=owner.id_number, username="other1")
    )
    fresh = client.post("/register/", register_form([org.pk], username="other2"))
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert not get_user_model().objects.filter(username="other1").exists()
    assert Notification.objects.filter(
        user=owner.user, text__contains="尝试使用您的证件号码"
    ).exists()


def test_registration_errors_show_at_their_fields_and_keep_what_was_typed(client):
    org = OrganisationFactory()
    resp = client.post(
        "/register/",
        register_form([org.pk], id_number="440103199506150000", mobile="123", name="陈小明"),
    )
    page = html(resp)
    assert resp.status_code == 200 and 'id="error-id_number"' in page
    assert 'value="陈小明"' in page and f'value="{org.pk}" checked' in page
    assert "Kapok-flower-2026" not in page  # a password is never echoed
    assert not Volunteer.objects.exists()


def test_registration_refuses_more_than_five_organisations_and_none(client):
    orgs = [OrganisationFactory() for _ in range(6)]
    six = client.post("/register/", register_form([o.pk for o in orgs]))
    assert six.status_code == 200 and "最多只能选择5个归属组织" in html(six)
    none = client.post("/register/", register_form([]))
    assert none.status_code == 200 and "请至少选择一个归属组织" in html(none)
    assert not Volunteer.objects.exists()


def test_the_five_id_types_are_offered_and_a_passport_registers(client):
    page = html(client.get("/register/"))
    for value in ("01", "02", "03", "04", "05"):
        assert f'<option value="{value}"' in page
    org = OrganisationFactory()
    resp = client.post(
        "/register/",
        register_form(
            [org.pk], id_type="05", id_number="E12345678", name="JOHN SMITH",
            gender="M", birth_date="1990-01-01", nationality="USA",
        ),
    )  # fmt: skip
    assert resp.status_code == 302
    assert Volunteer.objects.get(user__username="newcomer").verification == "pending"


def test_the_organisation_picker_searches_on_the_server_and_keeps_the_choice(client):
    kept = OrganisationFactory(name="天河区青年志愿者协会")
    OrganisationFactory(name="越秀区红棉志愿服务队")
    resp = client.post(
        "/register/",
        {**register_form([kept.pk]), "action": "search", "q": "红棉"},
    )
    page = html(resp)
    assert resp.status_code == 200 and "越秀区红棉志愿服务队" in page
    assert f'value="{kept.pk}" checked' in page and not Volunteer.objects.exists()


def test_the_organisation_tree_gives_one_level_at_a_time_with_which_nodes_open(client):
    from volunteers.models import Organisation

    province = OrganisationFactory(name="广东省志愿者联合会", kind=Organisation.Kind.FEDERATION)
    guangzhou = OrganisationFactory(
        name="广州市志愿者联合会", kind=Organisation.Kind.CITY, parent=province, city_code="440100"
    )
    foshan = OrganisationFactory(
        name="佛山市志愿者联合会", kind=Organisation.Kind.CITY, parent=province, city_code="440600"
    )
    team = OrganisationFactory(name="天河区图书馆志愿服务队", parent=guangzhou)
    roots = client.get("/register/organisations/").json()
    assert [(o["id"], o["has_children"]) for o in roots["results"]] == [(province.pk, True)]
    cities = client.get("/register/organisations/", {"parent": province.pk}).json()
    assert [(o["name"], o["kind"], o["has_children"]) for o in cities["results"]] == [
        ("广州市志愿者联合会", "地市", True),
        ("佛山市志愿者联合会", "地市", False),
    ]
    assert cities["next_page"] is None and cities["count"] == 2
    leaves = client.get("/register/organisations/", {"parent": guangzhou.pk}).json()
    assert [o["id"] for o in leaves["results"]] == [team.pk]
    assert client.get("/register/organisations/", {"parent": foshan.pk}).json()["results"] == []


def test_the_organisation_tree_pages_a_large_level_and_refuses_bad_queries(
    client, django_assert_max_num_queries
):
    from volunteers.views import ORG_TREE_PAGE

    city = OrganisationFactory()
    for _ in range(ORG_TREE_PAGE + 3):
        OrganisationFactory(parent=city)
    with django_assert_max_num_queries(4):
        first = client.get("/register/organisations/", {"parent": city.pk}).json()
    assert len(first["results"]) == ORG_TREE_PAGE and first["next_page"] == 2
    second = client.get("/register/organisations/", {"parent": city.pk, "page": 2}).json()
    assert len(second["results"]) == 3 and second["next_page"] is None
    for query, status, message in (
        ({"parent": "x"}, 400, "组织编号或页码格式不对"),
        ({"parent": "１２"}, 400, "组织编号或页码格式不对"),
        ({"page": "0"}, 400, "组织编号或页码格式不对"),
        ({"parent": city.pk, "page": 9}, 400, "没有这一页"),
        ({"parent": 999999}, 404, "未找到该组织"),
    ):
        resp = client.get("/register/organisations/", query)
        assert (resp.status_code, resp.json()["message"]) == (status, message), query


# --- login -----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["username", "id_number", "mobile"])
def test_login_with_username_id_number_or_mobile(client, how):
    v = make_volunteer()
    typed = {"username": v.user.username, "id_number": v.id_number, "mobile": v.mobile}[how]
    resp = client.post("/accounts/login/", {"username": typed, "password": PASSWORD})
    assert resp.status_code == 302
    assert client.session["_auth_user_id"] == str(v.user.pk)


def test_an_id_number_typed_with_spaces_and_a_lower_case_x_still_logs_in(client):
    from volunteers import identity

    number = identity.make_mainland_id(
        province_city="440103", birth=dt.date(1990, 1, 1), seq=next(
            s for s in range(1000)
            if identity.make_mainland_id(
                province_city="440103", birth=dt.date(1990, 1, 1), seq=s, male=True
            ).endswith("X")
        ), male=True,
    )  # fmt: skip
    v = make_volunteer(id_number=number)
    typed = f" {number[:6]} {number[6:].lower()} "
    resp = client.post("/accounts/login/", {"username": typed, "password": PASSWORD})
    assert resp.status_code == 302 and client.session["_auth_user_id"] == str(v.user.pk)


def test_a_mobile_two_volunteers_share_does_not_log_in(client):
    a = make_volunteer(mobile="13700000001")
    make_volunteer(mobile="13700000001")
    resp = client.post("/accounts/login/", {"username": a.mobile, "password": PASSWORD})
    assert resp.status_code == 200 and "_auth_user_id" not in client.session


def test_failures_typed_as_id_number_mobile_and_username_lock_the_same_account():
    v = make_volunteer()
    typed = [v.id_number, v.mobile, v.user.username]
    for i in range(settings.AXES_FAILURE_LIMIT):
        # A new address each time: only the per-account count can lock.
        c = Client(REMOTE_ADDR=f"10.0.0.{i + 1}")
        c.post("/accounts/login/", {"username": typed[i % 3], "password": "wrong-password"})
    c = Client(REMOTE_ADDR="10.0.1.1")
    resp = c.post("/accounts/login/", {"username": v.id_number, "password": PASSWORD})
    assert resp.status_code == 429 and "_auth_user_id" not in c.session


# --- password reset ----------------------------------------------------------------------------


def sms_code(user) -> str:
    text = Notification.objects.filter(user=user, channel="sms").latest("id").text
    return re.search(r"验证码 (\d{6})", text).group(1)


def test_password_reset_by_sms_code(client):
    v = make_volunteer()
    resp = client.post("/password/forgot/", {"identifier": v.id_number})
    assert resp.status_code == 302 and resp["Location"] == "/password/reset/"
    code = sms_code(v.user)
    row = PasswordResetCode.objects.get(user=v.user)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    resp = client.post(
        "/password/reset/",
        {"code": code, "password": "New-kapok-2026", "password2": "New-kapok-2026"},
    )
    assert resp.status_code == 302
    v.user.refresh_from_db()
    assert v.user.check_password("New-kapok-2026")
    # the code is spent
    again = Client()
    again.post("/password/forgot/", {"identifier": "nobody-here"})
    session = again.session
    session["password_reset_identifier"] = v.id_number
    session.save()
    resp = again.post(
        "/password/reset/",
        {"code": code, "password": "Other-kapok-2026", "password2": "Other-kapok-2026"},
    )
    assert resp.status_code == 200 and "验证码不正确或已失效" in html(resp)


def test_an_unknown_identifier_gets_the_same_answer_and_no_sms(client):
    v = make_volunteer()
    known = client.post("/password/forgot/", {"identifier": v.mobile})
    unknown = Client().post("/password/forgot/", {"identifier": "13600000000"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert Notification.objects.filter(channel="sms").count() == 1


def test_five_wrong_codes_spend_the_code(client):
    v = make_volunteer()
    client.post("/password/forgot/", {"identifier": v.user.username})
    code = sms_code(v.user)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        resp = client.post(
            "/password/reset/",
            {"code": wrong, "password": "New-kapok-2026", "password2": "New-kapok-2026"},
        )
        assert resp.status_code == 200
    resp = client.post(
        "/password/reset/",
        {"code": code, "password": "New-kapok-2026", "password2": "New-kapok-2026"},
    )
    assert resp.status_code == 200
    v.user.refresh_from_db()
    assert v.user.check_password(PASSWORD)
    assert PasswordResetCode.objects.get(user=v.user).attempts == 5


def test_an_expired_code_is_refused(client):
    v = make_volunteer()
    client.post("/password/forgot/", {"identifier": v.user.username})
    PasswordResetCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    resp = client.post(
        "/password/reset/",
        {"code": sms_code(v.user), "password": "New-kapok-2026", "password2": "New-kapok-2026"},
    )
    assert resp.status_code == 200


def test_code_requests_are_throttled_per_identifier_whether_registered_or_not():
    v = make_volunteer()
    for identifier in (v.mobile, "13600000000"):
        codes = []
        for i in range(4):
            resp = Client(REMOTE_ADDR=f"10.1.0.{i + 1}").post(
                "/password/forgot/", {"identifier": identifier}
            )
            codes.append(resp.status_code)
        assert codes == [302, 302, 302, 429]
    assert Notification.objects.filter(channel="sms").count() == 3


# --- profile ---------------------------------------------------------------------------------


def test_profile_edit_changes_mobile_address_and_pinyin(client):
    v = make_volunteer()
    client.force_login(v.user)
    page = html(client.get("/me/profile/"))
    assert v.id_number not in page and v.mobile not in page
    resp = client.post(
        "/me/profile/",
        {"form": "contact", "mobile": "13811112222", "address": "广州市越秀区1号", "postcode": "510000",
         "surname_pinyin": "ZHANG", "given_pinyin": "XIAO MING"},
    )  # fmt: skip
    assert resp.status_code == 302
    v.refresh_from_db()
    assert (v.mobile, v.address, v.given_pinyin) == ("13811112222", "广州市越秀区1号", "XIAO MING")
    assert AuditLog.objects.filter(action="volunteer_update_contact").exists()


def test_a_bad_mobile_is_refused_and_nothing_changes(client):
    v = make_volunteer()
    client.force_login(v.user)
    resp = client.post(
        "/me/profile/",
        {"form": "contact", "mobile": "12345", "address": "新地址", "postcode": "",
         "surname_pinyin": "ZHANG", "given_pinyin": "XIAOMING"},
    )  # fmt: skip
    assert resp.status_code == 200 and 'id="error-mobile"' in html(resp)
    v.refresh_from_db()
    assert v.address != "新地址"


def test_the_username_can_be_changed_once_and_is_then_shown_read_only(client):
    v = make_volunteer()
    client.force_login(v.user)
    page = html(client.get("/me/profile/"))
    assert "用户名仅允许修改一次" in page and 'id="username-form"' in page
    resp = client.post("/me/profile/", {"form": "username", "username": "hongmian2026"})
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.user.username == "hongmian2026" and v.username_changed_at is not None
    assert resolve_login("hongmian2026") == v.user  # the login changed with it
    assert AuditLog.objects.filter(action="volunteer_change_username").count() == 1
    assert Notification.objects.filter(user=v.user, channel="sms", text__contains="用户名已修改")
    page = html(client.get("/me/profile/"))
    assert 'id="username-form"' not in page and 'id="username-locked"' in page
    assert "hongmian2026" in page and "不能再次修改" in page
    again = client.post("/me/profile/", {"form": "username", "username": "another1"})
    assert again.status_code == 200 and "用户名仅允许修改一次" in html(again)
    v.refresh_from_db()
    assert v.user.username == "hongmian2026"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "请填写新的用户名"),
        ("陈 小明", "用户名只能包含字母、数字"),
        ("TAKEN", "用户名已被使用"),
        ("OWN", "新用户名与当前用户名相同"),
        ("OTHERS_ID", "用户名不能是他人的证件号码或手机号码"),
        ("OTHERS_MOBILE", "用户名不能是他人的证件号码或手机号码"),
    ],
)
def test_a_refused_username_says_why_and_changes_nothing(client, typed, message):
    v, other = make_volunteer(), make_volunteer()
    typed = {
        "TAKEN": other.user.username, "OWN": v.user.username,
        "OTHERS_ID": other.id_number, "OTHERS_MOBILE": "13700001111",
    }.get(typed, typed)  # fmt: skip
    client.force_login(v.user)
    resp = client.post("/me/profile/", {"form": "username", "username": typed})
    assert resp.status_code == 200
    assert message in html(resp) and 'id="error-username"' in html(resp)
    v.refresh_from_db()
    assert v.username_changed_at is None and v.user.username.startswith("vol")


def test_ones_own_id_number_or_mobile_may_be_the_username(client):
    v = make_volunteer()
    client.force_login(v.user)
    resp = client.post("/me/profile/", {"form": "username", "username": v.mobile})
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.user.username == v.mobile


def test_registration_refuses_another_persons_id_number_as_username(client):
    org = OrganisationFactory()
    owner = make_volunteer()
    resp = client.post("/register/", register_form([org.pk], username=owner.id_number))
    assert resp.status_code == 200 and "用户名不能是他人的证件号码或手机号码" in html(resp)
    assert not Volunteer.objects.filter(user__username=owner.id_number).exists()


def test_a_name_correction_reruns_the_real_name_check(client):
    v = make_volunteer(id_type="05", id_number="E12345678", name="JOHN SMITH",
                       gender="M", birth_date=dt.date(1990, 1, 1), nationality="USA")  # fmt: skip
    Volunteer.objects.filter(pk=v.pk).update(verification="verified")
    client.force_login(v.user)
    resp = client.post(
        "/me/profile/",
        {"form": "identity", "name": "JOHN SMYTH", "id_type": "05", "id_number": "",
         "id_expiry": "2099-01-01", "gender": "M", "birth_date": "1990-01-01"},
    )  # fmt: skip
    assert resp.status_code == 302
    v.refresh_from_db()
    assert v.name == "JOHN SMYTH" and v.verification == "pending"
    assert AuditLog.objects.filter(action="volunteer_correct_identity").exists()


def test_an_id_number_of_another_account_is_refused(client):
    a, b = make_volunteer(), make_volunteer()
    client.force_login(a.user)
    resp = client.post(
        "/me/profile/",
        {"form": "identity", "name": a.name, "id_type": "01", "id_number": b.id_number,
         "id_expiry": "2099-01-01", "gender": "M", "birth_date": ""},
    )  # fmt: skip
    assert resp.status_code == 200 and "无法用于本账号" in html(resp)
    a.refresh_from_db()
    assert a.id_number != b.id_number


# --- organisations ---------------------------------------------------------------------------


def test_leaving_the_last_organisation_is_refused_with_the_manuals_message(client):
    v = make_volunteer()
    client.force_login(v.user)
    m = v.memberships.get()
    resp = client.post(f"/me/organisations/{m.pk}/leave/", follow=True)
    assert "至少需要保留一个已加入的归属组织" in html(resp)
    m.refresh_from_db()
    assert m.status == "approved"


def test_joining_needs_approval_and_a_sixth_is_refused(client):
    v = make_volunteer(organisations=[OrganisationFactory() for _ in range(4)])
    client.force_login(v.user)
    fifth, sixth = OrganisationFactory(name="第五组织"), OrganisationFactory(name="第六组织")
    search = client.get("/me/organisations/", {"q": "第五"})
    assert "第五组织" in html(search)
    client.post("/me/organisations/join/", {"organisation_id": fifth.pk})
    assert Membership.objects.get(volunteer=v, organisation=fifth).status == "pending"
    resp = client.post("/me/organisations/join/", {"organisation_id": sixth.pk}, follow=True)
    assert "最多只能加入5个归属组织" in html(resp)
    assert not Membership.objects.filter(volunteer=v, organisation=sixth).exists()


def test_leaving_one_of_two_and_anothers_membership_is_not_found(client):
    v = make_volunteer(organisations=[OrganisationFactory(), OrganisationFactory()])
    other = make_volunteer()
    client.force_login(v.user)
    m = v.memberships.first()
    assert client.post(f"/me/organisations/{other.memberships.get().pk}/leave/").status_code == 404
    client.post(f"/me/organisations/{m.pk}/leave/")
    m.refresh_from_db()
    assert m.status == "removed"


# --- 我的活动 ---------------------------------------------------------------------------------


def _published(org, admin, name):
    from activities import services as activity_services
    from activities.models import Activity

    created = timezone.make_aware(dt.datetime(2030, 5, 1, 10, 0))
    activity = activity_services.activity_create(
        admin=admin, organisation=org, name=name, places=10,
        days=[(dt.date(2030, 5, 6), dt.time(9, 0), dt.time(12, 0))], now=created,
        address="广州市天河区珠江东路4号", city_code="440100", contact_name="陈老师",
        contact_phone="020-12345678", lat=23.117, lng=113.326,
    )  # fmt: skip
    activity_services.activity_change_status(
        admin=admin, activity_id=activity.pk, status=Activity.Status.PUBLISHED, now=created
    )
    return activity


def test_my_activities_lists_pending_ongoing_and_done_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    from activities import services as activity_services
    from activities.models import Activity
    from volunteers import services as volunteer_services
    from volunteers.tests.factories import UserFactory

    org = OrganisationFactory()
    admin = UserFactory()
    volunteer_services.organisation_admin_add(organisation=org, user=admin)
    v = make_volunteer(organisations=[org])
    created = timezone.make_aware(dt.datetime(2030, 5, 1, 10, 0))
    names = {}
    for i in range(6):
        a = _published(org, admin, f"活动{i}")
        s = activity_services.signup_create(volunteer=v, activity_id=a.pk, now=created)
        names[i] = a
        if i % 3 == 1:
            activity_services.signup_admit(admin=admin, signup_id=s.pk, now=created)
        if i % 3 == 2:
            Activity.objects.filter(pk=a.pk).update(status=Activity.Status.CANCELLED)
    client.force_login(v.user)
    pages = {}
    for tab in ("pending", "ongoing", "done"):
        with django_assert_max_num_queries(8):
            pages[tab] = html(client.get("/me/activities/", {"tab": tab}))
    assert "活动0" in pages["pending"] and "活动1" not in pages["pending"]
    assert "活动1" in pages["ongoing"] and "活动4" in pages["ongoing"]
    assert "活动2" in pages["done"] and "活动0" not in pages["done"]
    assert "待录用（2）" in pages["done"] and "已结束（2）" in pages["done"]


# --- inbox -----------------------------------------------------------------------------------


def test_inbox_lists_site_messages_marks_them_read_and_counts_unread_in_the_header(client):
    v = make_volunteer()
    notify(user=v.user, text="您加入「测试」的申请已通过")
    notify(user=v.user, text="短信副本", channels=("sms",))
    notify(user=make_volunteer().user, text="别人的消息")
    client.force_login(v.user)
    page = html(client.get("/me/profile/"))
    assert 'id="inbox-unread">1<' in page
    inbox = html(client.get("/me/inbox/"))
    assert "申请已通过" in inbox and "短信副本" not in inbox and "别人的消息" not in inbox
    n = Notification.objects.get(user=v.user, channel="site")
    client.post(f"/me/inbox/{n.pk}/read/")
    n.refresh_from_db()
    assert n.read_at is not None
    assert 'id="inbox-unread"' not in html(client.get("/me/inbox/"))


def test_anothers_notification_cannot_be_marked(client):
    v, other = make_volunteer(), make_volunteer()
    notify(user=other.user, text="别人的消息")
    client.force_login(v.user)
    n = Notification.objects.get(user=other.user)
    assert client.post(f"/me/inbox/{n.pk}/read/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_inbox_and_badge_query_budget(client, django_assert_max_num_queries):
    v = make_volunteer()
    for i in range(30):
        notify(user=v.user, text=f"消息{i}")
    client.force_login(v.user)
    client.post("/me/inbox/read/")
    for i in range(3):
        notify(user=v.user, text=f"新消息{i}")
    with django_assert_max_num_queries(6):
        resp = client.get("/me/inbox/")
    assert 'id="inbox-unread">3<' in html(resp)


def test_an_empty_registration_says_what_is_missing_for_every_field_at_once(client):
    resp = client.post("/register/", {"action": "register", "id_type": "01"})
    page = html(resp)
    for field, text in [
        ("username", "请填写用户名"), ("id_expiry", "请填写证件有效期"),
        ("mobile", "请填写手机号码"), ("organisation_ids", "请至少选择一个归属组织"),
        ("city_code", "请选择广东省内的注册地市"), ("password", "请填写密码"),
    ]:  # fmt: skip
        assert f'id="error-{field}">{text}' in page, field
    assert "该字段" not in page and not Volunteer.objects.exists()


def test_an_unknown_id_number_typed_at_login_is_not_kept_in_clear_by_axes(client):
    from axes.models import AccessAttempt, AccessFailureLog

    number = mainland_id(birth=dt.date(1988, 8, 8))
    for _ in range(2):
        client.post("/accounts/login/", {"username": number, "password": "wrong-password"})
    attempts = list(
        AccessAttempt.objects.values_list("username", "post_data", "failures_since_start")
    )
    assert len(attempts) == 1 and attempts[0][2] == 2  # counted, under one key
    stored = " ".join(str(v) for row in attempts for v in row)
    stored += " ".join(str(v) for v in AccessFailureLog.objects.values_list("username", flat=True))
    assert number not in stored and number[-6:] not in stored
