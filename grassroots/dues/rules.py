"""Dues rules as data, pure Python (no ORM, no request). Source: 《关于中国共产党党费收缴、使用和管理的规定》
(中组发〔2008〕3号), RULES.md §1; 党章第九条, RULES.md §2.

Money: every amount is a Decimal in yuan, rounded to the fen (0.01) with ROUND_HALF_UP, once, at the end of a
computation (`to_fen`). The SQL used for whole months computes the same rule in integer fen:
base_fen × rate_bp (rate in ten-thousandths) + 5000, integer-divided by 10000, which is ROUND_HALF_UP of
base × rate for the non-negative two-decimal bases a declaration accepts. `amount_sql` derives that SQL from the
same band rows `monthly_amount` reads, and the tests compare both at every boundary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from grassroots.dues.choices import BandKind, Category

FEN = Decimal("0.01")
ROUNDING = ROUND_HALF_UP  # stated rounding: half up, to the fen
BASIS = 10000  # rates are stored as whole ten-thousandths (0.5% = 50) so SQL can compute in integers
MAX_BASE = Decimal("9999999.99")


def to_fen(value) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUNDING)


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUNDING))


@dataclass(frozen=True)
class Band:
    """One row of a rate schedule. A RATE band covers bases in (lower, upper] (None = unbounded) and charges
    rate × the whole base; a FIXED band charges `fixed`; a DECLARED band charges the amount the branch set for
    the member, which must lie in [fixed_min, fixed_max]."""

    category: str
    kind: str
    source: str
    lower: Decimal | None = None  # exclusive
    upper: Decimal | None = None  # inclusive ("含3000元")
    rate: Decimal | None = None
    fixed: Decimal | None = None
    fixed_min: Decimal | None = None
    fixed_max: Decimal | None = None

    @property
    def rate_bp(self) -> int:
        return int(self.rate * BASIS)

    def covers(self, base: Decimal) -> bool:
        return (self.lower is None or base > self.lower) and (self.upper is None or base <= self.upper)


D = Decimal
ART2 = "RULES.md §1 第二条"
ART3 = "RULES.md §1 第三条（参照第二条）"
ART4 = "RULES.md §1 第四条（参照第二条）"
ART5 = "RULES.md §1 第五条"
ART6 = "RULES.md §1 第六条"


def _salary_bands(category: str, source: str) -> list[Band]:
    """第二条: ≤3000 → 0.5%; 3000<x≤5000 → 1%; 5000<x≤10000 → 1.5%; >10000 → 2%, on the whole base."""
    return [
        Band(category, BandKind.RATE, source, None, D("3000"), D("0.005")),
        Band(category, BandKind.RATE, source, D("3000"), D("5000"), D("0.01")),
        Band(category, BandKind.RATE, source, D("5000"), D("10000"), D("0.015")),
        Band(category, BandKind.RATE, source, D("10000"), None, D("0.02")),
    ]


# The schedule seeded by migration 0002 (national, from 2008-04-01, the date the 规定 took effect).
SEED_SCHEDULE = {
    "name": "全国党费交纳标准（中组发〔2008〕3号）",
    "decision_ref": "中组发〔2008〕3号《关于中国共产党党费收缴、使用和管理的规定》",
    "effective_from": dt.date(2008, 4, 1),
}
SEED_BANDS: list[Band] = [
    *_salary_bands(Category.ON_THE_JOB, ART2),
    *_salary_bands(Category.ANNUAL_SALARY, ART3),
    *_salary_bands(Category.SELF_EMPLOYED, ART4),
    Band(Category.RETIRED, BandKind.RATE, ART5, None, D("5000"), D("0.005")),
    Band(Category.RETIRED, BandKind.RATE, ART5, D("5000"), None, D("0.01")),
    Band(Category.FARMER, BandKind.DECLARED, ART6, fixed_min=D("0.20"), fixed_max=D("1.00")),
    Band(Category.STUDENT, BandKind.FIXED, ART6, fixed=D("0.20")),
    Band(Category.UNEMPLOYED, BandKind.FIXED, ART6, fixed=D("0.20")),
    Band(Category.RELIEF, BandKind.FIXED, ART6, fixed=D("0.20")),
]
BASE_CATEGORIES = frozenset({Category.ON_THE_JOB, Category.ANNUAL_SALARY, Category.SELF_EMPLOYED, Category.RETIRED})
DECLARED_CATEGORIES = frozenset({Category.FARMER})

# Other rules of the 规定, each with its source.
BACK_PAY_MONTHS = 6  # 第十二条: 补交党费的时间一般不得超过6个月 (older months need a recorded reason)
CENTRE_ONE_OFF = D("1000")  # 第十一条: 自愿一次多交纳1000元以上的党费，全部上缴中央
REMITTANCE_RATE = D("0.05")  # 第十五条: 5% of dues actually paid each year goes to the Centre
REMITTANCE_DUE = (4, 30)  # 第十五条: by the end of April of the following year
WARN_MONTHS = (3, 5)  # the dues board warns at 3 and 5 consecutive unpaid months (before the 6 below)
SELF_WITHDRAWAL_MONTHS = 6  # 第十三条, 党章第九条: 连续6个月不交纳党费 → review list (never automatic)
QUARTER_MONTHS = 3  # 第十二条: 经党支部同意，可以每季度交纳一次


class RuleError(ValueError):
    """A rule refused the input; `field` names the input and the message is Chinese."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from earlier's month to later's month (same month = 0)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def quarter_start(month: dt.date) -> dt.date:
    return dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def parse_month(text: str) -> dt.date:
    """'YYYY-MM' → the first of that month; RuleError otherwise."""
    try:
        year, month = (int(part) for part in str(text).strip().split("-")[:2])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise RuleError("month", _("月份格式应为 YYYY-MM")) from None


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def band_for(bands: list[Band], category: str, base: Decimal | None) -> Band | None:
    for band in bands:
        if band.category != category:
            continue
        if band.kind != BandKind.RATE or (base is not None and band.covers(base)):
            return band
    return None


