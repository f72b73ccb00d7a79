"""ORDER files out and STATUS files in, through the real exchange: CMS envelopes, a real
sshd, the maker on the other side."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bank_adapters import codecs, envelope, exchange
from bank_adapters.models import Alert, Batch, PartnerFile
from bank_adapters.records import StatusRecord
from core.models import Notification
from uniforms import services
from uniforms.models import UniformOrder, UniformOrderLine, UniformStatus
from uniforms.selectors import uniform_progress
from uniforms.tests.conftest import TZ, bank_event, issued_card
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 4)
SENT_AT = dt.datetime(2026, 12, 4, 17, 0, tzinfo=TZ)


def ordered(n: int, **kw) -> list:
    volunteers = []
    for i in range(n):
        v = make_volunteer(**kw)
        issued_card(v, f"REF{i:04d}", product="C")
        bank_event("BOC", f"E{i}", f"REF{i:04d}", "FIRST_SPEND")
        volunteers.append(v)
    return volunteers


def status(order_no: str, code: str, tracking: str | None = None, hour: int = 9) -> StatusRecord:
    return StatusRecord(
        order_no=order_no,
        status=code,
        status_time=dt.datetime(2026, 12, 8, hour, 0, tzinfo=TZ),
        tracking_no=tracking,
    )


def open_as_maker(maker, pf: PartnerFile) -> list:
    """Decrypt our stored copy as the maker would and decode it."""
    plain = envelope.open_envelope(
        Path(pf.stored_path).read_bytes(),
        own_key=maker.key,
        own_cert=maker.cert,
        partner_certs=[maker.service_sign],
    ).plaintext
    assert not plain.startswith(b"\xef\xbb\xbf") and plain.endswith(b"\r\n")
    header, records = codecs.decode_file(plain, filename=pf.name)
    assert (header.partner, header.file_type) == ("UNF", "ORDER")
    return list(records)


def test_the_order_file_decodes_back_to_the_same_orders(env, maker):
    volunteers = ordered(3)
    # a comma and a quote make the CSV quote the field; the maker still reads it back
    services.uniform_order_correct(
        volunteer=volunteers[1], actor=volunteers[1].user, mail_address='广州市越秀区"新"街1号,2楼'
    )
    batch = exchange.prepare("UNF", "ORDER", now=dt.datetime(2026, 12, 4, 17, 0, tzinfo=TZ))
    assert batch is not None and batch.record_count == 3
    assert batch.data_file.name == "UNF_ORDER_20261204_0001.csv.p7m"
    records = open_as_maker(maker, batch.data_file)

    expected = []
    for order in UniformOrder.objects.select_related("volunteer").order_by("id"):
        line = order.lines.get()
        assert line.batch == batch and order.status == UniformStatus.SENT
        expected.append(
            {
                "order_no": line.order_no,
                "volunteer_no": order.volunteer.volunteer_no,
                "name": order.volunteer.name,
                "size": order.size,
                "mail_address": order.mail_address,
                "postcode": order.postcode,
                "mobile": order.volunteer.mobile,
                "first_spend_date": dt.date(2026, 12, 2),
            }
        )
    got = [{k: getattr(r, k) for k in expected[0]} for r in records]
    assert got == expected
    assert got[1]["mail_address"] == '广州市越秀区"新"街1号,2楼'
    assert all(len(r.order_no) <= 20 for r in records)
    # nothing waits any more: no second file
    assert exchange.prepare("UNF", "ORDER") is None
    assert Batch.objects.filter(partner="UNF").count() == 1


def test_send_delivers_the_order_file_to_the_makers_folder(env, maker):
    ordered(2)
    report = exchange.send("UNF", now=SENT_AT)
    assert len(report.delivered) == 1
    (name,) = maker.sent()
    _header, records = codecs.decode_file(maker.open(name), filename=name)
    assert len(list(records)) == 2


def test_statuses_move_the_order_to_delivered_and_repeats_do_nothing(env, maker):
    (v,) = ordered(1)
    exchange.send("UNF", now=SENT_AT)
    order_no = UniformOrderLine.objects.get().order_no
    maker.put("STATUS", [status(order_no, "PRODUCING", hour=9)], day=DAY, seq=1)
    maker.put(
        "STATUS",
        [
            status(order_no, "PRODUCING", hour=9),  # repeated
            status(order_no, "SHIPPED", "SF1234567890", hour=15),
        ],
        day=DAY,
        seq=2,
    )
    report = exchange.receive("UNF")
    assert len(report.applied) == 2
    order = UniformOrder.objects.get()
    assert order.status == UniformStatus.SHIPPED and order.tracking_no == "SF1234567890"
    maker.put(
        "STATUS",
        [status(order_no, "DELIVERED", hour=18), status(order_no, "SHIPPED", "SF1234567890")],
        day=DAY,
        seq=3,
    )
    exchange.receive("UNF")
    p = uniform_progress(v)
    assert p["status"] == "delivered" and p["tracking_no"] == "SF1234567890"
    assert [e["status"] for e in p["timeline"]] == [
        "ordered", "sent", "producing", "shipped", "delivered",
    ]  # fmt: skip
    assert not p["editable"]


def test_a_returned_uniform_asks_for_an_address_and_goes_out_again(
    env, maker, django_capture_on_commit_callbacks
):
    (v,) = ordered(1)
    exchange.send("UNF", now=dt.datetime(2026, 12, 4, 17, 0, tzinfo=TZ))
    first_no = UniformOrderLine.objects.get().order_no
    maker.put(
        "STATUS",
        [status(first_no, "SHIPPED", "SF0001", hour=9), status(first_no, "RETURNED", hour=18)],
        day=DAY,
    )
    with django_capture_on_commit_callbacks(execute=True):
        exchange.receive("UNF")
    order = UniformOrder.objects.get()
    assert order.status == UniformStatus.RETURNED
    note = Notification.objects.filter(user=v.user, channel="site").latest("id")
    assert first_no in note.text and "更正邮寄地址" in note.text
    assert uniform_progress(v)["address_needed"]

    # nothing goes out until the volunteer gives an address
    assert exchange.prepare("UNF", "ORDER", now=dt.datetime(2026, 12, 9, 17, tzinfo=TZ)) is None
    services.uniform_order_correct(
        volunteer=v, actor=v.user, mail_address="广州市海珠区新港西路135号", postcode="510275"
    )
    batch = exchange.prepare("UNF", "ORDER", now=dt.datetime(2026, 12, 10, 17, tzinfo=TZ))
    (record,) = open_as_maker(maker, batch.data_file)
    assert record.mail_address == "广州市海珠区新港西路135号" and record.postcode == "510275"
    # a new order line: a new order number, so the maker never sees one number twice
    assert record.order_no != first_no
    assert list(order.lines.values_list("attempt", flat=True)) == [1, 2]
    order.refresh_from_db()
    assert order.status == UniformStatus.SENT

    # the returned line repeated in a later file changes nothing; the new line moves on
    exchange.deliver("UNF")
    maker.put(
        "STATUS",
        [status(first_no, "RETURNED"), status(record.order_no, "SHIPPED", "SF0002", hour=20)],
        day=dt.date(2026, 12, 12),
    )
    report = exchange.receive("UNF")
    assert len(report.applied) == 1
    order.refresh_from_db()
    assert order.status == UniformStatus.SHIPPED and order.tracking_no == "SF0002"


def test_a_status_for_an_unknown_order_refuses_the_whole_file(env, maker):
    ordered(1)
    exchange.send("UNF", now=SENT_AT)
    known = UniformOrderLine.objects.get().order_no
    name = maker.put(
        "STATUS", [status(known, "PRODUCING"), status("U999999999999", "PRODUCING")], day=DAY
    )
    report = exchange.receive("UNF")
    assert report.refused == [name]
    assert UniformOrder.objects.get().status == UniformStatus.SENT  # the known one not applied
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.UNKNOWN_RECORD and "U999999999999" in alert.message
    assert PartnerFile.objects.get(name=name).state == PartnerFile.State.REFUSED
    assert (env["root"] / "from_partner" / name).exists()  # left for operations


def test_a_contradicting_status_refuses_the_file(env, maker):
    ordered(1)
    exchange.send("UNF", now=SENT_AT)
    no = UniformOrderLine.objects.get().order_no
    maker.put("STATUS", [status(no, "SHIPPED", "SF1"), status(no, "DELIVERED")], day=DAY, seq=1)
    exchange.receive("UNF")
    name = maker.put("STATUS", [status(no, "RETURNED")], day=DAY, seq=2)
    report = exchange.receive("UNF")
    assert report.refused == [name]
    assert UniformOrder.objects.get().status == UniformStatus.DELIVERED
    assert Alert.objects.get().kind == Alert.Kind.FILE_REFUSED


def test_an_unfit_order_waits_and_does_not_hold_back_the_others(env, maker):
    volunteers = ordered(2)
    bad = UniformOrder.objects.get(volunteer=volunteers[0])
    bad.mobile = "not-a-number"  # cannot happen through the services; a legacy row
    bad.save(update_fields=["mobile"])
    batch = exchange.prepare("UNF", "ORDER", now=SENT_AT)
    (record,) = open_as_maker(maker, batch.data_file)
    assert record.volunteer_no == volunteers[1].volunteer_no
    bad.refresh_from_db()
    assert bad.status == UniformStatus.ORDERED and not bad.lines.exists()
