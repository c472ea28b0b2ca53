"""Dues rules without a database: every bracket boundary (at, just before, just after) for each category."""

import datetime as dt
from decimal import Decimal as D

import pytest

from grassroots.dues import rules
from grassroots.dues.choices import Category
from grassroots.dues.rules import SEED_BANDS, RuleError, monthly_amount

SALARY = [Category.ON_THE_JOB, Category.ANNUAL_SALARY, Category.SELF_EMPLOYED]

# (base, expected) at, just below and just above every boundary of 第二条, whole amount not marginal.
SALARY_CASES = [
    ("0.00", "0.00"), ("0.01", "0.00"), ("1.00", "0.01"), ("2999.99", "15.00"), ("3000.00", "15.00"),
    ("3000.01", "30.00"), ("4999.99", "50.00"), ("5000.00", "50.00"), ("5000.01", "75.00"),
    ("9999.99", "150.00"), ("10000.00", "150.00"), ("10000.01", "200.00"), ("25000.00", "500.00"),
]
RETIRED_CASES = [("4999.99", "25.00"), ("5000.00", "25.00"), ("5000.01", "50.00"), ("3000.01", "15.00"),
                 ("0.00", "0.00"), ("12000.00", "120.00")]


@pytest.mark.parametrize("category", SALARY)
@pytest.mark.parametrize(("base", "expected"), SALARY_CASES)
def test_salary_brackets_apply_to_the_whole_base(category, base, expected):
    assert monthly_amount(SEED_BANDS, category, D(base)) == D(expected)


@pytest.mark.parametrize(("base", "expected"), RETIRED_CASES)
def test_retiree_brackets(base, expected):
    assert monthly_amount(SEED_BANDS, Category.RETIRED, D(base)) == D(expected)


def test_rounding_is_half_up_to_the_fen():
    assert monthly_amount(SEED_BANDS, Category.ON_THE_JOB, D("1001.00")) == D("5.01")  # 5.005 → 5.01
    assert monthly_amount(SEED_BANDS, Category.ON_THE_JOB, D("1000.90")) == D("5.00")  # 5.0045 → 5.00
    assert monthly_amount(SEED_BANDS, Category.ON_THE_JOB, D("5333.33")) == D("80.00")  # 79.99995 → 80.00
    assert rules.to_fen(D("0.005")) == D("0.01")


@pytest.mark.parametrize("category", [Category.STUDENT, Category.UNEMPLOYED, Category.RELIEF])
def test_fixed_categories_pay_twenty_fen(category):
    assert monthly_amount(SEED_BANDS, category) == D("0.20")
    assert monthly_amount(SEED_BANDS, category, D("8000")) == D("0.20")  # the base does not matter


@pytest.mark.parametrize(("amount", "expected"), [("0.19", None), ("0.20", "0.20"), ("0.50", "0.50"),
                                                  ("1.00", "1.00"), ("1.01", None), (None, None)])
def test_farmers_pay_the_branch_amount_between_twenty_fen_and_one_yuan(amount, expected):
    got = monthly_amount(SEED_BANDS, Category.FARMER, fixed_amount=D(amount) if amount else None)
    assert got == (D(expected) if expected else None)


def test_base_categories_without_a_base_have_no_amount():
    assert monthly_amount(SEED_BANDS, Category.ON_THE_JOB, None) is None


def test_self_employed_base_is_the_previous_quarters_monthly_average():
    assert rules.self_employed_base([D("3000"), D("3000"), D("3000.02")]) == D("3000.01")
    assert rules.self_employed_base([D("-500"), D("3000"), D("3000")]) == D("2000.00")  # a loss counts as 0
    with pytest.raises(RuleError):
        rules.self_employed_base([D("1")])


