import datetime as dt

import pytest

from grassroots.access.roles import Role
from grassroots.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.development import services
from grassroots.development.choices import NoticeStage, Stage, VoteKind
from grassroots.development.models import Applicant, Step
from grassroots.development.tests.factories import SCHEDULE, D, drive, make_applicant
from grassroots.members.models import Member, MemberExit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(tree):
    roster = [make_member(tree.village_a1, name=f"正式{i}") for i in range(5)]
    return {
        "tree": tree,
        "sec": make_user("dev_sec", Role.SECRETARY, tree.village_a1),
        "town": make_user("dev_town", Role.SECRETARY, tree.town_a),
        "roster": roster,
        "people": {"mentors": [roster[0].pk], "sponsors": [roster[0].pk, roster[1].pk]},
    }


def test_application_opens_an_encrypted_file_with_the_talk_due(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    assert applicant.stage == Stage.APPLICANT
    assert "1111" in applicant.phone_masked and "13900001111" not in applicant.phone_enc
    assert applicant.id_number_masked.startswith("4101") and "*" in applicant.id_number_masked
    assert (applicant.next_step, applicant.next_due_on, applicant.next_due_deadline) == ("talk", D(2023, 10, 4), True)
    assert AuditEvent.objects.filter(verb="development.applicant.create", target_id=applicant.pk).exists()
    assert Step.objects.get(applicant=applicant).code == "application"


def test_bad_identity_is_refused_naming_the_field(cast):
    with pytest.raises(ValidationFailed) as exc:
        make_applicant(cast["tree"].village_a1, cast["sec"], id_number="410102199503080000")
    assert "id_number" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        make_applicant(cast["tree"].village_a1, cast["sec"], birth_date=D(2010, 1, 1), applied_on=D(2026, 1, 1))
    assert "十八" in exc.value.errors["applied_on"][0]


def test_the_same_person_cannot_have_two_open_files_or_be_a_member(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    number = services.applicant_secrets(applicant)["id_number"]
    with pytest.raises(ValidationFailed):
        make_applicant(cast["tree"].village_a2, make_user(role=Role.SECRETARY, org=cast["tree"].village_a2), id_number=number)
    member = cast["roster"][0]
    from grassroots.members.services import member_secrets

    with pytest.raises(ValidationFailed):
        make_applicant(cast["tree"].village_a1, cast["sec"], id_number=member_secrets(member)["id_number"],
                       birth_date=member.birth_date)


def test_outside_the_subtree_is_refused(cast):
    other = make_user("sec_b1", Role.SECRETARY, cast["tree"].village_b1)
    with pytest.raises(PermissionRefused):
        make_applicant(cast["tree"].village_a1, other)
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    with pytest.raises(PermissionRefused):
        services.step_record(actor=other, applicant=applicant, version=applicant.version, code="talk",
                             occurred_on=SCHEDULE["talk"], evidence={"done_by": "x", "note": "y"})


def test_step_out_of_order_is_refused_and_nothing_is_written(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    with pytest.raises(ValidationFailed) as exc:
        services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version, code="activist",
                             occurred_on=D(2023, 10, 1), evidence={"method": "member", "done_by": "支委会"})
    assert "第2步" in exc.value.errors["occurred_on"][0]
    assert Step.objects.filter(applicant=applicant).count() == 1


def test_late_talk_is_recorded_but_flagged(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    step = services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version, code="talk",
                                occurred_on=D(2023, 10, 20), evidence={"done_by": "张", "note": "谈话"})
    assert step.late and "一个月" in step.late_note


def test_candidate_too_early_names_the_rule_and_earliest_date(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="candidate", people=cast["people"])
    with pytest.raises(ValidationFailed) as exc:
        services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version, code="candidate",
                             occurred_on=D(2024, 10, 15), evidence={"note": "x", "done_by": "支委会"})
    message = exc.value.errors["occurred_on"][0]
    assert "一年以上" in message and "2024-10-16" in message


def test_stale_version_is_refused(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    with pytest.raises(ConcurrentEdit):
        services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version + 1, code="talk",
                             occurred_on=SCHEDULE["talk"], evidence={"done_by": "x", "note": "y"})


def test_sponsor_under_probation_discipline_is_refused(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="sponsors", people=cast["people"])
    services.suspension_record(actor=cast["sec"], member=cast["roster"][1], kind="probation_discipline",
                               starts_on=D(2024, 6, 1), reason="镇纪委决定")
    with pytest.raises(ValidationFailed) as exc:
        services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version, code="sponsors",
                             occurred_on=SCHEDULE["sponsors"], people=[cast["roster"][0].pk, cast["roster"][1].pk])
    assert "留党察看" in exc.value.errors["people"][0]


def test_failed_political_review_is_kept_but_stops_the_pipeline(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="political_review", people=cast["people"])
    step = services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version, code="political_review",
                                occurred_on=SCHEDULE["political_review"],
                                evidence={"result": "unqualified", "note": "x", "done_by": "y"})
    assert not step.completed
    applicant.refresh_from_db()
    with pytest.raises(ValidationFailed):
        services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version, code="training",
                             occurred_on=SCHEDULE["training"], evidence={"days": 3, "receipt": "x", "done_by": "y"})


