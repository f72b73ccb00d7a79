import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from volunteers import identity
from volunteers.identity import (
    IdType,
    derive_birth_and_gender,
    gb11643_check_digit,
    gb18030_len,
    make_mainland_id,
    make_residence_permit,
    nationality_for,
    normalize_id_number,
    suggest_pinyin,
    validate_id_number,
    validate_mobile,
    validate_name,
    validate_pinyin,
)

TODAY = dt.date(2025, 6, 1)


def _code(id_type: str, raw: str) -> str:
    try:
        validate_id_number(id_type, raw, today=TODAY)
    except ValidationFailed as exc:
        return exc.code
    return "ok"


# --- ID numbers -------------------------------------------------------------------------------

VALID = [
    # mainland resident ID card
    ("01", "11010519491231002X", "11010519491231002X"),  # GB 11643's own example
    ("01", "440103199001011236", "440103199001011236"),
    ("01", "650102196210010394", "650102196210010394"),
    ("01", "110101199912310000", "110101199912310000"),
    ("01", "440103200002290017", "440103200002290017"),  # 2000 is a leap year
    ("01", "440103202402290023", "440103202402290023"),
    ("01", "440103190001010048", "440103190001010048"),  # earliest accepted year
    ("01", "11010519491231002x", "11010519491231002X"),  # lower-case x
    ("01", " 1101 0519 4912 3100 2X ", "11010519491231002X"),  # spaces
    ("01", "110105\u300019491231\u3000002X", "11010519491231002X"),  # full-width spaces
    ("01", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),  # full-width
    ("01", "110105\t19491231\n002X", "11010519491231002X"),
    # residence permits
    ("04", "81000019900101006X", "81000019900101006X"),
    ("04", "820000200105200105", "820000200105200105"),
    ("04", "830000197503031033", "830000197503031033"),
    ("04", "820000199001010037", "820000199001010037"),
    # Hong Kong / Macau home-return permit
    ("02", "H12345678", "H12345678"),
    ("02", "m87654321", "M87654321"),
    ("02", "H 1234 5678", "H12345678"),
    ("02", "H1234567890", "H1234567890"),  # older booklet
    # Taiwan compatriot permit
    ("03", "12345678", "12345678"),
    ("03", "12345678(B)", "12345678B"),  # older booklet
    ("03", "12345678（b）", "12345678B"),  # full-width parentheses
    ("03", "1234567801", "1234567801"),
    ("03", "12345678(B", "12345678B"),  # parentheses are dropped whatever their balance
    # foreign passport
    ("05", "E1234567", "E1234567"),
    ("05", "c01x00t47", "C01X00T47"),
    ("05", "12345", "12345"),
    ("05", "A" * 20, "A" * 20),
]


@pytest.mark.parametrize(("id_type", "raw", "expected"), VALID)
def test_valid_id_numbers_are_normalised(id_type, raw, expected):
    assert validate_id_number(id_type, raw, today=TODAY) == expected


