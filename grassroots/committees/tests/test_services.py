import datetime as dt

import pytest

from grassroots.access.roles import Role
from grassroots.committees import selectors, services
from grassroots.committees.choices import ElectionStage, TermChangeKind
from grassroots.committees.models import CommitteePost, Election, FirstSecretary, ReserveCadre
from grassroots.committees.services import elections as election_services
from grassroots.committees.tests.factories import MEETING, TODAY, branch_members, election_at
from grassroots.core.errors import ConcurrentEdit, DomainError, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.dashboards.models import RollupState
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(tree, org_admin):
    return branch_members(tree.village_a1, 8, admin=org_admin)


@pytest.fixture
def town_secretary(tree):
    return make_user("sec_town_a", Role.SECRETARY, tree.town_a)


# ---------------------------------------------------------------- committee posts

def test_post_add_syncs_member_posts_and_is_audited(tree, secretary_a1, members):
    row = services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=members[0], post="secretary",
                                      started_on=dt.date(2024, 1, 1))
    assert Member.objects.get(pk=members[0].pk).posts == ["secretary"]
    assert AuditEvent.objects.filter(verb="committees.post.create", target_id=row.pk).exists()
    assert AuditEvent.objects.filter(verb="committees.member_posts.sync", target_id=members[0].pk).exists()
    services.committee_post_end(actor=secretary_a1, post=row, version=row.version, ended_on=dt.date(2025, 1, 1),
                                reason="resigned")
    assert Member.objects.get(pk=members[0].pk).posts == []


def test_post_sync_keeps_group_leader(tree, secretary_a1, org_admin):
    member = make_member(tree.village_a1, actor=org_admin, posts=["group_leader"])
    services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=member, post="publicity_officer",
                                started_on=dt.date(2024, 1, 1))
    assert Member.objects.get(pk=member.pk).posts == ["publicity_officer", "group_leader"]


def test_only_one_current_secretary(tree, secretary_a1, members):
    services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=members[0], post="secretary",
                                started_on=dt.date(2024, 1, 1))
    with pytest.raises(ValidationFailed) as exc:
        services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=members[1], post="secretary",
                                    started_on=dt.date(2024, 1, 1))
    assert "post" in exc.value.errors


def test_probationary_member_cannot_hold_a_post(tree, secretary_a1, org_admin):
    member = make_member(tree.village_a1, actor=org_admin, status="probationary", confirmed_on=None,
                         joined_on=dt.date(2026, 1, 5))
    with pytest.raises(ValidationFailed) as exc:
        services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=member, post="secretary",
                                    started_on=dt.date(2026, 2, 1))
    assert "预备党员" in exc.value.errors["member"][0]


def test_post_outside_scope_is_refused(tree, secretary_a1, org_admin):
    other = make_member(tree.village_b1, actor=org_admin)
    with pytest.raises(PermissionRefused):
        services.committee_post_add(actor=secretary_a1, org=tree.village_b1, member=other, post="secretary",
                                    started_on=dt.date(2024, 1, 1))


def test_member_of_another_branch_is_refused(tree, org_admin):
    other = make_member(tree.village_a2, actor=org_admin)
    with pytest.raises(ValidationFailed):
        services.committee_post_add(actor=org_admin, org=tree.village_a1, member=other, post="secretary",
                                    started_on=dt.date(2024, 1, 1))


def test_stale_version_is_refused(tree, secretary_a1, members):
    row = services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=members[0], post="secretary",
                                      started_on=dt.date(2024, 1, 1))
    with pytest.raises(ConcurrentEdit):
        services.committee_post_end(actor=secretary_a1, post=row, version=row.version + 1,
                                    ended_on=dt.date(2025, 1, 1), reason="resigned")


# ---------------------------------------------------------------- terms

