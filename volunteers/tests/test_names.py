"""Names as product.md says: spaces between Chinese characters are stripped, a name in Latin
letters keeps its spaces, and a passport holder's name error names the name they typed, not a
pinyin field they never filled."""

from __future__ import annotations

import datetime as dt

import pytest

from card_service.tests.helpers import submit
from core.errors import ValidationFailed
from volunteers.models import Volunteer
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def passport(name: str, number: str = "P7654321") -> dict:
    return {"id_type": "05", "id_number": number, "name": name, "gender": "M",
            "birth_date": dt.date(1990, 1, 1), "nationality": "GBR"}  # fmt: skip


def test_a_chinese_name_typed_with_spaces_is_stored_without_them():
    v = make_volunteer(name="张 三")
    assert v.name == "张三"
    assert (v.surname_pinyin, v.given_pinyin) == ("ZHANG", "SAN")


def test_a_passport_name_keeps_its_spaces_and_fills_the_card_name_fields():
    v = make_volunteer(**passport("smith  john paul"))
    assert v.name == "SMITH JOHN PAUL"
    assert (v.surname_pinyin, v.given_pinyin) == ("SMITH", "JOHN PAUL")


def test_a_passport_holder_with_a_chinese_name_gets_its_pinyin():
    v = make_volunteer(**passport("约翰 · 史密斯", "P7654322"))
    assert v.name == "约翰·史密斯"
    assert (v.surname_pinyin, v.given_pinyin) == ("YUEHAN", "SHIMISI")


def test_a_passport_holder_is_told_the_name_in_latin_letters_is_wrong():
    with pytest.raises(ValidationFailed) as err:
        make_volunteer(**passport("WOLFESCHLEGELSTEINHAUSEN JOHN"))
    assert err.value.extra["field"] == "name"
    assert "外文姓名（拉丁字母）" in err.value.message and "拼音" not in err.value.message
    assert not Volunteer.objects.exists()


def test_a_card_application_names_the_latin_name_not_a_pinyin_field():
    """A passport holder's card fields come from their name; a value no bank can take
    (here an older record's Ü) is refused as the name's, with nothing recorded."""
    v = make_volunteer(**passport("MULLER ANNA"))
    Volunteer.objects.filter(pk=v.pk).update(surname_pinyin="MÜLLER")
    v.refresh_from_db()
    with pytest.raises(ValidationFailed) as err:
        submit(v)
    assert err.value.code == "field_unfit" and err.value.extra["field"] == "name"
    assert err.value.message.startswith("姓名（拉丁字母）中的姓不符合银行格式要求")
    assert "拼音" not in err.value.message
    assert not v.card_applications.exists()


def test_a_one_character_name_fills_both_card_name_fields():
    v = make_volunteer(name="甲")
    assert (v.surname_pinyin, v.given_pinyin) == ("JIA", "JIA")
