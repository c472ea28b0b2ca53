"""Every write of the committees module: scoped (require), validated by rules.py, versioned, audited, in one
transaction. Approvals are used only at an organization strictly above the record's own."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import can, grants_above, require
from grassroots.committees import rules, selectors
from grassroots.committees.choices import ElectionMethod, ElectionStage, PostEndReason, TermChangeKind
from grassroots.committees.models import (
    COMMITTEE_POST_CHOICES,
    CadreTraining,
    Candidate,
    CommitteePost,
    Election,
    ElectionRound,
    FirstSecretary,
    Nomination,
    NominationRound,
    ReserveCadre,
    TermChange,
    Vote,
    VoterExclusion,
    WorkLogEntry,
)
from grassroots.committees.permissions import CommitteePerm
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, PermissionRefused, ValidationFailed
from grassroots.core.history import diff, plain_values, snapshot
from grassroots.members.choices import COMMITTEE_POSTS, MemberState, MemberStatus, Post
from grassroots.members.models import Member
from grassroots.orgs.choices import VILLAGE_SECTORS, OrgStatus
from grassroots.orgs.models import PATH_STEP, Organization

COMMITTEE_POST_CODES = frozenset(code for code, _label in COMMITTEE_POST_CHOICES)
SINGLE_POSTS = frozenset({Post.SECRETARY, Post.DEPUTY_SECRETARY})  # at most one current holder per organization


class CommitteeErrors:
    WRONG_STAGE = "committees_wrong_stage"
    NOT_ABOVE = "committees_approve_not_above"
    ORG_INACTIVE = "committees_org_inactive"
    POST_ENDED = "committees_post_ended"
    ASSIGNMENT_ENDED = "committees_assignment_ended"


# ---------------------------------------------------------------- helpers

def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _mark_rollups(path: str) -> None:
    from grassroots.dashboards.tasks import mark_stale

    mark_stale(path[:PATH_STEP])


def approver_org(actor, org: Organization, perm: str = CommitteePerm.APPROVE) -> Organization:
    """The nearest organization strictly above `org` where the actor holds the approve permission; refused
    otherwise (a branch's own secretary cannot approve the branch's election)."""
    above = grants_above(actor, perm, org.path)
    if not above:
        if can(actor, CommitteePerm.VIEW, org.path):
            raise PermissionRefused(_("须由上级党组织批准：本级组织不能批准自己的事项"), code=CommitteeErrors.NOT_ABOVE)
        raise PermissionRefused()
    nearest = max(above, key=lambda g: len(g.path))
    return Organization.objects.get(pk=nearest.org_id)


def _active_org(org: Organization) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("该党组织已撤销，记录只读"), code=CommitteeErrors.ORG_INACTIVE)


def _stage(election: Election, *stages: str) -> None:
    if election.stage not in stages:
        labels = "、".join(str(ElectionStage(s).label) for s in stages)
        raise DomainError(_("当前阶段为“%(now)s”，此操作只能在“%(need)s”阶段进行")
                          % {"now": election.get_stage_display(), "need": labels}, code=CommitteeErrors.WRONG_STAGE)


def _member_of(org: Organization, member: Member, field: str, *, full: bool = True) -> None:
    mine = (member.org_path.startswith(org.path) if selectors.chosen_from_subtree(org)
            else member.org_id == org.pk)
    if not mine or member.state != MemberState.ACTIVE:
        raise ValidationFailed({field: [_("%(n)s不是本组织在册党员") % {"n": member.name}]})
    if full and member.status != MemberStatus.FULL:
        raise ValidationFailed({field: [_("%(n)s是预备党员，没有选举权和被选举权（选举工作条例第五条）") % {"n": member.name}]})


def sync_member_posts(member_ids, actor=None) -> None:
    """Member.posts (read by rollups and warnings) follows the current CommitteePost rows of the member's own
    branch: one column updated per member, other posts (党小组组长) kept; a post on a township committee or a
    general branch committee stays off it, so the branch's own committee is not misread. Called inside the
    writer's transaction."""
    ids = sorted(set(member_ids))
    if not ids:
        return
    current: dict[int, list[str]] = {pk: [] for pk in ids}
    order = [code for code, _label in COMMITTEE_POST_CHOICES]
    for member_id, post in (CommitteePost.objects.current().filter(member_id__in=ids, org_id=F("member__org_id"))
                            .values_list("member_id", "post")):
        current[member_id].append(post)
    for member in Member.objects.filter(pk__in=ids).only("pk", "posts", "org_path", "name"):
        kept = [p for p in (member.posts or []) if p not in COMMITTEE_POSTS]
        new = sorted(set(current[member.pk]), key=order.index) + kept
        if new != list(member.posts or []):
            Member.objects.filter(pk=member.pk).update(posts=new)
            audit.record(actor=actor, verb="committees.member_posts.sync", target=member, org_path=member.org_path,
                         changes={"posts": [member.posts, new]})


