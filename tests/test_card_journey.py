"""A card's whole journey, end to end: a volunteer applies, the service sends the APPLY file
over a real OpenSSH SFTP server in real CMS envelopes, the bank simulator answers and plays
the card forward, and each of its files comes back through ``exchange.receive``."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from bank_adapters import exchange
from bank_adapters.models import Alert, PartnerFile
from bank_adapters.simulator.bank import BankSimulator
from bank_adapters.simulator.partner_side import PartnerKeys, PartnerSide, SftpFolder
from bank_adapters.testing_sshd import write_partners_toml
from card_service.models import CardStatus
from card_service.tests.helpers import submit
from insurance.models import Policy
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(pki, sshd, sftp_root, tmp_path, settings):
    settings.CARD_PARTNERS_FILE = str(
        write_partners_toml(tmp_path / "partners.toml", pki, sshd, cutoff="00:00")
    )
    # The bank logs in over SFTP too (the test sshd authorises one key for both sides).
    folder = SftpFolder(
        sshd.host, sshd.port, sshd.username, sshd.client_key_path, [sshd.known_hosts_line]
    )
    side = PartnerSide(PartnerKeys.from_pki(pki, "BOC"), folder, tmp_path / "boc-simulator")
    simulator = BankSimulator("BOC", side, step_seconds=0)
    yield simulator
    side.close()


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


def test_a_card_goes_from_application_to_first_purchase(bank, client):
    volunteer = make_volunteer()
    refused = make_volunteer(surname_pinyin="REJECT")
    app = submit(volunteer)
    other = submit(refused)
    clock = Clock()

    report = exchange.send("BOC")
    assert len(report.delivered) == 2  # the PHOTO archive and the APPLY file
    app.refresh_from_db()
    assert app.status == CardStatus.SENT

    [result] = bank.tick(clock())
    assert result.startswith("BOC_RESULT_")
    received = exchange.receive("BOC")
    assert received.applied == [result] and not received.refused

    app.refresh_from_db()
    other.refresh_from_db()
    assert app.status == CardStatus.ACCEPTED
    assert re.fullmatch(r"621661\*{6}[0-9]{4}", app.masked_pan)
    assert app.card_ref and app.expected_ready_date
    assert other.status == CardStatus.REJECTED and other.reason_code == "1001"

    for expected in (
        CardStatus.PRODUCED,
        CardStatus.AT_BRANCH,
        CardStatus.COLLECTED,
        CardStatus.ACTIVATED,
    ):
        names = bank.tick(clock())
        received = exchange.receive("BOC")
        assert sorted(received.applied) == sorted(names) and not received.refused
        app.refresh_from_db()
        assert app.status == expected
    assert app.activated_at is not None
    policy = Policy.objects.get(application=app)
    assert policy.insurer == "BOCINS" and policy.status == Policy.Status.IN_FORCE
    assert policy.coverage_start == timezone.localtime(app.activated_at).date()

    bank.tick(clock())  # FIRST_SPEND
    received = exchange.receive("BOC")
    assert len(received.applied) == 1
    app.refresh_from_db()
    assert app.status == CardStatus.ACTIVATED
    assert app.first_spend_at is not None
    assert app.spends.get().event_type == "FIRST_SPEND"

    assert not Alert.objects.exists()
    assert not PartnerFile.objects.filter(state=PartnerFile.State.REFUSED).exists()
    # Everything the bank wrote was taken and moved to done/.
    assert bank.side.folder.pending_incoming() == set()

    try:
        resolve("/me/card/")
    except Resolver404:
        return  # the progress page is not there yet
    client.force_login(volunteer.user)
    page = client.get("/me/card/")
    assert page.status_code == 200
    assert "已激活" in page.content.decode()