def test_term_change_needs_approval_from_above(tree, secretary_a1, town_secretary):
    Organization.objects.filter(pk=tree.village_a1.pk).update(term_started_on=dt.date(2021, 12, 1))
    org = Organization.objects.get(pk=tree.village_a1.pk)
    with pytest.raises(PermissionRefused) as exc:
        services.term_change_approve(actor=secretary_a1, org=org, kind=TermChangeKind.POSTPONE,
                                     new_ends_on=dt.date(2027, 6, 1), reason="防汛")
    assert exc.value.code == "committees_approve_not_above"
    with pytest.raises(ValidationFailed) as exc:
        services.term_change_approve(actor=town_secretary, org=org, kind=TermChangeKind.POSTPONE,
                                     new_ends_on=dt.date(2027, 12, 2), reason="防汛")
    assert "new_ends_on" in exc.value.errors
    change = services.term_change_approve(actor=town_secretary, org=org, kind=TermChangeKind.POSTPONE,
                                          new_ends_on=dt.date(2027, 6, 1), reason="防汛", today=TODAY)
    assert change.approver_org == tree.town_a
    info = selectors.term_info(org, TODAY)
    assert info.ends_on == dt.date(2027, 6, 1) and not info.overdue


def test_terms_due_lists_overdue_and_ending_with_postponements(tree, org_admin, town_secretary):
    Organization.objects.filter(pk=tree.village_a1.pk).update(term_started_on=dt.date(2021, 11, 22))  # ends today
    Organization.objects.filter(pk=tree.village_a2.pk).update(term_started_on=dt.date(2021, 11, 23))  # tomorrow
    Organization.objects.filter(pk=tree.village_b1.pk).update(term_started_on=dt.date(2022, 5, 23))  # > 6 months
    Organization.objects.filter(pk=tree.town_a.pk).update(term_started_on=dt.date(2022, 5, 22))  # 6 months exactly
    overdue = {o.pk for o in selectors.terms_due(org_admin, tree.county, "overdue", today=TODAY).items}
    ending = {o.pk for o in selectors.terms_due(org_admin, tree.county, "ending", today=TODAY).items}
    assert overdue == {tree.village_a1.pk}
    assert ending == {tree.village_a2.pk, tree.town_a.pk}
    services.term_change_approve(actor=town_secretary, org=Organization.objects.get(pk=tree.village_a1.pk),
                                 kind=TermChangeKind.POSTPONE, new_ends_on=dt.date(2027, 11, 1), reason="x")
    assert selectors.terms_due_counts(org_admin, tree.county, TODAY) == {"overdue": 0, "ending": 2}
    # scoped: the town-A secretary does not see town B's organizations
    assert tree.village_b1.pk not in {o.pk for o in selectors.terms_due(town_secretary, tree.town_a, "ending",
                                                                           today=TODAY).items}


def test_term_years_for_a_school_branch_is_three(tree, org_admin):
    school = Organization.objects.create(path=tree.town_a.path + "0009", depth=3, parent=tree.town_a, name="学校支部",
                                         kind="branch", sector="school", term_started_on=dt.date(2023, 11, 22))
    overdue = {o.pk for o in selectors.terms_due(org_admin, tree.county, "overdue", today=TODAY).items}
    assert school.pk in overdue


# ---------------------------------------------------------------- elections

def test_election_seats_follow_committee_size(tree, secretary_a1, members):
    with pytest.raises(ValidationFailed) as exc:
        services.election_create(actor=secretary_a1, org=tree.village_a1, title="换届", seats=8, method="meeting",
                                 planned_on=MEETING)
    assert "seats" in exc.value.errors


def test_plan_approval_refused_for_own_secretary(tree, secretary_a1, town_secretary, members):
    election = election_at(ElectionStage.PLAN_SUBMITTED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    with pytest.raises(PermissionRefused):
        services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                     to=ElectionStage.PLAN_APPROVED)
    assert Election.objects.get(pk=election.pk).stage == ElectionStage.PLAN_SUBMITTED


