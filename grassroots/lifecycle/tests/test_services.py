"""Transfers, letters, mobile and unreachable members, decisions and their approval, review outcomes."""

import datetime as dt

import pytest
from django.http import Http404

from grassroots.access.roles import Role
from grassroots.core.errors import ConcurrentEdit, DomainError, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.dashboards.models import OrgRollup
from grassroots.dashboards.services import rollups_rebuild
from grassroots.lifecycle import review, selectors, services
from grassroots.lifecycle.choices import DecisionKind, DecisionStatus, TransferStatus
from grassroots.lifecycle.models import Transfer
from grassroots.lifecycle.signals import member_transferred
from grassroots.members.choices import MemberState
from grassroots.members.models import Member, MemberExit
from grassroots.members.permissions import MemberPerm

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def secretary_b1(tree):
    return make_user("sec_b1", Role.SECRETARY, tree.village_b1)


@pytest.fixture
def secretary_town_a(tree):
    return make_user("sec_town_a", Role.SECRETARY, tree.town_a)


@pytest.fixture
def member(tree, org_admin):
    return make_member(tree.village_a1, actor=org_admin, name="王流动")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def test_transfer_moves_the_member_only_on_acceptance(tree, member, secretary_a1, secretary_b1):
    received = []

    def receiver(**kwargs):
        received.append((kwargs["member"].org_id, kwargs["from_org"].pk, kwargs["to_org"].pk))

    member_transferred.connect(receiver)
    try:
        transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                           to_org=tree.village_b1, reason="工作调动", dues_paid_through="2026-01")
        assert fresh(member).org_id == tree.village_a1.pk  # the sending branch still responsible
        assert received == []
        # Both sides see the pending transfer; the receiving side does not see the member record.
        assert selectors.transfer_queryset(secretary_a1, direction="out").filter(pk=transfer.pk).exists()
        assert selectors.transfer_queryset(secretary_b1, direction="in").filter(pk=transfer.pk).exists()
        assert not Member.objects.visible_to(secretary_b1, MemberPerm.VIEW).filter(pk=member.pk).exists()
        services.transfer_accept(actor=secretary_b1, transfer=transfer, version=transfer.version)
    finally:
        member_transferred.disconnect(receiver)
    moved = fresh(member)
    assert (moved.org_id, moved.org_path, moved.tenant) == (tree.village_b1.pk, tree.village_b1.path,
                                                            tree.village_b1.path[:4])
    assert received == [(tree.village_b1.pk, tree.village_a1.pk, tree.village_b1.pk)]
    assert fresh(transfer).status == TransferStatus.ACCEPTED
    assert fresh(transfer).to_path == tree.village_b1.path  # the receiving side keeps seeing it
    assert selectors.transfer_queryset(secretary_b1).filter(pk=transfer.pk).exists()
    assert fresh(transfer).dues_paid_through == "2026-01"
    verbs = set(AuditEvent.objects.filter(target_id=member.pk, target_type="members.member").values_list("verb", flat=True))
    assert {"lifecycle.member.transfer_issued", "lifecycle.member.transfer_accepted"} <= verbs
    assert Member.objects.visible_to(secretary_b1, MemberPerm.VIEW).filter(pk=member.pk).exists()


def test_a_third_party_cannot_see_or_act_on_a_transfer(tree, member, secretary_a1):
    transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                       to_org=tree.village_a2, reason="搬迁")
    outsider = make_user("sec_b1_other", Role.SECRETARY, tree.village_b1)
    with pytest.raises(Http404):
        selectors.transfer_get(outsider, transfer.pk)
    with pytest.raises(PermissionRefused):
        services.transfer_accept(actor=outsider, transfer=transfer, version=transfer.version)
    # The sending side cannot accept its own transfer either.
    with pytest.raises(PermissionRefused):
        services.transfer_accept(actor=secretary_a1, transfer=transfer, version=transfer.version)
    assert fresh(member).org_id == tree.village_a1.pk