INVALID = [
    # mainland
    ("01", "", "id_empty"),
    ("01", "   ", "id_empty"),
    ("01", "11010519491231002", "id_length"),
    ("01", "11010519491231002XX", "id_length"),
    ("01", "110105491231002", "id_length"),  # old 15-digit number
    ("01", "11010519491231002Y", "id_chars"),
    ("01", "1101051949123100AX", "id_chars"),
    ("01", "11O10519491231002X", "id_chars"),  # letter O
    ("01", "110105194912310021", "id_check_digit"),
    ("01", "110105194912310020", "id_check_digit"),
    ("01", "440103199001011237", "id_check_digit"),
    ("01", "440103199001011230", "id_check_digit"),
    ("01", "11010519491231003X", "id_check_digit"),  # one digit mistyped
    ("01", "440103199902290017", "id_birth_date"),  # 1999 is not a leap year
    ("01", "440103190002290029", "id_birth_date"),  # 1900 is not a leap year
    ("01", "440103189912310035", "id_birth_date"),  # before 1900
    ("01", "440103199002300099", "id_birth_date"),
    ("01", "440103199013010011", "id_birth_date"),
    ("01", "440103209901010040", "id_future_birth"),
    ("01", "990103199001010054", "id_province"),
    ("01", "100103199001010083", "id_province"),
    ("01", "710000199001010074", "id_province"),  # Taiwan: no mainland card carries 71
    ("01", "81000019900101006X", "id_province"),  # a residence permit under type 01
    ("01", "830000199001010047", "id_province"),
    # residence permits
    ("04", "440103199001011236", "id_permit_prefix"),
    ("04", "840000199001010057", "id_permit_prefix"),
    ("04", "81000019900101006", "id_length"),
    ("04", "810000199001010061", "id_check_digit"),
    ("04", "83000019000229006X", "id_birth_date"),
    ("04", "8100001990010100AX", "id_chars"),
    # Hong Kong / Macau
    ("02", "K12345678", "id_permit_prefix"),
    ("02", "12345678", "id_permit_prefix"),
    ("02", "81000019900101006X", "id_permit_prefix"),
    ("02", "H1234567", "id_permit_format"),
    ("02", "H123456789", "id_permit_format"),
    ("02", "H12345678901", "id_permit_format"),
    ("02", "HA2345678", "id_permit_format"),
    # Taiwan
    ("03", "1234567", "id_permit_format"),
    ("03", "123456789012", "id_permit_format"),
    ("03", "A2345678", "id_permit_format"),
    ("03", "830000199001010047", "id_permit_format"),
    # passport
    ("05", "E123", "id_passport_format"),
    ("05", "A" * 21, "id_passport_format"),
    ("05", "E1234-567", "id_passport_format"),
    ("05", "护照1234567", "id_passport_format"),
]


@pytest.mark.parametrize(("id_type", "raw", "code"), INVALID)
def test_invalid_id_numbers_have_a_stable_code(id_type, raw, code):
    assert _code(id_type, raw) == code


def test_unknown_id_type():
    with pytest.raises(ValidationFailed) as exc:
        validate_id_number("09", "11010519491231002X")
    assert exc.value.code == "id_type"


def test_messages_say_what_is_wrong():
    def message(id_type, raw):
        with pytest.raises(ValidationFailed) as exc:
            validate_id_number(id_type, raw, today=TODAY)
        return exc.value

    assert message("01", "11010519491231002").message == "身份证号码应为18位，您输入了17位"
    err = message("01", "110105194912310021")
    assert "最后一位应为 X" in err.message
    assert err.extra["expected_check_digit"] == "X"
    assert "出生日期 19990229 不存在" in message("01", "440103199902290017").message
    assert "省份代码 99 不存在" in message("01", "990103199001010054").message
    err = message("01", "81000019900101006X")
    assert "港澳台居民居住证" in err.message
    assert err.extra["suggested_id_type"] == "04"
    assert message("04", "440103199001011236").extra["suggested_id_type"] == "01"
    assert "字母 O" in message("01", "11O10519491231002X").message


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [
        ("01", "110105194912310021"),
        ("01", "440103199902290017"),
        ("01", "440103209901010040"),
        ("01", "99010319900101005"),
        ("04", "840000199001010057"),
        ("01", "1101051949123100AX"),
    ],
)
def test_errors_never_carry_the_full_number(id_type, raw):
    with pytest.raises(ValidationFailed) as exc:
        validate_id_number(id_type, raw, today=TODAY)
    err = exc.value
    assert err.extra["field"] == "id_number"
    assert raw not in err.message
    assert raw not in repr(err.extra)
    assert "*" in err.extra["masked"]