def test_clerk_cannot_approve(tree, secretary_a1, town_secretary, clerk_a, members):
    election = election_at(ElectionStage.PLAN_SUBMITTED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    with pytest.raises(PermissionRefused):
        services.election_transition(actor=clerk_a, election=election, version=election.version,
                                     to=ElectionStage.PLAN_APPROVED)


def test_return_needs_a_reason(tree, secretary_a1, town_secretary, members):
    election = election_at(ElectionStage.PLAN_SUBMITTED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    with pytest.raises(ValidationFailed):
        services.election_transition(actor=town_secretary, election=election, version=election.version,
                                     to=ElectionStage.DRAFT)
    services.election_transition(actor=town_secretary, election=election, version=election.version,
                                 to=ElectionStage.DRAFT, reason="名额不符")
    assert election.return_reason == "名额不符"


def test_candidate_margin_rule(tree, secretary_a1, town_secretary, members):
    election = election_at(ElectionStage.PLAN_APPROVED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    for member in members[:3]:
        services.candidate_add(actor=secretary_a1, election=election, member=member)
    with pytest.raises(ValidationFailed) as exc:
        services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                     to=ElectionStage.CANDIDATES_SET)
    assert "候选人应不少于4名" in exc.value.errors["candidates"][0]
    services.candidate_add(actor=secretary_a1, election=election, member=members[3])
    services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                 to=ElectionStage.CANDIDATES_SET)
    assert election.stage == ElectionStage.CANDIDATES_SET


def test_two_recommend_needs_weighted_nominations(tree, secretary_a1, town_secretary, members):
    election = election_at(ElectionStage.PLAN_APPROVED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members, method="two_recommend")
    for member in members[:4]:
        services.candidate_add(actor=secretary_a1, election=election, member=member)
    services.nomination_round_add(actor=secretary_a1, election=election, name="党员推荐", weight="60", participants=8,
                                  held_on=dt.date(2026, 9, 5), votes={members[0]: 7, members[1]: 6})
    with pytest.raises(ValidationFailed) as exc:
        services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                     to=ElectionStage.CANDIDATES_SET)
    assert "nominations" in exc.value.errors
    services.nomination_round_add(actor=secretary_a1, election=election, name="群众推荐", weight="40",
                                  participants=100, held_on=dt.date(2026, 9, 6), votes={members[0]: 80})
    services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                 to=ElectionStage.CANDIDATES_SET)
    view = selectors.election_overview(election, TODAY)
    assert str(view.scores[members[0].pk]) == "84.50"  # 60 × 7/8 + 40 × 80/100


def test_meeting_at_exactly_four_fifths_is_invalid(tree, secretary_a1, town_secretary, members, org_admin):
    branch_members(tree.village_a1, 2, admin=org_admin)  # 10 full members
    election = election_at(ElectionStage.CANDIDATES_SET, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    with pytest.raises(ValidationFailed) as exc:
        services.election_meeting_record(actor=secretary_a1, election=election, version=election.version,
                                         meeting_on=MEETING, present_count=8, today=TODAY)
    assert "至少9人" in exc.value.errors["present_count"][0]
    services.election_meeting_record(actor=secretary_a1, election=election, version=election.version,
                                     meeting_on=MEETING, present_count=9, today=TODAY)
    assert (election.eligible_count, election.present_count) == (10, 9)


def test_approved_exclusions_reduce_the_expected_count(tree, secretary_a1, town_secretary, members, org_admin):
    extra = branch_members(tree.village_a1, 2, admin=org_admin)
    make_member(tree.village_a1, actor=org_admin, status="probationary", confirmed_on=None,
                joined_on=dt.date(2026, 1, 5))  # no vote
    election = election_at(ElectionStage.CANDIDATES_SET, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    exclusion = services.exclusion_add(actor=secretary_a1, election=election, member=extra[0], reason="abroad",
                                       detail="自费出国一年")
    services.exclusion_add(actor=secretary_a1, election=election, member=extra[1], reason="infirm", detail="卧床")
    with pytest.raises(PermissionRefused):
        services.exclusion_approve(actor=secretary_a1, exclusion=exclusion)
    services.exclusion_approve(actor=town_secretary, exclusion=exclusion, today=TODAY)
    assert services.eligible_voters(election, MEETING).count() == 9  # 10 full − 1 approved exclusion
    services.election_meeting_record(actor=secretary_a1, election=election, version=election.version,
                                     meeting_on=MEETING, present_count=8, today=TODAY)  # 8 > 7.2
    assert election.eligible_count == 9


def _ready(tree, secretary_a1, town_secretary, members, present=8, **fields):
    election = election_at(ElectionStage.CANDIDATES_SET, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members, **fields)
    services.election_meeting_record(actor=secretary_a1, election=election, version=election.version,
                                     meeting_on=MEETING, present_count=present, today=TODAY)
    return election, list(election.candidates.order_by("member__name"))


def test_more_ballots_returned_than_issued_voids_the_round(tree, secretary_a1, town_secretary, members):
    election, cands = _ready(tree, secretary_a1, town_secretary, members)
    row = services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                         ballots_issued=8, ballots_returned=9, votes={c.pk: 7 for c in cands})
    assert row.void and row.tally is None
    assert not election.candidates.filter(elected_in_round__isnull=False).exists()
    assert Election.objects.get(pk=election.pk).stage == ElectionStage.CANDIDATES_SET


def test_tie_goes_to_another_round(tree, secretary_a1, town_secretary, members):
    election, (a, b, c, d) = _ready(tree, secretary_a1, town_secretary, members)
    row = services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                         ballots_issued=8, ballots_returned=8, votes={a.pk: 8, b.pk: 7, c.pk: 6, d.pk: 6})
    assert set(row.tally.elected) == {a.pk, b.pk} and set(row.tally.tied) == {c.pk, d.pk}
    with pytest.raises(ValidationFailed):  # elected candidates are out of the next round
        services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                       ballots_issued=8, ballots_returned=8, votes={a.pk: 8})
    row = services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                         ballots_issued=8, ballots_returned=8, votes={c.pk: 5, d.pk: 3})
    assert row.number == 2 and row.seats == 1 and row.tally.elected == (c.pk,)
    assert Election.objects.get(pk=election.pk).stage == ElectionStage.VOTED