def test_vote_eligible_voters_come_from_the_roster_minus_exclusions(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="admission_meeting", people=cast["people"])
    # A member confirmed after the meeting is not yet a full member that day; a probationary member never votes.
    make_member(cast["tree"].village_a1, joined_on=D(2024, 6, 1), confirmed_on=D(2025, 6, 1))
    make_member(cast["tree"].village_a1, status="probationary", joined_on=D(2024, 6, 1), confirmed_on=None)
    services.suspension_record(actor=cast["sec"], member=cast["roster"][4], kind="probation_discipline",
                               starts_on=D(2024, 1, 1), reason="处分")
    with pytest.raises(ValidationFailed) as exc:  # an exclusion needing approval without its basis
        services.vote_record(actor=cast["sec"], applicant=applicant, version=applicant.version, kind=VoteKind.ADMISSION,
                             meeting_on=SCHEDULE["admission_meeting"], present=2, yes=2, no=0, abstain=0,
                             exclusions=[{"member_id": cast["roster"][3].pk, "reason": "abroad"}])
    assert "exclusions" in exc.value.errors
    # 5 full members − 1 under discipline − 1 abroad = 3 should attend; 2 present is a quorum; 2 yes is a majority.
    vote = services.vote_record(actor=cast["sec"], applicant=applicant, version=applicant.version, kind=VoteKind.ADMISSION,
                                meeting_on=SCHEDULE["admission_meeting"], present=2, yes=2, no=0, abstain=0,
                                exclusions=[{"member_id": cast["roster"][3].pk, "reason": "abroad", "note": "镇党委同意"}])
    assert (vote.roster_full, vote.eligible, vote.outcome) == (5, 3, "passed")
    assert {e["reason"] for e in vote.exclusions} == {"probation_discipline", "abroad"}


def test_vote_without_quorum_is_invalid_not_rejected_and_does_not_complete_the_step(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="admission_meeting", people=cast["people"])
    vote = services.vote_record(actor=cast["sec"], applicant=applicant, version=applicant.version, kind=VoteKind.ADMISSION,
                                meeting_on=SCHEDULE["admission_meeting"], present=2, yes=2, no=0, abstain=0, written_yes=2)
    assert vote.outcome == "invalid" and vote.step is None
    applicant.refresh_from_db()
    vote = services.vote_record(actor=cast["sec"], applicant=applicant, version=applicant.version, kind=VoteKind.ADMISSION,
                                meeting_on=SCHEDULE["admission_meeting"], present=4, yes=2, no=2, abstain=0)
    assert vote.outcome == "rejected"
    assert not Step.objects.filter(applicant=applicant, code="admission_meeting").exists()


def test_objection_blocks_approval_until_resolved(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="approval", people=cast["people"])
    notice = applicant.notices.get(stage=NoticeStage.ADMISSION)
    objection = services.objection_record(actor=cast["sec"], notice=notice, received_on=D(2024, 12, 9), summary="反映问题")
    with pytest.raises(ValidationFailed) as exc:
        services.step_record(actor=cast["town"], applicant=applicant, version=applicant.version, code="approval",
                             occurred_on=SCHEDULE["approval"], evidence={"done_by": "党委会"})
    assert "异议" in exc.value.errors["occurred_on"][0]
    services.objection_resolve(actor=cast["sec"], objection=objection, version=objection.version,
                               resolved_on=D(2024, 12, 12), resolution="经核查不属实")
    services.step_record(actor=cast["town"], applicant=applicant, version=applicant.version, code="approval",
                         occurred_on=SCHEDULE["approval"], evidence={"done_by": "党委会"})
    assert applicant.stage == Stage.PROBATIONARY


def test_branch_secretary_cannot_approve_their_own_branch(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="approval", people=cast["people"])
    with pytest.raises(PermissionRefused):
        services.step_record(actor=cast["sec"], applicant=applicant, version=applicant.version, code="approval",
                             occurred_on=SCHEDULE["approval"], evidence={"done_by": "党委会"})
    assert not Member.objects.filter(name="李发展").exists()


def test_approval_admits_a_probationary_member_dated_from_the_meeting(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="approval_filing", people=cast["people"])
    member = applicant.member
    assert (member.status, member.joined_on, member.org_id) == ("probationary", D(2024, 12, 5), cast["tree"].village_a1.pk)
    assert applicant.probation_ends_on == D(2025, 12, 5)
    assert applicant.admitted_on == D(2024, 12, 5)


def test_full_pipeline_to_confirmation(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="zzz", people=cast["people"])
    member = Member.objects.get(pk=applicant.member_id)
    assert applicant.stage == Stage.FULL
    assert (member.status, member.confirmed_on) == ("full", D(2025, 12, 5))
    assert applicant.next_step == ""
    assert Step.objects.filter(applicant=applicant, completed=True).values("code").distinct().count() == 25


