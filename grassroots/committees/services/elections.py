"""Elections through their stages: plan, nominations, candidates, exclusions, the meeting, the rounds of
voting, the division of posts, approval (which installs the new committee) and the public notice."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.committees import rules, selectors
from grassroots.committees.choices import ElectionMethod, ElectionStage, PostEndReason
from grassroots.committees.models import (
    Candidate,
    CommitteePost,
    Election,
    ElectionRound,
    Nomination,
    NominationRound,
    Vote,
    VoterExclusion,
)
from grassroots.committees.permissions import CommitteePerm
from grassroots.committees.services.common import (
    COMMITTEE_POST_CODES,
    CommitteeErrors,
    _active_org,
    _mark_rollups,
    _member_of,
    _parse_percent,
    _stage,
    _today,
    approver_org,
    sync_member_posts,
)
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.history import diff, plain_values, snapshot
from grassroots.members.choices import MemberState, MemberStatus, Post
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

ELECTION_FIELDS = ("title", "method", "seats", "margin_percent", "majority_base", "planned_on", "plan")


def _full_members(org: Organization) -> int:
    return Member.objects.filter(selectors.members_q(org), state=MemberState.ACTIVE, status=MemberStatus.FULL).count()


def _check_election(org: Organization, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = [_("请填写名称")]
    if data.get("method") not in ElectionMethod.values:
        errors["method"] = [_("请选择推荐方式")]
    seats = data.get("seats")
    least, _usual, most = rules.committee_size_range(_full_members(org))
    if not isinstance(seats, int) or not least <= seats <= most:
        errors["seats"] = [_("按正式党员人数，应选名额应为%(a)d至%(b)d名（支部工作条例第二十条）") % {"a": least, "b": most}]
    if data.get("majority_base") not in ("expected", "present"):
        errors["majority_base"] = [_("请选择当选票数基数")]
    if not data.get("planned_on"):
        errors["planned_on"] = [_("请填写计划选举日期")]
    try:
        data["margin_percent"] = _parse_percent(data.get("margin_percent", "20"), "margin_percent")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    data["title"] = data["title"].strip()
    data["plan"] = (data.get("plan") or "").strip()
    return data


def election_create(*, actor, org: Organization, **data) -> Election:
    require(actor, CommitteePerm.MANAGE, org)
    _active_org(org)
    data = {"margin_percent": Decimal("20"), "majority_base": "expected", "plan": "",
            "method": ElectionMethod.TWO_RECOMMEND, **data}
    cleaned = _check_election(org, {k: data.get(k) for k in ELECTION_FIELDS})
    with transaction.atomic():
        election = Election.objects.create(org=org, created_by=actor, **cleaned)
        audit.record(actor=actor, verb="committees.election.create", target=election, org_path=org.path,
                     changes=diff({}, plain_values(cleaned)))
    return election


def election_update(*, actor, election: Election, version: int, **data) -> Election:
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.DRAFT)
    before = snapshot(election, ELECTION_FIELDS)
    cleaned = _check_election(election.org, {**{k: getattr(election, k) for k in ELECTION_FIELDS}, **data})
    with transaction.atomic():
        update_versioned(election, version, cleaned)
        changes = diff(before, snapshot(election, ELECTION_FIELDS))
        if changes:
            audit.record(actor=actor, verb="committees.election.update", target=election,
                         org_path=election.org.path, changes=changes)
    return election


def _check_candidates(election: Election) -> None:
    candidates = list(election.candidates.select_related("member"))
    ratio = rules.ratio_from_percent(election.margin_percent)
    if not rules.margin_ok(election.seats, len(candidates), ratio):
        raise ValidationFailed({"candidates": [
            _("应选%(s)d名，差额不少于%(p)s%%，候选人应不少于%(n)d名，目前%(c)d名")
            % {"s": election.seats, "p": f"{election.margin_percent.normalize():f}",
               "n": rules.candidates_needed(election.seats, ratio), "c": len(candidates)}]})
    for candidate in candidates:
        _member_of(election.org, candidate.member, "candidates")
    if election.method in (ElectionMethod.TWO_RECOMMEND, ElectionMethod.PUBLIC_DIRECT):
        weights = list(election.nomination_rounds.values_list("weight", flat=True))
        if not rules.nomination_weights_ok(weights):
            raise ValidationFailed({"nominations": [
                _("%(m)s须先登记各轮推荐，且权重合计为100%%（目前%(w)s%%）")
                % {"m": election.get_method_display(), "w": f"{sum(weights, Decimal(0)).normalize():f}"}]})


def _check_posts(election: Election) -> None:
    elected = list(election.candidates.filter(elected_in_round__isnull=False).select_related("member"))
    posts = [c.post for c in elected]
    errors = []
    if any(not p for p in posts):
        errors.append(_("请为每位当选委员确定分工"))
    if posts.count(Post.SECRETARY) != 1:
        errors.append(_("应确定1名书记"))
    if posts.count(Post.DEPUTY_SECRETARY) > 1:
        errors.append(_("副书记至多1名"))
    officer = [p for p in posts if p and p != Post.COMMITTEE_MEMBER]
    if len(officer) != len(set(officer)):
        errors.append(_("同一职务不能由两人担任"))
    if errors:
        raise ValidationFailed({"posts": errors})


def election_transition(*, actor, election: Election, version: int, to: str, reason: str = "",
                        decision_ref: str = "", filed_on: dt.date | None = None, today: dt.date | None = None) -> Election:
    """Move an election to its next stage (rules.ELECTION_FLOW). Approvals and returns are made strictly above."""
    transition = rules.transition_for(election.stage, to)
    if transition is None or (to == ElectionStage.VOTED and election.stage == ElectionStage.CANDIDATES_SET):
        raise DomainError(_("当前阶段“%(s)s”不能进行此操作") % {"s": election.get_stage_display()},
                          code=CommitteeErrors.WRONG_STAGE)
    org = election.org
    approver = None
    if transition.perm == CommitteePerm.APPROVE:
        approver = approver_org(actor, org)
    else:
        require(actor, transition.perm, org)
    _active_org(org)
    day = _today(today)
    values: dict = {"stage": to}
    returning = (election.stage, to) in ((ElectionStage.PLAN_SUBMITTED, ElectionStage.DRAFT),
                                         (ElectionStage.RESULT_SUBMITTED, ElectionStage.VOTED))
    if returning:
        if not (reason or "").strip():
            raise ValidationFailed({"reason": [_("退回须填写理由")]})
        values["return_reason"] = reason.strip()[:500]
    elif to == ElectionStage.PLAN_SUBMITTED:
        if not election.plan.strip():
            raise ValidationFailed({"plan": [_("请先填写选举工作方案")]})
        values["return_reason"] = ""
    elif to == ElectionStage.PLAN_APPROVED:
        values.update(plan_approved_on=day, plan_approved_by=actor, plan_approver_org=approver)
    elif to == ElectionStage.CANDIDATES_SET:
        _check_candidates(election)
    elif to == ElectionStage.RESULT_SUBMITTED:
        _check_posts(election)
        values["return_reason"] = ""
    elif to == ElectionStage.FILED:
        if filed_on is None:
            raise ValidationFailed({"filed_on": [_("请填写备案日期")]})
        if filed_on > day:
            raise ValidationFailed({"filed_on": [_("备案日期不能晚于今天")]})
        values.update(filed_on=filed_on, filing_ref=(decision_ref or "").strip()[:100])
    with transaction.atomic():
        before = election.stage
        if to == ElectionStage.RESULT_APPROVED:
            values.update(result_approved_on=day, result_approved_by=actor, result_approver_org=approver,
                          result_decision_ref=(decision_ref or "").strip()[:100])
            update_versioned(election, version, values)
            _install_committee(actor, election)
        else:
            update_versioned(election, version, values)
        audit.record(actor=actor, verb=f"committees.election.{to}", target=election, org_path=org.path,
                     reason=reason or "", changes={"stage": [before, to],
                                                   **({"approver_org": [None, approver.name]} if approver else {})})
    return election


def _install_committee(actor, election: Election) -> None:
    """On approval of the result: the old committee's posts end, the elected take their posts from the election
    date, the organization's term restarts, members' posts follow, rollups go stale: all in the caller's
    transaction."""
    org = Organization.objects.select_for_update().get(pk=election.org_id)
    day = election.meeting_on
    old = list(CommitteePost.objects.current().filter(org=org).values_list("pk", "member_id"))
    CommitteePost.objects.filter(pk__in=[pk for pk, _m in old]).update(
        ended_on=day, end_reason=PostEndReason.TERM_CHANGE, version=F("version") + 1)
    elected = list(election.candidates.filter(elected_in_round__isnull=False).select_related("member"))
    rows = []
    for candidate in elected:
        for post in [candidate.post, *[p for p in candidate.extra_posts if p != candidate.post]]:
            rows.append(CommitteePost(org=org, member=candidate.member, post=post, started_on=day, election=election,
                                      created_by=actor))
    CommitteePost.objects.bulk_create(rows)
    old_start = org.term_started_on
    Organization.objects.filter(pk=org.pk).update(term_started_on=day, version=F("version") + 1)
    audit.record(actor=actor, verb="orgs.org.update", target=org, org_path=org.path,
                 changes={"term_started_on": [old_start.isoformat() if old_start else None, day.isoformat()]},
                 reason=_("换届选举结果批准：%(t)s") % {"t": election.title})
    audit.record(actor=actor, verb="committees.committee.install", target=election, org_path=org.path,
                 changes={"ended_posts": len(old), "new_posts": [f"{c.member.name}:{c.post}" for c in elected]})
    sync_member_posts([m for _pk, m in old] + [c.member_id for c in elected], actor)
    transaction.on_commit(lambda: _mark_rollups(org.path))


def nomination_round_add(*, actor, election: Election, name: str, weight, participants: int, held_on: dt.date,
                         votes: dict[Member, int]) -> NominationRound:
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.PLAN_APPROVED)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写推荐轮次名称")]
    try:
        weight = _parse_percent(weight, "weight")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if not isinstance(participants, int) or participants < 1:
        errors["participants"] = [_("参加推荐人数应为正整数")]
    for member, count in votes.items():
        if count < 0 or (isinstance(participants, int) and count > participants):
            errors.setdefault("votes", []).append(_("%(n)s的推荐票数应在0至参加人数之间") % {"n": member.name})
        if member.org_id != election.org_id:
            errors.setdefault("votes", []).append(_("%(n)s不是本组织党员") % {"n": member.name})
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = NominationRound.objects.create(election=election, name=name.strip(), weight=weight,
                                                     participants=participants, held_on=held_on)
        except IntegrityError as exc:
            raise ValidationFailed({"name": [_("已有同名推荐轮次")]}) from exc
        Nomination.objects.bulk_create([Nomination(round=row, member=m, votes=v) for m, v in votes.items()])
        audit.record(actor=actor, verb="committees.nomination.create", target=election, org_path=election.org.path,
                     changes={"round": [None, row.name], "weight": [None, str(weight)],
                              "votes": [None, {m.name: v for m, v in votes.items()}]})
    return row


def candidate_add(*, actor, election: Election, member: Member, pledge: str = "") -> Candidate:
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.PLAN_APPROVED)
    _member_of(election.org, member, "member")
    with transaction.atomic():
        try:
            with transaction.atomic():
                candidate = Candidate.objects.create(election=election, member=member, pledge=(pledge or "").strip())
        except IntegrityError as exc:
            raise ValidationFailed({"member": [_("%(n)s已在候选人名单中") % {"n": member.name}]}) from exc
        audit.record(actor=actor, verb="committees.candidate.create", target=election, org_path=election.org.path,
                     changes={"candidate": [None, member.name], "pledge": ["", candidate.pledge]})
    return candidate


def candidate_remove(*, actor, candidate: Candidate) -> None:
    election = candidate.election
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.PLAN_APPROVED)
    with transaction.atomic():
        name = candidate.member.name
        candidate.delete()
        audit.record(actor=actor, verb="committees.candidate.delete", target=election, org_path=election.org.path,
                     changes={"candidate": [name, None]})


def exclusion_add(*, actor, election: Election, member: Member, reason: str, detail: str) -> VoterExclusion:
    from grassroots.committees.choices import ExclusionReason

    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.DRAFT, ElectionStage.PLAN_SUBMITTED, ElectionStage.PLAN_APPROVED,
           ElectionStage.CANDIDATES_SET)
    if election.meeting_on is not None:
        raise DomainError(_("选举大会已登记，应到人数不能再变更"), code=CommitteeErrors.WRONG_STAGE)
    errors: dict[str, list[str]] = {}
    if reason not in ExclusionReason.values:
        errors["reason"] = [_("请选择不计入应到会人数的情形")]
    if not (detail or "").strip():
        errors["detail"] = [_("请填写具体说明")]
    if errors:
        raise ValidationFailed(errors)
    _member_of(election.org, member, "member")
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = VoterExclusion.objects.create(election=election, member=member, reason=reason,
                                                    detail=detail.strip(), created_by=actor)
        except IntegrityError as exc:
            raise ValidationFailed({"member": [_("%(n)s已登记") % {"n": member.name}]}) from exc
        audit.record(actor=actor, verb="committees.exclusion.create", target=election, org_path=election.org.path,
                     changes={"member": [None, member.name], "reason": [None, reason]}, reason=detail)
    return row


def exclusion_approve(*, actor, exclusion: VoterExclusion, today: dt.date | None = None) -> VoterExclusion:
    election = exclusion.election
    approver = approver_org(actor, election.org)
    if election.meeting_on is not None:
        raise DomainError(_("选举大会已登记，应到人数不能再变更"), code=CommitteeErrors.WRONG_STAGE)
    with transaction.atomic():
        update_versioned(exclusion, exclusion.version, {"approved_on": _today(today), "approved_by": actor})
        audit.record(actor=actor, verb="committees.exclusion.approve", target=election, org_path=election.org.path,
                     changes={"member": [None, exclusion.member.name], "approver_org": [None, approver.name]})
    return exclusion


def eligible_voters(election: Election, on: dt.date):
    """应到会: the organization's full members on that date (confirmed by then, on the roll or leaving later),
    without the lawful exclusions the level above approved. Membership is that of the date: a member who
    transferred in after it is not counted, one who transferred out after it is (lifecycle.members_on);
    for a general branch or a Party committee, of its whole subtree."""
    from grassroots.lifecycle.selectors import members_on

    org = election.org
    excluded = VoterExclusion.objects.filter(election=election, approved_on__isnull=False).values("member_id")
    return (members_on(org, on, subtree=selectors.chosen_from_subtree(org))
            .filter(status=MemberStatus.FULL, confirmed_on__lte=on)
            .filter(Q(state=MemberState.ACTIVE) | Q(left_on__gt=on)).exclude(pk__in=excluded))


def election_meeting_record(*, actor, election: Election, version: int, meeting_on: dt.date, present_count: int,
                            today: dt.date | None = None) -> Election:
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.CANDIDATES_SET)
    if election.rounds.exists():
        raise DomainError(_("已开始投票，会议人数不能再修改"), code=CommitteeErrors.WRONG_STAGE)
    if meeting_on is None or meeting_on > _today(today):
        raise ValidationFailed({"meeting_on": [_("选举大会日期不能晚于今天")]})
    if election.plan_approved_on and meeting_on < election.plan_approved_on:
        raise ValidationFailed({"meeting_on": [_("选举大会日期不能早于方案批准日期")]})
    eligible = eligible_voters(election, meeting_on).count()
    if present_count is None or present_count < 0 or present_count > eligible:
        raise ValidationFailed({"present_count": [_("实到人数应在0至应到人数%(e)d之间") % {"e": eligible}]})
    if not rules.meeting_valid(eligible, present_count):
        raise ValidationFailed({"present_count": [
            _("实到有选举权党员%(p)d人，未超过应到%(e)d人的4/5（至少%(n)d人），会议无效，不能进行选举")
            % {"p": present_count, "e": eligible, "n": rules.least_present(eligible)}]})
    with transaction.atomic():
        before = snapshot(election, ("meeting_on", "eligible_count", "present_count"))
        update_versioned(election, version, {"meeting_on": meeting_on, "eligible_count": eligible,
                                             "present_count": present_count})
        audit.record(actor=actor, verb="committees.election.meeting", target=election, org_path=election.org.path,
                     changes=diff(before, snapshot(election, ("meeting_on", "eligible_count", "present_count"))))
    return election


def running_candidates(election: Election) -> tuple[list[Candidate], int]:
    """Who is on the next ballot and for how many seats: after a tie at the last seat, only the tied candidates
    (重新投票); otherwise every candidate not yet elected (另行选举)."""
    candidates = list(election.candidates.select_related("member").order_by("member__name"))
    running = [c for c in candidates if c.elected_in_round is None]
    seats = election.seats - (len(candidates) - len(running))
    last = election.rounds.filter(void=False).order_by("-number").first()
    if last is not None and seats > 0:
        votes = dict(Vote.objects.filter(round=last).values_list("candidate_id", "yes"))
        base = rules.majority_base(election.majority_base, election.eligible_count or 0, election.present_count or 0)
        result = rules.tally(last.seats, base, votes)
        if result.tied:
            running = [c for c in running if c.pk in set(result.tied)]
    return running, seats


def election_round_record(*, actor, election: Election, version: int, ballots_issued: int, ballots_returned: int,
                          votes: dict[int, int]) -> ElectionRound:
    """One vote. More ballots returned than issued voids it (vote again). Otherwise the tally elects those over
    half of the base with the most votes; ties at the last seat and unfilled seats go to another round."""
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.CANDIDATES_SET)
    if election.meeting_on is None:
        raise DomainError(_("请先登记选举大会日期和实到人数"), code=CommitteeErrors.WRONG_STAGE)
    candidates = {c.pk: c for c in election.candidates.select_related("member")}
    on_ballot, seats = running_candidates(election)
    running = {c.pk for c in on_ballot}
    errors: dict[str, list[str]] = {}
    if ballots_issued is None or ballots_issued < 0 or ballots_issued > election.present_count:
        errors["ballots_issued"] = [_("发出选票应在0至实到人数%(p)d之间") % {"p": election.present_count}]
    if ballots_returned is None or ballots_returned < 0:
        errors["ballots_returned"] = [_("收回选票不能为负数")]
    unknown = set(votes) - running
    if unknown:
        errors["votes"] = [_("只能为本轮候选人登记票数")]
    for pk, yes in votes.items():
        if yes is None or yes < 0 or (ballots_returned is not None and yes > ballots_returned):
            errors.setdefault("votes", []).append(_("%(n)s的得票应在0至收回选票之间")
                                                  % {"n": candidates[pk].member.name if pk in candidates else pk})
    if errors:
        raise ValidationFailed(errors)
    void = not rules.ballots_valid(ballots_issued, ballots_returned)
    with transaction.atomic():
        update_versioned(election, version, {})  # one recorder at a time; a stale page is refused
        number = (election.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        row = ElectionRound.objects.create(election=election, number=number, seats=seats, ballots_issued=ballots_issued,
                                           ballots_returned=ballots_returned, void=void, recorded_by=actor)
        Vote.objects.bulk_create([Vote(round=row, candidate_id=pk, yes=yes) for pk, yes in votes.items()])
        result = None
        if not void:
            base = rules.majority_base(election.majority_base, election.eligible_count, election.present_count)
            result = rules.tally(seats, base, {pk: votes.get(pk, 0) for pk in running})
            Candidate.objects.filter(pk__in=result.elected).update(elected_in_round=number)
            if result.complete:
                update_versioned(election, election.version, {"stage": ElectionStage.VOTED})
        audit.record(actor=actor, verb="committees.election.round", target=election, org_path=election.org.path,
                     changes={"round": [None, number], "ballots": [None, f"{ballots_issued}/{ballots_returned}"],
                              "void": [None, void],
                              "votes": [None, {candidates[pk].member.name: v for pk, v in votes.items()}],
                              "elected": [None, [candidates[pk].member.name for pk in (result.elected if result else ())]],
                              "unfilled": [None, result.unfilled if result else seats]})
    row.tally = result
    return row


def election_posts_assign(*, actor, election: Election, version: int, posts: dict[int, str]) -> Election:
    """The division of work among the elected (书记、副书记 by the committee's own vote, RULES.md §4)."""
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.VOTED)
    elected = {c.pk: c for c in election.candidates.filter(elected_in_round__isnull=False).select_related("member")}
    errors = []
    if set(posts) - set(elected):
        errors.append(_("只能为当选委员确定分工"))
    if any(p not in COMMITTEE_POST_CODES for p in posts.values() if p):
        errors.append(_("未知的职务"))
    if errors:
        raise ValidationFailed({"posts": errors})
    with transaction.atomic():
        update_versioned(election, version, {})
        changes = {}
        for pk, post in posts.items():
            candidate = elected[pk]
            if candidate.post != (post or ""):
                changes[candidate.member.name] = [candidate.post, post or ""]
                Candidate.objects.filter(pk=pk).update(post=post or "")
        if changes:
            audit.record(actor=actor, verb="committees.election.posts", target=election, org_path=election.org.path,
                         changes=changes)
    return election


def election_publish(*, actor, election: Election, version: int) -> Election:
    """The public notice of the result (names and posts only), once the level above approved it."""
    require(actor, CommitteePerm.MANAGE, election.org.path)
    _stage(election, ElectionStage.RESULT_APPROVED, ElectionStage.FILED)
    if election.published_at is not None:
        return election
    with transaction.atomic():
        update_versioned(election, version, {"published_at": timezone.now()})
        audit.record(actor=actor, verb="committees.election.publish", target=election, org_path=election.org.path,
                     changes={"published": [False, True]})
    return election