def test_normalize_never_raises_and_keeps_the_canonical_form():
    assert normalize_id_number("01", None) == ""
    assert normalize_id_number("01", "1101 0519\u30004912 3100 2x") == "11010519491231002X"
    assert normalize_id_number("03", "12345678（b）") == "12345678B"
    assert normalize_id_number("99", "abc") == "ABC"


def test_check_digit_of_the_standards_example():
    assert gb11643_check_digit("11010519491231002") == "X"
    with pytest.raises(ValueError):
        gb11643_check_digit("1101051949123100")


# --- property: MOD 11-2 catches every single substitution -------------------------------------

_DIGITS = "0123456789"


@st.composite
def mainland_ids(draw):
    province = draw(st.sampled_from(sorted(identity.MAINLAND_PROVINCE_CODES)))
    rest = draw(st.integers(0, 9999))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.integers(0, 999))
    male = draw(st.booleans())
    return make_mainland_id(f"{province}{rest:04d}", birth, seq, male), birth, male


@settings(max_examples=150, deadline=None)
@given(mainland_ids())
def test_generated_ids_pass_and_every_single_substitution_fails(generated):
    number, birth, male = generated
    assert validate_id_number("01", number, today=TODAY) == number
    assert derive_birth_and_gender("01", number, today=TODAY) == (birth, "M" if male else "F")
    for pos in range(18):
        allowed = _DIGITS + ("X" if pos == 17 else "")
        for ch in allowed:
            if ch == number[pos]:
                continue
            changed = number[:pos] + ch + number[pos + 1 :]
            # The check digit alone already tells the change apart...
            assert gb11643_check_digit(changed[:17]) != changed[17]
            # ...so the number is refused whichever rule fires first.
            with pytest.raises(ValidationFailed):
                validate_id_number("01", changed, today=TODAY)
            if pos == 17:
                assert _code("01", changed) == "id_check_digit"


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(sorted(identity.RESIDENCE_PERMIT_PREFIXES)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
    st.booleans(),
)
def test_generated_residence_permits_pass(region, birth, seq, male):
    number = make_residence_permit(region, birth, seq, male)
    assert validate_id_number("04", number, today=TODAY) == number
    assert _code("01", number) == "id_province"
    assert derive_birth_and_gender("04", number, today=TODAY) == (birth, "M" if male else "F")


# --- derived data -----------------------------------------------------------------------------


def test_derived_birth_date_and_gender():
    assert derive_birth_and_gender("01", "11010519491231002X") == (dt.date(1949, 12, 31), "F")
    assert derive_birth_and_gender("01", "440103199001011236") == (dt.date(1990, 1, 1), "M")
    assert derive_birth_and_gender("04", "830000197503031033") == (dt.date(1975, 3, 3), "M")
    assert derive_birth_and_gender("04", "820000200105200105") == (dt.date(2001, 5, 20), "F")
    assert derive_birth_and_gender("02", "H12345678") is None
    assert derive_birth_and_gender("05", "E1234567") is None
    with pytest.raises(ValidationFailed):
        derive_birth_and_gender("01", "440103199902290017")


def test_generator_gender_digit_and_check_digit():
    assert make_mainland_id() == "440103199001011236"
    assert make_mainland_id(seq=123, male=False)[14:17] == "122"
    assert make_residence_permit("810000")[:6] == "810000"
    with pytest.raises(ValueError):
        make_residence_permit("440000")


@pytest.mark.parametrize(
    ("id_type", "number", "nationality"),
    [
        ("01", "11010519491231002X", "CHN"),
        ("04", "81000019900101006X", "HKG"),
        ("04", "820000200105200105", "MAC"),
        ("04", "830000197503031033", "TWN"),
        ("02", "H12345678", "HKG"),
        ("02", "m12345678", "MAC"),
        ("03", "12345678", "TWN"),
        ("05", "E1234567", None),
    ],
)
def test_nationality(id_type, number, nationality):
    assert nationality_for(id_type, number) == nationality


