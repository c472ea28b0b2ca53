"""Reads of organizational life. Every list starts from <Model>.objects.visible_to(actor, perm); the compliance
board reads the pre-aggregated ComplianceStatus rows, never the meetings."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import StrIndex, Substr

from grassroots.access.scoping import get_scoped_or_404
from grassroots.core.paths import subtree_q
from grassroots.lifecycle.review import ReviewCase
from grassroots.members.choices import COMMITTEE_POSTS, MemberState
from grassroots.members.models import Member
from grassroots.members.selectors import holds_post_q
from grassroots.orglife import rules
from grassroots.orglife.choices import AttendanceStatus, MeetingKind, MeetingStatus
from grassroots.orglife.models import Appraisal, Attendance, ComplianceStatus, Meeting
from grassroots.orglife.permissions import OrgLifePerm
from grassroots.orgs.models import Organization


def lecture_rule() -> str:
    return getattr(settings, "ORGLIFE_LECTURE_RULE", rules.DEFAULT_LECTURE_RULE)


def appraisal_quota() -> str:
    return getattr(settings, "ORGLIFE_APPRAISAL_QUOTA", rules.DEFAULT_APPRAISAL_QUOTA)


def active_rules() -> tuple[rules.ComplianceRule, ...]:
    return rules.compliance_rules(lecture_rule())


# --- roster --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterEntry:
    id: int
    name: str
    status: str
    confirmed_on: dt.date | None
    is_mobile: bool
    org_path: str
    has_vote: bool


def roster_on(org: Organization, kind: str, day: dt.date, party_group=None) -> list[RosterEntry]:
    """Who should attend (应到): members of the branch on that day; of the party group for a group meeting;
    holders of committee posts for a committee meeting. Mobile members stay on their home branch's roster.
    The branch is the one the member belonged to on that day (lifecycle.selectors.members_on reads the completed
    transfers), so a meeting recorded afterwards lists who was there then, not who is there now."""
    from grassroots.lifecycle.selectors import members_on

    qs = members_on(org, day).filter(joined_on__lte=day).filter(Q(state=MemberState.ACTIVE) | Q(left_on__gt=day))
    if kind == MeetingKind.GROUP_MEETING:
        qs = qs.filter(party_group=party_group) if party_group is not None else qs.none()
    elif kind == MeetingKind.COMMITTEE_MEETING:
        qs = qs.filter(holds_post_q(*COMMITTEE_POSTS))
    rows = qs.order_by("name", "id").values_list("id", "name", "status", "confirmed_on", "is_mobile", "org_path")
    return [RosterEntry(*row, has_vote=rules.has_vote(status=row[2], confirmed_on=row[3], day=day)) for row in rows]


# --- meetings ------------------------------------------------------------------------------------------

def meeting_get(actor, pk: int, perm: str = OrgLifePerm.VIEW) -> Meeting:
    qs = Meeting.objects.select_related("org", "party_group", "host", "recorder")
    return get_scoped_or_404(qs, actor, perm, pk=pk)


def meeting_list(actor, org: Organization, *, start: dt.date, end: dt.date, kind: str = "", limit: int = 500):
    qs = (Meeting.objects.filter(subtree_q("org_path", org.path)).visible_to(actor, OrgLifePerm.VIEW)
          .filter(date__gte=start, date__lte=end).select_related("org", "party_group").order_by("date", "id"))
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs[:limit])


def attendance_of(meeting: Meeting) -> list[Attendance]:
    return list(meeting.attendance.select_related("member").order_by("is_guest", "member__name", "member_id"))


@dataclass
class CalendarDay:
    date: dt.date
    in_month: bool
    meetings: list = field(default_factory=list)


def meeting_calendar(actor, org: Organization, month: dt.date) -> list[list[CalendarDay]]:
    """A Monday-first month grid of the branch's planned and held meetings."""
    first = rules.month_start(month)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    meetings = meeting_list(actor, org, start=weeks[0][0], end=weeks[-1][-1])
    by_day = defaultdict(list)
    for meeting in meetings:
        if meeting.status != MeetingStatus.CANCELLED:
            by_day[meeting.date].append(meeting)
    return [[CalendarDay(day, day.month == first.month, by_day.get(day, [])) for day in week] for week in weeks]