def test_return_needs_a_reason_and_keeps_the_member(tree, member, secretary_a1, secretary_b1):
    transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                       to_org=tree.village_b1, reason="工作调动")
    with pytest.raises(ValidationFailed) as err:
        services.transfer_return(actor=secretary_b1, transfer=transfer, version=transfer.version, reason=" ")
    assert "reason" in err.value.errors
    services.transfer_return(actor=secretary_b1, transfer=transfer, version=transfer.version, reason="查无此人")
    assert fresh(transfer).status == TransferStatus.RETURNED
    assert fresh(member).org_id == tree.village_a1.pk
    with pytest.raises(DomainError):
        services.transfer_accept(actor=secretary_b1, transfer=fresh(transfer), version=fresh(transfer).version)


def test_one_pending_transfer_at_a_time_and_stale_versions_refused(tree, member, secretary_a1):
    services.transfer_issue(actor=secretary_a1, member=member, version=member.version, to_org=tree.village_a2,
                            reason="搬迁")
    member = fresh(member)
    with pytest.raises(DomainError) as err:
        services.transfer_issue(actor=secretary_a1, member=member, version=member.version, to_org=tree.village_b1,
                                reason="再次")
    assert err.value.code == services.LifecycleErrors.PENDING_EXISTS
    with pytest.raises(ConcurrentEdit):
        services.transfer_issue(actor=secretary_a1, member=member, version=member.version - 1,
                                to_org=tree.village_b1, reason="再次")


def test_issue_refuses_bad_input_by_field(tree, member, secretary_a1):
    with pytest.raises(ValidationFailed) as err:
        services.transfer_issue(actor=secretary_a1, member=member, version=member.version, to_org=tree.town_b,
                                reason="", dues_paid_through="2026-13")
    assert {"reason", "dues_paid_through"} <= set(err.value.errors)
    with pytest.raises(ValidationFailed) as err:
        services.transfer_issue(actor=secretary_a1, member=member, version=member.version, to_org=tree.town_b,
                                reason="x")
    assert "to_org" in err.value.errors


def test_clerk_may_transfer_but_not_decide(tree, member, clerk_a):
    services.transfer_issue(actor=clerk_a, member=member, version=member.version, to_org=tree.village_a2, reason="x")
    with pytest.raises(PermissionRefused):
        services.decision_record(actor=clerk_a, member=fresh(member), kind=DecisionKind.DEATH, occurred_on=TODAY,
                                 reason="病故")


def test_transfer_facts_from_the_dues_provider_are_recorded(tree, member, secretary_a1):
    def facts(m):
        return {"党费交至": "2025-12"}

    review.register_transfer_facts(facts)
    try:
        transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                           to_org=tree.village_a2, reason="x")
    finally:
        review._TRANSFER_FACTS.remove(facts)
    assert transfer.dues_paid_through == "2025-12" and transfer.facts == {"党费交至": "2025-12"}


def test_transfer_direct_needs_both_sides_and_records_a_completed_transfer(tree, member, org_admin, secretary_a1):
    with pytest.raises(PermissionRefused):
        services.transfer_direct(actor=secretary_a1, member=member, to_org=tree.village_b1, on=TODAY, reason="更正")
    transfer = services.transfer_direct(actor=org_admin, member=member, to_org=tree.village_b1, on=TODAY,
                                        reason="导入后更正", source="import")
    assert transfer.status == TransferStatus.COMPLETED and transfer.source == "import"
    assert fresh(member).org_id == tree.village_b1.pk