def _parse_percent(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed({field: [_("应为数字")]}) from exc
    if not Decimal(0) <= number <= Decimal(100):
        raise ValidationFailed({field: [_("应在0至100之间")]})
    return number


# ---------------------------------------------------------------- committee posts

def committee_post_add(*, actor, org: Organization, member: Member, post: str, started_on: dt.date,
                       today: dt.date | None = None) -> CommitteePost:
    require(actor, CommitteePerm.MANAGE, org)
    _active_org(org)
    errors: dict[str, list[str]] = {}
    if post not in COMMITTEE_POST_CODES:
        errors["post"] = [_("请选择委员会职务")]
    if started_on and started_on > _today(today):
        errors["started_on"] = [_("任职日期不能晚于今天")]
    if errors:
        raise ValidationFailed(errors)
    _member_of(org, member, "member")
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=org.pk).first()  # one writer of the committee at a time
        current = CommitteePost.objects.current().filter(org=org)
        if current.filter(member=member, post=post).exists():
            raise ValidationFailed({"post": [_("%(n)s已担任该职务") % {"n": member.name}]})
        if post in SINGLE_POSTS and current.filter(post=post).exists():
            raise ValidationFailed({"post": [_("本组织已有现任%(p)s，请先登记其离任") % {"p": Post(post).label}]})
        try:
            with transaction.atomic():
                row = CommitteePost.objects.create(org=org, member=member, post=post, started_on=started_on,
                                                   created_by=actor)
        except IntegrityError as exc:
            raise ValidationFailed({"post": [_("%(n)s已担任该职务") % {"n": member.name}]}) from exc
        audit.record(actor=actor, verb="committees.post.create", target=row, org_path=org.path,
                     target_label=f"{member.name} {Post(post).label}",
                     changes=diff({}, {"member": member.name, "post": post, "started_on": started_on.isoformat()}))
        sync_member_posts([member.pk], actor)
        transaction.on_commit(lambda: _mark_rollups(org.path))
    return row


def committee_post_end(*, actor, post: CommitteePost, version: int, ended_on: dt.date, reason: str,
                       today: dt.date | None = None) -> CommitteePost:
    require(actor, CommitteePerm.MANAGE, post.org.path)
    errors: dict[str, list[str]] = {}
    if reason not in PostEndReason.values:
        errors["reason"] = [_("请选择离任原因")]
    if ended_on is None or ended_on < post.started_on:
        errors["ended_on"] = [_("离任日期不能早于任职日期%(d)s") % {"d": post.started_on.isoformat()}]
    elif ended_on > _today(today):
        errors["ended_on"] = [_("离任日期不能晚于今天")]
    if errors:
        raise ValidationFailed(errors)
    if post.ended_on is not None:
        raise DomainError(_("该职务已离任"), code=CommitteeErrors.POST_ENDED)
    with transaction.atomic():
        update_versioned(post, version, {"ended_on": ended_on, "end_reason": reason})
        audit.record(actor=actor, verb="committees.post.end", target=post, org_path=post.org.path,
                     changes={"ended_on": [None, ended_on.isoformat()], "end_reason": ["", reason]})
        sync_member_posts([post.member_id], actor)
        transaction.on_commit(lambda: _mark_rollups(post.org.path))
    return post


# ---------------------------------------------------------------- terms

def current_term_change(org: Organization) -> TermChange | None:
    if org.term_started_on is None:
        return None
    return TermChange.objects.filter(org=org, term_started_on=org.term_started_on).order_by("-id").first()


