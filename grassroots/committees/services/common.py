"""What the committee services share: error codes, the approving level above, the checks of an active
organization, an election's stage and a member of the organization; Member.posts kept in step with the posts."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import can, grants_above
from grassroots.committees import selectors
from grassroots.committees.choices import ElectionStage
from grassroots.committees.models import (
    COMMITTEE_POST_CHOICES,
    CommitteePost,
    Election,
)
from grassroots.committees.permissions import CommitteePerm
from grassroots.core import audit
from grassroots.core.errors import DomainError, PermissionRefused, ValidationFailed
from grassroots.members.choices import COMMITTEE_POSTS, MemberState, MemberStatus, Post
from grassroots.members.models import Member
from grassroots.orgs.choices import OrgStatus
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
