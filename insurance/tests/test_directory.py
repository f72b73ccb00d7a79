"""Each bank's cardholders are insured by that bank's insurer (bank-interface.md 4.4), with
the basic cover of the volunteers' manual."""

import pytest

from insurance.directory import insurer_for_bank


@pytest.mark.parametrize(
    ("bank", "code", "name", "phone"),
    [
        ("BOC", "BOCINS", "中银保险", "95566"),
        ("ICBC", "ICBCAXA", "工银安盛", "95359"),
        ("CEB", "SUNLIFE", "光大永明人寿", "95105698"),
    ],
)
def test_the_insurer_follows_the_bank(bank, code, name, phone):
    insurer = insurer_for_bank(bank)
    assert (insurer.code, insurer.name, insurer.report_phone) == (code, name, phone)
    benefits = insurer.as_dict()["benefits"]
    assert [(b["item"], b["amount"]) for b in benefits] == [
        ("意外身故", "100,000 元"),
        ("意外残疾", "100,000 元"),
        ("意外医疗", "5,000 元"),
    ]


def test_no_insurer_for_an_unknown_bank():
    assert insurer_for_bank("XYZ") is None