def test_declaration_checks():
    joined = dt.date(2024, 3, 15)
    ok = rules.check_declaration(SEED_BANDS, category=Category.ON_THE_JOB, base="3500.5", fixed_amount=None,
                                 effective_month=dt.date(2024, 3, 1), joined_on=joined)
    assert ok == (D("3500.50"), None)
    for kwargs, field in [
        ({"category": Category.ON_THE_JOB, "base": None}, "base"),
        ({"category": Category.ON_THE_JOB, "base": "12.345"}, "base"),
        ({"category": Category.ON_THE_JOB, "base": "-1"}, "base"),
        ({"category": Category.ON_THE_JOB, "base": "abc"}, "base"),
        ({"category": Category.FARMER, "fixed_amount": "1.5"}, "fixed_amount"),
        ({"category": Category.FARMER, "fixed_amount": None}, "fixed_amount"),
        ({"category": "nope"}, "category"),
    ]:
        with pytest.raises(RuleError) as err:
            rules.check_declaration(SEED_BANDS, **{"base": None, "fixed_amount": None, **kwargs},
                                    effective_month=dt.date(2024, 3, 1), joined_on=joined)
        assert err.value.field == field
    with pytest.raises(RuleError) as err:  # 第八条: nothing before the admission month
        rules.check_declaration(SEED_BANDS, category=Category.STUDENT, base=None, fixed_amount=None,
                                effective_month=dt.date(2024, 2, 1), joined_on=joined)
    assert err.value.field == "effective_month"


def test_payment_months_no_advance_and_back_pay_limit():
    today = dt.date(2026, 8, 10)
    unpaid = {dt.date(2026, m, 1) for m in range(1, 9)}
    rules.check_payment_months([dt.date(2026, 8, 1)], assessed_unpaid=unpaid, today=today, back_pay_reason="")
    rules.check_payment_months([dt.date(2026, 2, 1)], assessed_unpaid=unpaid, today=today, back_pay_reason="")  # 6 back
    with pytest.raises(RuleError) as err:  # 7 months back needs a reason
        rules.check_payment_months([dt.date(2026, 1, 1)], assessed_unpaid=unpaid, today=today, back_pay_reason="")
    assert err.value.field == "back_pay_reason"
    rules.check_payment_months([dt.date(2026, 1, 1)], assessed_unpaid=unpaid, today=today, back_pay_reason="外出务工")
    with pytest.raises(RuleError):  # no advance payment
        rules.check_payment_months([dt.date(2026, 9, 1)], assessed_unpaid=unpaid | {dt.date(2026, 9, 1)},
                                   today=today, back_pay_reason="")
    with pytest.raises(RuleError):  # not assessed / already paid
        rules.check_payment_months([dt.date(2025, 12, 1)], assessed_unpaid=unpaid, today=today, back_pay_reason="x")


def test_centre_one_off_at_one_thousand():
    assert not rules.is_centre_one_off(D("999.99"))
    assert rules.is_centre_one_off(D("1000.00"))
    assert rules.is_centre_one_off(D("1000.01"))


def test_remittance_five_percent_and_one_offs_in_full():
    assert rules.remittance(D("12345.67"), D("1000")) == (D("617.28"), D("1000.00"))
    assert rules.remittance_due(2026) == dt.date(2027, 4, 30)


@pytest.mark.parametrize(("months", "level"), [(0, ""), (2, ""), (3, "warning"), (4, "warning"), (5, "danger"),
                                               (6, "review"), (9, "review")])
def test_arrears_levels(months, level):
    assert rules.arrears_level(months) == level


def test_unpaid_run_counts_consecutive_months_before_the_current():
    m = [dt.date(2026, i, 1) for i in range(1, 9)]
    history = [(m[0], True), (m[1], False), (m[2], False), (m[3], True), (m[4], False), (m[5], False),
               (m[6], False), (m[7], False)]
    assert rules.unpaid_run(history, dt.date(2026, 8, 1)) == m[4:7]  # August is the current month
    assert rules.unpaid_run(history, dt.date(2026, 9, 1)) == m[4:8]
    assert rules.unpaid_run([(m[0], False), (m[1], True)], dt.date(2026, 9, 1)) == []


def test_month_helpers():
    assert rules.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert rules.months_between(dt.date(2025, 12, 1), dt.date(2026, 6, 1)) == 6
    assert rules.quarter_start(dt.date(2026, 8, 1)) == dt.date(2026, 7, 1)
    assert rules.parse_month("2026-03") == dt.date(2026, 3, 1)
    with pytest.raises(RuleError):
        rules.parse_month("2026/3")