def monthly_amount(bands: list[Band], category: str, base: Decimal | None = None,
                   fixed_amount: Decimal | None = None) -> Decimal | None:
    """The month's dues by the schedule, or None when the declaration does not meet it (no base, a declared
    amount outside the schedule's limits). Whole amount, not marginal: 3000.00 → 15.00, 3000.01 → 30.00."""
    band = band_for(bands, category, base)
    if band is None:
        return None
    if band.kind == BandKind.RATE:
        return to_fen(base * band.rate)
    if band.kind == BandKind.FIXED:
        return to_fen(band.fixed)
    if fixed_amount is None or not band.fixed_min <= fixed_amount <= band.fixed_max:
        return None
    return to_fen(fixed_amount)


def payable(standard: Decimal, reduction_kind: str | None, reduced_amount: Decimal | None) -> Decimal:
    """第七条: an approved waiver makes the month 0; an approved reduction caps it at the approved amount."""
    if reduction_kind == "waive":
        return D("0.00")
    if reduction_kind == "reduce" and reduced_amount is not None:
        return min(standard, to_fen(reduced_amount))
    return standard


def check_money(value, field: str, label: str, *, allow_zero: bool = True) -> Decimal:
    """A yuan amount with at most two decimals, not negative; RuleError naming the field otherwise."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise RuleError(field, _("%(label)s应为金额（元），如 3500.00") % {"label": label}) from None
    if not amount.is_finite():
        raise RuleError(field, _("%(label)s应为金额（元），如 3500.00") % {"label": label})
    if amount != amount.quantize(FEN):
        raise RuleError(field, _("%(label)s最多保留两位小数（精确到分）") % {"label": label})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise RuleError(field, (_("%(label)s应大于零") if not allow_zero else _("%(label)s不能为负数")) % {"label": label})
    if amount > MAX_BASE:
        raise RuleError(field, _("%(label)s超出可登记的范围") % {"label": label})
    return amount.quantize(FEN)


def self_employed_base(quarter_incomes: list[Decimal]) -> Decimal:
    """第四条: the previous quarter's average monthly net income (three months; a loss counts as 0)."""
    if len(quarter_incomes) != QUARTER_MONTHS:
        raise RuleError("quarter_incomes", _("应填写上季度三个月的纯收入"))
    total = sum((max(D("0"), D(x)) for x in quarter_incomes), D("0"))
    return to_fen(total / QUARTER_MONTHS)