def term_change_approve(*, actor, org: Organization, kind: str, new_ends_on: dt.date, reason: str,
                        decision_ref: str = "", today: dt.date | None = None) -> TermChange:
    """Postponing or bringing forward a changeover, recorded by the approving level above (第三条)."""
    approver = approver_org(actor, org)
    _active_org(org)
    errors: dict[str, list[str]] = {}
    if kind not in TermChangeKind.values:
        errors["kind"] = [_("请选择延期或提前")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写理由")]
    if org.term_started_on is None:
        errors["new_ends_on"] = [_("该组织未登记本届选举日期，无法计算届满日期")]
    if errors:
        raise ValidationFailed(errors)
    original = rules.term_ends_on(org.kind, org.sector, org.term_started_on)
    errors = rules.check_term_change(kind, original, new_ends_on)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = TermChange.objects.create(
            org=org, kind=kind, term_started_on=org.term_started_on, original_ends_on=original,
            new_ends_on=new_ends_on, reason=reason.strip(), decision_ref=(decision_ref or "").strip(),
            approver_org=approver, approved_by=actor, approved_on=_today(today), created_by=actor,
        )
        audit.record(actor=actor, verb="committees.term.change", target=org, org_path=org.path, reason=reason,
                     changes={"term_ends_on": [original.isoformat(), new_ends_on.isoformat()], "kind": [None, kind],
                              "approver_org": [None, approver.name]})
    return row


# ---------------------------------------------------------------- elections

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


# ---------------------------------------------------------------- first secretaries

def _village(org: Organization, field: str = "org") -> None:
    if org.sector not in VILLAGE_SECTORS:
        raise ValidationFailed({field: [_("第一书记和后备干部按村（社区）登记，请选择村（社区）党组织")]})


def first_secretary_assign(*, actor, org: Organization, name: str, unit: str, started_on: dt.date, user=None,
                           notes: str = "", today: dt.date | None = None) -> FirstSecretary:
    require(actor, CommitteePerm.MANAGE, org)
    _active_org(org)
    _village(org)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写姓名")]
    if not (unit or "").strip():
        errors["unit"] = [_("请填写派出单位")]
    if started_on is None or started_on > _today(today):
        errors["started_on"] = [_("到村日期不能晚于今天")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = FirstSecretary.objects.create(org=org, user=user, name=name.strip(), unit=unit.strip(),
                                            started_on=started_on, notes=(notes or "").strip(), created_by=actor)
        audit.record(actor=actor, verb="committees.first_secretary.create", target=row, org_path=org.path,
                     changes=diff({}, {"name": row.name, "unit": row.unit, "started_on": started_on.isoformat(),
                                       "user": str(user) if user else None}))
    return row


def first_secretary_end(*, actor, first_secretary: FirstSecretary, version: int, ended_on: dt.date,
                        today: dt.date | None = None) -> FirstSecretary:
    require(actor, CommitteePerm.MANAGE, first_secretary.org.path)
    if first_secretary.ended_on is not None:
        raise DomainError(_("该第一书记已离村"), code=CommitteeErrors.ASSIGNMENT_ENDED)
    if ended_on is None or ended_on < first_secretary.started_on or ended_on > _today(today):
        raise ValidationFailed({"ended_on": [_("离村日期应在到村日期%(d)s至今天之间") % {"d": first_secretary.started_on}]})
    with transaction.atomic():
        update_versioned(first_secretary, version, {"ended_on": ended_on})
        audit.record(actor=actor, verb="committees.first_secretary.end", target=first_secretary,
                     org_path=first_secretary.org.path, changes={"ended_on": [None, ended_on.isoformat()]})
    return first_secretary


def work_log_add(*, actor, first_secretary: FirstSecretary, occurred_on: dt.date, content: str,
                 today: dt.date | None = None) -> WorkLogEntry:
    """A dated entry of the first secretary's work log: by the village's managers or the first secretary's own
    account."""
    if not (first_secretary.user_id and actor.is_authenticated and actor.pk == first_secretary.user_id):
        require(actor, CommitteePerm.MANAGE, first_secretary.org.path)
    errors: dict[str, list[str]] = {}
    if not (content or "").strip():
        errors["content"] = [_("请填写工作内容")]
    if occurred_on is None or occurred_on > _today(today):
        errors["occurred_on"] = [_("日期不能晚于今天")]
    elif occurred_on < first_secretary.started_on or (first_secretary.ended_on and occurred_on > first_secretary.ended_on):
        errors["occurred_on"] = [_("日期应在驻村期间内")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = WorkLogEntry.objects.create(first_secretary=first_secretary, occurred_on=occurred_on,
                                          content=content.strip(), created_by=actor)
        audit.record(actor=actor, verb="committees.work_log.create", target=first_secretary,
                     org_path=first_secretary.org.path, changes={"log": [None, f"{occurred_on}: {row.content[:80]}"]})
    return row


# ---------------------------------------------------------------- reserve cadres

CADRE_FIELDS = ("name", "gender", "birth_date", "education", "position", "status", "notes", "member")


def _check_cadre(org: Organization, data: dict, today: dt.date) -> dict:
    from grassroots.committees.choices import CadreStatus
    from grassroots.members.choices import Education, Gender

    errors: dict[str, list[str]] = {}
    if not (data.get("name") or "").strip():
        errors["name"] = [_("请填写姓名")]
    if data.get("gender") not in Gender.values:
        errors["gender"] = [_("请选择性别")]
    if data.get("education") not in Education.values:
        errors["education"] = [_("请选择学历")]
    if data.get("status") not in CadreStatus.values:
        errors["status"] = [_("请选择状态")]
    birth = data.get("birth_date")
    if birth is None or birth > today or rules.add_years(birth, 18) > today:
        errors["birth_date"] = [_("出生日期无效（应年满18周岁）")]
    member = data.get("member")
    if member is not None and member.org_id != org.pk:
        errors["member"] = [_("所选党员不属于本村党组织")]
    if errors:
        raise ValidationFailed(errors)
    return {**data, "name": data["name"].strip(), "position": (data.get("position") or "").strip(),
            "notes": (data.get("notes") or "").strip()}


def reserve_cadre_add(*, actor, org: Organization, today: dt.date | None = None, **data) -> ReserveCadre:
    require(actor, CommitteePerm.MANAGE, org)
    _active_org(org)
    _village(org)
    data = {"status": "candidate", "position": "", "notes": "", "member": None, **data}
    cleaned = _check_cadre(org, {k: data.get(k) for k in CADRE_FIELDS}, _today(today))
    with transaction.atomic():
        cadre = ReserveCadre.objects.create(org=org, created_by=actor, **cleaned)
        audit.record(actor=actor, verb="committees.cadre.create", target=cadre, org_path=org.path,
                     changes=diff({}, plain_values(cleaned)))
    return cadre


def reserve_cadre_update(*, actor, cadre: ReserveCadre, version: int, today: dt.date | None = None,
                         **data) -> ReserveCadre:
    require(actor, CommitteePerm.MANAGE, cadre.org.path)
    before = snapshot(cadre, CADRE_FIELDS)
    cleaned = _check_cadre(cadre.org, {**{k: getattr(cadre, k) for k in CADRE_FIELDS}, **data}, _today(today))
    with transaction.atomic():
        update_versioned(cadre, version, cleaned)
        changes = diff(before, snapshot(cadre, CADRE_FIELDS))
        if changes:
            audit.record(actor=actor, verb="committees.cadre.update", target=cadre, org_path=cadre.org.path,
                         changes=changes)
    return cadre


def cadre_training_add(*, actor, cadre: ReserveCadre, occurred_on: dt.date, title: str, hours=0,
                       organizer: str = "", today: dt.date | None = None) -> CadreTraining:
    require(actor, CommitteePerm.MANAGE, cadre.org.path)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("请填写培训内容")]
    if occurred_on is None or occurred_on > _today(today):
        errors["occurred_on"] = [_("培训日期不能晚于今天")]
    try:
        hours = Decimal(str(hours))
        if hours < 0 or hours > 1000:
            errors["hours"] = [_("学时应在0至1000之间")]
    except (InvalidOperation, ValueError):
        errors["hours"] = [_("学时应为数字")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = CadreTraining.objects.create(cadre=cadre, occurred_on=occurred_on, title=title.strip(), hours=hours,
                                           organizer=(organizer or "").strip(), created_by=actor)
        audit.record(actor=actor, verb="committees.cadre.training", target=cadre, org_path=cadre.org.path,
                     changes={"training": [None, f"{occurred_on} {row.title}（{hours}学时）"]})
    return row