def test_majority_base_setting(tree, secretary_a1, town_secretary, members):
    # 8 expected, 7 present; 4 yes: not over half of 8, over half of 7
    for base, elected in (("expected", 0), ("present", 3)):
        Election.objects.all().delete()
        election, cands = _ready(tree, secretary_a1, town_secretary, members, present=7, majority_base=base)
        services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                       ballots_issued=7, ballots_returned=7,
                                       votes={cands[0].pk: 4, cands[1].pk: 4, cands[2].pk: 4, cands[3].pk: 1})
        assert election.candidates.filter(elected_in_round__isnull=False).count() == elected, base


def test_approval_installs_the_committee_in_one_transaction(tree, secretary_a1, town_secretary, members,
                                                            django_capture_on_commit_callbacks):
    old = services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=members[7], post="secretary",
                                      started_on=dt.date(2021, 10, 1))
    election = election_at(ElectionStage.RESULT_SUBMITTED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    with pytest.raises(PermissionRefused):  # its own secretary cannot approve the result
        services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                     to=ElectionStage.RESULT_APPROVED)
    RollupState.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.election_transition(actor=town_secretary, election=election, version=election.version,
                                     to=ElectionStage.RESULT_APPROVED, today=TODAY)
    assert callbacks
    old.refresh_from_db()
    assert old.ended_on == MEETING and old.end_reason == "term_change"
    assert Member.objects.get(pk=members[7].pk).posts == []
    current = {(p.member_id, p.post) for p in CommitteePost.objects.current().filter(org=tree.village_a1)}
    assert current == {(members[0].pk, "secretary"), (members[1].pk, "organization_officer"),
                       (members[2].pk, "publicity_officer")}
    assert Member.objects.get(pk=members[0].pk).posts == ["secretary"]
    org = Organization.objects.get(pk=tree.village_a1.pk)
    assert org.term_started_on == MEETING
    assert AuditEvent.objects.filter(verb="orgs.org.update", target_id=org.pk).exists()
    assert RollupState.objects.filter(tenant=org.path[:4]).exists()


def test_failed_install_leaves_nothing_half_written(tree, secretary_a1, town_secretary, members, monkeypatch):
    election = election_at(ElectionStage.RESULT_SUBMITTED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(election_services, "sync_member_posts", broken)  # looked up where _install_committee is
    with pytest.raises(RuntimeError):
        services.election_transition(actor=town_secretary, election=election, version=election.version,
                                     to=ElectionStage.RESULT_APPROVED, today=TODAY)
    assert Election.objects.get(pk=election.pk).stage == ElectionStage.RESULT_SUBMITTED
    assert not CommitteePost.objects.filter(org=tree.village_a1).exists()
    assert Organization.objects.get(pk=tree.village_a1.pk).term_started_on is None


def test_posts_must_name_one_secretary(tree, secretary_a1, town_secretary, members):
    election = election_at(ElectionStage.VOTED, org=tree.village_a1, manager=secretary_a1, approver=town_secretary,
                           members=members)
    elected = list(election.candidates.filter(elected_in_round__isnull=False))
    services.election_posts_assign(actor=secretary_a1, election=election, version=election.version,
                                   posts={c.pk: "committee_member" for c in elected})
    with pytest.raises(ValidationFailed) as exc:
        services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                     to=ElectionStage.RESULT_SUBMITTED)
    assert "应确定1名书记" in exc.value.errors["posts"]


