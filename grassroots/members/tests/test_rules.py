import datetime as dt

import pytest

from grassroots.core.identity import make_id_number
from grassroots.members.rules import MemberInput, age_band, birth_range_for_band, check_member, name_initials

TODAY = dt.date(2026, 11, 22)
BIRTH = dt.date(1980, 5, 17)
NUMBER = make_id_number("410102", BIRTH, 11)


def data(**overrides):
    base = dict(name="张三", gender="M", birth_date=BIRTH, id_number=NUMBER, phone="13800138000",
                joined_on=dt.date(2005, 7, 1), confirmed_on=dt.date(2006, 7, 1), status="full")
    return MemberInput(**{**base, **overrides})


def test_valid_member_passes():
    errors, normalized = check_member(data(), TODAY)
    assert errors == {}
    assert normalized["id_number"] == NUMBER


def test_wrong_check_digit_is_an_id_number_error():
    bad = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")
    errors, _ = check_member(data(id_number=bad), TODAY)
    assert "校验位" in errors["id_number"][0]


def test_birth_date_and_gender_must_agree_with_id_number():
    errors, _ = check_member(data(birth_date=dt.date(1980, 5, 18), gender="F"), TODAY)
    assert set(errors) == {"birth_date", "gender"}


@pytest.mark.parametrize(("joined", "ok"), [(dt.date(1998, 5, 16), False), (dt.date(1998, 5, 17), True)])
def test_joining_needs_eighteen_years(joined, ok):
    errors, _ = check_member(data(joined_on=joined, confirmed_on=dt.date(1999, 6, 1)), TODAY)
    assert ("joined_on" not in errors) is ok


@pytest.mark.parametrize(("confirmed", "ok"), [(dt.date(2006, 6, 30), False), (dt.date(2006, 7, 1), True)])
def test_confirmation_after_one_year_probation(confirmed, ok):
    errors, _ = check_member(data(confirmed_on=confirmed), TODAY)
    assert ("confirmed_on" not in errors) is ok


def test_full_member_needs_confirmation_and_probationary_must_not_have_one():
    assert "confirmed_on" in check_member(data(confirmed_on=None), TODAY)[0]
    assert "confirmed_on" in check_member(data(status="probationary"), TODAY)[0]


def test_future_join_refused():
    assert "joined_on" in check_member(data(joined_on=TODAY + dt.timedelta(days=1), confirmed_on=None,
                                            status="probationary"), TODAY)[0]


@pytest.mark.parametrize(
    ("birth", "band"),
    [(dt.date(1990, 11, 23), "le35"), (dt.date(1990, 11, 22), "36_45"), (dt.date(1980, 11, 23), "36_45"),
     (dt.date(1980, 11, 22), "46_60"), (dt.date(1965, 11, 23), "46_60"), (dt.date(1965, 11, 22), "gt60")],
)
def test_age_band_boundaries(birth, band):
    assert age_band(birth, TODAY) == band
    earliest, latest = birth_range_for_band(band, TODAY)
    assert birth <= latest and (earliest is None or birth > earliest)


@pytest.mark.parametrize(("name", "initials"), [("张三", "zs"), ("欧阳娜娜", "oynn"), ("李A", "la")])
def test_pinyin_initials(name, initials):
    assert name_initials(name) == initials


def test_name_initials_agree_with_pypinyin():
    """The fast path gives what pypinyin's own FIRST_LETTER style gives: real names, random characters, phrases
    (polyphonic readings decided by the phrase), mixed scripts and separators."""
    import random

    from pypinyin import Style, lazy_pinyin
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    def reference(name):
        letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
        return "".join(ch.lower() for part in letters for ch in part if ch.isalnum())

    rng = random.Random(20261206)
    chars = [chr(c) for c in pinyin_dict if 0x4E00 <= c <= 0x9FFF]
    phrases = [p for p in phrases_dict if 2 <= len(p) <= 4]
    names = ["张长江", "单于明", "尉迟恭", "曾国藩", "欧阳娜娜", "Ali·买买提", "朴 正熙", "乐嘉", "仇英", "阿", "嗯", "呣"]
    names += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 5))) for _ in range(20000)]
    names += [rng.choice(phrases) + rng.choice(["", "A", "·", "明 ", "x1"]) for _ in range(10000)]
    name_initials.cache_clear()
    assert [n for n in names if name_initials(n) != reference(n)] == []
