"""The hotline's question "was this person covered then?", through the API and the page."""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import AuditLog
from insurance.models import Policy
from insurance.tests.helpers import card, served
from volunteers.tests.factories import UserFactory, hotline_user, make_volunteer, operations_user

pytestmark = pytest.mark.django_db
D = dt.date
URL = "/api/hotline/coverage/"


@pytest.fixture
def covered(db):
    """Card activated 2024-03-05; served 2024-08-01 (renews year 2, 2025-03-05 …); on
    2025-06-01 checked in 09:00–12:00 at 社区义诊服务. A BOC policy for that year."""
    v = make_volunteer(name="张小明")
    app = card(v, applied=D(2024, 2, 1), activated=D(2024, 3, 5))
    served(v, D(2024, 8, 1), name="敬老院探访服务")
    served(v, D(2025, 6, 1), name="社区义诊服务", checked_in=(9, 12))
    Policy.objects.create(
        bank_id="BOC", application=app, volunteer=v, policy_no="BOCINS2025000123",
        insurer="BOCINS", coverage_start=D(2025, 3, 5), coverage_end=D(2026, 3, 4),
        status=Policy.Status.IN_FORCE, source_file="BOC_POLICY_20250310_0001",
    )  # fmt: skip
    return v


def ask(client, **data):
    data.setdefault("reason", "来电咨询理赔")
    resp = client.post(URL, data, format="json")
    return resp


def test_covered_and_on_an_activity(covered, client_for):
    audits = AuditLog.objects.count()
    resp = ask(
        client_for(hotline_user()),
        id_number=covered.id_number,
        incident_at="2025-06-01T10:30:00+08:00",
    )
    assert resp.status_code == 200, resp.content
    a = resp.json()
    assert a["found"] and a["covered"]
    assert a["coverage_year"]["label"] == "第2保障年度"
    assert a["coverage_year"]["starts_on"] == "2025-03-05"
    assert a["reason_text"] == "第2保障年度：2024-08-01 参加志愿服务活动「敬老院探访服务」"
    assert a["policy"]["policy_no"] == "BOCINS2025000123"
    assert a["attendance"]["on_activity"] and a["attendance"]["during"]
    assert a["attendance"]["activity_name"] == "社区义诊服务"
    assert a["insurer"]["name"] == "中银保险" and a["insurer"]["report_phone"] == "95566"
    assert len(a["insurer"]["claim_steps"]) == 3
    assert "230001" in a["insurer"]["mailing_address"]
    assert a["warnings"] == []
    # masked personal data only
    assert a["volunteer"]["name"] == "张**"
    assert covered.id_number not in resp.content.decode()
    assert "*" in a["volunteer"]["id_number"]
    rows = AuditLog.objects.order_by("id")[audits:]
    assert [r.action for r in rows] == ["hotline_lookup", "insurance_coverage_lookup"]
    assert rows[1].target_id == str(covered.pk) and rows[1].reason == "来电咨询理赔"
    assert rows[1].data["covered"] is True


def test_within_the_travel_window(covered, client_for):
    a = ask(
        client_for(hotline_user()),
        volunteer_no=covered.volunteer_no,
        incident_at="2025-06-01T13:30:00+08:00",  # 1.5 h after the check-out
    ).json()
    assert a["covered"] and a["attendance"]["on_activity"] and not a["attendance"]["during"]


def test_covered_but_not_on_an_activity(covered, client_for):
    app = covered.card_applications.get()
    a = ask(
        client_for(hotline_user()), card_ref=app.card_ref, incident_at="2025-06-02T10:00:00+08:00"
    ).json()
    assert a["covered"] and not a["attendance"]["on_activity"]
    assert any("没有活动签到记录" in w for w in a["warnings"])
    assert AuditLog.objects.filter(action="hotline_lookup", data__card_ref=app.card_ref).exists()


def test_not_covered_and_why(client_for):
    v = make_volunteer(name="李四")
    card(v, applied=D(2024, 2, 1), activated=D(2024, 3, 5))
    served(v, D(2024, 8, 1), kind="training", name="志愿者通识培训")
    before = AuditLog.objects.count()
    a = ask(
        client_for(hotline_user()), volunteer_no=v.volunteer_no,
        incident_at="2025-06-01T10:30:00+08:00",
    ).json()  # fmt: skip
    assert a["found"] and a["covered"] is False
    assert a["coverage_year"]["reason"] == "no_activity"
    assert a["reason_text"].startswith("第2保障年度（2025-03-05至2026-03-04）不在保障内")
    assert "培训不计" in a["reason_text"]
    assert a["policy"] is None
    assert a["insurer"]["code"] == "BOCINS"  # still told whom to call
    assert AuditLog.objects.count() == before + 2


def test_unknown_person(client_for):
    before = AuditLog.objects.count()
    a = ask(
        client_for(hotline_user()), id_number="440106199001011239",
        incident_at="2025-06-01T10:30:00+08:00",
    ).json()  # fmt: skip
    assert a["found"] is False and a["message"].startswith("未找到")
    row = AuditLog.objects.order_by("-id").first()
    assert AuditLog.objects.count() == before + 1
    assert row.action == "hotline_lookup" and row.data["found"] is False
    assert "440106199001011239" not in str(row.data)


