"""The sitting committee: posts taken up and ended, and the approved changes of a term's end."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.committees import rules
from grassroots.committees.choices import PostEndReason, TermChangeKind
from grassroots.committees.models import (
    CommitteePost,
    TermChange,
)
from grassroots.committees.permissions import CommitteePerm
from grassroots.committees.services.common import (
    COMMITTEE_POST_CODES,
    SINGLE_POSTS,
    CommitteeErrors,
    _active_org,
    _mark_rollups,
    _member_of,
    _today,
    approver_org,
    sync_member_posts,
)
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.history import diff
from grassroots.members.choices import Post
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

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
