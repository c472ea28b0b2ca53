"""What the development services share: error codes, the approval-above check, the facts the rules read and the
next-due fields."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import can_above
from grassroots.core.errors import PermissionRefused, ValidationFailed
from grassroots.development import rules
from grassroots.development.choices import (
    OPEN_STAGES,
    NoticeStatus,
    Stage,
)
from grassroots.development.models import Applicant, RightsSuspension
from grassroots.development.permissions import DevelopmentPerm
from grassroots.orgs.choices import OrgKind, OrgStatus
from grassroots.orgs.models import Organization


class DevelopmentErrors:
    DUPLICATE = "development_duplicate_id_number"
    CLOSED = "development_closed"
    WRONG_STAGE = "development_wrong_stage"
    NOT_ABOVE = "development_approve_not_above"
    SUSPENSION_ENDED = "development_suspension_ended"


def _today(today):
    return today or timezone.localdate()


def approves_above(actor, path: str) -> bool:
    """APPROVE is used only by the committee strictly above the branch: a grant at the branch itself (its own
    secretary) does not count, even though it covers the branch's subtree."""
    return can_above(actor, DevelopmentPerm.APPROVE, path)


def _require_above(actor, applicant: Applicant) -> None:
    if not approves_above(actor, applicant.org_path):
        raise PermissionRefused(_("审批须由党支部的上级党委进行，本支部不能审批本支部的发展对象"), code=DevelopmentErrors.NOT_ABOVE)


def _check_branch(org: Organization) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise ValidationFailed({"org": [_("所选党组织已撤销")]})
    if org.kind != OrgKind.BRANCH:
        raise ValidationFailed({"org": [_("入党申请由党支部受理，请选择一个党支部")]})


def pipeline_facts(applicant: Applicant) -> rules.PipelineFacts:
    done: dict[str, list[dt.date]] = {}
    for code, on in applicant.steps.filter(completed=True).values_list("code", "occurred_on"):
        done.setdefault(code, []).append(on)
    notices = {}
    rows = (applicant.notices.filter(status=NoticeStatus.PUBLISHED)
            .annotate(open=Count("objections", filter=Q(objections__resolved_on__isnull=True)))
            .values_list("stage", "published_on", "ends_on", "open"))
    for stage, published_on, ends_on, open_count in rows:
        notices[stage] = rules.NoticeFacts(published_on, ends_on, open_count)
    return rules.PipelineFacts(stage=applicant.stage, done=done, notices=notices,
                               probation_ends_on=applicant.probation_ends_on, extensions=applicant.extensions,
                               birth_date=applicant.birth_date)


def due_fields(facts: rules.PipelineFacts) -> dict:
    due = rules.next_due(facts) if facts.stage in OPEN_STAGES or facts.stage == Stage.FULL else None
    if due is None:
        return {"next_step": "", "next_due_on": None, "next_due_deadline": False}
    return {"next_step": due.code, "next_due_on": due.on, "next_due_deadline": due.deadline}


def _refusal_errors(refusals: list[rules.Refusal]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for refusal in refusals:
        errors.setdefault("occurred_on", []).append(refusal.message)
    return errors


def _suspended_ids(ids, on: dt.date, kinds=None) -> list[int]:
    qs = RightsSuspension.objects.filter(member_id__in=ids, starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return list(qs.values_list("member_id", flat=True))


def _refresh_due(applicant: Applicant) -> None:
    Applicant.objects.filter(pk=applicant.pk).update(**due_fields(pipeline_facts(applicant)))