def test_publish_only_after_approval_and_public_notice(tree, secretary_a1, town_secretary, members):
    election = election_at(ElectionStage.RESULT_SUBMITTED, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    with pytest.raises(DomainError):
        services.election_publish(actor=secretary_a1, election=election, version=election.version)
    election = services.election_transition(actor=town_secretary, election=election, version=election.version,
                                            to=ElectionStage.RESULT_APPROVED, today=TODAY)
    services.election_publish(actor=secretary_a1, election=election, version=election.version)
    _shown, elected = selectors.public_notice_get(election.pk)
    assert [c.post for c in elected] == ["secretary", "organization_officer", "publicity_officer"]
    services.election_transition(actor=secretary_a1, election=election, version=election.version,
                                 to=ElectionStage.FILED, filed_on=TODAY, decision_ref="备字1号", today=TODAY)


# ---------------------------------------------------------------- first secretaries and cadres

def test_first_secretary_and_log_visible_to_township_and_county(tree, secretary_a1, town_secretary, org_admin):
    user = make_user("fs_user")
    fs = services.first_secretary_assign(actor=town_secretary, org=tree.village_a1, name="李驻村", unit="县农业农村局",
                                         started_on=dt.date(2025, 3, 1), user=user)
    services.work_log_add(actor=user, first_secretary=fs, occurred_on=dt.date(2025, 4, 1), content="走访脱贫户5户")
    with pytest.raises(ValidationFailed):
        services.work_log_add(actor=user, first_secretary=fs, occurred_on=dt.date(2025, 2, 1), content="到村前")
    for viewer, org in ((town_secretary, tree.town_a), (org_admin, tree.county), (secretary_a1, tree.village_a1)):
        page = selectors.first_secretary_list(viewer, org)
        assert [row.pk for row in page.items] == [fs.pk] and page.items[0].log_count == 1
    other_town = make_user("sec_town_b", Role.SECRETARY, tree.town_b)
    assert selectors.first_secretary_list(other_town, tree.town_b).items == []
    stranger = make_user("stranger")
    with pytest.raises(PermissionRefused):
        services.work_log_add(actor=stranger, first_secretary=fs, occurred_on=dt.date(2025, 4, 2), content="x")


def test_first_secretary_only_for_villages(tree, org_admin):
    with pytest.raises(ValidationFailed):
        services.first_secretary_assign(actor=org_admin, org=tree.town_a, name="x", unit="y",
                                        started_on=dt.date(2025, 1, 1))
    assert not FirstSecretary.objects.exists()


def test_reserve_cadre_with_age_and_training(tree, secretary_a1):
    cadre = services.reserve_cadre_add(actor=secretary_a1, org=tree.village_a1, name="王后备", gender="M",
                                       birth_date=dt.date(1995, 6, 1), education="college", position="村文书")
    services.cadre_training_add(actor=secretary_a1, cadre=cadre, occurred_on=dt.date(2025, 5, 1), title="村干部培训班",
                                hours="16")
    page = selectors.cadre_list(secretary_a1, tree.village_a1, today=TODAY)
    assert page.items[0].age == 31 and page.items[0].training_count == 1
    services.reserve_cadre_update(actor=secretary_a1, cadre=cadre, version=cadre.version, status="training")
    assert ReserveCadre.objects.get(pk=cadre.pk).status == "training"
    with pytest.raises(ValidationFailed) as exc:
        services.reserve_cadre_add(actor=secretary_a1, org=tree.village_a1, name="", gender="M",
                                   birth_date=dt.date(2015, 1, 1), education="college")
    assert set(exc.value.errors) == {"name", "birth_date"}


def test_after_a_tie_only_the_tied_are_on_the_ballot(tree, secretary_a1, town_secretary, members):
    election, (a, b, c, d, e) = _ready(tree, secretary_a1, town_secretary, members, candidates=5)
    services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                   ballots_issued=8, ballots_returned=8,
                                   votes={a.pk: 8, b.pk: 7, c.pk: 6, d.pk: 6, e.pk: 5})
    running, seats = services.running_candidates(election)
    assert {x.pk for x in running} == {c.pk, d.pk} and seats == 1
    with pytest.raises(ValidationFailed):
        services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                       ballots_issued=8, ballots_returned=8, votes={e.pk: 8})