def planned_reminders(actor, org: Organization, today: dt.date, days: int = 14, limit: int = 10):
    """(upcoming, overdue) planned meetings of the subtree in one query: those due within `days`, and those whose
    day has passed without a record (the secretary is reminded to record or cancel them)."""
    rows = list(
        Meeting.objects.filter(subtree_q("org_path", org.path)).visible_to(actor, OrgLifePerm.VIEW)
        .filter(status=MeetingStatus.PLANNED, date__lte=today + dt.timedelta(days=days))
        .select_related("org").order_by("-date", "-id")[:limit * 4]
    )
    upcoming = sorted((m for m in rows if m.date >= today), key=lambda m: (m.date, m.id))[:limit]
    overdue = sorted((m for m in rows if m.date < today), key=lambda m: (m.date, m.id))[:limit]
    return upcoming, overdue


# --- compliance board ----------------------------------------------------------------------------------

@dataclass
class BoardRow:
    org_id: int
    org_path: str
    name: str
    missing: list = field(default_factory=list)  # [(rule code, label, state, held, required)]


@dataclass
class Board:
    org: Organization
    month: dt.date
    rules: tuple
    month_counts: dict  # rule → Counter(state → branches)
    year_missed: dict  # rule → branch-months missed this year up to the month
    branches: int
    rows: list  # BoardRow for branches with something missing this month (one page)
    more: bool
    built: bool


def _slot_counts(qs, states: tuple[str, ...]) -> dict:
    """{(rule code, state): rows} over a queryset of ComplianceStatus rows, in one aggregate query."""
    aggregates = {}
    for index, code in enumerate(rules.RULE_SLOTS):
        for state in states:
            char = rules.STATE_CODES[state]
            aggregates[f"{code}__{state}"] = Sum(Case(When(Q(**{f"s{index}": char}), then=1), default=0,
                                                      output_field=IntegerField()))
    annotated = qs.annotate(**{f"s{i}": Substr("states", i + 1, 1) for i in range(len(rules.RULE_SLOTS))})
    return {tuple(key.split("__")): value or 0 for key, value in annotated.aggregate(**aggregates).items()}


def _year_missed(this_month, labels) -> dict:
    """{rule code: branch-months missed this year up to the month}, summed from the month's own rows (each
    carries its year-to-date count per slot, ComplianceStatus.missed_ytd), in one aggregate query."""
    digits = Value(rules.YTD_DIGITS)
    sums = {code: Sum(StrIndex(digits, Substr("missed_ytd", rules.RULE_SLOTS.index(code) + 1, 1)) - 1,
                      output_field=IntegerField()) for code in labels}
    return {code: value or 0 for code, value in this_month.aggregate(**sums).items()}


def compliance_board(actor, org: Organization, month: dt.date, *, limit: int = 100, offset: int = 0,
                     with_year: bool = True) -> Board:
    """Which branches of the subtree miss what, this month and this year, from the pre-aggregated rows of the
    month only: one aggregate for the month, one for the year's missed months (carried on each row), one page
    of branches with something missing."""
    month = rules.month_start(month)
    active = active_rules()
    labels = {rule.code: rule.label for rule in active}
    base = ComplianceStatus.objects.filter(subtree_q("org_path", org.path)).visible_to(actor, OrgLifePerm.VIEW)
    this_month = base.filter(month=month)
    counts = _slot_counts(this_month, ("met", "open", "missed"))
    month_counts = {code: Counter({state: counts[(code, state)] for state in ("met", "open", "missed")})
                    for code in labels}
    branches_count = max([sum(c.values()) for c in month_counts.values()] or [0])
    year_missed = dict.fromkeys(labels, 0)
    if with_year:
        year_missed = _year_missed(this_month, labels)
    if limit == 0:
        return Board(org, month, active, month_counts, year_missed, branches_count, [], False,
                     built=branches_count > 0)
    rows_qs = (this_month.filter(missing__gt=0).order_by("org_path")
               .values_list("org_id", "org_path", "org__name", "states", "held", "required")[offset:offset + limit + 1])
    rows = []
    for org_id, path, name, states, held, required in rows_qs:
        row = BoardRow(org_id, path, name)
        for code, (state, n, req) in rules.decode_status(states, held, required).items():
            if state != "met" and code in labels:
                row.missing.append((code, labels[code], state, n, req))
        rows.append(row)
    more = len(rows) > limit
    return Board(org, month, active, month_counts, year_missed, branches_count, rows[:limit], more,
                 built=branches_count > 0)


def branch_year(actor, org: Organization, year: int) -> dict:
    """One branch's year: rule × month (state, held, required), from the pre-aggregated rows."""
    rows = (ComplianceStatus.objects.filter(org=org).visible_to(actor, OrgLifePerm.VIEW)
            .filter(month__year=year).values_list("month", "states", "held", "required"))
    grid: dict = defaultdict(dict)
    for month, states, held, required in rows:
        for code, cell in rules.decode_status(states, held, required).items():
            grid[code][month.month] = cell
    return grid