def test_id_type_choices():
    assert IdType.values == ["01", "02", "03", "04", "05"]
    assert IdType.MAINLAND_ID.label == "居民身份证"
    assert IdType("05").label == "外国护照"


# --- names ------------------------------------------------------------------------------------


def _name_error(name, id_type):
    with pytest.raises(ValidationFailed) as exc:
        validate_name(name, id_type)
    return exc.value


def test_traditional_characters_refused_for_mainland_id():
    err = _name_error("陳小明", "01")
    assert err.code == "name_traditional"
    assert err.message == "姓名中的「陳」是繁体字，请改为简体「陈」"
    assert err.extra["characters"] == [{"position": 1, "char": "陳", "simplified": "陈"}]


def test_every_traditional_character_is_named():
    err = _name_error("陳發明", "01")
    assert "「陳」是繁体字，请改为简体「陈」" in err.message
    assert "「發」是繁体字，请改为简体「发」" in err.message
    assert [c["char"] for c in err.extra["characters"]] == ["陳", "發"]


@pytest.mark.parametrize("id_type", ["02", "03", "04"])
def test_traditional_characters_accepted_for_hk_macau_taiwan(id_type):
    assert validate_name(" 陳小明 ", id_type) == "陳小明"


@pytest.mark.parametrize("name", ["乾隆", "於小明", "甯静", "张昇", "干小里", "余只台"])
def test_characters_that_are_standard_in_the_mainland_are_accepted(name):
    assert validate_name(name, "01") == name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("买买提·艾力", "买买提·艾力"),
        ("买买提•艾力", "买买提·艾力"),  # U+2022
        ("买买提・艾力", "买买提·艾力"),  # U+30FB
        ("\u3000张小明\u3000", "张小明"),
    ],
)
def test_middle_dot_variants_and_outer_spaces(raw, expected):
    assert validate_name(raw, "01") == expected


@pytest.mark.parametrize(
    ("name", "id_type", "code"),
    [
        ("", "01", "name_empty"),
        ("  ", "01", "name_empty"),
        ("张小明2", "01", "name_digits"),
        ("张小明２", "01", "name_digits"),
        ("张小明A", "01", "name_chars"),
        ("张小明!", "04", "name_chars"),
        ("张\ud800明", "01", "name_encoding"),
        ("·艾力", "01", "name_dot"),
        ("买买提··艾力", "01", "name_dot"),
        ("JOHN SMITH 3", "05", "name_digits"),
        ("JEAN-PAUL", "05", "name_chars"),
        ("JOSÉ", "05", "name_chars"),
    ],
)
def test_bad_names(name, id_type, code):
    assert _name_error(name, id_type).code == code


def test_foreign_names_are_upper_cased_latin_or_chinese():
    assert validate_name("  john   smith ", "05") == "JOHN SMITH"
    assert validate_name("约翰·史密斯", "05") == "约翰·史密斯"


@pytest.mark.parametrize(
    ("raw", "id_type", "expected"),
    [
        ("张 三", "01", "张三"),
        ("张\u3000小明", "02", "张小明"),  # an ideographic space
        (" 欧阳 小 明 ", "01", "欧阳小明"),
        ("迪丽热巴 · 迪力木拉提", "01", "迪丽热巴·迪力木拉提"),
        ("约翰 · 史密斯", "05", "约翰·史密斯"),
        ("mary  ann   smith", "05", "MARY ANN SMITH"),  # Latin parts keep one space
    ],
)
def test_spaces_between_chinese_characters_are_stripped_latin_ones_kept(raw, id_type, expected):
    assert validate_name(raw, id_type) == expected


