"""Rules on how organizations are set up (RULES.md §4, §5), as data with their sources, and the warnings
they raise. Pure Python: no ORM, no request."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from grassroots.orgs.choices import VILLAGE_SECTORS, OrgForm, OrgKind, OrgSector


@dataclass(frozen=True)
class Rule:
    code: str
    value: int
    source: str


BRANCH_MIN_FULL_MEMBERS = Rule("branch_min_full", 3, "《中国共产党支部工作条例（试行）》第四条、第五条")
BRANCH_MAX_MEMBERS = Rule("branch_max_members", 50, "《中国共产党支部工作条例（试行）》第四条")
JOINT_MAX_UNITS = Rule("joint_max_units", 5, "《中国共产党支部工作条例（试行）》第五条")
COMMITTEE_REQUIRED_FROM = Rule("committee_required", 7, "《中国共产党支部工作条例（试行）》第二十条")
COMMITTEE_MIN_SIZE = Rule("committee_min", 3, "《中国共产党支部工作条例（试行）》第二十条")
COMMITTEE_MAX_SIZE = Rule("committee_max", 7, "《中国共产党支部工作条例（试行）》第二十条")
TERM_VILLAGE_YEARS = Rule("term_village", 5, "《中国共产党支部工作条例（试行）》第二十一条；《中国共产党农村基层组织工作条例》")
TERM_TOWNSHIP_YEARS = Rule("term_township", 5, "《中国共产党农村基层组织工作条例》（乡镇党委每届任期5年）")
TERM_COMMITTEE_YEARS = Rule("term_committee", 5, "《中国共产党党和国家机关基层组织工作条例》（基层委员会每届任期一般5年）；党章第三十一条（三至五年）")
TERM_OTHER_YEARS = Rule("term_other", 3, "《中国共产党支部工作条例（试行）》第二十一条（其他基层单位一般每届任期3年）")
TERM_REMINDER_MONTHS = Rule("term_reminder", 6, "上级党组织一般提前六个月提醒换届（RULES.md §4，来源待核实）")
COMMITTEE_USUAL_MAX_SIZE = Rule("committee_usual_max", 5, "《中国共产党支部工作条例（试行）》第二十条（由3至5人组成）")
SMALL_BRANCH_MAX_LEADERS = Rule("small_branch_leaders", 2, "《中国共产党支部工作条例（试行）》第二十条（不足7人设1名书记，必要时1名副书记）")
TERM_CHANGE_MAX_YEARS = Rule("term_change_max", 1, "《中国共产党基层组织选举工作条例》第三条（延长或者提前期限一般不超过1年）")


WARNING_TITLES = {
    "too_few_full_members": _("正式党员不足3名"),
    "branch_too_large": _("党支部超过50人"),
    "joint_too_many_units": _("联合党支部覆盖超过5个单位"),
    "committee_missing": _("应设未设支部委员会"),
    "committee_too_large": _("支部委员会超过7人"),
    "no_secretary": _("未配备书记"),
    "term_expired": _("任期已届满"),
    "term_ending": _("6个月内任期届满"),
    "committee_above_usual": _("支部委员会超过5人"),
    "committee_not_required": _("不足7名正式党员设委员会"),
}


def committee_size_range(full_members: int) -> tuple[int, int, int]:
    """(least, usual most, most) committee members for a branch with this many full members: 7 or more →
    3 to 5, at most 7; fewer → a secretary and, if needed, a deputy (支部工作条例 第二十条)."""
    if full_members >= COMMITTEE_REQUIRED_FROM.value:
        return COMMITTEE_MIN_SIZE.value, COMMITTEE_USUAL_MAX_SIZE.value, COMMITTEE_MAX_SIZE.value
    return 1, 1, SMALL_BRANCH_MAX_LEADERS.value


def term_years(kind: str, sector: str) -> Rule:
    if sector in VILLAGE_SECTORS:
        return TERM_VILLAGE_YEARS
    if sector == OrgSector.TOWNSHIP and kind == OrgKind.COMMITTEE:
        return TERM_TOWNSHIP_YEARS
    if kind == OrgKind.COMMITTEE:
        return TERM_COMMITTEE_YEARS
    return TERM_OTHER_YEARS


def add_years(day: dt.date, years: int) -> dt.date:
    year = day.year + years
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return dt.date.max if years > 0 else dt.date.min
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def term_ends_on(kind: str, sector: str, term_started_on: dt.date | None) -> dt.date | None:
    if term_started_on is None:
        return None
    return add_years(term_started_on, term_years(kind, sector).value)


@dataclass(frozen=True)
class OrgFacts:
    kind: str
    sector: str
    form: str
    covered_units: int
    full_members: int
    total_members: int
    committee_size: int
    has_secretary: bool
    term_started_on: dt.date | None
    term_ends_on_override: dt.date | None = None  # an approved postponement or bringing forward (committees)


@dataclass(frozen=True)
class OrgWarning:
    code: str
    level: str  # "danger" | "warning" | "info"
    message: str
    source: str = field(default="")


def org_warnings(facts: OrgFacts, today: dt.date) -> list[OrgWarning]:
    """Every rule warning that applies to one organization, computed from its own figures."""
    found: list[OrgWarning] = []
    branch = facts.kind == OrgKind.BRANCH
    if branch and facts.full_members < BRANCH_MIN_FULL_MEMBERS.value and facts.form != OrgForm.JOINT:
        found.append(OrgWarning(
            "too_few_full_members", "warning",
            str(_("正式党员仅%(n)d名，不足3名，应与邻近单位联合成立党支部或并入其他支部")) % {"n": facts.full_members},
            BRANCH_MIN_FULL_MEMBERS.source,
        ))
    if branch and facts.total_members > BRANCH_MAX_MEMBERS.value:
        found.append(OrgWarning(
            "branch_too_large", "warning",
            str(_("党员%(n)d名，超过50名，宜分设党支部或成立党总支")) % {"n": facts.total_members},
            BRANCH_MAX_MEMBERS.source,
        ))
    if facts.form == OrgForm.JOINT and facts.covered_units > JOINT_MAX_UNITS.value:
        found.append(OrgWarning(
            "joint_too_many_units", "warning",
            str(_("联合党支部覆盖%(n)d个单位，一般不超过5个")) % {"n": facts.covered_units},
            JOINT_MAX_UNITS.source,
        ))
    if branch and facts.full_members >= COMMITTEE_REQUIRED_FROM.value and facts.committee_size < COMMITTEE_MIN_SIZE.value:
        found.append(OrgWarning(
            "committee_missing", "danger",
            str(_("正式党员%(n)d名（7名以上），应设立支部委员会（3至5人），目前委员%(c)d人"))
            % {"n": facts.full_members, "c": facts.committee_size},
            COMMITTEE_REQUIRED_FROM.source,
        ))
    if branch and facts.committee_size > COMMITTEE_MAX_SIZE.value:
        found.append(OrgWarning(
            "committee_too_large", "warning",
            str(_("支部委员会%(c)d人，一般不超过7人")) % {"c": facts.committee_size},
            COMMITTEE_MAX_SIZE.source,
        ))
    if branch and COMMITTEE_USUAL_MAX_SIZE.value < facts.committee_size <= COMMITTEE_MAX_SIZE.value:
        found.append(OrgWarning(
            "committee_above_usual", "info",
            str(_("支部委员会%(c)d人，一般由3至5人组成")) % {"c": facts.committee_size},
            COMMITTEE_USUAL_MAX_SIZE.source,
        ))
    if branch and facts.full_members < COMMITTEE_REQUIRED_FROM.value and facts.committee_size > SMALL_BRANCH_MAX_LEADERS.value:
        found.append(OrgWarning(
            "committee_not_required", "info",
            str(_("正式党员%(n)d名（不足7名），一般设1名书记，必要时设1名副书记，目前委员%(c)d人"))
            % {"n": facts.full_members, "c": facts.committee_size},
            SMALL_BRANCH_MAX_LEADERS.source,
        ))
    if branch and facts.total_members > 0 and not facts.has_secretary:
        found.append(OrgWarning(
            "no_secretary", "danger", str(_("未配备党支部书记")), COMMITTEE_REQUIRED_FROM.source,
        ))
    ends = facts.term_ends_on_override or term_ends_on(facts.kind, facts.sector, facts.term_started_on)
    if ends is not None:
        rule = term_years(facts.kind, facts.sector)
        if ends <= today:
            found.append(OrgWarning(
                "term_expired", "danger",
                str(_("本届任期%(y)d年，已于%(d)s届满，应按期换届")) % {"y": rule.value, "d": ends.isoformat()},
                rule.source,
            ))
        elif ends <= add_months(today, TERM_REMINDER_MONTHS.value):
            found.append(OrgWarning(
                "term_ending", "info",
                str(_("本届任期将于%(d)s届满，请做好换届准备")) % {"d": ends.isoformat()},
                TERM_REMINDER_MONTHS.source,
            ))
    return found
