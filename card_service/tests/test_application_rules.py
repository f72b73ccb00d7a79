"""One row per application rule, each asserting the exact refusal code."""

import datetime as dt

import pytest
from django.utils import timezone

from card_service import services
from card_service.models import Branch, CardApplication, CardStatus
from card_service.tests.helpers import branch, jpeg_bytes, non_mainland, submit
from core.errors import ServiceError
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)
NOW = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))


def years_ago(years: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - years) + dt.timedelta(days=days)


def guardian():
    from volunteers.tests.factories import mainland_id

    return services.Guardian(
        name="张大明", id_type="01", id_number=mainland_id(birth=dt.date(1980, 1, 1)), relation="01"
    )


# (case, volunteer kwargs, submit kwargs, expected code or None for accepted)
CASES = [
    ("17y364d credit", {"birth": years_ago(18, 1)}, {"product": "C"}, "minor_debit_only"),
    ("17y364d debit no guardian", {"birth": years_ago(18, 1)}, {}, "guardian_required"),
    ("17y364d debit with guardian", {"birth": years_ago(18, 1)}, {"guardian": "yes"}, None),
    ("18 on the day credit", {"birth": years_ago(18)}, {"product": "C"}, None),
    ("18 on the day debit no guardian", {"birth": years_ago(18)}, {}, None),
    ("HK permit at ICBC", non_mainland("02"), {"bank_code": "ICBC"}, "non_mainland_boc_debit_only"),
    ("Taiwan permit BOC credit", non_mainland("03"), {"product": "C"}, "non_mainland_boc_debit_only"),
    ("passport at CEB", non_mainland("05"), {"bank_code": "CEB"}, "non_mainland_boc_debit_only"),
    ("HK permit BOC debit", non_mainland("02"), {}, None),
    ("mainland ICBC credit", {}, {"bank_code": "ICBC", "product": "C"}, None),
    ("mainland CEB debit", {}, {"bank_code": "CEB"}, None),
    ("branch of another bank", {}, {"bank_code": "ICBC", "branch": ("BOC", "440100")}, "branch_wrong_bank"),
    ("branch in Shenzhen", {}, {"branch": ("BOC", "440300")}, "branch_in_shenzhen"),
    ("debit without branch", {}, {"branch_id": None}, "branch_required"),
    ("credit without address", {}, {"product": "C", "mail_address": ""}, "mail_address_required"),
    ("credit bad postcode", {}, {"product": "C", "postcode": "5106"}, "postcode_invalid"),
    ("unknown bank", {}, {"bank_code": "HSBC"}, "bank_unknown"),
    ("png photo", {}, {"photo": jpeg_bytes(fmt="PNG")}, "photo_invalid"),
    ("tiny photo", {}, {"photo": jpeg_bytes(size=(100, 120))}, "photo_dimensions"),
    ("not an image", {}, {"photo": b"\xff\xd8\xff\xe0garbage"}, "photo_invalid"),
    ("address too long for BOC", {}, {"product": "C", "mail_address": "广东省广州市" + "很长的路" * 20}, "field_unfit"),
    ("address with pipe", {}, {"product": "C", "mail_address": "广州市|天河区"}, "field_chars"),
    ("bad uniform size", {}, {"uniform_size": "XS"}, "uniform_size"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "vkw", "skw", "code"), CASES, ids=[c[0] for c in CASES])
def test_application_rule(case, vkw, skw, code):
    volunteer = make_volunteer(**vkw)
    if skw.get("guardian") == "yes":
        skw["guardian"] = guardian()
    if "branch" in skw:
        bank, city = skw.pop("branch")
        b = branch(bank, city) or Branch.objects.create(
            bank_id=bank,
            code=f"SZ{bank}",
            name="深圳某支行",
            city_code=city,
            address="深圳市福田区",
        )
        skw["branch_id"] = b.pk
    if code is None:
        app = submit(volunteer, now=NOW, **skw)
        assert app.status in (CardStatus.QUEUED, CardStatus.SUBMITTED)
        assert len(app.qr_payload) <= 64
        return
    with pytest.raises(ServiceError) as e:
        submit(volunteer, now=NOW, **skw)
    assert e.value.code == code, e.value.message
    assert e.value.extra.get("field")
    assert CardApplication.objects.count() == 0


def test_one_open_application_at_a_time():
    v = make_volunteer()
    submit(v)
    with pytest.raises(ServiceError) as e:
        submit(v, bank_code="ICBC")
    assert e.value.code == "open_card_exists"


def test_withdraw_then_apply_again_and_withdraw_refused_once_in_a_batch():
    from bank_adapters.models import Batch

    v = make_volunteer()
    app = submit(v)
    services.card_application_withdraw(application_id=app.pk, actor=v.user)
    app2 = submit(v)
    assert app2.card_serial == 2 and app2.apply_type == "N"
    batch = Batch.objects.create(
        partner="BOC", file_type="APPLY", business_date=TODAY, seq=1, record_count=1
    )
    CardApplication.objects.filter(pk=app2.pk).update(batch=batch, status=CardStatus.SENT)
    with pytest.raises(ServiceError) as e:
        services.card_application_withdraw(application_id=app2.pk, actor=v.user)
    assert e.value.code == "withdraw_too_late"


def test_non_mainland_application_waits_for_verification_then_queues(django_user_model):
    from volunteers import services as vservices

    v = make_volunteer(**non_mainland("02"))
    app = submit(v)
    assert app.status == CardStatus.SUBMITTED
    admin = django_user_model.objects.create_user("adm", password="x" * 10)
    vservices.organisation_admin_add(organisation=v.memberships.first().organisation, user=admin)
    vservices.volunteer_verify(volunteer=v, actor=admin, approve=True)
    app.refresh_from_db()
    assert app.status == CardStatus.QUEUED
