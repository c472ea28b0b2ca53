"""Organizational-life rules, pure Python (no ORM, no request). Each row cites its source: RULES.md section and
the article of the document. Tested without a database at, before and after every boundary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from grassroots.orglife.choices import AttendanceStatus, MeetingKind, Period

SUPPORT = "《中国共产党支部工作条例（试行）》"


@dataclass(frozen=True)
class ComplianceRule:
    code: str
    kind: str  # MeetingKind
    period: str  # Period
    minimum: int  # meetings per period (per party group for group meetings)
    applies_to: str  # "branch" | "committee" (branches that must have a committee) | "groups" (per party group)
    label: str
    source: str


# The national rules (RULES.md §4). The Party lecture rule is chosen in LECTURE_RULES (see below).
BASE_RULES: tuple[ComplianceRule, ...] = (
    ComplianceRule("committee_monthly", MeetingKind.COMMITTEE_MEETING, Period.MONTH, 1, "committee",
                   "支委会每月1次", f"RULES.md §4; {SUPPORT} 第十二条（支委会一般每月召开1次）"),
    ComplianceRule("group_monthly", MeetingKind.GROUP_MEETING, Period.MONTH, 1, "groups",
                   "党小组会每月1次", f"RULES.md §4; {SUPPORT} 第十三条（党小组会一般每月召开1次）"),
    ComplianceRule("general_quarterly", MeetingKind.GENERAL_MEETING, Period.QUARTER, 1, "branch",
                   "党员大会每季度1次", f"RULES.md §4; {SUPPORT} 第十一条（党员大会一般每季度召开1次）"),
    ComplianceRule("theme_day_monthly", MeetingKind.THEME_DAY, Period.MONTH, 1, "branch",
                   "主题党日每月1次", f"RULES.md §4; {SUPPORT}（党支部每月相对固定1天开展主题党日）"),
    ComplianceRule("org_life_yearly", MeetingKind.ORG_LIFE_MEETING, Period.YEAR, 1, "branch",
                   "组织生活会每年1次", f"RULES.md §4; {SUPPORT} 第十七条（每年至少召开1次组织生活会）"),
    ComplianceRule("appraisal_yearly", MeetingKind.APPRAISAL, Period.YEAR, 1, "branch",
                   "民主评议党员每年1次", f"RULES.md §4; {SUPPORT} 第十八条（一般每年开展1次民主评议党员）"),
    ComplianceRule("talks_yearly", MeetingKind.HEART_TALK, Period.YEAR, 1, "branch",
                   "谈心谈话每年1次", f"RULES.md §4; {SUPPORT} 第十九条（每年谈心谈话一般不少于1次）"),
)

# 党课: the national text binds only 党委（党组）书记 to one lecture a year; "每季度至少1次" is a local or older
# rule (RULES.md §4, note). Settings choose one: ORGLIFE_LECTURE_RULE = "yearly" (default) | "quarterly" | "off".
LECTURE_RULES: dict[str, ComplianceRule | None] = {
    "yearly": ComplianceRule("lecture", MeetingKind.PARTY_LECTURE, Period.YEAR, 1, "branch", "党课每年1次",
                             f"RULES.md §4; {SUPPORT} 三会一课（党委（党组）书记每年至少讲1次党课）"),
    "quarterly": ComplianceRule("lecture", MeetingKind.PARTY_LECTURE, Period.QUARTER, 1, "branch", "党课每季度1次",
                                "RULES.md §4 注：地方规定（非全国条例），按本地配置执行"),
    "off": None,
}
DEFAULT_LECTURE_RULE = "yearly"

# 第二十条: a branch with 7 or more full members sets up a branch committee; only those hold 支委会 monthly.
COMMITTEE_MIN_FULL_MEMBERS = 7

# 党章 第九条 (RULES.md §2): six consecutive months without organizational life → listed for review.
ABSENCE_MONTHS = 6


def compliance_rules(lecture_rule: str = DEFAULT_LECTURE_RULE) -> tuple[ComplianceRule, ...]:
    if lecture_rule not in LECTURE_RULES:
        raise ValueError(f"unknown lecture rule {lecture_rule!r}; one of {sorted(LECTURE_RULES)}")
    lecture = LECTURE_RULES[lecture_rule]
    return BASE_RULES + ((lecture,) if lecture else ())


def rule_applies(rule: ComplianceRule, *, full_members: int, groups: int) -> int:
    """How many meetings the rule requires of a branch in one period (0 when it does not apply)."""
    if rule.applies_to == "committee":
        return rule.minimum if full_members >= COMMITTEE_MIN_FULL_MEMBERS else 0
    if rule.applies_to == "groups":
        return rule.minimum * groups
    return rule.minimum


# --- periods --------------------------------------------------------------------------------------------

def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return add_months(month_start(day), 1) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_bounds(period: str, month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the period (month, quarter or year) that holds `month`."""
    if period == Period.MONTH:
        start = month_start(month)
    elif period == Period.QUARTER:
        start = dt.date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
    elif period == Period.YEAR:
        start = dt.date(month.year, 1, 1)
    else:
        raise ValueError(period)
    length = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
    return start, add_months(start, length) - dt.timedelta(days=1)