def check_declaration(bands: list[Band], *, category: str, base, fixed_amount, effective_month: dt.date,
                      joined_on: dt.date) -> tuple[Decimal | None, Decimal | None]:
    """Validate a base declaration against a schedule; returns (base, fixed_amount) normalized."""
    if category not in Category.values:
        raise RuleError("category", _("党员类别无效"))
    if effective_month < month_start(joined_on):
        # 第八条: dues start from the month of the 支部大会 admission (joined_on); nothing is owed before it.
        raise RuleError("effective_month", _("生效月份不能早于入党（支部大会通过）的月份"))
    clean_base = clean_fixed = None
    if category in BASE_CATEGORIES:
        if base in (None, ""):
            raise RuleError("base", _("该类别须填写计算基数（税后月收入）"))
        clean_base = check_money(base, "base", _("计算基数"))
    if category in DECLARED_CATEGORIES:
        if fixed_amount in (None, ""):
            raise RuleError("fixed_amount", _("农民党员须由支部确定每月交纳金额"))
        clean_fixed = check_money(fixed_amount, "fixed_amount", _("每月金额"))
        band = band_for(bands, category, None)
        if band is not None and not band.fixed_min <= clean_fixed <= band.fixed_max:
            raise RuleError("fixed_amount", _("农民党员每月交纳%(low)s元至%(high)s元（第六条）") % {
                "low": band.fixed_min, "high": band.fixed_max})
    if monthly_amount(bands, category, clean_base, clean_fixed) is None:
        raise RuleError("category", _("现行标准中没有该类别的交纳规定"))
    return clean_base, clean_fixed


