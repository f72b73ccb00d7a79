"""Real-name identity rules: ID numbers, names, pinyin and mobile numbers.

Pure functions, no models. Each ``validate_*`` returns the normalised value or raises
``ValidationFailed`` with a stable ``code`` and a Chinese message that says exactly what is
wrong and what to do. Messages and ``extra`` never hold a full ID number or mobile number.

What is normalised silently (the manual's common failure causes): every kind of whitespace
in ID numbers and between the characters of a Chinese name (``张 三`` is ``张三``; a name in
Latin letters keeps single spaces between its parts), full-width digits and letters, a lower-case ``x`` (and lower-case permit/passport letters),
the parentheses of an old Taiwan compatriot permit, the look-alikes of the middle dot.
Everything else is refused, never guessed.

ID type rules:

* ``01`` mainland resident ID (GB 11643-1999): 18 characters, 17 digits and a digit or
  ``X``; ISO 7064 MOD 11-2 check digit; birth date ``YYYYMMDD`` real, year ≥ 1900, not in
  the future; the first two digits one of the 31 mainland province-level codes of
  GB/T 2260. ``71`` (Taiwan) and ``81``/``82``/``83`` are refused: no mainland card
  carries them, and ``81``/``82``/``83`` are what a residence permit (type ``04``) starts with.
* ``04`` Hong Kong/Macau/Taiwan residence permit: as ``01`` but starting ``810000`` (Hong
  Kong), ``820000`` (Macau) or ``830000`` (Taiwan).
* ``02`` Hong Kong/Macau home-return permit: ``H``/``M`` and 8 digits (card since 2013),
  or ``H``/``M`` and 10 digits (older booklet, still in some records).
* ``03`` Taiwan compatriot permit: 8 digits (card since 2015); the older booklet's number,
  8 digits followed by 1–2 check characters written in parentheses (``12345678(B)``), is
  accepted and stored without the parentheses (``12345678B``).
* ``05`` foreign passport: 5–20 letters and digits.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ValidationFailed
from core.masking import mask_id_number

__all__ = [
    "MAINLAND_PROVINCE_CODES",
    "RESIDENCE_PERMIT_PREFIXES",
    "IdType",
    "derive_birth_and_gender",
    "gb11643_check_digit",
    "gb18030_len",
    "is_latin_name",
    "make_mainland_id",
    "make_residence_permit",
    "name_pinyin_fields",
    "nationality_for",
    "normalize_id_number",
    "suggest_pinyin",
    "validate_id_number",
    "validate_mobile",
    "validate_name",
    "validate_pinyin",
]

_SHANGHAI = ZoneInfo("Asia/Shanghai")


class IdType(models.TextChoices):
    MAINLAND_ID = "01", gettext_lazy("居民身份证")
    HK_MACAU_PERMIT = "02", gettext_lazy("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "03", gettext_lazy("台湾居民来往大陆通行证")
    RESIDENCE_PERMIT = "04", gettext_lazy("港澳台居民居住证")
    FOREIGN_PASSPORT = "05", gettext_lazy("外国护照")


# GB/T 2260 province-level codes of the 31 mainland provinces, regions and municipalities.
MAINLAND_PROVINCE_CODES: frozenset[str] = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {"31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46"}
    | {"50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65"}
)
RESIDENCE_PERMIT_PREFIXES: dict[str, str] = {"810000": "HKG", "820000": "MAC", "830000": "TWN"}

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"

_GB18030_NAME_BYTES = 40

# --- helpers --------------------------------------------------------------------------------


def gb18030_len(s: str) -> int:
    """Length of ``s`` in GB18030 bytes (a character is 1, 2 or 4 bytes).

    Raises ``UnicodeEncodeError`` for a string GB18030 cannot encode (a lone surrogate).
    """
    return len(s.encode("gb18030"))


def gb11643_check_digit(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for 17 digits: ``0``–``9`` or ``X``."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _id_type(id_type: str) -> IdType:
    try:
        return IdType(str(id_type))
    except ValueError:
        raise ValidationFailed(
            _("请选择有效的证件类型"), code="id_type", extra={"field": "id_type"}
        ) from None


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalize_id_number(id_type: str, raw: str | None) -> str:
    """Canonical form of an ID number, without judging it; never raises.

    Removes all whitespace (also U+3000) and zero-width characters, turns full-width digits,
    letters and parentheses into ASCII, upper-cases letters, and for a Taiwan compatriot
    permit (``03``) drops the parentheses around the old booklet's check characters.
    """
    if not raw:
        return ""
    value = unicodedata.normalize("NFKC", str(raw)).translate(_INVISIBLE)
    value = "".join(value.split()).upper()
    if str(id_type) == IdType.TAIWAN_PERMIT:
        value = value.replace("(", "").replace(")", "")
    return value


def _id_error(message: str, code: str, id_type: str, number: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(
        message,
        code=code,
        extra={
            "field": "id_number",
            "id_type": str(id_type),
            "masked": mask_id_number(number),
            **extra,
        },
    )


def _lookalike_hint(ch: str) -> str:
    if ch == "O":
        return _("（是否把数字 0 输成了字母 O？）")
    if ch in ("I", "L"):
        return _("（是否把数字 1 输成了字母 %(ch)s？）") % {"ch": ch}
    return ""


def _today(today: dt.date | None) -> dt.date:
    return today if today is not None else dt.datetime.now(_SHANGHAI).date()


def _check_18(id_type: IdType, number: str, today: dt.date) -> None:
    """Rules shared by the mainland ID (01) and the residence permit (04)."""
    label = _("身份证号码") if id_type == IdType.MAINLAND_ID else _("居住证号码")
    if len(number) != 18:
        if id_type == IdType.MAINLAND_ID and len(number) == 15 and number.isdigit():
            message = _(
                "身份证号码应为18位，您输入了15位：15位的旧号码已停止使用，请输入新的18位号码"
            )
        else:
            message = _("%(label)s应为18位，您输入了%(n)d位") % {"label": label, "n": len(number)}
        raise _id_error(
            message, "id_length", id_type, number, expected_length=18, actual_length=len(number)
        )
    for pos, ch in enumerate(number, start=1):
        if pos < 18 and not ("0" <= ch <= "9"):
            raise _id_error(
                _("%(label)s第%(pos)d位「%(ch)s」不是数字：前17位只能是数字%(hint)s")
                % {"label": label, "pos": pos, "ch": ch, "hint": _lookalike_hint(ch)},
                "id_chars",
                id_type,
                number,
                position=pos,
            )
        if pos == 18 and not ("0" <= ch <= "9" or ch == "X"):
            raise _id_error(
                _("%(label)s最后一位只能是数字或字母 X，您输入了「%(ch)s」%(hint)s")
                % {"label": label, "ch": ch, "hint": _lookalike_hint(ch)},
                "id_chars",
                id_type,
                number,
                position=pos,
            )

    if id_type == IdType.MAINLAND_ID:
        province = number[:2]
        if province in ("81", "82", "83"):
            raise _id_error(
                _(
                    "以 %(code)s 开头的是港澳台居民居住证号码，不是居民身份证号码："
                    "请把证件类型改为“港澳台居民居住证”"
                )
                % {"code": number[:6]},
                "id_province",
                id_type,
                number,
                province_code=province,
                suggested_id_type=IdType.RESIDENCE_PERMIT.value,
            )
        if province not in MAINLAND_PROVINCE_CODES:
            raise _id_error(
                _("省份代码 %(code)s 不存在：身份证号码前两位应为省份代码（如广东为 44），请核对")
                % {"code": province},
                "id_province",
                id_type,
                number,
                province_code=province,
            )
    elif number[:6] not in RESIDENCE_PERMIT_PREFIXES:
        suggest: dict[str, Any] = {}
        message = _("港澳台居民居住证号码应以 810000（香港）、820000（澳门）或 830000（台湾）开头")
        if number[:2] in MAINLAND_PROVINCE_CODES:
            message += _("；这像是居民身份证号码，请把证件类型改为“居民身份证”")
            suggest = {"suggested_id_type": IdType.MAINLAND_ID.value}
        raise _id_error(message, "id_permit_prefix", id_type, number, **suggest)

    digits = number[6:14]
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1900:
        raise _id_error(
            _("出生日期 %(date)s 不存在：第7–14位应为真实的出生日期（年月日），请核对")
            % {"date": digits},
            "id_birth_date",
            id_type,
            number,
        )
    if birth > today:
        raise _id_error(
            _("出生日期 %(date)s 晚于今天：第7–14位应为出生日期，请核对") % {"date": digits},
            "id_future_birth",
            id_type,
            number,
        )

    expected = gb11643_check_digit(number[:17])
    if number[17] != expected:
        raise _id_error(
            _(
                "%(label)s校验位错误：按前17位计算，最后一位应为 %(expected)s，您输入的是 "
                "%(actual)s。前17位中任何一位输错也会导致此错误，请对照证件逐位核对"
            )
            % {"label": label, "expected": expected, "actual": number[17]},
            "id_check_digit",
            id_type,
            number,
            expected_check_digit=expected,
        )


_HK_MACAU_RE = re.compile(r"[HM](\d{8}|\d{10})")
_TAIWAN_RE = re.compile(r"\d{8}([0-9A-Z]{1,2})?")
_PASSPORT_RE = re.compile(r"[A-Z0-9]{5,20}")


def _looks_like_residence_permit(number: str) -> bool:
    return len(number) == 18 and number[:6] in RESIDENCE_PERMIT_PREFIXES


def validate_id_number(id_type: str, raw: str | None, *, today: dt.date | None = None) -> str:
    """Normalise and check an ID number for its type; return it or raise ``ValidationFailed``."""
    kind = _id_type(id_type)
    number = normalize_id_number(kind, raw)
    if not number:
        raise _id_error(_("请填写证件号码"), "id_empty", kind, number)

    if kind in (IdType.MAINLAND_ID, IdType.RESIDENCE_PERMIT):
        _check_18(kind, number, _today(today))
        return number

    permit_hint = ""
    permit_extra: dict[str, Any] = {}
    if _looks_like_residence_permit(number):
        permit_hint = _("；您输入的像是港澳台居民居住证号码，请把证件类型改为“港澳台居民居住证”")
        permit_extra = {"suggested_id_type": IdType.RESIDENCE_PERMIT.value}

    if kind == IdType.HK_MACAU_PERMIT:
        if number[0] not in "HM":
            raise _id_error(
                _("港澳居民来往内地通行证号码应以字母 H（香港）或 M（澳门）开头") + permit_hint,
                "id_permit_prefix",
                kind,
                number,
                **permit_extra,
            )
        if not _HK_MACAU_RE.fullmatch(number):
            raise _id_error(
                _(
                    "港澳居民来往内地通行证号码格式不对：应为 H 或 M 加8位数字"
                    "（旧版证件为10位数字），您输入了%(n)d位"
                )
                % {"n": len(number)},
                "id_permit_format",
                kind,
                number,
            )
        return number

    if kind == IdType.TAIWAN_PERMIT:
        if not _TAIWAN_RE.fullmatch(number):
            raise _id_error(
                _(
                    "台湾居民来往大陆通行证号码格式不对：应为8位数字"
                    "（旧版证件为8位数字加括号内的1–2位校验码，如 12345678(B)）"
                )
                + permit_hint,
                "id_permit_format",
                kind,
                number,
                **permit_extra,
            )
        return number

    # Foreign passport.
    if not _PASSPORT_RE.fullmatch(number):
        raise _id_error(
            _("护照号码应为5–20位英文字母或数字，不含空格和符号，您输入了%(n)d位")
            % {"n": len(number)},
            "id_passport_format",
            kind,
            number,
        )
    return number


def derive_birth_and_gender(
    id_type: str, number: str, *, today: dt.date | None = None
) -> tuple[dt.date, str] | None:
    """Birth date and gender (``M``/``F``) read from an 18-character ID (types 01 and 04).

    ``None`` for the other types, which carry neither. The number is validated first.
    """
    kind = _id_type(id_type)
    if kind not in (IdType.MAINLAND_ID, IdType.RESIDENCE_PERMIT):
        return None
    clean = validate_id_number(kind, number, today=today)
    birth = dt.date(int(clean[6:10]), int(clean[10:12]), int(clean[12:14]))
    return birth, ("M" if int(clean[16]) % 2 == 1 else "F")


def nationality_for(id_type: str, number: str) -> str | None:
    """ISO 3166-1 alpha-3 implied by the ID; ``None`` for a foreign passport (ask for it)."""
    kind = _id_type(id_type)
    clean = normalize_id_number(kind, number)
    if kind == IdType.MAINLAND_ID:
        return "CHN"
    if kind == IdType.RESIDENCE_PERMIT:
        return RESIDENCE_PERMIT_PREFIXES.get(clean[:6])
    if kind == IdType.HK_MACAU_PERMIT:
        if clean.startswith("H"):
            return "HKG"
        if clean.startswith("M"):
            return "MAC"
        return None
    if kind == IdType.TAIWAN_PERMIT:
        return "TWN"
    return None


# --- generators for tests and demo data -------------------------------------------------------


def _make_18(prefix6: str, birth: dt.date, seq: int, male: bool) -> str:
    if len(prefix6) != 6 or not prefix6.isdigit():
        raise ValueError("prefix must be 6 digits")
    if not 0 <= seq <= 999:
        raise ValueError("seq must be 0–999")
    # The last digit of the order code is the gender digit (odd = male); flip it if needed.
    if (seq % 2 == 1) != male:
        seq ^= 1
    first17 = f"{prefix6}{birth:%Y%m%d}{seq:03d}"
    return first17 + gb11643_check_digit(first17)


def make_mainland_id(
    province_city: str = "440103",
    birth: dt.date = dt.date(1990, 1, 1),
    seq: int = 123,
    male: bool = True,
) -> str:
    """A well-formed mainland ID for tests and demo data (``seq``'s parity follows ``male``)."""
    return _make_18(province_city, birth, seq, male)


def make_residence_permit(
    region: str = "810000",
    birth: dt.date = dt.date(1990, 1, 1),
    seq: int = 123,
    male: bool = True,
) -> str:
    """A well-formed Hong Kong (810000), Macau (820000) or Taiwan (830000) residence permit."""
    if region not in RESIDENCE_PERMIT_PREFIXES:
        raise ValueError("region must be 810000, 820000 or 830000")
    return _make_18(region, birth, seq, male)


# --- names ------------------------------------------------------------------------------------

MIDDLE_DOT = "\u00b7"
# Look-alikes people type for the separator in minority and transliterated foreign names.
_DOT_VARIANTS = dict.fromkeys(map(ord, "\u2022\u30fb\uff65\u2027\u2219\u22c5\u0387"), MIDDLE_DOT)

# Characters OpenCC's t2s rewrites that are nonetheless standard characters in the mainland's
# 通用规范汉字表 (2013), several of them restored for names: 乾 (乾坤), 於 (surname), 甯 麴
# (surnames), 昇 陞 甦 蒐 氾 (names), 徵 (zhǐ), 夥 吒 麽 菸 薹. A mainland ID may carry them.
_STANDARD_IN_MAINLAND = frozenset("乾於甯麴昇陞甦蒐氾徵夥吒麽菸薹")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def _is_cjk_ideograph(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")


def _name_error(message: str, code: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, code=code, extra={"field": "name", **extra})


def _traditional_characters(name: str) -> list[tuple[int, str, str]]:
    t2s = _t2s()
    found = []
    for pos, ch in enumerate(name, start=1):
        if ch == MIDDLE_DOT or ch in _STANDARD_IN_MAINLAND:
            continue
        simplified = t2s.convert(ch)
        if simplified != ch:
            found.append((pos, ch, simplified))
    return found


def _check_gb18030(name: str) -> None:
    for pos, ch in enumerate(name, start=1):
        try:
            ch.encode("gb18030")
        except UnicodeEncodeError:
            raise _name_error(
                _("姓名第%(pos)d个字符无法被银行系统识别（GB18030 不能编码），请重新输入")
                % {"pos": pos},
                "name_encoding",
                position=pos,
            ) from None


def _check_length(name: str) -> None:
    size = gb18030_len(name)
    if size > _GB18030_NAME_BYTES:
        raise _name_error(
            _("姓名过长：最多40字节（约20个汉字），您的姓名有%(n)d字节") % {"n": size},
            "name_too_long",
            max_bytes=_GB18030_NAME_BYTES,
            actual_bytes=size,
        )


def _validate_chinese_name(name: str, id_type: IdType) -> str:
    # Spaces between Chinese characters are a typing habit, not part of the name (product.md:
    # strip them); parts of a minority or foreign name in Chinese are joined by the dot.
    name = "".join(name.split())
    for pos, ch in enumerate(name, start=1):
        if ch.isdigit():
            raise _name_error(
                _("姓名不能包含数字（第%(pos)d个字符）") % {"pos": pos},
                "name_digits",
                position=pos,
            )
        if ch != MIDDLE_DOT and not _is_cjk_ideograph(ch):
            raise _name_error(
                _("姓名第%(pos)d个字符「%(ch)s」不是汉字：姓名只能包含汉字和间隔号「·」")
                % {"pos": pos, "ch": ch},
                "name_chars",
                position=pos,
            )
    if name.startswith(MIDDLE_DOT) or name.endswith(MIDDLE_DOT) or MIDDLE_DOT * 2 in name:
        raise _name_error(
            _("间隔号「·」只能用在两段姓名之间，不能在开头、结尾或连续使用"), "name_dot"
        )
    if id_type == IdType.MAINLAND_ID:
        found = _traditional_characters(name)
        if found:
            parts = [
                _("「%(t)s」是繁体字，请改为简体「%(s)s」") % {"t": t, "s": s} for _p, t, s in found
            ]
            raise _name_error(
                _("姓名中的") + "；".join(parts),
                "name_traditional",
                characters=[{"position": p, "char": t, "simplified": s} for p, t, s in found],
            )
    _check_length(name)
    return name


def _validate_latin_name(name: str) -> str:
    name = " ".join(name.split()).upper()
    for pos, ch in enumerate(name, start=1):
        if ch.isdigit():
            raise _name_error(
                _("姓名不能包含数字（第%(pos)d个字符）") % {"pos": pos},
                "name_digits",
                position=pos,
            )
        if not (ch == " " or "A" <= ch <= "Z"):
            raise _name_error(
                _(
                    "外文姓名只能包含英文字母和空格（第%(pos)d个字符「%(ch)s」不行）："
                    "请按护照机读区的写法填写，连字符和撇号改为空格，去掉重音符号"
                )
                % {"pos": pos, "ch": ch},
                "name_chars",
                position=pos,
            )
    _check_length(name)
    return name


def validate_name(name: str | None, id_type: str) -> str:
    """Check a real name against its ID type; return it normalised or raise ``ValidationFailed``.

    Chinese names: ideographs and the middle dot ``·`` only; for a mainland ID (``01``) no
    traditional characters (each one is named with its simplified form). Foreign passports
    (``05``): Latin letters and single spaces, upper-cased — or a Chinese name, as for
    ``02``–``04``. At most 40 GB18030 bytes; a long name is refused, never cut.
    """
    kind = _id_type(id_type)
    value = unicodedata.normalize("NFKC", name or "").translate(_INVISIBLE)
    value = value.translate(_DOT_VARIANTS).strip()
    if not value:
        raise _name_error(_("请填写姓名"), "name_empty")
    _check_gb18030(value)
    if kind == IdType.FOREIGN_PASSPORT and not any(_is_cjk_ideograph(c) for c in value):
        return _validate_latin_name(value)
    return _validate_chinese_name(value, kind)


# --- pinyin -----------------------------------------------------------------------------------

# Compound surnames, with their surname readings (traditional forms are looked up through t2s).
_COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "OUYANG",
    "司马": "SIMA",
    "诸葛": "ZHUGE",
    "上官": "SHANGGUAN",
    "东方": "DONGFANG",
    "皇甫": "HUANGFU",
    "尉迟": "YUCHI",
    "公孙": "GONGSUN",
    "慕容": "MURONG",
    "长孙": "ZHANGSUN",
    "宇文": "YUWEN",
    "司徒": "SITU",
    "夏侯": "XIAHOU",
    "轩辕": "XUANYUAN",
    "令狐": "LINGHU",
    "端木": "DUANMU",
    "万俟": "MOQI",
    "澹台": "TANTAI",
    "钟离": "ZHONGLI",
    "闻人": "WENREN",
    "赫连": "HELIAN",
    "呼延": "HUYAN",
    "申屠": "SHENTU",
    "淳于": "CHUNYU",
    "濮阳": "PUYANG",
    "公冶": "GONGYE",
    "太叔": "TAISHU",
    "宗政": "ZONGZHENG",
    "南宫": "NANGONG",
    "西门": "XIMEN",
    "司空": "SIKONG",
    "独孤": "DUGU",
    "拓跋": "TUOBA",
    "左丘": "ZUOQIU",
    "东郭": "DONGGUO",
    "公羊": "GONGYANG",
    "乐正": "YUEZHENG",
    "漆雕": "QIDIAO",
    "亓官": "QIGUAN",
    "司寇": "SIKOU",
    "巫马": "WUMA",
    "谷梁": "GULIANG",
}

# Single-character surnames whose surname reading differs from the everyday one.
_SURNAME_READINGS: dict[str, str] = {
    "单": "SHAN",
    "曾": "ZENG",
    "解": "XIE",
    "仇": "QIU",
    "区": "OU",
    "查": "ZHA",
    "朴": "PIAO",
    "盖": "GE",
    "乐": "YUE",
    "尉": "WEI",
    "覃": "QIN",
    "缪": "MIAO",
    "翟": "ZHAI",
    "种": "CHONG",
    "秘": "BI",
    "繁": "PO",
    "员": "YUN",
    "召": "SHAO",
    "能": "NAI",
    "宓": "MI",
    "隗": "WEI",
    "过": "GUO",
    "纪": "JI",
    "燕": "YAN",
    "冼": "XIAN",
    "黑": "HE",
    "牟": "MU",
    "逄": "PANG",
    "句": "GOU",
    "朝": "CHAO",
    "厍": "SHE",
    "乜": "NIE",
    "柏": "BAI",
    "葛": "GE",
    "重": "CHONG",
    "都": "DU",
    "长": "CHANG",
    "藏": "ZANG",
    "薄": "BO",
    "折": "SHE",
    "佴": "NAI",
    "谌": "CHEN",
    "阚": "KAN",
    "訾": "ZI",
    "啜": "CHUAI",
    "沈": "SHEN",
    "任": "REN",
    "华": "HUA",
    "相": "XIANG",
    "石": "SHI",
    "车": "CHE",
    "贾": "JIA",
    "蔚": "YU",
    "祭": "ZHAI",
    "莘": "SHEN",
    "郇": "HUAN",
    "殷": "YIN",
    "便": "PIAN",
    "万": "WAN",
    "叶": "YE",
    "于": "YU",
}


def _syllables(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    # ü is written YU, as in Chinese passports (吕 → LYU); unknown characters are left out:
    # this is a suggestion the volunteer confirms or corrects.
    out = lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
    return "".join(s.replace("v", "yu").replace("ü", "yu") for s in out).upper()


def suggest_pinyin(name: str) -> tuple[str, str]:
    """Suggested (surname, given name) pinyin for a Chinese name, upper case, no tones.

    Compound surnames (欧阳 → OUYANG) and surname readings (单 → SHAN, 曾 → ZENG) are
    respected; the given name's syllables are joined (张小明 → ``("ZHANG", "XIAOMING")``).
    A name with ``·`` takes its first part as the surname and the rest, space-separated, as
    the given name. ``("", "")`` for a name without Chinese characters. Widths are not checked.
    """
    value = unicodedata.normalize("NFKC", name or "").translate(_DOT_VARIANTS)
    value = "".join(value.split())
    if not any(_is_cjk_ideograph(c) for c in value):
        return "", ""
    if MIDDLE_DOT in value:
        parts = [p for p in value.split(MIDDLE_DOT) if p]
        return _syllables(parts[0]), " ".join(_syllables(p) for p in parts[1:])
    t2s = _t2s()
    if len(value) > 2:
        reading = _COMPOUND_SURNAMES.get(t2s.convert(value[:2]))
        if reading:
            return reading, _syllables(value[2:])
    first = value[0]
    reading = _SURNAME_READINGS.get(first) or _SURNAME_READINGS.get(t2s.convert(first))
    if first in _STANDARD_IN_MAINLAND:
        reading = None  # 乾 is QIAN, not 干 GAN: read it as written
    return reading or _syllables(first), _syllables(value[1:])


def is_latin_name(name: str) -> bool:
    """A name written in Latin letters (a foreign passport's), not in Chinese characters."""
    return not any(_is_cjk_ideograph(c) for c in name)


def name_pinyin_fields(
    name: str, *, surname_pinyin: str | None = None, given_pinyin: str | None = None
) -> tuple[str, str]:
    """The card's surname and given-name fields (APPLY ``surname_pinyin`` A 20 and
    ``given_pinyin`` A 30) for an already validated ``name``.

    What the volunteer typed is checked as typed, and an error names that field. Otherwise
    a Chinese name gets its suggested pinyin, and a name in Latin letters (a foreign
    passport) is split at its first space (the surname, then the rest; a one-part name is
    both). A Latin part too long for its field is an error of the name itself, which the
    volunteer filled in, never of a pinyin field they did not see."""
    latin = is_latin_name(name)
    if latin:
        first, _sep, rest = name.partition(" ")
        suggested = (first, rest or first)
    else:
        surname, given = suggest_pinyin(name)
        suggested = (surname, given or surname)  # a one-character name: both are its pinyin
    out = []
    parts = (
        (surname_pinyin, suggested[0], 20, "surname_pinyin", _("姓")),
        (given_pinyin, suggested[1], 30, "given_pinyin", _("名")),
    )
    for typed, derived, width, field, part in parts:
        if typed and typed.strip():
            out.append(validate_pinyin(typed, width, field=field))
            continue
        if latin and len(derived) > width:
            raise _name_error(
                _(
                    "外文姓名（拉丁字母）中的%(part)s「%(value)s」有%(n)d个字母，银行卡最多%(max)d个："
                    "请按护照机读区的写法填写姓名，或另行填写%(part)s的拼写"
                )
                % {"part": part, "value": derived, "n": len(derived), "max": width},
                "name_part_too_long",
                part=field,
                max_length=width,
                actual_length=len(derived),
            )
        out.append(validate_pinyin(derived, width, field=field))
    return out[0], out[1]


def validate_pinyin(value: str | None, width: int, *, field: str = "pinyin") -> str:
    """Upper-case A–Z and single spaces, at most ``width`` characters; refused, never cut."""
    clean = " ".join(unicodedata.normalize("NFKC", value or "").split()).upper()
    if not clean:
        raise ValidationFailed(_("请填写姓名拼音"), code="pinyin_empty", extra={"field": field})
    for pos, ch in enumerate(clean, start=1):
        if not (ch == " " or "A" <= ch <= "Z"):
            raise ValidationFailed(
                _(
                    "拼音只能包含英文字母和空格，第%(pos)d个字符「%(ch)s」不行："
                    "不要带声调，ü 请写作 YU"
                )
                % {"pos": pos, "ch": ch},
                code="pinyin_chars",
                extra={"field": field, "position": pos},
            )
    if len(clean) > width:
        raise ValidationFailed(
            _("拼音过长：最多%(max)d个字母（含空格），您输入了%(n)d个")
            % {"max": width, "n": len(clean)},
            code="pinyin_too_long",
            extra={"field": field, "max_length": width, "actual_length": len(clean)},
        )
    return clean


# --- mobile -----------------------------------------------------------------------------------

_MAINLAND_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_INTL_MOBILE_RE = re.compile(r"\+[1-9]\d{6,13}")


def validate_mobile(raw: str | None) -> str:
    """A mainland mobile (11 digits, ``1[3-9]…``) or ``+`` country code and number (≤ 15).

    Spaces and hyphens are removed; ``+86`` before a mainland number is dropped.
    """
    value = unicodedata.normalize("NFKC", raw or "").translate(_INVISIBLE)
    value = re.sub(r"[\s\-\u2010-\u2015]", "", value)
    if value.startswith("+86") and _MAINLAND_MOBILE_RE.fullmatch(value[3:]):
        return value[3:]
    if _MAINLAND_MOBILE_RE.fullmatch(value):
        return value
    if value.startswith("+") and not value.startswith("+86") and _INTL_MOBILE_RE.fullmatch(value):
        return value
    if not value:
        message = _("请填写手机号码")
    elif value.startswith("+86"):
        message = _("+86 之后应为11位内地手机号码，以13–19开头")
    elif value.startswith("+"):
        message = _(
            "境外手机号码应为“+”加国家或地区代码和号码，只含数字，总长不超过15位，例如 +85291234567"
        )
    elif value.isdigit() and value.startswith("1"):
        message = _("内地手机号码应为11位数字，以13–19开头，您输入了%(n)d位") % {"n": len(value)}
    else:
        message = _(
            "手机号码格式不对：内地号码为11位数字，以13–19开头；境外号码请以“+”加国家或地区代码开头"
        )
    raise ValidationFailed(message, code="mobile_format", extra={"field": "mobile"})