def test_letter_out_of_the_system_expires_renews_on_certificate_and_closes_on_receipt(tree, member, secretary_a1):
    issued = TODAY - dt.timedelta(days=120)
    letter = services.letter_issue(actor=secretary_a1, member=member, version=member.version, destination="外省某公司党委",
                                   letter_no="甲组转〔2026〕3号", on=issued, reason="外出务工")
    assert letter.valid_until == services.rules.letter_valid_until(issued)
    assert selectors.expired_letters(secretary_a1, TODAY).filter(pk=letter.pk).exists()
    with pytest.raises(ValidationFailed) as err:
        services.letter_renew(actor=secretary_a1, transfer=letter, version=letter.version, certificate_ref="")
    assert "certificate_ref" in err.value.errors
    letter = services.letter_renew(actor=secretary_a1, transfer=letter, version=letter.version,
                                   certificate_ref="甲一村党支部证明 2026-05")
    assert letter.valid_until >= TODAY
    with pytest.raises(DomainError) as err2:
        services.letter_renew(actor=secretary_a1, transfer=letter, version=letter.version, certificate_ref="x")
    assert err2.value.code == services.LifecycleErrors.NOT_EXPIRED
    assert fresh(member).state == MemberState.ACTIVE  # until the receipt the branch remains responsible
    services.letter_receipt(actor=secretary_a1, transfer=letter, version=letter.version, receipt_on=TODAY,
                            receipt_ref="回执001")
    assert fresh(letter).status == TransferStatus.CLOSED
    assert fresh(member).state == MemberState.LEFT
    assert MemberExit.objects.get(member=member).kind == "transfer_out"


def test_inbound_letter_is_recorded_and_closed_by_the_receiving_branch(tree, secretary_a1, secretary_b1):
    letter = services.letter_inbound_record(actor=secretary_a1, to_org=tree.village_a1, person_name="李转入",
                                            origin="外县某镇党委", letter_no="外〔2026〕8号",
                                            issued_on=TODAY - dt.timedelta(days=3))
    assert selectors.transfer_queryset(secretary_a1, direction="in").filter(pk=letter.pk).exists()
    with pytest.raises(PermissionRefused):
        services.letter_receipt(actor=secretary_b1, transfer=letter, version=letter.version, receipt_on=TODAY)
    services.letter_receipt(actor=secretary_a1, transfer=letter, version=letter.version, receipt_on=TODAY)
    assert fresh(letter).status == TransferStatus.CLOSED


def test_mobile_members_listed_after_six_months_at_a_fixed_place(tree, member, secretary_a1, org_admin):
    services.whereabouts_record(actor=secretary_a1, member=member, place="深圳市宝安区", employer="某电子厂",
                                left_on=services.rules.add_months(TODAY, -7), contact="13912345678",
                                host_org=tree.village_b1)
    assert fresh(member).is_mobile
    short = make_member(tree.village_a1, actor=org_admin)
    services.whereabouts_record(actor=secretary_a1, member=short, place="深圳市宝安区", left_on=TODAY)
    due = list(selectors.mobile_transfer_due(secretary_a1, TODAY))
    assert [w.member_id for w in due] == [member.pk]
    assert due[0].contact_masked != "13912345678"
    # The host organization sees the stay (to take them into its organizational life and dues), not the member.
    host = make_user("host_sec", Role.SECRETARY, tree.village_b1)
    assert [w.member_id for w in selectors.hosted_members(host)] == [member.pk]
    assert not Member.objects.visible_to(host, MemberPerm.VIEW).filter(pk=member.pk).exists()


def test_three_gathered_at_one_destination_suggest_a_mobile_branch(tree, secretary_a1, org_admin):
    for i in range(3):
        m = make_member(tree.village_a1 if i < 2 else tree.village_a2, actor=org_admin)
        services.whereabouts_record(actor=secretary_a1 if i < 2 else org_admin, member=m, place="浙江省 义乌市",
                                    left_on=TODAY)
    found = selectors.mobile_gatherings(org_admin)
    assert [(g.origin.pk, g.place, g.count) for g in found] == [(tree.town_a.pk, "浙江省义乌市", 3)]


def test_whereabouts_return_clears_the_mobile_flag(tree, member, secretary_a1):
    row = services.whereabouts_record(actor=secretary_a1, member=member, place="义乌", left_on=TODAY)
    services.whereabouts_return(actor=secretary_a1, whereabouts=row, version=row.version, returned_on=TODAY)
    assert not fresh(member).is_mobile


def _lost(member, actor, months_ago: int):
    since = services.rules.add_months(TODAY, -months_ago)
    services.contact_record(actor=actor, member=member, on=since, method="phone", reached=False, mark_unreachable=True)
    return since


