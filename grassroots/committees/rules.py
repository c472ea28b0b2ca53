"""Rules of branch committees and term elections (RULES.md §4, §5), as data with their sources, and the election
arithmetic as pure functions. No ORM, no request: tested without a database.

The committee-size rule and the term lengths have one home, grassroots/orgs/rules.py; they are re-exported here
for this module's callers."""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from grassroots.committees.choices import ElectionStage, MajorityBase, TermChangeKind
from grassroots.committees.permissions import CommitteePerm
from grassroots.orgs.rules import (  # noqa: F401  (one home: re-exported for this module)
    COMMITTEE_MAX_SIZE,
    COMMITTEE_MIN_SIZE,
    COMMITTEE_REQUIRED_FROM,
    TERM_CHANGE_MAX_YEARS,
    TERM_REMINDER_MONTHS,
    Rule,
    add_months,
    add_years,
    committee_size_range,
    term_ends_on,
    term_years,
)


@dataclass(frozen=True)
class FractionRule:
    code: str
    value: Fraction
    source: str


# 有选举权的到会人数超过应到会人数的4/5，会议有效 (RULES.md §5; 1990 暂行条例, 2020-era branch 选举办法).
QUORUM = FractionRule("quorum", Fraction(4, 5), "《中国共产党基层组织选举工作条例》（到会人数超过应到会人数的4/5，会议有效；RULES.md §5）")
# 差额不少于应选人数的20% (RULES.md §5: delegates SECONDARY; committee candidates UNVERIFIED → configurable).
DEFAULT_MARGIN = FractionRule("margin", Fraction(1, 5), "《中国共产党基层组织选举工作条例》（候选人差额不少于应选人数的20%；RULES.md §5，待核实，可配置）")
# 被选举人获得的赞成票超过应到会（或实到会）有选举权人数的半数，始得当选 (RULES.md §5: base flagged, a setting).
MAJORITY = FractionRule("majority", Fraction(1, 2), "《中国共产党基层组织选举工作条例》（赞成票超过半数始得当选；基数为应到会或实到会，RULES.md §5 待核实）")
BALLOTS_SOURCE = "收回的选票等于或少于发出的选票，选举有效；多于则无效，重新选举（RULES.md §5）"
TIE_SOURCE = "得票相等不能确定当选人时，应当就票数相等的被选举人重新投票；当选人数少于应选名额时，可另行选举（RULES.md §5）"
PLAN_APPROVAL_SOURCE = "《中国共产党基层组织选举工作条例》：选举工作方案报上级党组织审批"
LEADERS_APPROVAL = Rule("leaders_approval", 0, "《中国共产党支部工作条例（试行）》第二十一条（书记、副书记报上级批准，委员报上级备案）")
EXCLUSION_SOURCE = "中组部关于不计入应到会人数的规定（RULES.md §5：须上级同意并经党员大会通过）"


def meeting_valid(eligible: int, present: int, quorum: Fraction = QUORUM.value) -> bool:
    """The election meeting is valid when those present with a vote are MORE than 4/5 of those expected."""
    if eligible <= 0 or present < 0 or present > eligible:
        return False
    return Fraction(present) > quorum * eligible


def least_present(eligible: int, quorum: Fraction = QUORUM.value) -> int:
    """The fewest present for a valid meeting (strictly more than 4/5)."""
    return math.floor(quorum * eligible) + 1


def ballots_valid(issued: int, returned: int) -> bool:
    """Returned ballots equal to or fewer than issued: valid; more returned than issued: void, vote again."""
    return 0 <= returned <= issued


def margin_needed(seats: int, ratio: Fraction = DEFAULT_MARGIN.value) -> int:
    """How many more candidates than seats: at least `ratio` of the seats, rounded up (不少于)."""
    if seats <= 0 or ratio <= 0:
        return 0
    return math.ceil(Fraction(seats) * ratio)


def candidates_needed(seats: int, ratio: Fraction = DEFAULT_MARGIN.value) -> int:
    return seats + margin_needed(seats, ratio)


def margin_ok(seats: int, candidates: int, ratio: Fraction = DEFAULT_MARGIN.value) -> bool:
    return candidates >= candidates_needed(seats, ratio)


def ratio_from_percent(percent: Decimal | int | str) -> Fraction:
    return Fraction(Decimal(str(percent))) / 100


def majority_base(base: str, eligible: int, present: int) -> int:
    return eligible if base == MajorityBase.EXPECTED else present


def wins_majority(yes: int, base_count: int) -> bool:
    """More than half of the base (赞成票超过半数)."""
    return base_count > 0 and Fraction(yes) > MAJORITY.value * base_count


@dataclass(frozen=True)
class Tally:
    elected: tuple  # candidate keys, most votes first
    tied: tuple  # keys tied at the last seat: they go to another round
    unfilled: int  # seats left for another round (ties included)
    passing: tuple  # every key over the majority

    @property
    def complete(self) -> bool:
        return self.unfilled == 0


def tally(seats: int, base_count: int, votes: dict) -> Tally:
    """Who is elected from {candidate: yes votes}: over half of the base, and among those the most votes win.
    A tie at the last seat elects nobody at that vote count; those seats go to another round."""
    passing = sorted((k for k, v in votes.items() if wins_majority(v, base_count)), key=lambda k: (-votes[k], str(k)))
    if len(passing) <= seats:
        return Tally(tuple(passing), (), seats - len(passing), tuple(passing))
    cutoff = votes[passing[seats - 1]]
    if votes[passing[seats]] != cutoff:
        return Tally(tuple(passing[:seats]), (), 0, tuple(passing))
    elected = tuple(k for k in passing if votes[k] > cutoff)
    tied = tuple(k for k in passing if votes[k] == cutoff)
    return Tally(elected, tied, seats - len(elected), tuple(passing))


