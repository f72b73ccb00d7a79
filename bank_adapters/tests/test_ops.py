"""The operations page and resolving an alert."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from bank_adapters import ops
from bank_adapters.models import Alert, Batch, PartnerFile
from core.errors import Conflict, PermissionDenied
from core.models import AuditLog
from volunteers.tests.factories import UserFactory, make_volunteer, operations_user

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def partner_file(partner="BOC", direction="out", state="delivered", name=None, **kw):
    n = PartnerFile.objects.count() + 1
    return PartnerFile.objects.create(
        partner=partner,
        direction=direction,
        name=name or f"{partner}_APPLY_20261127_{n:04d}.dat",
        file_type=kw.pop("file_type", "APPLY"),
        business_date=dt.date(2026, 11, 27),
        seq=n,
        sha256=f"{n:064x}",
        size=100,
        state=state,
        record_count=kw.pop("record_count", 3),
        delivered_at=timezone.now() if direction == "out" and state == "delivered" else None,
        **kw,
    )


@pytest.fixture
def exchange():
    data = partner_file()
    photo = partner_file(file_type="PHOTO", name="BOC_PHOTO_20261127_0001.zip")
    Batch.objects.create(
        partner="BOC", file_type="APPLY", business_date=dt.date(2026, 11, 27), seq=1,
        record_count=3, data_file=data, photo_file=photo,
    )  # fmt: skip
    refused = partner_file(
        partner="ICBC", direction="in", state="refused", name="ICBC_RESULT_20261127_0001.txt",
        file_type="RESULT", error="第 3 行 masked_pan 字段含完整卡号",
    )  # fmt: skip
    alert = Alert.objects.create(
        kind=Alert.Kind.FILE_REFUSED, partner="ICBC", message="文件被拒收：第 3 行", file=refused
    )
    return {"alert": alert, "refused": refused}


def test_ops_page_is_forbidden_to_volunteers_and_plain_users(exchange):
    volunteer = make_volunteer()
    assert as_user(volunteer.user).get("/staff/ops/").status_code == 403
    assert as_user(UserFactory()).get("/staff/ops/").status_code == 403
    assert Client().get("/staff/ops/").status_code == 302  # to the login page


def test_ops_page_shows_partners_batches_files_and_alerts(exchange, django_assert_max_num_queries):
    c = as_user(operations_user())
    # + the live view's runs and the header menu's role look-ups
    with django_assert_max_num_queries(13):
        resp = c.get("/staff/ops/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert '<table id="partners" class="stack">' in html
    for code, name in (("BOC", "中国银行"), ("ICBC", "中国工商银行"), ("CEB", "中国光大银行")):
        assert f'<td data-label="合作方"><strong>{name}</strong>' in html
    assert "BOC_APPLY_20261127_0001" in html
    assert "ICBC_RESULT_20261127_0001.txt" in html
    assert "已拒收" in html
    assert "文件被拒收" in html
    assert f"/staff/ops/alerts/{exchange['alert'].pk}/resolve/" in html


def test_ops_page_query_count_does_not_grow_with_rows(exchange, django_assert_max_num_queries):
    for i in range(10):
        f = partner_file(partner="CEB", name=f"CEB_APPLY_20261127_{i + 10:04d}.xml")
        Batch.objects.create(
            partner="CEB", file_type="APPLY", business_date=dt.date(2026, 11, 27), seq=i + 10,
            record_count=1, data_file=f,
        )  # fmt: skip
        Alert.objects.create(kind=Alert.Kind.MISMATCH, partner="CEB", message=f"第{i}条", file=f)
    c = as_user(operations_user())
    with django_assert_max_num_queries(13):
        assert c.get("/staff/ops/").status_code == 200


def test_superuser_sees_the_ops_page():
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert as_user(admin).get("/staff/ops/").status_code == 200


def test_resolve_alert_from_the_page_writes_an_audit_row(exchange):
    user = operations_user()
    c = as_user(user)
    alert = exchange["alert"]
    resp = c.post(f"/staff/ops/alerts/{alert.pk}/resolve/", {"note": "已联系工行重发"})
    assert resp.status_code == 302 and resp["Location"] == "/staff/ops/"
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by == user
    row = AuditLog.objects.get(action="alert_resolve")
    assert (row.actor_id, row.target_id, row.reason) == (user.pk, str(alert.pk), "已联系工行重发")
    html = c.get("/staff/ops/").content.decode()
    assert "没有未处理的告警" in html
    resp = c.post(f"/staff/ops/alerts/{alert.pk}/resolve/", follow=True)
    assert "该告警已处理" in resp.content.decode()


def test_resolve_alert_is_for_operations_only(exchange):
    volunteer = make_volunteer()
    alert = exchange["alert"]
    resp = as_user(volunteer.user).post(f"/staff/ops/alerts/{alert.pk}/resolve/")
    assert resp.status_code == 403
    with pytest.raises(PermissionDenied):
        ops.alert_resolve(alert_id=alert.pk, actor=volunteer.user)
    alert.refresh_from_db()
    assert alert.resolved_at is None
    ops.alert_resolve(alert_id=alert.pk, actor=operations_user())
    with pytest.raises(Conflict):
        ops.alert_resolve(alert_id=alert.pk, actor=operations_user())
    assert as_user(operations_user()).post("/staff/ops/alerts/999999/resolve/").status_code == 404


@pytest.fixture
def inbound_problems():
    """One file of each kind of problem, all from CEB."""
    files = {
        "format": partner_file(partner="CEB", direction="in", state="refused",
                               name="CEB_RESULT_20261127_0001.xml.p7m", file_type="RESULT",
                               error_code="bank_file_invalid", error="第 3 行计数不符"),
        "dropped": partner_file(partner="CEB", direction="in", state="refused",
                                name="CEB_RESULT_20261127_0002.xml.p7m", file_type="RESULT",
                                error_code="bank_file_invalid", content_dropped_at=timezone.now()),
        "envelope": partner_file(partner="CEB", direction="in", state="quarantined",
                                 name="CEB_EVENT_20261127_0001.xml.p7m", file_type="EVENT",
                                 error_code="envelope_unknown_signer"),
        "name_reused": partner_file(partner="CEB", direction="in", state="quarantined",
                                    name="CEB_EVENT_20261127_0002.xml.p7m", file_type="EVENT",
                                    error_code=PartnerFile.NAME_REUSED),
    }  # fmt: skip
    Alert.objects.create(
        kind=Alert.Kind.ENVELOPE_FAILED, partner="CEB", message="签名者证书不是为该合作方配置的证书",
        file=files["envelope"],
    )  # fmt: skip
    return files


def _cells(html: str, table: str, partner: str) -> list[str]:
    import re

    body = html[html.index(f'<table id="{table}"') :]
    body = body[: body.index("</table>")]
    row = re.search(
        rf"<tr>\s*<td data-label=\"合作方\">[^\n]*?{partner}</span></td>(.*?)</tr>", body, re.S
    ).group(1)
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def test_ops_page_shows_refused_and_quarantined_apart(inbound_problems):
    html = as_user(operations_user()).get("/staff/ops/").content.decode()
    head = html[html.index('<table id="partners"') :]
    assert "<th>已拒收（格式不符）</th><th>已隔离（未通过校验）</th>" in head
    # CEB: enabled, last send, last receive, next cut-off, pending, refused, quarantined, alerts
    assert _cells(html, "partners", "CEB")[5:8] == ["2", "2", "1"]
    assert "文件签名或加密校验失败" in html  # the alert's kind
    assert "已隔离（未通过校验）" in html and "已拒收（格式不符）" in html
    assert "含完整卡号，内容已删除" in html


def test_exchange_status_selector_counts_refused_and_quarantined_apart(inbound_problems):
    from bank_adapters.selectors import exchange_status

    row = next(r for r in exchange_status(now=timezone.now()) if r["partner"] == "CEB")
    assert (row["refused_in"], row["quarantined_in"]) == (2, 2)


@pytest.mark.parametrize(
    ("problem", "expected"),
    [("envelope", "envelope"), ("name_reused", "name_reused"), ("format", "format"),
     ("dropped", "dropped")],
)  # fmt: skip
def test_admin_filters_inbound_files_by_problem(inbound_problems, problem, expected):
    admin = UserFactory(is_superuser=True, is_staff=True)
    c = as_user(admin)
    html = c.get("/admin/bank_adapters/partnerfile/").content.decode()
    assert "收到文件的问题" in html and "已隔离：签名或加密校验失败" in html
    html = c.get(f"/admin/bank_adapters/partnerfile/?problem={problem}").content.decode()
    shown = {k for k, f in inbound_problems.items() if f.name in html}
    assert shown == {expected}