def test_unreachable_listed_for_suspension_then_decided_and_approved_above(tree, member, secretary_a1,
                                                                           secretary_town_a):
    _lost(member, secretary_a1, 7)
    assert [m.pk for m in selectors.suspension_candidates(secretary_a1, TODAY)] == [member.pk]
    assert fresh(member).state == MemberState.ACTIVE  # listing changes nothing
    decision = services.decision_record(actor=secretary_a1, member=fresh(member), kind=DecisionKind.SUSPENSION,
                                        occurred_on=TODAY, reason="失联7个月，多方查找未果", meeting="支部党员大会",
                                        meeting_on=TODAY)
    assert decision.status == DecisionStatus.PROPOSED and fresh(member).state == MemberState.ACTIVE
    with pytest.raises(PermissionRefused):  # the branch cannot approve its own decision
        services.decision_approve(actor=secretary_a1, decision=decision, version=decision.version, approve=True,
                                  approved_on=TODAY)
    assert list(selectors.decisions_to_approve(secretary_a1)) == []
    assert [d.pk for d in selectors.decisions_to_approve(secretary_town_a)] == [decision.pk]
    services.decision_approve(actor=secretary_town_a, decision=decision, version=decision.version, approve=True,
                              approved_on=TODAY)
    suspended = fresh(member)
    assert suspended.state == MemberState.SUSPENDED and suspended.left_on is None
    decision = fresh(decision)
    assert decision.approved_by_org_id == tree.town_a.pk and decision.approver_id == secretary_town_a.pk
    rollups_rebuild(tree.county.path)
    figures = OrgRollup.objects.get(org=tree.village_a1).figures
    assert figures.get("suspended") == 1 and figures.get("total", 0) == 0


def test_unreachable_without_attempts_is_not_a_candidate(tree, member, secretary_a1):
    Member.objects.filter(pk=member.pk).update(is_unreachable=True,
                                               unreachable_since=services.rules.add_months(TODAY, -8))
    assert list(selectors.suspension_candidates(secretary_a1, TODAY)) == []
    assert [m.pk for m in selectors.unreachable_without_attempts(secretary_a1)] == [member.pk]


def test_reaching_the_member_clears_the_unreachable_flag(tree, member, secretary_a1):
    _lost(member, secretary_a1, 2)
    services.contact_record(actor=secretary_a1, member=fresh(member), on=TODAY, method="visit", reached=True)
    assert not fresh(member).is_unreachable and fresh(member).unreachable_since is None


def test_suspended_two_years_is_listed_for_removal_and_removal_needs_approval(tree, member, secretary_a1,
                                                                               secretary_town_a):
    _lost(member, secretary_a1, 32)
    old = services.rules.add_months(TODAY, -25)
    decision = services.decision_record(actor=secretary_a1, member=fresh(member), kind=DecisionKind.SUSPENSION,
                                        occurred_on=old, reason="失联", meeting="支部党员大会", meeting_on=old)
    services.decision_approve(actor=secretary_town_a, decision=decision, version=decision.version, approve=True,
                              approved_on=old)
    assert [m.pk for m in selectors.removal_candidates(secretary_a1, TODAY)] == [member.pk]
    assert list(selectors.removal_candidates(secretary_a1, services.rules.add_months(old, 23))) == []
    removal = services.decision_record(actor=secretary_a1, member=fresh(member), kind=DecisionKind.REMOVAL,
                                       occurred_on=TODAY, reason="停止党籍2年后仍无法取得联系，按自行脱党除名",
                                       meeting="支部党员大会", meeting_on=TODAY)
    services.decision_approve(actor=secretary_town_a, decision=removal, version=removal.version, approve=True,
                              approved_on=TODAY)
    exit_ = MemberExit.objects.get(member=member)
    assert exit_.kind == "removal" and exit_.approved_by_org_id == tree.town_a.pk and exit_.meeting_on == TODAY
    assert fresh(member).state == MemberState.LEFT