# Nomination rounds (两推一选 / 公推直选): each round has a weight; the weights add up to 100%.
NOMINATION_WEIGHT_TOTAL = Rule("nomination_weight_total", 100, "两推一选：党员推荐、群众推荐按权重折算（各地选举办法）")


def nomination_weights_ok(weights: list[Decimal]) -> bool:
    return bool(weights) and sum(weights, Decimal(0)) == Decimal(NOMINATION_WEIGHT_TOTAL.value)


def nomination_score(rounds: list[tuple[Decimal, int, int]]) -> Decimal:
    """Weighted share of recommendations over rounds [(weight %, votes, participants)], in percent, 2 places."""
    total = Decimal(0)
    for weight, votes, participants in rounds:
        if participants > 0:
            total += Decimal(weight) * Decimal(votes) / Decimal(participants)
    return total.quantize(Decimal("0.01"))


def check_term_change(kind: str, original_ends_on: dt.date, new_ends_on: dt.date) -> dict[str, list[str]]:
    """Postponing or bringing forward a changeover: in the right direction and by at most one year (第三条)."""
    errors: dict[str, list[str]] = {}
    limit = TERM_CHANGE_MAX_YEARS.value
    if kind == TermChangeKind.POSTPONE and new_ends_on <= original_ends_on:
        errors["new_ends_on"] = [_("延期换届的新日期应晚于原届满日期%(d)s") % {"d": original_ends_on.isoformat()}]
    elif kind == TermChangeKind.ADVANCE and new_ends_on >= original_ends_on:
        errors["new_ends_on"] = [_("提前换届的新日期应早于原届满日期%(d)s") % {"d": original_ends_on.isoformat()}]
    elif not add_years(original_ends_on, -limit) <= new_ends_on <= add_years(original_ends_on, limit):
        errors["new_ends_on"] = [_("延长或者提前期限一般不超过1年（选举工作条例第三条）：应在%(a)s至%(b)s之间")
                                 % {"a": add_years(original_ends_on, -limit).isoformat(),
                                    "b": add_years(original_ends_on, limit).isoformat()}]
    return errors


@dataclass(frozen=True)
class Transition:
    to: str
    perm: str
    label: str


# The election's stages (from → allowed next, the permission needed). Approvals are used only at an
# organization strictly above the electing one (checked by the service).
ELECTION_FLOW: dict[str, tuple[Transition, ...]] = {
    ElectionStage.DRAFT: (Transition(ElectionStage.PLAN_SUBMITTED, CommitteePerm.MANAGE, "报上级审批选举工作方案"),),
    ElectionStage.PLAN_SUBMITTED: (
        Transition(ElectionStage.PLAN_APPROVED, CommitteePerm.APPROVE, "批准选举工作方案"),
        Transition(ElectionStage.DRAFT, CommitteePerm.APPROVE, "退回选举工作方案"),
    ),
    ElectionStage.PLAN_APPROVED: (Transition(ElectionStage.CANDIDATES_SET, CommitteePerm.MANAGE, "确定候选人名单"),),
    ElectionStage.CANDIDATES_SET: (Transition(ElectionStage.VOTED, CommitteePerm.MANAGE, "登记选举结果"),),
    ElectionStage.VOTED: (Transition(ElectionStage.RESULT_SUBMITTED, CommitteePerm.MANAGE, "报上级审批选举结果"),),
    ElectionStage.RESULT_SUBMITTED: (
        Transition(ElectionStage.RESULT_APPROVED, CommitteePerm.APPROVE, "批准选举结果（书记、副书记）"),
        Transition(ElectionStage.VOTED, CommitteePerm.APPROVE, "退回选举结果"),
    ),
    ElectionStage.RESULT_APPROVED: (Transition(ElectionStage.FILED, CommitteePerm.MANAGE, "委员报上级备案"),),
    ElectionStage.FILED: (),
}


def next_stages(stage: str) -> tuple[Transition, ...]:
    return ELECTION_FLOW.get(stage, ())


def transition_for(stage: str, to: str) -> Transition | None:
    return next((t for t in next_stages(stage) if t.to == to), None)


def latest_start_ending_by(horizon: dt.date, years: int) -> dt.date:
    """The latest term start whose term (of `years`) ends on or before `horizon`: the exact inverse of
    term_ends_on, 29 February included, so a list query can compare the stored start date."""
    cutoff = add_years(horizon, -years)
    while add_years(cutoff + dt.timedelta(days=1), years) <= horizon:
        cutoff += dt.timedelta(days=1)
    return cutoff


def term_groups(kinds, sectors) -> dict[int, list[tuple[str, list[str]]]]:
    """{years: [(kind, [sectors])]}: every (kind, sector) pair grouped by its term length from orgs.rules, so a
    query over organizations uses the one rule table."""
    groups: dict[int, dict[str, list[str]]] = {}
    for kind in kinds:
        for sector in sectors:
            groups.setdefault(term_years(kind, sector).value, {}).setdefault(kind, []).append(sector)
    return {years: sorted(by_kind.items()) for years, by_kind in groups.items()}


# The messages this module added to grassroots/orgs/rules.py (committee size above five, small branch with a
# committee, postponed terms), listed here so that they sit in this module's catalog until the project catalog
# (grassroots/locale, a shared file) takes them over.
ORGS_RULE_MESSAGES = (
    gettext_noop("支部委员会超过5人"),
    gettext_noop("不足7名正式党员设委员会"),
    gettext_noop("支部委员会%(c)d人，一般由3至5人组成"),
    gettext_noop("正式党员%(n)d名（不足7名），一般设1名书记，必要时设1名副书记，目前委员%(c)d人"),
)
