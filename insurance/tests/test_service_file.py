"""The monthly SERVICE file: per bank, the cardholders who served in the month before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from bank_adapters import codecs, envelope, exchange
from bank_adapters.models import Batch
from bank_adapters.records import ServiceRecord
from card_service.models import CardStatus
from insurance import services
from insurance.tests.helpers import card, served
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db
D = dt.date
# Monday 2026-06-01 is the first business day of June 2026.
NOW = timezone.make_aware(dt.datetime(2026, 6, 1, 9, 0))


def open_as_bank(env, batch: Batch, code: str = "BOC") -> list[ServiceRecord]:
    files = env["pki"].partners[code]
    data = Path(batch.data_file.stored_path).read_bytes()
    plain = envelope.open_envelope(
        data,
        own_key=envelope.load_private_key(files.key_path),
        own_cert=envelope.load_certificate(files.cert_path),
        partner_certs=[envelope.load_certificate(env["pki"].service.sign_cert_path)],
    ).plaintext
    header, records = codecs.decode_file(plain, filename=batch.data_file.name)
    assert header.file_type == "SERVICE" and header.partner == code
    return list(records)


@pytest.fixture
def cardholders():
    a = make_volunteer(name="甲")
    card(a, applied=D(2025, 1, 1), activated=D(2025, 2, 1), card_ref="BOCREF000000000000000001")
    served(a, D(2026, 5, 3), minutes=125)
    served(a, D(2026, 5, 31), minutes=60)
    served(a, D(2026, 5, 10), kind="training", minutes=600)  # training: not in the file
    served(a, D(2026, 4, 30), minutes=60)  # the month before that
    served(a, D(2026, 6, 1), minutes=60)  # this month
    # b replaced a BOC card with a new one: only the current card is reported.
    b = make_volunteer(name="乙")
    card(b, applied=D(2025, 1, 1), activated=D(2025, 2, 1), cancelled=D(2026, 3, 1),
         card_ref="BOCREF000000000000000002")  # fmt: skip
    card(b, applied=D(2026, 3, 5), activated=D(2026, 4, 20), card_ref="BOCREF000000000000000003")
    served(b, D(2026, 5, 20), minutes=30)
    # c is an ICBC cardholder; d served but holds no BOC card any more; e did not serve.
    c = make_volunteer(name="丙")
    card(c, applied=D(2025, 1, 1), activated=D(2025, 2, 1), bank="ICBC")
    served(c, D(2026, 5, 20))
    d = make_volunteer(name="丁")
    card(d, applied=D(2025, 1, 1), activated=D(2025, 2, 1), cancelled=D(2026, 2, 1))
    served(d, D(2026, 5, 20))
    e = make_volunteer(name="戊")
    card(e, applied=D(2025, 1, 1), activated=D(2025, 2, 1), status=CardStatus.ACTIVATED)
    served(e, D(2026, 5, 20), status="pending")
    return {"a": a, "b": b}


def test_prepare_service_file_decodes_to_the_right_records(env, cardholders):
    batch = exchange.prepare("BOC", "SERVICE", now=NOW)
    assert batch is not None and batch.record_count == 2
    records = open_as_bank(env, batch)
    a, b = cardholders["a"], cardholders["b"]
    expected = sorted(
        [
            ServiceRecord(
                card_ref="BOCREF000000000000000001",
                volunteer_no=a.volunteer_no,
                period_start=D(2026, 5, 1),
                period_end=D(2026, 5, 31),
                activity_count=2,
                service_hours=30,
            ),  # 185 min → 3.0 h
            ServiceRecord(
                card_ref="BOCREF000000000000000003",
                volunteer_no=b.volunteer_no,
                period_start=D(2026, 5, 1),
                period_end=D(2026, 5, 31),
                activity_count=1,
                service_hours=5,
            ),
        ],
        key=lambda r: r.volunteer_no,
    )
    assert records == expected
    # Once per bank and month: a second prepare in June makes nothing.
    assert exchange.prepare("BOC", "SERVICE", now=NOW + dt.timedelta(days=3)) is None


def test_monthly_task_once_per_month_and_bank(env, cardholders):
    # During the National Day holiday, before October's first business day: nothing yet.
    holiday = timezone.make_aware(dt.datetime(2026, 10, 5, 9, 0))
    assert services.service_files_send(now=holiday) == {}
    first = services.service_files_send(now=NOW)
    assert first["BOC"].startswith("BOC_SERVICE_20260601") and first["CEB"] == "nothing"
    assert first["ICBC"].startswith("ICBC_SERVICE_20260601")
    again = services.service_files_send(now=NOW + dt.timedelta(hours=1))
    assert again == {"BOC": "already", "ICBC": "already", "CEB": "nothing"}
    assert Batch.objects.filter(file_type="SERVICE").count() == 2
    sent = sorted(p.name for p in (env["root"] / "to_partner").iterdir())
    assert any(n.startswith("BOC_SERVICE_20260601") for n in sent)


def test_first_business_day_skips_holidays():
    # 2026-10-01 … 07 is the National Day holiday; 2026-10-08 is not a weekend.
    assert services.first_working_day_of_month(D(2026, 10, 15)) == D(2026, 10, 8)
    assert services.first_working_day_of_month(D(2026, 6, 20)) == D(2026, 6, 1)