# The fixed order of rule codes in a ComplianceStatus row (one character and one count per slot). A new rule is
# appended here; existing slots never move.
RULE_SLOTS = ("committee_monthly", "group_monthly", "general_quarterly", "theme_day_monthly", "org_life_yearly",
              "appraisal_yearly", "talks_yearly", "lecture")
STATE_CODES = {"met": "M", "open": "O", "missed": "X"}
NOT_APPLICABLE = "-"
STATE_OF_CODE = {code: state for state, code in STATE_CODES.items()}
# ComplianceStatus.missed_ytd: per slot, one character for the months of the year (0–12) in which it was missed.
YTD_DIGITS = "0123456789abc"


def decode_status(states: str, held: str, required: str) -> dict[str, tuple[str, int, int]]:
    """{rule code: (state, held, required)} for the slots that apply, from one ComplianceStatus row."""
    helds, requireds = held.split(","), required.split(",")
    decoded = {}
    for index, code in enumerate(RULE_SLOTS):
        char = states[index] if index < len(states) else NOT_APPLICABLE
        if char in STATE_OF_CODE:
            decoded[code] = (STATE_OF_CODE[char], int(helds[index]), int(requireds[index]))
    return decoded


def compliance_state(*, held: int, required: int, period_end: dt.date, today: dt.date) -> str:
    """met when enough were held; missed once the period is over without them; open while it runs."""
    if held >= required:
        return "met"
    return "missed" if period_end < today else "open"


def absence_window(as_of: dt.date, months: int = ABSENCE_MONTHS) -> list[dt.date]:
    """The `months` full calendar months before the month of `as_of`, oldest first."""
    first = add_months(month_start(as_of), -months)
    return [add_months(first, i) for i in range(months)]


# --- roster and votes -----------------------------------------------------------------------------------

def on_roster(*, joined_on: dt.date, left_on: dt.date | None, day: dt.date) -> bool:
    """A member belongs to the roster of `day` from joining until the day they left (exclusive)."""
    return joined_on <= day and (left_on is None or left_on > day)


def has_vote(*, status: str, confirmed_on: dt.date | None, day: dt.date, guest: bool = False) -> bool:
    """预备党员 have no vote (党章 第七条); a mobile member attending elsewhere votes only at home (RULES.md §4,
    LANDSCAPE gap 10)."""
    if guest:
        return False
    return status == "full" and confirmed_on is not None and confirmed_on <= day


@dataclass(frozen=True)
class VoteRule:
    kind: str
    quorum: Fraction  # share of those with a vote who must be present; strictly more than
    majority: Fraction  # share of 应到会有表决权 whose yes is needed; strictly more than
    source: str


VOTE_RULES: dict[str, VoteRule] = {
    MeetingKind.GENERAL_MEETING: VoteRule(
        MeetingKind.GENERAL_MEETING, Fraction(1, 2), Fraction(1, 2),
        f"RULES.md §4; {SUPPORT} 第十一条（表决必须有半数以上有表决权的党员到会方可进行，"
        "赞成人数超过应到会有表决权的党员的半数为通过）"),
    MeetingKind.COMMITTEE_MEETING: VoteRule(
        MeetingKind.COMMITTEE_MEETING, Fraction(1, 2), Fraction(1, 2),
        "《中国共产党党章》第十条（少数服从多数）；支委会按党员大会同一计票口径（第十一条）执行"),
}


def quorum_met(kind: str, *, voting_present: int, voting_expected: int) -> bool:
    """More than half of those with a vote present. Exactly half is not enough."""
    rule = VOTE_RULES[kind]
    return voting_expected > 0 and Fraction(voting_present, voting_expected) > rule.quorum


def vote_adopted(kind: str, *, yes: int, voting_expected: int) -> bool:
    """Yes votes exceed half of 应到会有表决权的党员 (not of those present)."""
    rule = VOTE_RULES[kind]
    return voting_expected > 0 and Fraction(yes, voting_expected) > rule.majority