def test_decisions_that_need_no_approval_take_effect_and_need_a_meeting_where_the_rules_say(member, secretary_a1):
    with pytest.raises(ValidationFailed) as err:
        services.decision_record(actor=secretary_a1, member=member, kind=DecisionKind.WITHDRAWAL, occurred_on=TODAY,
                                 reason="本人申请退党")
    assert {"meeting", "meeting_on"} <= set(err.value.errors)
    services.decision_record(actor=secretary_a1, member=member, kind=DecisionKind.DEATH, occurred_on=TODAY,
                             reason="病故")
    assert fresh(member).state == MemberState.LEFT


def test_rejected_decision_needs_a_note_and_changes_nothing(member, secretary_a1, secretary_town_a):
    decision = services.decision_record(actor=secretary_a1, member=member, kind=DecisionKind.EXPULSION,
                                        occurred_on=TODAY, reason="严重违纪", meeting="支部党员大会", meeting_on=TODAY)
    with pytest.raises(ValidationFailed):
        services.decision_approve(actor=secretary_town_a, decision=decision, version=decision.version, approve=False,
                                  approved_on=TODAY)
    services.decision_approve(actor=secretary_town_a, decision=decision, version=decision.version, approve=False,
                              approved_on=TODAY, note="事实不清，退回重议")
    assert fresh(decision).status == DecisionStatus.REJECTED and fresh(member).state == MemberState.ACTIVE


def test_restoration_after_suspension(member, secretary_a1, secretary_town_a):
    _lost(member, secretary_a1, 7)
    for kind in (DecisionKind.SUSPENSION, DecisionKind.RESTORATION):
        d = services.decision_record(actor=secretary_a1, member=fresh(member), kind=kind, occurred_on=TODAY,
                                     reason="x", meeting="支部党员大会", meeting_on=TODAY)
        services.decision_approve(actor=secretary_town_a, decision=d, version=d.version, approve=True,
                                  approved_on=TODAY)
    restored = fresh(member)
    assert restored.state == MemberState.ACTIVE and not restored.is_unreachable


def test_review_list_joins_provider_cases_and_outcome_opens_a_decision(tree, member, secretary_a1, secretary_b1):
    months = ("2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05")

    def provider(prefix, as_of):
        if member.org_path.startswith(prefix):
            yield review.ReviewCase(member.pk, "test_dues", months, "2025年12月至2026年5月未交纳党费")

    review.register_review_provider("test_dues", "连续6个月不交纳党费", provider)
    try:
        rows = selectors.review_rows(secretary_a1, TODAY)
        assert [(r.member.pk, r.grounds) for r in rows] == [(member.pk, ["test_dues"])]
        assert selectors.review_rows(secretary_b1, TODAY) == []
    finally:
        review._GROUNDS.pop("test_dues")
    outcome = services.review_outcome_record(actor=secretary_a1, member=member, outcome="removal", decided_on=TODAY,
                                             grounds=["test_dues"], evidence="2025年12月至2026年5月未交纳党费",
                                             meeting="支部党员大会", meeting_on=TODAY)
    assert outcome.decision.kind == DecisionKind.REMOVAL and outcome.decision.status == DecisionStatus.PROPOSED
    assert fresh(member).state == MemberState.ACTIVE
    with pytest.raises(ValidationFailed):
        services.review_outcome_record(actor=secretary_a1, member=member, outcome="justified", decided_on=TODAY,
                                       grounds=["test_dues"])


def test_pending_transfer_counts_on_both_sides(tree, member, secretary_a1, secretary_b1):
    services.transfer_issue(actor=secretary_a1, member=member, version=member.version, to_org=tree.village_b1,
                            reason="x")
    assert selectors.lifecycle_counts(secretary_a1)["pending_out"] == 1
    assert selectors.lifecycle_counts(secretary_b1)["pending_in"] == 1
    assert selectors.lifecycle_counts(secretary_b1)["pending_out"] == 0
    assert Transfer.objects.visible_to(make_user("nobody"), "lifecycle.view").count() == 0
