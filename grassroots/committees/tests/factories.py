"""Builders for committee tests: a branch with full members, and an election taken to a given stage through the
real services."""

import datetime as dt

from grassroots.access.roles import Role
from grassroots.committees import services
from grassroots.committees.choices import ElectionStage
from grassroots.core.testing.factories import make_member, make_user

MEETING = dt.date(2026, 10, 10)
TODAY = dt.date(2026, 11, 22)


def branch_members(org, n: int, admin=None, **overrides):
    admin = admin or make_user(role=Role.ORG_ADMIN, org=org)
    return [make_member(org, actor=admin, name=f"党员{i:02d}", **overrides) for i in range(n)]


def election_at(stage: str, *, org, manager, approver, members, seats: int = 3, candidates: int = 4,
                method: str = "meeting", **fields):
    """An election of `org` taken through the services to `stage` (plan_approved, candidates_set, voted,
    result_submitted, result_approved)."""
    election = services.election_create(actor=manager, org=org, title="第五届支部委员会换届选举", seats=seats,
                                        method=method, planned_on=MEETING, plan="选举工作方案全文", **fields)
    election = services.election_transition(actor=manager, election=election, version=election.version,
                                             to=ElectionStage.PLAN_SUBMITTED)
    if stage == ElectionStage.PLAN_SUBMITTED:
        return election
    election = services.election_transition(actor=approver, election=election, version=election.version,
                                             to=ElectionStage.PLAN_APPROVED, today=dt.date(2026, 9, 1))
    if stage == ElectionStage.PLAN_APPROVED:
        return election
    for member in members[:candidates]:
        services.candidate_add(actor=manager, election=election, member=member, pledge="服务群众")
    election = services.election_transition(actor=manager, election=election, version=election.version,
                                             to=ElectionStage.CANDIDATES_SET)
    if stage == ElectionStage.CANDIDATES_SET:
        return election
    eligible = services.eligible_voters(election, MEETING).count()
    election = services.election_meeting_record(actor=manager, election=election, version=election.version,
                                                meeting_on=MEETING, present_count=eligible, today=TODAY)
    running = list(election.candidates.order_by("member__name"))
    votes = {c.pk: eligible - i for i, c in enumerate(running)}  # strictly descending, all over half
    services.election_round_record(actor=manager, election=election, version=election.version,
                                   ballots_issued=eligible, ballots_returned=eligible, votes=votes)
    election.refresh_from_db()
    if stage == ElectionStage.VOTED:
        return election
    elected = list(election.candidates.filter(elected_in_round__isnull=False).order_by("member__name"))
    posts = ["secretary", "organization_officer", "publicity_officer", "discipline_officer", "committee_member"]
    services.election_posts_assign(actor=manager, election=election, version=election.version,
                                   posts={c.pk: posts[i] for i, c in enumerate(elected)})
    election.refresh_from_db()
    election = services.election_transition(actor=manager, election=election, version=election.version,
                                             to=ElectionStage.RESULT_SUBMITTED)
    if stage == ElectionStage.RESULT_SUBMITTED:
        return election
    return services.election_transition(actor=approver, election=election, version=election.version,
                                        to=ElectionStage.RESULT_APPROVED, decision_ref="甲组字〔2026〕1号", today=TODAY)