def test_amount_sql_has_one_arm_per_category_and_band():
    sql = rules.amount_sql(SEED_BANDS, category="c", base="b", fixed="f", to_fen=lambda e: f"fen({e})")
    assert sql.startswith("CASE c WHEN 'on_job' THEN CASE WHEN b IS NOT NULL")
    assert sql.count("WHEN") == len(SEED_BANDS) + len({b.category for b in SEED_BANDS})
    assert "b <= 3000.00" in sql and "b > 3000.00" in sql and "(fen(b) * 50 + 5000) / 10000" in sql


# ---- a new schedule's bands (rules.band_errors) ------------------------------------------------------------------

def _replace(category, *bands):
    return [*[b for b in SEED_BANDS if b.category != category], *bands]


def test_the_seeded_national_bands_pass():
    assert rules.band_errors(SEED_BANDS) == {}


def test_bands_must_cover_every_category():
    errors = rules.band_errors([b for b in SEED_BANDS if b.category != Category.STUDENT])
    assert "学生" in errors["bands"][0]
    assert "至少" in rules.band_errors([])["bands"][0]


@pytest.mark.parametrize(("bands", "field", "text"), [
    # out of order: the second band does not start where the first ended
    (_replace(Category.RETIRED, rules.Band(Category.RETIRED, "rate", "x", D("5000"), None, D("0.01")),
              rules.Band(Category.RETIRED, "rate", "x", None, D("5000"), D("0.005"))), "lower", "从低到高"),
    # a gap between 5000 and 6000
    (_replace(Category.RETIRED, rules.Band(Category.RETIRED, "rate", "x", None, D("5000"), D("0.005")),
              rules.Band(Category.RETIRED, "rate", "x", D("6000"), None, D("0.01"))), "lower", "首尾相接"),
    # the last band must cover every base
    (_replace(Category.RETIRED, rules.Band(Category.RETIRED, "rate", "x", None, D("5000"), D("0.005"))), "upper",
     "不应设上限"),
    (_replace(Category.RETIRED, rules.Band(Category.RETIRED, "rate", "x", rate=D("1.5"))), "rate", "不超过1"),
    (_replace(Category.RETIRED, rules.Band(Category.RETIRED, "rate", "x", rate=D("0"))), "rate", "大于0"),
    (_replace(Category.RETIRED, rules.Band(Category.RETIRED, "rate", "x", rate=D("0.00005"))), "rate", "万分之一"),
    (_replace(Category.RETIRED, rules.Band(Category.RETIRED, "rate", "x")), "rate", "须填写比例"),
    (_replace(Category.STUDENT, rules.Band(Category.STUDENT, "rate", "x", rate=D("0.01"))), "kind", "不申报计算基数"),
    (_replace(Category.STUDENT, rules.Band(Category.STUDENT, "fixed", "x", fixed=D("-1"))), "fixed", "应大于零"),
    (_replace(Category.STUDENT, rules.Band(Category.STUDENT, "fixed", "x", fixed=D("0.201"))), "fixed", "两位小数"),
    (_replace(Category.FARMER, rules.Band(Category.FARMER, "declared", "x", fixed_min=D("1"), fixed_max=D("0.2"))),
     "fixed_max", "不能低于"),
    (_replace(Category.STUDENT, rules.Band(Category.STUDENT, "fixed", "", fixed=D("0.2"))), "source", "依据条款"),
])
def test_bad_bands_are_refused_naming_the_field(bands, field, text):
    errors = rules.band_errors(bands)
    keys = [k for k in errors if k.endswith(f".{field}")]
    assert keys, errors
    assert any(text in m for k in keys for m in errors[k]), errors
    assert all(k.startswith("bands.") for k in errors)


def test_a_category_has_one_fixed_band_or_rate_bands_only():
    bands = _replace(Category.STUDENT, rules.Band(Category.STUDENT, "fixed", "x", fixed=D("0.2")),
                     rules.Band(Category.STUDENT, "fixed", "x", fixed=D("0.3")))
    assert "只能有一个" in rules.band_errors(bands)[f"bands.{len(bands) - 1}.category"][0]