def check_vote(kind: str, *, yes: int, no: int, abstain: int, voting_present: int,
               voting_expected: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in VOTE_RULES:
        errors["vote_yes"] = [_("此类会议不进行表决，请勿填写表决票数")]
        return errors
    if min(yes, no, abstain) < 0:
        errors["vote_yes"] = [_("表决票数不能为负数")]
        return errors
    if yes + no + abstain > voting_present:
        errors["vote_yes"] = [_("赞成、反对、弃权合计 %(n)s 票，超过到会有表决权的党员 %(p)s 人")
                              % {"n": yes + no + abstain, "p": voting_present}]
    if not quorum_met(kind, voting_present=voting_present, voting_expected=voting_expected):
        errors.setdefault("vote_yes", []).append(
            _("到会有表决权的党员 %(p)s 人，未超过应到会有表决权的 %(e)s 人的半数，不能进行表决")
            % {"p": voting_present, "e": voting_expected})
    return errors


@dataclass(frozen=True)
class AttendanceEntry:
    member_id: int
    status: str
    reason: str = ""


def check_attendance(roster: set[int], entries: list[AttendanceEntry], guests: set[int],
                     names: dict[int, str]) -> dict[str, list[str]]:
    """Every roster member is marked once; absence and leave carry a reason; nobody off the roster except
    the mobile members recorded as guests."""
    errors: list[str] = []
    seen: set[int] = set()
    for entry in entries:
        name = names.get(entry.member_id, str(entry.member_id))
        if entry.member_id in seen:
            errors.append(_("%(name)s 重复登记") % {"name": name})
        seen.add(entry.member_id)
        if entry.status not in AttendanceStatus.values:
            errors.append(_("%(name)s 的出席情况无效") % {"name": name})
        elif entry.member_id in guests and entry.status != AttendanceStatus.PRESENT:
            errors.append(_("%(name)s 为列席的流动党员，只登记出席") % {"name": name})
        elif entry.status != AttendanceStatus.PRESENT and not entry.reason.strip():
            errors.append(_("%(name)s 缺席或请假，请填写原因") % {"name": name})
        if entry.member_id not in roster and entry.member_id not in guests:
            errors.append(_("%(name)s 不在本次会议应到人员名单中") % {"name": name})
    missing = sorted(roster - seen, key=lambda pk: names.get(pk, ""))
    if missing:
        errors.append(_("未登记出席情况：%(names)s") % {"names": "、".join(names.get(pk, str(pk)) for pk in missing)})
    return {"attendance": errors} if errors else {}


def check_typed_counts(typed: dict[str, int | None], computed: dict[str, int]) -> dict[str, list[str]]:
    """Counts typed by hand must equal the ones computed from the roster (LANDSCAPE gap 3)."""
    labels = {"expected_count": _("应到人数"), "present_count": _("实到人数"),
              "voting_expected": _("应到会有表决权人数"), "voting_present": _("实到有表决权人数")}
    errors = {}
    for field, value in typed.items():
        if value is not None and value != computed[field]:
            errors[field] = [_("%(label)s填写为 %(typed)s，与花名册计算的 %(n)s 不一致")
                             % {"label": labels[field], "typed": value, "n": computed[field]}]
    return errors


# --- member appraisal -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AppraisalQuota:
    code: str
    excellent_max: Fraction | None  # share of those graded who may be 优秀
    source: str


# Settings choose one: ORGLIFE_APPRAISAL_QUOTA = "national" (default, no share cap) | "excellent_one_third".
APPRAISAL_QUOTAS: dict[str, AppraisalQuota] = {
    "national": AppraisalQuota("national", None, f"RULES.md §4; {SUPPORT} 第十八条（未规定等次比例）"),
    "excellent_one_third": AppraisalQuota(
        "excellent_one_third", Fraction(1, 3), "LANDSCAPE.md gap 7（部分省份：优秀比例一般不超过1/3）"),
}
DEFAULT_APPRAISAL_QUOTA = "national"


def check_appraisal_shares(grades: list[str], quota: str) -> dict[str, list[str]]:
    rule = APPRAISAL_QUOTAS[quota]
    if rule.excellent_max is None or not grades:
        return {}
    excellent = sum(1 for g in grades if g == "excellent")
    if Fraction(excellent, len(grades)) > rule.excellent_max:
        return {"grades": [_("评为优秀 %(n)s 人，超过参评 %(total)s 人的 %(share)s（%(source)s）")
                           % {"n": excellent, "total": len(grades), "share": str(rule.excellent_max),
                              "source": rule.source}]}
    return {}


# --- attachments ----------------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = (  # (magic bytes, content type, extension)
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


def sniff_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's first bytes; None for anything else."""
    for magic, content_type, ext in ATTACHMENT_TYPES:
        if head.startswith(magic):
            return content_type, ext
    return None
