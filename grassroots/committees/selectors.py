"""Reads of the committees module. Every one starts from Model.objects.visible_to(actor, perm); the public
notice has its own selector that reads published results only."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone

from grassroots.access.scoping import get_scoped_or_404
from grassroots.committees import rules
from grassroots.committees.choices import ElectionStage
from grassroots.committees.models import (
    COMMITTEE_POST_CHOICES,
    Candidate,
    CommitteePost,
    Election,
    FirstSecretary,
    ReserveCadre,
    TermChange,
)
from grassroots.committees.permissions import CommitteePerm
from grassroots.core.pagination import MAX_PAGE, Page, capped_count, keyset_page
from grassroots.core.paths import subtree_q
from grassroots.members.models import Member
from grassroots.members.rules import age_on
from grassroots.orgs.choices import OrgKind, OrgSector, OrgStatus
from grassroots.orgs.models import Organization
from grassroots.orgs.rules import org_warnings

POST_ORDER = {code: i for i, (code, _label) in enumerate(COMMITTEE_POST_CHOICES)}
COMMITTEE_WARNINGS = frozenset({"committee_missing", "committee_too_large", "committee_above_usual",
                                "committee_not_required", "no_secretary", "term_expired", "term_ending"})


def chosen_from_subtree(org: Organization) -> bool:
    """A branch's committee is chosen from and by its own members; a general branch's or a (township) Party
    committee's from and by the members of its whole subtree, who hold no membership in it directly
    (支部工作条例 第九条、第十条; 选举工作条例 第二条). A county (city, district) committee is a local committee elected by
    a congress of delegates, not by every member of the county: it keeps its own members only."""
    return org.kind != OrgKind.BRANCH and org.sector != OrgSector.COUNTY_COMMITTEE


def members_q(org: Organization) -> Q:
    """The members a committee post or election of `org` chooses from (see chosen_from_subtree)."""
    return subtree_q("org_path", org.path) if chosen_from_subtree(org) else Q(org_id=org.pk)


def org_for(actor, pk: int, perm: str = CommitteePerm.VIEW) -> Organization:
    return get_scoped_or_404(Organization.objects.select_related("parent"), actor, perm, pk=pk)


def committee_current(org: Organization) -> list[CommitteePost]:
    """The current committee of an organization the caller may see, secretary first."""
    rows = list(CommitteePost.objects.current().filter(org=org).select_related("member"))
    return sorted(rows, key=lambda p: (POST_ORDER.get(p.post, 99), p.started_on, p.pk))


def committee_past(org: Organization, limit: int = 50) -> list[CommitteePost]:
    return list(CommitteePost.objects.filter(org=org, ended_on__isnull=False).select_related("member")
                .order_by("-ended_on", "-id")[:limit])


def committee_history(org: Organization, limit: int = 30):
    """The organization's committee events (posts, members' posts, term changes, elections, the term restart)."""
    from grassroots.core.models import AuditEvent

    return list(AuditEvent.objects.filter(org_path=org.path)
                .filter(Q(verb__startswith="committees.") | Q(verb="orgs.org.update", target_id=org.pk))
                .exclude(verb__endswith=".reveal").order_by("-id")[:limit])


@dataclass
class TermInfo:
    years: int
    source: str
    started_on: dt.date | None
    statutory_ends_on: dt.date | None
    ends_on: dt.date | None
    change: TermChange | None
    overdue: bool
    ending_soon: bool


def term_info(org: Organization, today: dt.date | None = None) -> TermInfo:
    today = today or timezone.localdate()
    rule = rules.term_years(org.kind, org.sector)
    statutory = rules.term_ends_on(org.kind, org.sector, org.term_started_on)
    change = None
    if org.term_started_on is not None:
        change = (TermChange.objects.filter(org=org, term_started_on=org.term_started_on)
                  .select_related("approver_org").order_by("-id").first())
    ends = change.new_ends_on if change else statutory
    horizon = rules.add_months(today, rules.TERM_REMINDER_MONTHS.value)
    return TermInfo(rule.value, rule.source, org.term_started_on, statutory, ends, change,
                    overdue=bool(ends and ends <= today), ending_soon=bool(ends and today < ends <= horizon))


def committee_warnings(org: Organization, today: dt.date | None = None):
    """The organization's committee and term warnings (orgs.rules, the one home), with an approved postponement
    taken into account."""
    from grassroots.orgs.selectors import org_facts

    today = today or timezone.localdate()
    facts = org_facts(org)
    info = term_info(org, today)
    if info.change is not None:
        from dataclasses import replace

        facts = replace(facts, term_ends_on_override=info.ends_on)
    return facts, [w for w in org_warnings(facts, today) if w.code in COMMITTEE_WARNINGS]


def offset_page(qs, *, order: tuple[str, ...], page_size: int, page: int | None) -> Page:
    """Numbered pages for this module's lists (at most a county's few thousand records; ordered by a date,
    which a keyset cursor of the shared helper cannot carry)."""
    number = min(max(1, page or 1), MAX_PAGE)
    offset = (number - 1) * page_size
    rows = list(qs.order_by(*order)[offset: offset + page_size + 1])
    result = Page(items=rows[:page_size], page_size=page_size, number=number, has_prev=number > 1,
                  has_next=len(rows) > page_size)
    result.total, result.total_capped = capped_count(qs)
    return result


# ---------------------------------------------------------------- terms due

DUE_OVERDUE = "overdue"
DUE_ENDING = "ending"


def _statutory_ends_by_q(horizon: dt.date) -> Q:
    """Organizations whose statutory term ends on or before `horizon`, by the term-length groups of orgs.rules."""
    query = Q()
    for years, pairs in rules.term_groups(OrgKind.values, OrgSector.values).items():
        cutoff = rules.latest_start_ending_by(horizon, years)
        for kind, sectors in pairs:
            query |= Q(kind=kind, sector__in=sectors, term_started_on__lte=cutoff)
    return query


def current_term_changes(org: Organization) -> dict[int, dt.date]:
    """{organization id: approved end date} for the subtree's organizations whose current term was postponed or
    brought forward (few rows: one small query instead of a sub-select per organization)."""
    rows = (TermChange.objects.filter(subtree_q("org__path", org.path), term_started_on=F("org__term_started_on"))
            .order_by("id").values_list("org_id", "new_ends_on"))
    return dict(rows)  # the latest change of a term wins


def terms_due_queryset(actor, org: Organization, due: str, today: dt.date | None = None,
                       changes: dict[int, dt.date] | None = None):
    today = today or timezone.localdate()
    horizon = rules.add_months(today, rules.TERM_REMINDER_MONTHS.value)
    changes = current_term_changes(org) if changes is None else changes
    qs = (Organization.objects.filter(subtree_q("path", org.path)).visible_to(actor, CommitteePerm.VIEW)
          .filter(status=OrgStatus.ACTIVE, term_started_on__isnull=False))
    if due == DUE_OVERDUE:
        statutory = _statutory_ends_by_q(today)
        adjusted = [pk for pk, ends in changes.items() if ends <= today]
    else:
        statutory = _statutory_ends_by_q(horizon) & ~_statutory_ends_by_q(today)
        adjusted = [pk for pk, ends in changes.items() if today < ends <= horizon]
    return qs.filter((statutory & ~Q(pk__in=list(changes))) | Q(pk__in=adjusted))


def terms_due(actor, org: Organization, due: str, *, page_size: int = 50, after: str | None = None,
              before: str | None = None, page: int | None = None, today: dt.date | None = None,
              changes: dict[int, dt.date] | None = None, with_count: bool = True) -> Page:
    today = today or timezone.localdate()
    changes = current_term_changes(org) if changes is None else changes
    qs = terms_due_queryset(actor, org, due, today, changes)
    result = keyset_page(qs, key_fields=("path", "id"), page_size=page_size, after=after, before=before, page=page)
    for row in result.items:
        statutory = rules.term_ends_on(row.kind, row.sector, row.term_started_on)
        row.adjusted_ends_on = changes.get(row.pk)
        row.ends_on = row.adjusted_ends_on or statutory
        row.statutory_ends_on = statutory
        row.days_left = (row.ends_on - today).days
    if with_count:
        result.total, result.total_capped = capped_count(qs)
    return result


def terms_due_counts(actor, org: Organization, today: dt.date | None = None,
                     changes: dict[int, dt.date] | None = None) -> dict[str, int]:
    changes = current_term_changes(org) if changes is None else changes
    return {due: terms_due_queryset(actor, org, due, today, changes).count() for due in (DUE_OVERDUE, DUE_ENDING)}


# ---------------------------------------------------------------- elections

def election_list(actor, org: Organization, *, page_size: int = 50, page=None) -> Page:
    qs = (Election.objects.filter(subtree_q("org__path", org.path)).visible_to(actor, CommitteePerm.VIEW)
          .select_related("org"))
    return offset_page(qs, order=("-planned_on", "-id"), page_size=page_size, page=page)


def election_get(actor, pk: int, perm: str = CommitteePerm.VIEW) -> Election:
    return get_scoped_or_404(Election.objects.select_related("org", "plan_approver_org", "result_approver_org"),
                             actor, perm, pk=pk)


@dataclass
class ElectionView:
    election: Election
    candidates: list
    rounds: list
    nomination_rounds: list
    exclusions: list
    scores: dict
    candidates_needed: int
    voters: list
    eligible_now: int


def election_overview(election: Election, today: dt.date | None = None) -> ElectionView:
    """Everything the election page shows, in a fixed number of queries."""
    from grassroots.committees.services import eligible_voters

    today = today or timezone.localdate()
    candidates = list(election.candidates.select_related("member").order_by("elected_in_round", "member__name"))
    rounds = list(election.rounds.prefetch_related("votes__candidate__member"))
    nomination_rounds = list(election.nomination_rounds.prefetch_related("nominations__member").order_by("held_on", "id"))
    exclusions = list(election.exclusions.select_related("member", "approved_by"))
    scores: dict[int, object] = {}
    per_member: dict[int, list] = {}
    for nomination_round in nomination_rounds:
        for nomination in nomination_round.nominations.all():
            per_member.setdefault(nomination.member_id, []).append(
                (nomination_round.weight, nomination.votes, nomination_round.participants))
    for member_id, parts in per_member.items():
        scores[member_id] = rules.nomination_score(parts)
    for candidate in candidates:
        candidate.score = scores.get(candidate.member_id)
    voters = list(Member.objects.filter(members_q(election.org), state="active", status="full")
                  .only("id", "name").order_by("name"))
    eligible_now = eligible_voters(election, election.meeting_on or today).count()
    ratio = rules.ratio_from_percent(election.margin_percent)
    return ElectionView(election, candidates, rounds, nomination_rounds, exclusions, scores,
                        rules.candidates_needed(election.seats, ratio), voters, eligible_now)


def public_notice_get(pk: int) -> tuple[Election, list[Candidate]]:
    """A published, approved result: names and posts only (no other personal data leaves here)."""
    from django.http import Http404

    election = (Election.objects.filter(pk=pk, published_at__isnull=False,
                                        stage__in=(ElectionStage.RESULT_APPROVED, ElectionStage.FILED))
                .select_related("org").only("id", "title", "org__name", "meeting_on", "published_at",
                                            "result_approved_on", "stage", "seats").first())
    if election is None:
        raise Http404
    elected = list(Candidate.objects.filter(election=election, elected_in_round__isnull=False)
                   .select_related("member").only("id", "post", "extra_posts", "member__name"))
    elected.sort(key=lambda c: (POST_ORDER.get(c.post, 99), c.member.name))
    return election, elected


# ---------------------------------------------------------------- first secretaries and reserve cadres

def first_secretary_list(actor, org: Organization, *, current_only: bool = False, page_size: int = 50, page=None) -> Page:
    qs = (FirstSecretary.objects.filter(subtree_q("org__path", org.path)).visible_to(actor, CommitteePerm.VIEW)
          .select_related("org").annotate(log_count=Count("log_entries")))
    if current_only:
        qs = qs.filter(ended_on__isnull=True)
    return offset_page(qs, order=(F("ended_on").asc(nulls_first=True), "org__path", "-started_on", "id"), page_size=page_size, page=page)


def first_secretary_get(actor, pk: int, perm: str = CommitteePerm.VIEW) -> FirstSecretary:
    return get_scoped_or_404(FirstSecretary.objects.select_related("org", "user"), actor, perm, pk=pk)


def cadre_list(actor, org: Organization, *, status: str = "", page_size: int = 50, page=None, today: dt.date | None = None) -> Page:
    today = today or timezone.localdate()
    qs = (ReserveCadre.objects.filter(subtree_q("org__path", org.path)).visible_to(actor, CommitteePerm.VIEW)
          .select_related("org").annotate(training_count=Count("trainings")))
    if status:
        qs = qs.filter(status=status)
    result = offset_page(qs, order=("org__path", "-birth_date", "id"), page_size=page_size, page=page)
    for cadre in result.items:
        cadre.age = age_on(cadre.birth_date, today)
    return result


def cadre_get(actor, pk: int, perm: str = CommitteePerm.VIEW) -> ReserveCadre:
    cadre = get_scoped_or_404(ReserveCadre.objects.select_related("org", "member"), actor, perm, pk=pk)
    cadre.age = age_on(cadre.birth_date, timezone.localdate())
    return cadre


def first_secretary_count(actor, org: Organization) -> int:
    return (FirstSecretary.objects.filter(subtree_q("org__path", org.path)).visible_to(actor, CommitteePerm.VIEW)
            .filter(ended_on__isnull=True).count())
