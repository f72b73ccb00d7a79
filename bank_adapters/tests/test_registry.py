"""The partners' facts come from one registry, read from their codec packages: codes, names,
file types each way, header options. What the exchange, the models and the card service
say of partners is what the registry says."""

from __future__ import annotations

import datetime as dt

import pytest

from bank_adapters import codecs, exchange, partners, pki
from bank_adapters.models import Partner

MADE = dt.datetime(2026, 12, 1, 9, 30, 15, 123456)


def test_the_registry_reads_each_partner_from_its_codec_package():
    got = {
        code: (p.name, p.extension, p.inbound, p.outbound, p.header_count, p.header_created_at)
        for code, p in codecs.PARTNERS.items()
    }
    bank = (("RESULT", "EVENT", "POLICY"), ("APPLY", "SERVICE"), True)
    assert got == {
        "BOC": ("中国银行", "txt", *bank, True),
        "ICBC": ("中国工商银行", "dat", *bank, False),
        "CEB": ("中国光大银行", "xml", *bank, False),
        "UNF": ("服装厂商", "csv", ("STATUS",), ("ORDER",), False, False),
    }
    assert codecs.BANKS == ("BOC", "ICBC", "CEB")
    for code, p in codecs.PARTNERS.items():
        assert codecs.codec_for(code).PARTNER == code
        assert codecs.PARTNER_FILE_TYPES[code] == p.file_types
        assert codecs.EXTENSIONS[code] == p.extension


def test_every_list_of_partners_is_the_registry():
    assert Partner.choices == [(c, p.name) for c, p in codecs.PARTNERS.items()]
    assert partners.PARTNER_CODES == pki.DEMO_PARTNERS == tuple(codecs.PARTNERS)


@pytest.mark.parametrize(
    ("partner", "count", "created_at"),
    [("BOC", 7, dt.datetime(2026, 12, 1, 9, 30, 15)), ("ICBC", 7, None), ("UNF", None, None)],
)
def test_a_header_carries_the_count_and_the_time_made_where_the_partner_has_them(
    partner, count, created_at
):
    file_type = codecs.PARTNERS[partner].outbound[0]
    header = codecs.header_for(partner, file_type, MADE.date(), 3, count=7, made_at=MADE)
    assert (header.partner, header.file_type, header.seq) == (partner, file_type, 3)
    assert (header.count, header.created_at) == (count, created_at)


def test_the_cutoff_sends_what_the_partner_takes_daily_and_a_pickup_applies_in_spec_order():
    assert exchange._outbound_types("BOC") == ["APPLY"]  # SERVICE goes monthly, on its own
    assert exchange._outbound_types("UNF") == ["ORDER"]

    class Remote:
        def __init__(self, name: str) -> None:
            self.name = name

    names = ["BOC_POLICY_20261201_0001.txt.p7m", "BOC_EVENT_20261201_0002.txt.p7m",
             "BOC_RESULT_20261201_0003.txt.p7m", "BOC_EVENT_20261130_0009.txt.p7m",
             "stray.txt"]  # fmt: skip
    ordered = sorted(map(Remote, names), key=exchange._inbound_order("BOC"))
    assert [r.name for r in ordered] == [
        "stray.txt",
        "BOC_EVENT_20261130_0009.txt.p7m",
        "BOC_RESULT_20261201_0003.txt.p7m",
        "BOC_EVENT_20261201_0002.txt.p7m",
        "BOC_POLICY_20261201_0001.txt.p7m",
    ]
