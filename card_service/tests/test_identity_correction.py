"""A name or ID correction while a card application is open: the bank never gets an identity
that has not passed the real-name check. Not yet sent, the application is rebuilt from the
corrected identity and waits for the check (or is withdrawn when it no longer meets a card
rule); already at the bank, the person is told to call the bank."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from bank_adapters.models import Batch
from card_service.exchange import claim_applications
from card_service.models import CardApplication, CardStatus
from card_service.services import apply_record_from_json
from card_service.tests.helpers import submit
from core.models import AuditLog, Notification
from volunteers import services as volunteer_services
from volunteers.models import Volunteer
from volunteers.tests.factories import UserFactory, mainland_id, make_volunteer
from volunteers.verification import VerificationResult

pytestmark = pytest.mark.django_db


class FailingBackend:
    def verify(self, *, id_type: str, id_number: str, name: str) -> VerificationResult:
        return VerificationResult("failed", "姓名与证件号码不一致")


def shipped(bank: str = "BOC", *, send: bool = False) -> list:
    """What the bank's next APPLY file would carry (the claim the exchange makes); with
    ``send`` the applications are marked sent, as the exchange does once the file is built."""
    seq = Batch.objects.filter(partner=bank).count() + 1
    batch = Batch.objects.create(
        partner=bank, file_type="APPLY", business_date=timezone.localdate(), seq=seq,
        record_count=0,
    )  # fmt: skip
    claim = claim_applications(bank, batch, timezone.now())
    if send:
        claim.mark()
    return claim.records()


def correct(volunteer: Volunteer, **changes):
    fields = {
        "name": volunteer.name,
        "id_type": volunteer.id_type,
        "id_number": volunteer.id_number,
        "id_expiry": volunteer.id_expiry,
        "gender": volunteer.gender,
        "birth_date": volunteer.birth_date,
        "nationality": volunteer.nationality,
        **changes,
    }
    return volunteer_services.volunteer_correct_identity(
        volunteer=volunteer, actor=volunteer.user, **fields
    )


def passport_holder() -> Volunteer:
    org_admin = UserFactory()
    v = make_volunteer(
        id_type="05", id_number="E12345678", name="JOHN SMITH", gender="M",
        birth_date=dt.date(1990, 1, 1), nationality="USA",
    )  # fmt: skip
    volunteer_services.organisation_admin_add(
        organisation=v.memberships.get().organisation, user=org_admin
    )
    volunteer_services.volunteer_verify(volunteer=v, actor=org_admin, approve=True)
    v.refresh_from_db()
    v.org_admin = org_admin
    return v


def test_a_name_correction_checked_at_once_ships_the_corrected_name():
    v = make_volunteer(name="张小明")
    app = submit(v)
    assert app.status == CardStatus.QUEUED
    done = correct(v, name="张晓明")
    assert done.volunteer.verification == Volunteer.Verification.VERIFIED
    app.refresh_from_db()
    assert app.status == CardStatus.QUEUED
    assert [r.name for r in shipped()] == ["张晓明"]
    assert "已按更正后的信息更新" in done.notes[0]


def test_a_correction_waiting_for_a_manual_check_holds_the_application_until_it_passes():
    v = passport_holder()
    app = submit(v)
    assert app.status == CardStatus.QUEUED
    done = correct(v, name="JOHN SMYTH")
    assert done.volunteer.verification == Volunteer.Verification.PENDING
    app.refresh_from_db()
    assert app.status == CardStatus.SUBMITTED
    assert "实名认证通过后再报送银行" in done.notes[0]
    assert app.events.order_by("-id").first().note == "姓名或证件已更正，等待重新实名核验"
    assert shipped() == []  # held: the bank gets nothing
    volunteer_services.volunteer_verify(volunteer=done.volunteer, actor=v.org_admin, approve=True)
    app.refresh_from_db()
    assert app.status == CardStatus.QUEUED
    assert [r.name for r in shipped()] == ["JOHN SMYTH"]


def test_a_correction_that_fails_the_check_never_reaches_the_bank(settings):
    v = make_volunteer(name="张小明")
    app = submit(v)
    settings.REAL_NAME_BACKEND = f"{__name__}.FailingBackend"
    done = correct(v, name="张晓明")
    assert done.volunteer.verification == Volunteer.Verification.FAILED
    app.refresh_from_db()
    assert app.status == CardStatus.SUBMITTED
    assert shipped() == []
    record = apply_record_from_json(app.apply_record)
    assert record.name == "张晓明"  # nothing of the old identity is waiting to go either


def test_a_correction_that_breaks_a_card_rule_withdraws_the_application_and_says_why():
    v = make_volunteer()
    app = submit(v, product="C")  # a credit card, for an adult
    minor = timezone.localdate() - dt.timedelta(days=365 * 15)
    done = correct(v, id_number=mainland_id(birth=minor), birth_date=None, gender=None)
    app.refresh_from_db()
    assert app.status == CardStatus.WITHDRAWN
    assert "未满18周岁只能申办借记卡功能的志愿者证" in done.notes[0]
    assert "该申请已撤回，请核对信息后重新申请" in done.notes[0]
    assert Notification.objects.filter(user=v.user, text=done.notes[0]).exists()
    assert AuditLog.objects.filter(
        action="card_application_withdraw", data__by="identity_correction"
    ).exists()
    assert shipped("ICBC") == [] and shipped() == []


def test_an_application_at_the_bank_is_left_and_the_person_is_sent_to_the_bank():
    v = make_volunteer(name="张小明")
    app = submit(v)
    sealed = CardApplication.objects.filter(pk=app.pk).values_list("apply_record", flat=True)
    assert len(shipped(send=True)) == 1
    before = list(sealed)
    done = correct(v, name="张晓明")
    app.refresh_from_db()
    assert app.status == CardStatus.SENT
    assert list(sealed) == before
    assert "已报送中国银行" in done.notes[0] and "95566" in done.notes[0]


def test_an_expiry_date_correction_updates_the_record_without_a_new_check():
    v = make_volunteer()
    app = submit(v)
    done = correct(v, id_expiry=dt.date(2040, 5, 6))
    app.refresh_from_db()
    assert app.status == CardStatus.QUEUED and done.volunteer.verification == "verified"
    assert shipped()[0].id_expiry == dt.date(2040, 5, 6)


def test_no_open_application_no_note():
    assert correct(make_volunteer(), name="张晓明").notes == []


def test_the_profile_page_says_what_happened_to_the_application():
    v = passport_holder()
    submit(v)
    client = Client()
    client.force_login(v.user)
    response = client.post(
        "/me/profile/",
        {"form": "identity", "name": "JOHN SMYTH", "id_type": "05", "id_number": "",
         "id_expiry": "2099-01-01", "gender": "M", "birth_date": "1990-01-01"},
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert "实名认证状态：待人工核验" in page
    assert "实名认证通过后再报送银行" in page
