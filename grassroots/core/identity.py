"""Citizen ID numbers (GB 11643-1999) and phone numbers: parsing and validation, pure Python.

Source: GB 11643-1999 《公民身份号码》: 6-digit address code, 8-digit birth date, 3-digit sequence
(odd = male, even = female), 1 check character computed by ISO 7064 MOD 11-2.
"""

import datetime as dt
import operator
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260 (the first two digits of the address code).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "X"})
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class IdentityError(ValueError):
    pass


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    gender: str  # "M" / "F"


def normalize_id_number(raw: str) -> str:
    return re.sub(r"\s+", "", (raw or "").translate(_FULLWIDTH)).upper()


_DIGIT_OFFSET = ord("0") * sum(ID_WEIGHTS)


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 over 17 ASCII digits (computed on their bytes: an import checks 100,000 numbers)."""
    digits = first17.encode("ascii")  # UnicodeEncodeError (a ValueError) for anything else
    if len(digits) != len(ID_WEIGHTS) or not digits.isdigit():
        raise ValueError("17 digits expected")
    return ID_CHECK_CHARS[(sum(map(operator.mul, digits, ID_WEIGHTS)) - _DIGIT_OFFSET) % 11]


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdInfo:
    number = normalize_id_number(raw)
    if len(number) != 18:
        raise IdentityError(_("身份证号应为18位（当前%(n)d位）") % {"n": len(number)})
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentityError(_("身份证号前17位应为数字，最后一位为数字或X"))
    if number[:2] not in PROVINCE_CODES:
        raise IdentityError(_("身份证号的地址码（前两位%(code)s）不是有效的省级行政区划代码") % {"code": number[:2]})
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdentityError(_("身份证号中的出生日期（第7–14位）不是有效日期")) from exc
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise IdentityError(_("身份证号中的出生日期（第7–14位）不合理"))
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise IdentityError(_("身份证号校验位错误：按GB 11643计算，最后一位应为%(c)s，请核对号码") % {"c": expected})
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, birth_date=birth, gender=gender)


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (used by the demo generator and tests). sequence: 0–999; odd = male."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def normalize_phone(raw: str) -> str:
    return re.sub(r"[\s\-()（）]", "", (raw or "").translate(_FULLWIDTH)).removeprefix("+86")


def validate_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(raw.strip()):
        return phone
    raise IdentityError(_("电话号码格式不正确：手机号应为1开头的11位数字，固话如 0371-12345678"))