def band_errors(bands: list[Band]) -> dict[str, list[str]]:
    """Why a new schedule's bands cannot be used, by field (``bands``, ``bands.<i>.<field>``); empty when they
    can. A local schedule replaces the national one in its subtree, so it must give every category a rule
    (a category left out would silently owe nothing). Per category: either one FIXED band, one DECLARED band
    (farmers, the branch sets the amount within limits) or RATE bands over the base (only categories that
    declare a base), ordered from the lowest base up and joined end to end — the first from 0, each next one
    from the previous upper limit (exclusive), the last without an upper limit — as 第二条 states them."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    def money(index: int, name: str, label: str, value, *, allow_zero: bool = True) -> None:
        if value is not None:
            try:
                check_money(value, f"bands.{index}.{name}", label, allow_zero=allow_zero)
            except RuleError as exc:
                add(exc.field, exc.message)

    if not bands:
        add("bands", _("至少需要一个交纳档次"))
        return errors
    by_category: dict[str, list[tuple[int, Band]]] = {}
    for i, band in enumerate(bands):
        at = f"bands.{i}"
        if band.category not in Category.values:
            add(f"{at}.category", _("第%(n)s档：党员类别无效") % {"n": i + 1})
            continue
        if not (band.source or "").strip():
            add(f"{at}.source", _("第%(n)s档：请填写依据条款") % {"n": i + 1})
        by_category.setdefault(band.category, []).append((i, band))
        if band.kind == BandKind.RATE:
            if band.category not in BASE_CATEGORIES:
                add(f"{at}.kind", _("第%(n)s档：该类别不申报计算基数，不能按比例计算") % {"n": i + 1})
            if band.rate is None:
                add(f"{at}.rate", _("第%(n)s档：按比例计算的档次须填写比例") % {"n": i + 1})
            elif not D("0") < D(band.rate) <= D("1"):
                add(f"{at}.rate", _("第%(n)s档：比例应大于0且不超过1（如 0.005 即0.5%%）") % {"n": i + 1})
            elif D(band.rate) * BASIS != int(D(band.rate) * BASIS):
                add(f"{at}.rate", _("第%(n)s档：比例最多精确到万分之一") % {"n": i + 1})
            money(i, "lower", _("第%(n)s档基数下限") % {"n": i + 1}, band.lower)
            money(i, "upper", _("第%(n)s档基数上限") % {"n": i + 1}, band.upper)
        elif band.kind == BandKind.FIXED:
            if band.fixed is None:
                add(f"{at}.fixed", _("第%(n)s档：固定金额档次须填写金额") % {"n": i + 1})
            money(i, "fixed", _("第%(n)s档固定金额") % {"n": i + 1}, band.fixed, allow_zero=False)
        elif band.kind == BandKind.DECLARED:
            if band.category not in DECLARED_CATEGORIES:
                add(f"{at}.kind", _("第%(n)s档：只有农民党员由支部在限额内确定金额") % {"n": i + 1})
            if band.fixed_min is None or band.fixed_max is None:
                add(f"{at}.fixed_min", _("第%(n)s档：须填写最低和最高金额") % {"n": i + 1})
            else:
                money(i, "fixed_min", _("第%(n)s档最低金额") % {"n": i + 1}, band.fixed_min, allow_zero=False)
                money(i, "fixed_max", _("第%(n)s档最高金额") % {"n": i + 1}, band.fixed_max, allow_zero=False)
                if D(band.fixed_min) > D(band.fixed_max):
                    add(f"{at}.fixed_max", _("第%(n)s档：最高金额不能低于最低金额") % {"n": i + 1})
        else:
            add(f"{at}.kind", _("第%(n)s档：计算方式无效") % {"n": i + 1})
    missing = [str(Category(c).label) for c in Category.values if c not in by_category]
    if missing:
        add("bands", _("缺少以下党员类别的交纳规定：%(names)s") % {"names": "、".join(missing)})
    for category, rows in by_category.items():
        label = str(Category(category).label)
        kinds = {band.kind for _i, band in rows}
        if len(rows) > 1 and kinds != {BandKind.RATE}:
            add(f"bands.{rows[1][0]}.category",
                _("“%(cat)s”只能有一个固定金额档次，或若干按比例的档次") % {"cat": label})
            continue
        if kinds != {BandKind.RATE}:
            continue
        previous_upper: Decimal | None = None
        for position, (i, band) in enumerate(rows):
            first, last = position == 0, position == len(rows) - 1
            if first and band.lower not in (None, D("0")):
                add(f"bands.{i}.lower", _("“%(cat)s”的第一档应从基数0起（下限留空）") % {"cat": label})
            if not first and (band.lower is None or previous_upper is None or D(band.lower) != previous_upper):
                add(f"bands.{i}.lower", _("“%(cat)s”的档次应按基数从低到高排列、首尾相接：第%(n)s档下限应为上一档的上限%(up)s元") % {
                    "cat": label, "n": i + 1, "up": previous_upper if previous_upper is not None else ""})
            if band.upper is None and not last:
                add(f"bands.{i}.upper", _("“%(cat)s”只有最后一档可以不设上限") % {"cat": label})
            if band.upper is not None and last:
                add(f"bands.{i}.upper", _("“%(cat)s”的最后一档不应设上限（须覆盖所有基数）") % {"cat": label})
            if band.upper is not None and band.lower is not None and D(band.upper) <= D(band.lower):
                add(f"bands.{i}.upper", _("第%(n)s档：基数上限应高于下限") % {"n": i + 1})
            previous_upper = D(band.upper) if band.upper is not None else None
    return errors


def check_payment_months(months: list[dt.date], *, assessed_unpaid: set[dt.date], today: dt.date,
                         back_pay_reason: str) -> None:
    """第十二条 and the absence of 预交 in the 规定: only assessed, unpaid months up to the current month may be
    paid; a month more than 6 months back needs a recorded reason."""
    current = month_start(today)
    if len(set(months)) != len(months):
        raise RuleError("months", _("月份重复"))
    for month in months:
        if month > current:
            raise RuleError("months", _("%(month)s 尚未到期：党费按月交纳，不预交（第十二条）") % {"month": month_label(month)})
        if month not in assessed_unpaid:
            raise RuleError("months", _("%(month)s 没有待交的党费（未核定或已交）") % {"month": month_label(month)})
        if months_between(month, current) > BACK_PAY_MONTHS and not back_pay_reason.strip():
            raise RuleError("back_pay_reason", _("补交超过%(n)s个月（%(month)s）须记录原因（第十二条）") % {
                "n": BACK_PAY_MONTHS, "month": month_label(month)})


def is_centre_one_off(extra: Decimal) -> bool:
    """第十一条: a single voluntary payment of 1000 yuan or more goes in full to the Centre."""
    return extra >= CENTRE_ONE_OFF


def remittance(paid_in_year: Decimal, centre_one_offs: Decimal) -> tuple[Decimal, Decimal]:
    """第十五条 and 第十一条: (5% of ordinary dues paid in the year, the one-offs in full)."""
    return to_fen(paid_in_year * REMITTANCE_RATE), to_fen(centre_one_offs)


def remittance_due(year: int) -> dt.date:
    return dt.date(year + 1, *REMITTANCE_DUE)


def arrears_level(months_unpaid: int) -> str:
    """'' below 3; 'warning' at 3–4; 'danger' at 5; 'review' at 6 and over (the self-withdrawal review list)."""
    if months_unpaid >= SELF_WITHDRAWAL_MONTHS:
        return "review"
    if months_unpaid >= WARN_MONTHS[1]:
        return "danger"
    if months_unpaid >= WARN_MONTHS[0]:
        return "warning"
    return ""


def unpaid_run(months: list[tuple[dt.date, bool]], before: dt.date) -> list[dt.date]:
    """The consecutive unpaid months ending at the last month before `before`. `months` are (month, settled)
    with settled = paid or nothing due; oldest first. A settled month ends the run."""
    run: list[dt.date] = []
    for month, settled in sorted(months):
        if month >= before:
            break
        run = [] if settled else [*run, month]
    return run


# ---- SQL derived from the same bands --------------------------------------------------------------------------

def amount_sql(bands: list[Band], *, category: str, base: str, fixed: str, to_fen) -> str:
    """A SQL CASE giving the month's dues in fen (integer) from the band rows, NULL when none applies.
    `category`, `base` and `fixed` are SQL expressions (yuan, two decimals); `to_fen(expression)` gives the SQL
    of an amount in whole fen. Literals are our own numbers and codes. One arm per category (a simple CASE
    compares the category once, not once per band); inside it the category's bands in their order, the first
    that holds giving the amount, as band_for does. Bounds compare the decimal itself, so the conversion to
    fen is made once, in the arm taken."""
    by_category: dict[str, list[Band]] = {}
    for band in bands:
        by_category.setdefault(band.category.replace("'", ""), []).append(band)
    arms = []
    for code, rows in by_category.items():
        inner = []
        for band in rows:
            if band.kind == BandKind.RATE:
                conditions = [f"{base} IS NOT NULL"]
                if band.lower is not None:
                    conditions.append(f"{base} > {to_fen_literal(band.lower)}")
                if band.upper is not None:
                    conditions.append(f"{base} <= {to_fen_literal(band.upper)}")
                value = f"({to_fen(base)} * {band.rate_bp} + {BASIS // 2}) / {BASIS}"
            elif band.kind == BandKind.FIXED:
                conditions = ["1 = 1"]
                value = str(fen(band.fixed))
            else:
                conditions = [f"{fixed} >= {to_fen_literal(band.fixed_min)}",
                              f"{fixed} <= {to_fen_literal(band.fixed_max)}"]
                value = to_fen(fixed)
            inner.append(f"WHEN {' AND '.join(conditions)} THEN {value}")
        arms.append(f"WHEN '{code}' THEN CASE {' '.join(inner)} END")
    return f"CASE {category} " + " ".join(arms) + " END" if arms else "NULL"


def to_fen_literal(amount: Decimal) -> str:
    """A yuan bound as a SQL decimal literal to the fen (3000 → 3000.00)."""
    return str(to_fen(amount))
