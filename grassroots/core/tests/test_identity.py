import datetime as dt

import pytest

from grassroots.core.identity import IdentityError, id_check_char, make_id_number, parse_id_number, validate_phone
from grassroots.core.masking import mask_id_number, mask_phone

VALID = "11010519491231002X"  # the GB 11643 example


def test_standard_example_is_valid():
    info = parse_id_number(VALID)
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "F"


@pytest.mark.parametrize("raw", ["11010519491231002x", " 110105 19491231002X ", "１１０１０５１９４９１２３１００２Ｘ"])
def test_lowercase_spaces_and_fullwidth_are_accepted(raw):
    assert parse_id_number(raw).number == VALID


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491231002", "18位"),
        ("99010519491231002X", "地址码"),
        ("110105194913310028", "出生日期"),
        ("1101051949123100AX", "数字"),
        ("11010519491231٠٠2X", "数字"),  # Arabic-Indic digits are digits to str.isdigit, not to GB 11643
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw, fragment):
    with pytest.raises(IdentityError, match=fragment):
        parse_id_number(raw)


def test_check_characters_over_every_remainder():
    # Each first-17 below has a different weighted sum mod 11, so every check character is reached once.
    seen = {}
    for n in range(200):
        first17 = f"1101051949123{n:04d}"
        expected = "10X98765432"[sum(int(d) * w for d, w in zip(first17, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11]
        assert id_check_char(first17) == expected
        seen[expected] = first17
    assert len(seen) == 11
    for bad in ("1101051949123100", "110105194912310022", "1101051949123100Ｘ"):
        with pytest.raises(ValueError):
            id_check_char(bad)


def test_check_digit_error_names_the_expected_character():
    with pytest.raises(IdentityError, match="应为X"):
        parse_id_number("110105194912310021")


def test_future_birth_date_is_refused():
    number = make_id_number("410102", dt.date(2030, 1, 1), 11)
    with pytest.raises(IdentityError):
        parse_id_number(number, today=dt.date(2026, 1, 1))


def test_made_numbers_carry_gender_in_sequence():
    assert parse_id_number(make_id_number("410102", dt.date(1990, 2, 3), 11)).gender == "M"
    assert parse_id_number(make_id_number("410102", dt.date(1990, 2, 3), 12)).gender == "F"


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "+8613800138000", "0371-12345678"])
def test_phones_accepted(raw):
    assert validate_phone(raw)


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "abc"])
def test_phones_refused(raw):
    with pytest.raises(IdentityError):
        validate_phone(raw)


def test_masks():
    assert mask_id_number("410102198005170011") == "4101**********0011"
    assert mask_phone("13800138000") == "138****8000"