def test_extension_once_then_cancellation(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="confirmation_meeting", people=cast["people"])
    with pytest.raises(PermissionRefused):
        services.probation_extend(actor=cast["sec"], applicant=applicant, version=applicant.version, months=6,
                                  decided_on=D(2025, 12, 5), reason="需继续考察")
    with pytest.raises(ValidationFailed):
        services.probation_extend(actor=cast["town"], applicant=applicant, version=applicant.version, months=5,
                                  decided_on=D(2025, 12, 5), reason="需继续考察")
    services.probation_extend(actor=cast["town"], applicant=applicant, version=applicant.version, months=6,
                              decided_on=D(2025, 12, 5), reason="需继续考察")
    assert applicant.probation_ends_on == D(2026, 6, 5)
    with pytest.raises(ValidationFailed):
        services.probation_extend(actor=cast["town"], applicant=applicant, version=applicant.version, months=6,
                                  decided_on=D(2025, 12, 6), reason="再延长")
    with pytest.raises(ValidationFailed) as exc:  # the meeting must now wait for the new end
        services.vote_record(actor=cast["sec"], applicant=applicant, version=applicant.version,
                             kind=VoteKind.CONFIRMATION, meeting_on=D(2026, 6, 4), present=5, yes=5, no=0, abstain=0)
    assert "2026-06-05" in exc.value.errors["meeting_on"][0]
    services.probation_cancel(actor=cast["town"], applicant=applicant, version=applicant.version,
                              decided_on=D(2026, 6, 10), reason="不具备党员条件")
    assert applicant.stage == Stage.CLOSED
    assert MemberExit.objects.get(member_id=applicant.member_id).kind == "probation_cancelled"


def test_withdrawal_closes_the_file_and_allows_a_new_application_later(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    number = services.applicant_secrets(applicant)["id_number"]
    services.applicant_withdraw(actor=cast["sec"], applicant=applicant, version=applicant.version,
                                closed_on=D(2024, 1, 1), reason="本人撤回")
    again = make_applicant(cast["tree"].village_a1, cast["sec"], id_number=number, applied_on=D(2026, 3, 1))
    assert again.pk != applicant.pk


def test_notice_period_counts_working_days_and_is_configurable(cast, settings):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="activist_filing", people=cast["people"])
    notice = applicant.notices.get()
    assert (notice.published_on, notice.ends_on, notice.working_days) == (D(2023, 10, 17), D(2023, 10, 23), 5)
    settings.GRASSROOTS_DEVELOPMENT = {"notice_working_days": 7}
    services.notice_withdraw(actor=cast["sec"], notice=notice, reason="重新公示")
    with pytest.raises(ValidationFailed):
        services.notice_publish(actor=cast["sec"], applicant=applicant, stage=NoticeStage.ACTIVIST,
                                published_on=D(2023, 10, 17), working_days=5)
    notice = services.notice_publish(actor=cast["sec"], applicant=applicant, stage=NoticeStage.ACTIVIST,
                                     published_on=D(2023, 10, 17))
    assert notice.ends_on == D(2023, 10, 25)


def test_plan_is_set_once_per_year_and_audited(cast):
    plan = services.plan_set(actor=cast["town"], org=cast["tree"].town_a, year=2026, planned=12)
    again = services.plan_set(actor=cast["town"], org=cast["tree"].town_a, year=2026, planned=15)
    assert plan.pk == again.pk and again.planned == 15
    assert AuditEvent.objects.filter(verb="development.plan.set").count() == 2


def test_reveal_is_audited_and_needs_the_permission(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    clerk = make_user("dev_clerk", Role.CLERK, cast["tree"].town_a)
    with pytest.raises(PermissionRefused):
        services.applicant_reveal(actor=clerk, applicant=applicant, reason="x")
    assert services.applicant_reveal(actor=cast["sec"], applicant=applicant, reason="核对")["phone"] == "13900001111"
    assert AuditEvent.objects.filter(verb="development.applicant.reveal").count() == 1


def test_update_keeps_history_masked(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    services.applicant_update(actor=cast["sec"], applicant=applicant, version=applicant.version, phone="13711112222")
    event = AuditEvent.objects.filter(verb="development.applicant.update").get()
    assert event.changes["phone"] == ["139****1111", "137****2222"]
    assert Applicant.objects.get(pk=applicant.pk).phone_masked == "137****2222"


def test_today_is_after_the_schedule():
    assert dt.date.today() >= D(2026, 1, 10)


def test_a_transferred_probationary_member_takes_the_file_along(cast):
    from grassroots.lifecycle.signals import member_transferred

    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="approval_filing", people=cast["people"])
    target = cast["tree"].village_a2
    member_transferred.send(sender=None, member=applicant.member, from_org=cast["tree"].village_a1, to_org=target,
                            on=D(2025, 3, 1), actor=cast["town"])
    applicant.refresh_from_db()
    assert (applicant.org_id, applicant.org_path) == (target.pk, target.path)
    assert set(Step.objects.filter(applicant=applicant).values_list("org_path", flat=True)) == {target.path}