def test_reason_is_required_and_future_refused(covered, client_for):
    c = client_for(hotline_user())
    assert ask(c, volunteer_no=covered.volunteer_no, incident_at="2025-06-01T10:30:00+08:00",
               reason="").status_code == 400  # fmt: skip
    resp = ask(c, volunteer_no=covered.volunteer_no, incident_at="2099-06-01T10:30:00+08:00")
    assert resp.status_code == 400 and resp.json()["code"] == "incident_in_future"


@pytest.mark.parametrize("who", ["plain", "operations", "volunteer"])
def test_others_get_403(covered, client_for, client, who):
    user = {
        "plain": UserFactory,
        "operations": operations_user,
        "volunteer": lambda: covered.user,
    }[who]()
    before = AuditLog.objects.count()
    resp = ask(client_for(user), volunteer_no=covered.volunteer_no,
               incident_at="2025-06-01T10:30:00+08:00")  # fmt: skip
    assert resp.status_code == 403
    client.force_login(user)
    assert client.get("/staff/hotline/").status_code == 403
    assert AuditLog.objects.count() == before


def test_hotline_page(covered, client):
    client.force_login(hotline_user())
    assert client.get("/staff/hotline/").status_code == 200
    page = client.post(
        "/staff/hotline/",
        {"kind": "volunteer_no", "key": covered.volunteer_no, "incident_at": "2025-06-01 10:30",
         "reason": "来电咨询理赔"},
    )  # fmt: skip
    html = page.content.decode()
    assert page.status_code == 200
    assert "在保障期内" in html and "BOCINS2025000123" in html and "95566" in html
    assert "不在保障期内" not in html
    assert "社区义诊服务" in html and "张**" in html
    page = client.post(
        "/staff/hotline/",
        {"kind": "volunteer_no", "key": "X00000000000", "incident_at": "2025-06-01 10:30",
         "reason": "来电"},
    )  # fmt: skip
    assert "未找到" in page.content.decode()


def _page(client, **data):
    data = {"incident_at": "2025-06-01 10:30", "reason": "来电咨询理赔", **data}
    return client.post("/staff/hotline/", data).content.decode()


def test_page_headline_never_green_when_the_incident_is_not_covered(covered, client):
    """Insured that day but not on an activity: the headline says the incident is not
    covered, in red, and nothing on the page is green."""
    client.force_login(hotline_user())
    html = _page(client, kind="volunteer_no", key=covered.volunteer_no,
                 incident_at="2025-06-02 10:00")  # fmt: skip
    assert 'id="headline"' in html
    headline = html.split('id="headline"')[1].split("</p>")[0]
    assert "该事故不在保障范围内" in headline
    assert "msg-success" not in html
    html = _page(client, kind="volunteer_no", key=covered.volunteer_no)
    headline = html.split('id="headline"')[1].split("</p>")[0]
    assert "事发时在保险保障范围内" in headline
    assert 'class="msg headline msg-success"' in html


def test_page_keeps_the_typed_key_after_an_error(covered, client):
    client.force_login(hotline_user())
    html = _page(client, kind="card_ref", key="CR-TYPED-123", incident_at="昨天")
    assert "请输入事发时间" in html
    assert 'value="CR-TYPED-123"' in html
    assert '<option value="card_ref" selected>' in html


def test_page_finds_by_mobile_audited_and_masked(covered, client):
    client.force_login(hotline_user())
    html = _page(client, kind="mobile", key=covered.mobile)
    assert "BOCINS2025000123" in html and "事发时在保险保障范围内" in html
    row = AuditLog.objects.filter(action="hotline_lookup").order_by("-id").first()
    assert row.data["found"] is True and row.target_id == str(covered.pk)
    assert covered.mobile not in str(row.data) and row.data["mobile"].startswith(covered.mobile[:3])


def test_page_finds_by_name_and_birth_date(covered, client):
    client.force_login(hotline_user())
    html = _page(client, kind="name", key="张小明", birth_date="")
    assert "请填写出生日期" in html and 'value="张小明"' in html
    html = _page(client, kind="name", key="张小明",
                 birth_date=covered.birth_date.isoformat())  # fmt: skip
    assert "BOCINS2025000123" in html
    row = AuditLog.objects.filter(action="hotline_lookup").order_by("-id").first()
    assert row.data["found"] is True and "张小明" not in str(row.data)
    html = _page(client, kind="name", key="张小明", birth_date="1980-01-01")
    assert "未找到" in html


def test_same_name_and_birth_date_twice_asks_for_another_key(covered, client_for):
    make_volunteer(name="张小明", birth=covered.birth_date)
    resp = ask(client_for(hotline_user()), name="张小明", birth_date=covered.birth_date.isoformat(),
               incident_at="2025-06-01T10:30:00+08:00")  # fmt: skip
    assert resp.status_code == 400 and resp.json()["code"] == "lookup_ambiguous"
