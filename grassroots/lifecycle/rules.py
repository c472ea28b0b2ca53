"""The member-lifecycle rules as data, each row citing its source, and the pure functions that apply them.
No ORM, no request: tested without a database at, before and after every boundary.

Sources: /work/shared/domain/RULES.md §2 (党章 第九条) and §6 (《中国共产党党员教育管理工作条例》2019 第二十四条、
第二十五条; 流动党员活动证 practice), LANDSCAPE.md gap 10 (mobile branch when ≥3 gather).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from grassroots.lifecycle.choices import DecisionKind, TransferKind, TransferStatus


@dataclass(frozen=True)
class Threshold:
    key: str
    value: int
    unit: str  # "months", "years" or "members"
    meaning: str
    source: str


THRESHOLDS = {
    row.key: row
    for row in (
        Threshold("unreachable_suspend", 6, "months",
                  "与党组织失去联系6个月以上、通过各种方式查找仍然没有取得联系的党员，予以停止党籍",
                  "RULES.md §6; 党员教育管理工作条例(2019) 第二十四条"),
        Threshold("suspended_remove", 2, "years",
                  "停止党籍2年后确实无法取得联系的，按照自行脱党予以除名",
                  "RULES.md §6; 党员教育管理工作条例(2019) 第二十四条"),
        Threshold("mobile_transfer", 6, "months",
                  "外出学习、工作、生活6个月以上并且地点相对固定的，应当转移组织关系",
                  "RULES.md §6; 党员教育管理工作条例(2019) 第二十五条"),
        Threshold("letter_validity", 3, "months",
                  "介绍信有效期（可配置：各地规定不一，最长一般不超过3个月）",
                  "RULES.md §6 介绍信 validity (UNVERIFIED; 3 months the most common default)"),
        Threshold("mobile_branch_min", 3, "members",
                  "同一流出地的流动党员在同一流入地聚集3人以上，提示成立流动党支部",
                  "LANDSCAPE.md gap 10; 党章 第三十条 (正式党员3人以上的，应当成立党的基层组织)"),
        Threshold("self_withdrawal", 6, "months",
                  "连续六个月不参加党的组织生活，或不交纳党费，或不做党所分配的工作，被认为自行脱党",
                  "RULES.md §2; 党章 第九条"),
    )
}


def months(key: str) -> int:
    return THRESHOLDS[key].value * (12 if THRESHOLDS[key].unit == "years" else 1)


def add_months(day: dt.date, n: int) -> dt.date:
    """The same day n months later (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(since: dt.date, key: str) -> dt.date:
    return add_months(since, months(key))


def is_due(since: dt.date | None, key: str, as_of: dt.date) -> bool:
    """Has the period `key` elapsed since `since` by `as_of`? ("6个月以上": the day the 6 months are full counts.)"""
    return since is not None and as_of >= due_on(since, key)


def cutoff(key: str, as_of: dt.date) -> dt.date:
    """The latest `since` date that is due by `as_of` (for SQL: since <= cutoff)."""
    day = add_months(as_of, -months(key))
    # add_months clamps to month end; make sure every since ≤ day is due and every later one is not.
    while not is_due(day, key, as_of):
        day -= dt.timedelta(days=1)
    while is_due(day + dt.timedelta(days=1), key, as_of):
        day += dt.timedelta(days=1)
    return day


def full_months(since: dt.date, as_of: dt.date) -> int:
    """How many whole months have passed from `since` to `as_of` (0 when as_of is before since)."""
    n = max(0, (as_of.year - since.year) * 12 + as_of.month - since.month)
    while n > 0 and add_months(since, n) > as_of:
        n -= 1
    return n


def idle_months(last_activity: dt.date, as_of: dt.date) -> tuple[str, ...]:
    """The consecutive months without activity since `last_activity`, as "YYYY-MM" labels oldest first: one per
    whole month elapsed (the evidence of the self-withdrawal "work" ground)."""
    return tuple(add_months(last_activity, i).strftime("%Y-%m") for i in range(full_months(last_activity, as_of)))


def work_idle(last_activity: dt.date, as_of: dt.date) -> bool:
    """An open assignment without any work recorded for the self-withdrawal period (6 months, 党章 第九条)."""
    return is_due(last_activity, "self_withdrawal", as_of)


def letter_valid_until(issued_on: dt.date, validity_months: int | None = None) -> dt.date:
    """The last day a transfer letter is valid: issue date plus the validity, less one day."""
    n = validity_months if validity_months is not None else THRESHOLDS["letter_validity"].value
    return add_months(issued_on, n) - dt.timedelta(days=1)


def letter_expired(valid_until: dt.date | None, as_of: dt.date) -> bool:
    return valid_until is not None and as_of > valid_until


def age_days(since: dt.date, as_of: dt.date) -> int:
    return max(0, (as_of - since).days)


# Transfer workflow: (kind, from status) → {action: next status}. Who may act is in the services: the
# receiving side accepts or returns, the sending side cancels or records the receipt of its letter.
TRANSFER_FLOW = {
    (TransferKind.INTERNAL, TransferStatus.PENDING): {
        "accept": TransferStatus.ACCEPTED, "return": TransferStatus.RETURNED, "cancel": TransferStatus.CANCELLED,
    },
    (TransferKind.OUTBOUND, TransferStatus.PENDING): {
        "receipt": TransferStatus.CLOSED, "renew": TransferStatus.PENDING, "cancel": TransferStatus.CANCELLED,
    },
    (TransferKind.INBOUND, TransferStatus.PENDING): {
        "receipt": TransferStatus.CLOSED, "return": TransferStatus.RETURNED,
    },
}


def next_status(kind: str, status: str, action: str) -> str | None:
    return TRANSFER_FLOW.get((kind, status), {}).get(action)


@dataclass(frozen=True)
class DecisionRule:
    kind: str
    needs_meeting: bool  # a 支部大会 (or the disciplinary body) decides
    needs_approval: bool  # the Party organization above approves before it takes effect
    from_states: tuple[str, ...]  # members.MemberState values it applies to
    to_state: str  # "suspended", "active" or "left" (an exit)
    source: str


DECISION_RULES = {
    row.kind: row
    for row in (
        DecisionRule(DecisionKind.SUSPENSION, True, True, ("active",), "suspended",
                     "党员教育管理工作条例 第二十四条 (失联6个月以上 / 出国定居等)"),
        DecisionRule(DecisionKind.RESTORATION, True, True, ("suspended",), "active",
                     "党员教育管理工作条例 第二十四条 (停止党籍的，按规定程序恢复)"),
        DecisionRule(DecisionKind.DEATH, False, False, ("active", "suspended"), "left", "党员死亡，登记出党"),
        DecisionRule(DecisionKind.WITHDRAWAL, True, False, ("active", "suspended"), "left",
                     "党章 第九条 (退党：支部大会讨论后宣布除名，报上级备案)"),
        DecisionRule(DecisionKind.ADVISED_WITHDRAWAL, True, True, ("active", "suspended"), "left",
                     "党章 第九条 (劝退：支部大会决定，报上级批准)"),
        DecisionRule(DecisionKind.REMOVAL, True, True, ("active", "suspended"), "left",
                     "党章 第九条; 党员教育管理工作条例 第二十四条 (除名：支部大会决定，报上级批准)"),
        DecisionRule(DecisionKind.EXPULSION, True, True, ("active", "suspended"), "left",
                     "党章 第四十条 (开除党籍：支部大会决定，报上级批准)"),
    )
}


# Exits the branch records directly on the member's exit page (members: member_exit_direct): those that need no
# approval from above. Every other kind of exit is performed by its approval elsewhere: removal, expulsion and
# advised withdrawal by an approved Decision (decision_record → decision_approve), transfer out by the receipt of
# the transfer letter, probation cancellation by the committee above in the development module.
DIRECT_EXIT_KINDS = {
    "death": "党员死亡，登记出党（无需上级批准）",
    "withdrawal": "党章 第九条 (退党：支部大会讨论后宣布除名，报上级备案，不需上级批准)",
}
EXIT_ROUTES = {  # kind → where its exit is recorded instead ("decision", "transfer" or "development")
    "advised_withdrawal": "decision", "removal": "decision", "expulsion": "decision",
    "transfer_out": "transfer", "probation_cancelled": "development",
}


def direct_exit_route(kind: str) -> str | None:
    """None when the exit page may record this kind; else where it must be recorded."""
    return None if kind in DIRECT_EXIT_KINDS else EXIT_ROUTES.get(kind, "decision")


def decision_errors(kind: str, member_state: str) -> str | None:
    rule = DECISION_RULES.get(kind)
    if rule is None:
        return "未知的处置类别"
    if member_state not in rule.from_states:
        return "该党员当前状态不适用此项处置"
    return None


_SPACE = re.compile(r"[\s\u3000·•,，、()（）-]+")


def place_key(place: str) -> str:
    """The destination as it is compared for gatherings: spaces and punctuation dropped."""
    return _SPACE.sub("", place or "")


def gatherings(rows: list[tuple[str, str]], minimum: int | None = None) -> list[tuple[str, str, int]]:
    """(origin, destination) pairs of open mobile records → pairs with at least `minimum` members, largest
    first: the suggestion to set up a mobile branch at that destination."""
    need = minimum if minimum is not None else THRESHOLDS["mobile_branch_min"].value
    counts = Counter((origin, place_key(dest)) for origin, dest in rows if place_key(dest))
    return sorted(((o, d, n) for (o, d), n in counts.items() if n >= need), key=lambda r: (-r[2], r[0], r[1]))


MONTH_RE = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


def paid_through_from_facts(facts: dict) -> str:
    """The first fact labelled as dues whose value is a YYYY-MM month (what dues registers)."""
    for label, value in facts.items():
        if "党费" in str(label) and MONTH_RE.match(str(value)):
            return str(value)
    return ""