@dataclass
class MemberRate:
    member_id: int
    name: str
    present: int
    expected: int
    excused: int
    guest_present: int

    @property
    def rate(self) -> float | None:
        return None if not self.expected else round(100 * (self.present + self.guest_present) / self.expected, 1)


def member_attendance(actor, org: Organization, year: int) -> list[MemberRate]:
    """Each current member's attendance at the meetings of their branch or group this year; mobile members'
    attendance at a host branch is credited here (guest_present), and adds to the rate."""
    members = list(Member.objects.visible_to(actor, OrgLifePerm.VIEW).filter(org=org, state=MemberState.ACTIVE)
                   .order_by("name", "id").values_list("id", "name"))
    ids = [pk for pk, _name in members]
    counts = (Attendance.objects.filter(member_id__in=ids, held_on__year=year).values("member_id")
              .annotate(present=Count("id", filter=Q(status=AttendanceStatus.PRESENT, is_guest=False)),
                        expected=Count("id", filter=Q(is_guest=False)),
                        excused=Count("id", filter=Q(status=AttendanceStatus.EXCUSED)),
                        guest=Count("id", filter=Q(is_guest=True, status=AttendanceStatus.PRESENT))).order_by())
    by_member = {row["member_id"]: row for row in counts}
    result = []
    for pk, name in members:
        row = by_member.get(pk, {})
        result.append(MemberRate(pk, name, row.get("present", 0), row.get("expected", 0), row.get("excused", 0),
                                 row.get("guest", 0)))
    return result


def appraisals_of(meeting: Meeting) -> dict[int, str]:
    return dict(Appraisal.objects.filter(meeting=meeting).values_list("member_id", "grade"))


# --- record book ---------------------------------------------------------------------------------------

def book_meetings(actor, org: Organization, year: int, perm: str = OrgLifePerm.VIEW) -> list[dict]:
    """The 三会一课 record book: every held meeting of the branch in the year with who attended."""
    meetings = list(Meeting.objects.filter(org=org).visible_to(actor, perm)
                    .filter(status=MeetingStatus.HELD, date__year=year)
                    .select_related("host", "recorder", "party_group").order_by("date", "id"))
    people: dict = defaultdict(lambda: defaultdict(list))
    rows = (Attendance.objects.filter(meeting__in=[m.pk for m in meetings])
            .values_list("meeting_id", "status", "is_guest", "reason", "member__name").order_by("member__name"))
    for meeting_id, status, is_guest, reason, name in rows:
        key = "guests" if is_guest else status
        people[meeting_id][key].append(f"{name}（{reason}）" if reason and not is_guest else name)
    return [{"meeting": m, "present": people[m.pk]["present"], "absent": people[m.pk]["absent"],
             "excused": people[m.pk]["excused"], "guests": people[m.pk]["guests"]} for m in meetings]


# --- self-withdrawal review (党章 第九条, RULES.md §2) ---------------------------------------------------

def absence_review_cases(prefix: str, as_of: dt.date) -> list[ReviewCase]:
    """Members under `prefix` who attended no meeting of their branch or group (nor, for mobile members, of a
    host branch) in each of the last 6 full months, while meetings they should attend were held and they were
    not on leave. Set-based: one query for those with no attendance credit in the window, one for evidence."""
    window = rules.absence_window(as_of)
    start, end = window[0], rules.month_end(window[-1])
    credited = Attendance.objects.filter(
        held_on__gte=start, held_on__lte=end,
        status__in=[AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED]).values("member_id")
    candidates = (Member.objects.filter(subtree_q("org_path", prefix), state=MemberState.ACTIVE, joined_on__lte=start)
                  .exclude(pk__in=credited))
    missed = (Attendance.objects.filter(member__in=candidates, held_on__gte=start, held_on__lte=end,
                                        status=AttendanceStatus.ABSENT, is_guest=False)
              .values_list("member_id", "held_on").order_by("member_id", "held_on"))
    months_missed: dict[int, set] = defaultdict(set)
    meetings: Counter = Counter()
    for member_id, held_on in missed.iterator(chunk_size=5000):
        months_missed[member_id].add(held_on.strftime("%Y-%m"))
        meetings[member_id] += 1
    labels = tuple(m.strftime("%Y-%m") for m in window)
    return [
        ReviewCase(member_id=member_id, ground="org_life", months=labels,
                   evidence=f"{labels[0]}至{labels[-1]}连续{len(labels)}个月未参加党的组织生活（缺席本支部会议"
                            f"{meetings[member_id]}次，涉及{'、'.join(sorted(months))}），期间无请假记录")
        for member_id, months in sorted(months_missed.items())
    ]