def test_unfilled_seat_goes_to_every_remaining_candidate(tree, secretary_a1, town_secretary, members):
    election, (a, b, c, d) = _ready(tree, secretary_a1, town_secretary, members)
    services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                   ballots_issued=8, ballots_returned=8, votes={a.pk: 8, b.pk: 7, c.pk: 4, d.pk: 3})
    running, seats = services.running_candidates(election)
    assert {x.pk for x in running} == {c.pk, d.pk} and seats == 1
    services.election_round_record(actor=secretary_a1, election=election, version=election.version,
                                   ballots_issued=8, ballots_returned=8, votes={c.pk: 5, d.pk: 3})
    assert Election.objects.get(pk=election.pk).stage == ElectionStage.VOTED


# ---------------------------------------------------------------- the roll on the meeting day, and subtrees

def test_eligible_voters_are_the_branch_members_of_the_meeting_day(tree, secretary_a1, town_secretary, members,
                                                                   org_admin):
    from grassroots.lifecycle.services import transfer_direct

    newcomer = make_member(tree.village_a2, actor=org_admin, name="新转入")
    moved_on = MEETING + dt.timedelta(days=10)  # both moves come after the meeting, before it is recorded
    transfer_direct(actor=org_admin, member=members[-1], to_org=tree.village_a2, on=moved_on, reason="工作调动")
    transfer_direct(actor=org_admin, member=newcomer, to_org=tree.village_a1, on=moved_on, reason="工作调动")
    election = election_at(ElectionStage.CANDIDATES_SET, org=tree.village_a1, manager=secretary_a1,
                           approver=town_secretary, members=members)
    on_the_day = set(services.eligible_voters(election, MEETING).values_list("pk", flat=True))
    assert on_the_day == {m.pk for m in members}  # the one who left since still counts; the newcomer not yet
    after = set(services.eligible_voters(election, moved_on).values_list("pk", flat=True))
    assert after == {m.pk for m in members[:-1]} | {newcomer.pk}  # on the day of the move: the new branch
    services.election_meeting_record(actor=secretary_a1, election=election, version=election.version,
                                     meeting_on=MEETING, present_count=7, today=TODAY)
    assert election.eligible_count == 8


def test_a_township_committee_chooses_from_its_subtree(tree, town_secretary, org_admin, members):
    in_a2 = branch_members(tree.village_a2, 2, admin=org_admin)
    outside = make_member(tree.village_b1, actor=org_admin, name="乙镇党员")
    post = services.committee_post_add(actor=town_secretary, org=tree.town_a, member=members[0], post="secretary",
                                       started_on=dt.date(2024, 1, 1))
    assert post.org_id == tree.town_a.pk
    members[0].refresh_from_db()
    assert "secretary" not in (members[0].posts or [])  # the branch's own committee is not misread
    with pytest.raises(ValidationFailed):
        services.committee_post_add(actor=org_admin, org=tree.town_a, member=outside, post="committee_member",
                                    started_on=dt.date(2024, 1, 1))
    election = election_at(ElectionStage.CANDIDATES_SET, org=tree.town_a, manager=town_secretary,
                           approver=org_admin, members=[*members[1:3], *in_a2])
    assert {c.member_id for c in election.candidates.all()} == {members[1].pk, members[2].pk, *(m.pk for m in in_a2)}
    assert services.eligible_voters(election, MEETING).count() == 10  # 8 in 甲一村, 2 in 甲二村, none of 乙镇
    with pytest.raises(ValidationFailed):
        services.exclusion_add(actor=town_secretary, election=election, member=outside, reason="abroad", detail="x")
    # a branch still chooses from its own members only
    with pytest.raises(ValidationFailed):
        services.committee_post_add(actor=org_admin, org=tree.village_a1, member=in_a2[0], post="secretary",
                                    started_on=dt.date(2024, 1, 1))