def test_card_name_fields_from_a_latin_name_and_which_field_is_wrong():
    from volunteers.identity import name_pinyin_fields

    assert name_pinyin_fields("SMITH JOHN PAUL") == ("SMITH", "JOHN PAUL")
    assert name_pinyin_fields("MADONNA") == ("MADONNA", "MADONNA")
    assert name_pinyin_fields("张小明") == ("ZHANG", "XIAOMING")
    assert name_pinyin_fields("约翰·史密斯") == ("YUEHAN", "SHIMISI")
    # typed fields win, and their errors name them
    assert name_pinyin_fields("SMITH JOHN", given_pinyin="jon") == ("SMITH", "JON")
    with pytest.raises(ValidationFailed) as typed:
        name_pinyin_fields("SMITH JOHN", surname_pinyin="SMÏTH")
    assert typed.value.extra["field"] == "surname_pinyin"
    # a Latin surname too long for the card: the name is wrong, not an unseen pinyin field
    with pytest.raises(ValidationFailed) as err:
        name_pinyin_fields("WOLFESCHLEGELSTEINHAUSEN JOHN")
    assert err.value.code == "name_part_too_long" and err.value.extra["field"] == "name"
    assert "外文姓名（拉丁字母）" in err.value.message and "拼音" not in err.value.message


def test_four_byte_character_counts_four_bytes():
    assert gb18030_len("𠈌") == 4
    assert gb18030_len("张𠈌") == 6
    assert gb18030_len("A·") == 3
    assert validate_name("张𠈌", "01") == "张𠈌"


def test_name_length_is_40_gb18030_bytes_never_cut():
    assert validate_name("张" * 20, "01") == "张" * 20
    err = _name_error("张" * 21, "01")
    assert err.code == "name_too_long"
    assert err.message.startswith("姓名过长：最多40字节（约20个汉字）")
    assert _name_error("张" * 19 + "𠈌", "01").code == "name_too_long"  # 38 + 4 bytes
    assert _name_error("A" * 41, "05").code == "name_too_long"


# --- pinyin -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张小明", ("ZHANG", "XIAOMING")),
        ("欧阳娜娜", ("OUYANG", "NANA")),
        ("单田芳", ("SHAN", "TIANFANG")),
        ("曾小贤", ("ZENG", "XIAOXIAN")),
        ("區小明", ("OU", "XIAOMING")),
        ("尉迟恭", ("YUCHI", "GONG")),
        ("诸葛亮", ("ZHUGE", "LIANG")),
        ("歐陽震華", ("OUYANG", "ZHENHUA")),
        ("朴树", ("PIAO", "SHU")),
        ("吕小龙", ("LYU", "XIAOLONG")),
        ("乾隆", ("QIAN", "LONG")),
        ("迪丽热巴·迪力木拉提", ("DILIREBA", "DILIMULATI")),
        ("JOHN SMITH", ("", "")),
    ],
)
def test_suggest_pinyin(name, expected):
    assert suggest_pinyin(name) == expected


def test_validate_pinyin():
    assert validate_pinyin(" zhang ", 20) == "ZHANG"
    assert validate_pinyin("xiao  ming", 30) == "XIAO MING"
    for value, code in [
        ("", "pinyin_empty"),
        ("zhāng", "pinyin_chars"),
        ("LÜ", "pinyin_chars"),
        ("ZHANG3", "pinyin_chars"),
        ("A" * 21, "pinyin_too_long"),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            validate_pinyin(value, 20)
        assert exc.value.code == code


# --- mobile -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+852 9123 4567", "+85291234567"),
        ("+853-6612-3456", "+85366123456"),
        ("+886 912 345 678", "+886912345678"),
        ("+12025550123", "+12025550123"),
    ],
)
def test_valid_mobiles(raw, expected):
    assert validate_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "+86 1234567",
        "+0123456789",
        "+1234567890123456",
        "+852 9123 456a",
        "8613812345678",
        "(020)12345678",
    ],
)
def test_bad_mobiles(raw):
    with pytest.raises(ValidationFailed) as exc:
        validate_mobile(raw)
    assert exc.value.code == "mobile_format"
    assert exc.value.extra == {"field": "mobile"}
