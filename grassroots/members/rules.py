"""Member record rules, pure Python. Sources cited beside each rule."""

import datetime as dt
import functools
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pypinyin.phrases_dict import phrases_dict as PHRASES
from pypinyin.pinyin_dict import pinyin_dict as CHARS
from pypinyin.seg.simpleseg import seg

from grassroots.core.identity import IdentityError, parse_id_number, validate_phone
from grassroots.members.choices import AgeBand, MemberStatus
from grassroots.orgs.rules import add_years

MIN_AGE_TO_JOIN = 18  # 党章 第一条: 年满十八岁
PROBATION_YEARS = 1  # 党章 第七条: 预备期为一年

# Age bands of the dashboard (issue 2): ≤35, 36–45, 46–60, >60, as (band, lowest age, highest age).
AGE_BANDS = (
    (AgeBand.UP_TO_35, 0, 35),
    (AgeBand.FROM_36_TO_45, 36, 45),
    (AgeBand.FROM_46_TO_60, 46, 60),
    (AgeBand.OVER_60, 61, 200),
)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(birth: dt.date, day: dt.date) -> str:
    age = age_on(birth, day)
    for band, low, high in AGE_BANDS:
        if low <= age <= high:
            return band
    return AgeBand.OVER_60


def birth_range_for_band(band: str, today: dt.date) -> tuple[dt.date | None, dt.date]:
    """(born after, born on or before) for members whose age today falls in the band."""
    for code, low, high in AGE_BANDS:
        if code == band:
            latest = add_years(today, -low)  # aged at least `low`
            earliest = None if high >= 200 else add_years(today, -(high + 1))  # younger than high + 1
            return earliest, latest
    raise ValueError(band)


@functools.lru_cache(maxsize=8192)  # names repeat less than one would hope: a bigger cache mostly holds memory
def name_initials(name: str) -> str:
    """张三 → zs; letters in a name are kept, other characters dropped. The same result as pypinyin's
    `lazy_pinyin(name, style=Style.FIRST_LETTER)` (its segmentation and phrase readings, then each syllable's
    first letter without its tone), without its style conversion, which cost three quarters of the time: a roster
    import computes it for every row. Compared on 100,000 names and phrases by
    members/tests/test_rules.py::test_name_initials_agree_with_pypinyin."""
    if not _holds_phrase(name):  # most names: each character on its own, as the segmentation would give
        return "".join(ch.lower() for char in name for ch in _char_letter(char) if ch.isalnum())
    letters = []
    for token in seg(name):
        readings = PHRASES.get(token) if len(token) > 1 else None
        if readings:
            letters.extend(_first_letter(reading[0]) for reading in readings)
            continue
        for char in token:
            reading = CHARS.get(ord(char))
            letters.append(_first_letter(reading.split(",", 1)[0]) if reading else char)
    return "".join(ch.lower() for part in letters for ch in part if ch.isalnum())


def _holds_phrase(text: str) -> bool:
    """Does any run of two or more characters form a phrase of the dictionary? If none does, the segmentation
    can only yield tokens read character by character. (Names are short: a few dozen lookups at most.)"""
    return any(text[start:end] in PHRASES for start in range(len(text) - 1) for end in range(start + 2, len(text) + 1))


def _char_letter(char: str) -> str:
    reading = CHARS.get(ord(char))
    return _first_letter(reading.split(",", 1)[0]) if reading else char


@functools.cache
def _first_letter(syllable: str) -> str:
    return unicodedata.normalize("NFKD", syllable)[:1]  # ā → a, ǹg → n


@dataclass
class MemberInput:
    name: str
    gender: str
    birth_date: dt.date | None
    id_number: str
    phone: str
    joined_on: dt.date | None
    confirmed_on: dt.date | None
    status: str


def check_member(data: MemberInput, today: dt.date) -> tuple[dict[str, list[str]], dict]:
    """Returns (field errors, normalized values). The ID number is checked against GB 11643 and must
    agree with the birth date and gender typed beside it."""
    errors: dict[str, list[str]] = {}
    normalized: dict = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    name = (data.name or "").strip()
    if not name:
        add("name", _("请填写姓名"))
    normalized["name"] = name
    try:
        info = parse_id_number(data.id_number, today=today)
    except IdentityError as exc:
        add("id_number", str(exc))
        info = None
    if info is not None:
        normalized["id_number"] = info.number
        if data.birth_date and data.birth_date != info.birth_date:
            add("birth_date", _("出生日期与身份证号不一致（身份证号显示为%(d)s）") % {"d": info.birth_date.isoformat()})
        if data.gender and data.gender != info.gender:
            add("gender", _("性别与身份证号不一致（身份证号第17位显示为%(g)s）") % {"g": _("男") if info.gender == "M" else _("女")})
    if data.phone:
        try:
            normalized["phone"] = validate_phone(data.phone)
        except IdentityError as exc:
            add("phone", str(exc))
    else:
        normalized["phone"] = ""
    birth = data.birth_date or (info.birth_date if info else None)
    if data.joined_on:
        if data.joined_on > today:
            add("joined_on", _("入党日期不能晚于今天"))
        elif birth and age_on(birth, data.joined_on) < MIN_AGE_TO_JOIN:
            add("joined_on", _("入党时应年满十八周岁（党章第一条），按出生日期此时仅%(a)d岁") % {"a": age_on(birth, data.joined_on)})
    if data.status == MemberStatus.FULL:
        if not data.confirmed_on:
            add("confirmed_on", _("正式党员须填写转正日期"))
        elif data.joined_on and data.confirmed_on < add_years(data.joined_on, PROBATION_YEARS):
            add("confirmed_on", _("转正日期应在入党满一年之后（党章第七条：预备期为一年），最早为%(d)s")
                % {"d": add_years(data.joined_on, PROBATION_YEARS).isoformat()})
        elif data.confirmed_on > today:
            add("confirmed_on", _("转正日期不能晚于今天"))
    elif data.status == MemberStatus.PROBATIONARY and data.confirmed_on:
        add("confirmed_on", _("预备党员尚未转正，不应填写转正日期"))
    return errors, normalized
