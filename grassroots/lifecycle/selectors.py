"""Reads of the member lifecycle. Every one starts from `visible_to(actor, perm)` (a transfer row is visible
to both its sending and its receiving side; the member record only to the member's own organization)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BigIntegerField, CharField, Count, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from grassroots.access.scoping import get_scoped_or_404, orgs_for, path_filter
from grassroots.core.paths import subtree_q
from grassroots.lifecycle import review, rules
from grassroots.lifecycle.choices import DecisionKind, DecisionStatus, TransferKind, TransferStatus
from grassroots.lifecycle.models import (
    ContactAttempt,
    Decision,
    ReviewOutcome,
    Transfer,
    Whereabouts,
    WorkAssignment,
    WorkReport,
)
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orgs.models import PATH_STEP, Organization

PERM = LifecyclePerm.VIEW


def _narrow(qs, field: str, prefix: str | None):
    return qs.filter(subtree_q(field, prefix)) if prefix else qs


# Transfers -------------------------------------------------------------------------------------------------

def transfer_queryset(actor, *, prefix: str | None = None, direction: str = "", status: str = "",
                      kind: str = ""):
    """direction: "out" (sent from the actor's subtree), "in" (to it), "" both."""
    qs = Transfer.objects.visible_to(actor, PERM)
    mine_from = path_filter("from_path", [prefix] if prefix else orgs_for(actor, PERM))
    mine_to = path_filter("to_path", [prefix] if prefix else orgs_for(actor, PERM))
    if direction == "out" and mine_from is not None:
        qs = qs.filter(mine_from)
    elif direction == "in" and mine_to is not None:
        qs = qs.filter(mine_to)
    elif prefix:
        qs = qs.filter(mine_from | mine_to)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def transfer_list(actor, **filters):
    return transfer_queryset(actor, **filters).select_related("from_org", "to_org").order_by("-issued_on", "-id")


def transfer_get(actor, pk: int) -> Transfer:
    return get_scoped_or_404(Transfer.objects.select_related("from_org", "to_org"), actor, PERM, pk=pk)


def transfer_sides(actor, transfer: Transfer) -> dict:
    """Which side(s) of the transfer the actor acts for."""
    from grassroots.access.scoping import can

    return {
        "sender": bool(transfer.from_path) and can(actor, LifecyclePerm.TRANSFER, transfer.from_path),
        "receiver": bool(transfer.to_path) and can(actor, LifecyclePerm.TRANSFER, transfer.to_path),
    }


def expired_letters(actor, as_of: dt.date, prefix: str | None = None):
    return transfer_queryset(actor, prefix=prefix, status=TransferStatus.PENDING).filter(
        kind__in=(TransferKind.OUTBOUND, TransferKind.INBOUND), valid_until__lt=as_of)


# The roll on a date -----------------------------------------------------------------------------------------

# A completed move inside the system: an accepted internal transfer or a direct one. Both moved the member on
# decided_on (services.transfers._move), so on that day the member already belongs to the receiving branch.
COMPLETED_MOVE = Q(kind__in=[TransferKind.INTERNAL, TransferKind.DIRECT],
                   status__in=[TransferStatus.ACCEPTED, TransferStatus.COMPLETED],
                   member__isnull=False, from_org__isnull=False, to_org__isnull=False)


def members_on(org: Organization, day: dt.date, *, subtree: bool = False):
    """Members whose branch on `day` was `org` (with subtree: lay under it), wherever they are now: the branch
    left by their first completed move after the day, else their branch now (the rule dues reads from
    DuesMove for the 1st of a month). Joining, leaving and status on the day are the caller's filters. Not
    scoped: for services that have checked the actor on `org`. Candidates are found by index (members there
    now, and the moves out of there after the day) before the per-member subquery runs."""
    later = Transfer.objects.filter(COMPLETED_MOVE, decided_on__gt=day)
    first = later.filter(member_id=OuterRef("pk")).order_by("decided_on", "id")
    if subtree:
        moved_out = later.filter(subtree_q("from_path", org.path)).values("member_id")
        return (Member.objects.filter(subtree_q("org_path", org.path) | Q(pk__in=moved_out))
                .alias(path_then=Coalesce(Subquery(first.values("from_path")[:1]), F("org_path"),
                                      output_field=CharField()))
                .filter(path_then__startswith=org.path))
    moved_out = later.filter(from_org_id=org.pk).values("member_id")
    return (Member.objects.filter(Q(org_id=org.pk) | Q(pk__in=moved_out))
            .alias(org_then=Coalesce(Subquery(first.values("from_org_id")[:1]), F("org_id"),
                                     output_field=BigIntegerField()))
            .filter(org_then=org.pk))


# Mobile members --------------------------------------------------------------------------------------------

def _scoped_members(actor, prefix: str | None, perm: str = PERM):
    return _narrow(Member.objects.all(), "org_path", prefix).visible_to(actor, perm)


def open_whereabouts(actor, prefix: str | None = None):
    """Stays away not yet ended, of members of the actor's subtree (the home side)."""
    qs = _narrow(Whereabouts.objects.all(), "member__org_path", prefix)
    home = path_filter("member__org_path", orgs_for(actor, PERM))
    if home is None:
        return qs.none()
    # An open stay always goes with the member's mobile flag (whereabouts_record sets it, the last return clears
    # it): filtering on the flag lets the partial index member_mobile_idx bound the subtree.
    return qs.filter(home, returned_on__isnull=True, member__state=MemberState.ACTIVE, member__is_mobile=True)


def mobile_list(actor, prefix: str | None = None):
    return open_whereabouts(actor, prefix).select_related("member", "member__org", "host_org").order_by("left_on", "id")


def mobile_transfer_due(actor, as_of: dt.date, prefix: str | None = None):
    """Away 6 months or more at a fixed place: a transfer of membership is required (第二十五条)."""
    return open_whereabouts(actor, prefix).filter(fixed_place=True,
                                                  left_on__lte=rules.cutoff("mobile_transfer", as_of))


def hosted_members(actor, prefix: str | None = None):
    """Mobile members hosted by organizations of the actor's subtree (they attend and pay dues here, without a
    vote): for organizational life and dues to include them."""
    host = path_filter("host_path", [prefix] if prefix else orgs_for(actor, PERM))
    if host is None:
        return Whereabouts.objects.none()
    return Whereabouts.objects.filter(host, returned_on__isnull=True, member__state=MemberState.ACTIVE).select_related(
        "member", "member__org", "host_org").order_by("host_path", "id")


@dataclass
class Gathering:
    origin: Organization
    place: str
    count: int


def mobile_gatherings(actor, prefix: str | None = None) -> list[Gathering]:
    """Three or more members from one township gathered at one destination: suggest a mobile branch there."""
    origin_len = 2 * PATH_STEP  # county + township segments
    rows = list(open_whereabouts(actor, prefix).annotate(origin=Substr("member__org_path", 1, origin_len))
                .values_list("origin", "place"))
    found = rules.gatherings(rows)
    if not found:
        return []
    orgs = {o.path: o for o in Organization.objects.filter(path__in={o for o, _d, _n in found})}
    return [Gathering(orgs[o], d, n) for o, d, n in found if o in orgs]


# Unreachable members ---------------------------------------------------------------------------------------

def _suspension_due(actor, as_of: dt.date, prefix: str | None):
    attempts = ContactAttempt.objects.filter(member=OuterRef("pk"), reached=False,
                                             on__gte=OuterRef("unreachable_since"))
    return (_scoped_members(actor, prefix)
            .filter(is_unreachable=True, state=MemberState.ACTIVE,
                    unreachable_since__lte=rules.cutoff("unreachable_suspend", as_of))
            .filter(Exists(attempts)))


def suspension_candidates(actor, as_of: dt.date, prefix: str | None = None):
    """Unreachable 6 months or more, with failed attempts recorded since: listed for a suspension decision."""
    return (
        _suspension_due(actor, as_of, prefix)
        .annotate(attempts=Count("contact_attempts", filter=Q(contact_attempts__reached=False)),
                  last_attempt=Max("contact_attempts__on"))
        .select_related("org").order_by("unreachable_since", "id")
    )


def unreachable_without_attempts(actor, prefix: str | None = None):
    """Unreachable members with no failed attempt recorded since they were lost: attempts are due first."""
    attempts = ContactAttempt.objects.filter(member=OuterRef("pk"), reached=False,
                                             on__gte=OuterRef("unreachable_since"))
    return (_scoped_members(actor, prefix).filter(state=MemberState.ACTIVE, is_unreachable=True)
            .filter(~Exists(attempts)).select_related("org").order_by("unreachable_since", "id"))


def removal_candidates(actor, as_of: dt.date, prefix: str | None = None):
    """Suspended 2 years or more and still unreachable: listed for removal as self-withdrawal."""
    suspended_on = (Decision.objects.filter(member=OuterRef("pk"), kind=DecisionKind.SUSPENSION,
                                            status=DecisionStatus.APPROVED)
                    .order_by("-occurred_on").values("occurred_on")[:1])
    return (
        _scoped_members(actor, prefix)
        .filter(state=MemberState.SUSPENDED, is_unreachable=True)
        .annotate(suspended_on=Subquery(suspended_on))
        .filter(suspended_on__lte=rules.cutoff("suspended_remove", as_of))
        .select_related("org").order_by("suspended_on", "id")
    )


# Decisions -------------------------------------------------------------------------------------------------

def decision_list(actor, *, prefix: str | None = None, status: str = ""):
    qs = _narrow(Decision.objects.all(), "org_path", prefix).visible_to(actor, PERM)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("member", "org", "approved_by_org").order_by("-occurred_on", "-id")


def decisions_to_approve(actor, prefix: str | None = None):
    """Proposed decisions of organizations strictly below one where the actor may decide."""
    prefixes = orgs_for(actor, LifecyclePerm.DECIDE)
    below = None
    for p in prefixes:
        part = subtree_q("org_path", p) & ~Q(org_path=p)
        below = part if below is None else below | part
    if below is None:
        return Decision.objects.none()
    return (_narrow(Decision.objects.filter(below), "org_path", prefix)
            .filter(status=DecisionStatus.PROPOSED).select_related("member", "org").order_by("occurred_on", "id"))


def decision_get(actor, pk: int) -> Decision:
    return get_scoped_or_404(Decision.objects.select_related("member", "org", "approved_by_org"), actor, PERM, pk=pk)


# Member page -----------------------------------------------------------------------------------------------

def member_get(actor, pk: int, perm: str = PERM) -> Member:
    return get_scoped_or_404(Member.objects.select_related("org"), actor, perm, pk=pk)


def member_lifecycle(actor, member: Member) -> dict:
    """The lifecycle records of one member the actor may see (the caller fetched the member in scope)."""
    return {
        "whereabouts": list(member.whereabouts.select_related("host_org").order_by("-left_on", "-id")[:20]),
        "contacts": list(member.contact_attempts.order_by("-on", "-id")[:30]),
        "decisions": list(member.decisions.select_related("approved_by_org").order_by("-occurred_on", "-id")[:20]),
        "transfers": list(member.transfers.select_related("from_org", "to_org").order_by("-issued_on", "-id")[:20]),
        "reviews": list(member.review_outcomes.order_by("-decided_on", "-id")[:20]),
        "work": list(member.work_assignments.order_by("-assigned_on", "-id")[:20]),
    }


# Self-withdrawal review ------------------------------------------------------------------------------------

@dataclass
class ReviewRow:
    member: Member
    cases: list  # review.ReviewCase
    last_outcome: ReviewOutcome | None = None

    @property
    def grounds(self) -> list[str]:
        return [case.ground for case in self.cases]


def review_rows(actor, as_of: dt.date, prefix: str | None = None) -> list[ReviewRow]:
    """Every registered ground's cases under the actor's scoped prefixes, joined with member names in one query
    and the last recorded outcome in another."""
    prefixes = orgs_for(actor, PERM)
    if prefix:
        if not any(prefix.startswith(p) for p in prefixes):
            return []
        prefixes = [prefix]
    cases = [case for p in prefixes for case in review.review_cases(p, as_of)]
    ids = {case.member_id for case in cases}
    if not ids:
        return []
    members = {m.pk: m for m in Member.objects.visible_to(actor, PERM).filter(pk__in=ids, state=MemberState.ACTIVE)
               .select_related("org").only("id", "name", "org_id", "org_path", "org__name", "version", "state")}
    outcomes = {}
    for row in ReviewOutcome.objects.filter(member_id__in=members).order_by("member_id", "decided_on", "id"):
        outcomes[row.member_id] = row
    grouped: dict[int, ReviewRow] = {}
    for case in cases:
        member = members.get(case.member_id)
        if member is None:
            continue
        grouped.setdefault(member.pk, ReviewRow(member, [], outcomes.get(member.pk))).cases.append(case)
    return sorted(grouped.values(), key=lambda r: (r.member.org_path, r.member.pk))


# Work assigned by the branch -------------------------------------------------------------------------------

def _last_report(as_of: dt.date | None = None):
    reports = WorkReport.objects.filter(assignment=OuterRef("pk"))
    if as_of is not None:
        reports = reports.filter(on__lte=as_of)
    return Subquery(reports.order_by("-on").values("on")[:1])


def work_list(actor, *, prefix: str | None = None, status: str = "open", member_id: int | None = None):
    """Assignments of the actor's subtree with the date of the last report (one query, keyset-paged by the
    caller). status: "open", "done" or "" for both."""
    qs = _narrow(WorkAssignment.objects.all(), "org_path", prefix).visible_to(actor, PERM)
    if status == "open":
        qs = qs.filter(done_on__isnull=True)
    elif status == "done":
        qs = qs.filter(done_on__isnull=False)
    if member_id:
        qs = qs.filter(member_id=member_id)
    return (qs.annotate(last_report=_last_report())
            .select_related("member", "org").order_by("org_path", "id"))


def branch_members(actor, org: Organization, perm: str = PERM):
    """(id, name) of the branch's members on the roster, for choosing whom to assign work."""
    return (Member.objects.filter(org=org, state=MemberState.ACTIVE).visible_to(actor, perm)
            .order_by("name", "id").values_list("id", "name")[:500])


def work_annotate(rows, as_of: dt.date) -> None:
    """Set each row's last activity, idle months and whether it meets the self-withdrawal period."""
    for row in rows:
        row.last_activity = max(filter(None, (row.assigned_on, getattr(row, "last_report", None))))
        row.idle = rules.idle_months(row.last_activity, as_of) if row.done_on is None else ()
        row.idle_due = row.done_on is None and rules.work_idle(row.last_activity, as_of)


def work_get(actor, pk: int, perm: str = PERM) -> WorkAssignment:
    qs = WorkAssignment.objects.select_related("member", "org").annotate(last_report=_last_report())
    return get_scoped_or_404(qs, actor, perm, pk=pk)


def work_reports(assignment: WorkAssignment) -> list[WorkReport]:
    return list(assignment.reports.order_by("-on", "-id")[:200])


def work_review_cases(prefix: str, as_of: dt.date) -> list[review.ReviewCase]:
    """The self-withdrawal review provider for the "work" ground (党章 第九条: 连续六个月不做党所分配的工作):
    members of active standing under `prefix` with an assignment open on `as_of`, assigned at least 6 months
    before, and no work report in the last 6 months. One query; the evidence names the task and the months."""
    cutoff = rules.cutoff("self_withdrawal", as_of)
    recent = WorkReport.objects.filter(assignment=OuterRef("pk"), on__gt=cutoff, on__lte=as_of)
    rows = (WorkAssignment.objects.filter(subtree_q("org_path", prefix), member__state=MemberState.ACTIVE,
                                          assigned_on__lte=cutoff)
            .filter(Q(done_on__isnull=True) | Q(done_on__gt=as_of))
            .filter(~Exists(recent))
            .annotate(last_report=_last_report(as_of))
            .values_list("member_id", "title", "assigned_on", "last_report")
            .order_by("member_id", "assigned_on", "id"))
    found: dict[int, list] = {}
    for member_id, title, assigned_on, last_report in rows.iterator(chunk_size=2000):
        found.setdefault(member_id, []).append((title, assigned_on, max(assigned_on, last_report or assigned_on)))
    cases = []
    for member_id, tasks in found.items():
        title, assigned_on, last = min(tasks, key=lambda t: t[2])  # the longest without any work
        months = rules.idle_months(last, as_of)
        since = (f"最后一次工作记录为{last.isoformat()}" if last != assigned_on else "此后没有任何工作记录")
        evidence = (f"{assigned_on.isoformat()}分配的工作任务「{title}」至今未完成，{since}；"
                    f"{months[0]}至{months[-1]}连续{len(months)}个月未做党所分配的工作")
        if len(tasks) > 1:
            evidence += f"（另有{len(tasks) - 1}项任务同样无工作记录）"
        cases.append(review.ReviewCase(member_id=member_id, ground="work", months=months,
                                       evidence=evidence + "（党章第九条）"))
    return cases


# Counts ----------------------------------------------------------------------------------------------------

def lifecycle_counts(actor, as_of: dt.date | None = None, prefix: str | None = None) -> dict:
    """The figures of the dashboard panel and the overview page: one COUNT each."""
    as_of = as_of or timezone.localdate()
    pending_in = transfer_queryset(actor, prefix=prefix, direction="in", status=TransferStatus.PENDING)
    pending_out = transfer_queryset(actor, prefix=prefix, direction="out", status=TransferStatus.PENDING)
    return {
        "pending_in": pending_in.count(),
        "pending_out": pending_out.count(),
        "expired_letters": expired_letters(actor, as_of, prefix).count(),
        "mobile": open_whereabouts(actor, prefix).count(),
        "mobile_transfer_due": mobile_transfer_due(actor, as_of, prefix).count(),
        "suspension_candidates": _suspension_due(actor, as_of, prefix).count(),
        "removal_candidates": removal_candidates(actor, as_of, prefix).count(),
        "to_approve": decisions_to_approve(actor, prefix).count(),
        "suspended": _scoped_members(actor, prefix).filter(state=MemberState.SUSPENDED).count(),
    }
