"""The 支部大会 vote: 应到会 from the roster minus lawful exclusions; the rules decide passed / rejected / invalid."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import ValidationFailed
from grassroots.development import rules
from grassroots.development.choices import (
    VoteKind,
    VoteOutcome,
)
from grassroots.development.models import Applicant, RightsSuspension, Step, Vote
from grassroots.development.permissions import DevelopmentPerm
from grassroots.development.services.common import _today, due_fields, pipeline_facts
from grassroots.members.choices import MemberState, MemberStatus
from grassroots.members.models import Member

VOTE_STEP = {VoteKind.ADMISSION: "admission_meeting", VoteKind.CONFIRMATION: "confirmation_meeting"}


def branch_roster(org_id: int, on: dt.date):
    """The branch's full members on the date: joined and confirmed by then, still on its roster that day."""
    return (Member.objects.filter(org_id=org_id, status=MemberStatus.FULL, confirmed_on__lte=on, joined_on__lte=on)
            .filter(Q(state=MemberState.ACTIVE) | Q(left_on__gt=on)))


def vote_record(*, actor, applicant: Applicant, version: int, kind: str, meeting_on: dt.date, present: int, yes: int,
                no: int, abstain: int, written_yes: int = 0, written_no: int = 0, written_abstain: int = 0,
                exclusions: list[dict] | None = None, today: dt.date | None = None) -> Vote:
    """A 支部大会 vote: 应到会 from the roster minus lawful exclusions (each with its reason); the rules decide
    passed / rejected / invalid. Only a passed vote completes the step."""
    require(actor, DevelopmentPerm.RECORD, applicant.org_path)
    code = VOTE_STEP.get(kind)
    if code is None:
        raise ValidationFailed({"kind": [_("未知的表决事项")]})
    if meeting_on is None:
        raise ValidationFailed({"meeting_on": [_("请填写支部大会日期")]})
    today = _today(today)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.version != version:
            from grassroots.core.errors import ConcurrentEdit

            raise ConcurrentEdit()
        check = rules.check_step(code, meeting_on, pipeline_facts(locked), today)
        if not check.ok:
            raise ValidationFailed({"meeting_on": [r.message for r in check.refusals]})
        roster = dict(branch_roster(locked.org_id, meeting_on).values_list("pk", "name"))
        excluded: dict[int, dict] = {}
        suspended = (RightsSuspension.objects.filter(member_id__in=list(roster), starts_on__lte=meeting_on)
                     .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=meeting_on)).values_list("member_id", "kind"))
        for pk, kind_ in suspended:
            excluded[pk] = {"member_id": pk, "name": roster[pk], "reason": kind_, "note": _("系统据权利中止记录自动排除"),
                            "source": rules.EXCLUSION_BY_CODE[kind_].source}
        errors: dict[str, list[str]] = {}
        for row in exclusions or []:
            pk, reason, note = int(row.get("member_id") or 0), row.get("reason") or "", (row.get("note") or "").strip()
            if pk not in roster:
                errors.setdefault("exclusions", []).append(_("不计入应到会的人员须是本支部当日的正式党员（ID %(id)d）") % {"id": pk})
                continue
            rule = rules.EXCLUSION_BY_CODE.get(reason)
            if rule is None:
                errors.setdefault("exclusions", []).append(_("%(n)s：请选择不计入应到会人数的法定情形") % {"n": roster[pk]})
                continue
            if rule.needs_approval and not note:
                errors.setdefault("exclusions", []).append(
                    _("%(n)s：该情形须经上级同意、党员大会通过，请填写依据（%(r)s）") % {"n": roster[pk], "r": rule.source})
                continue
            excluded.setdefault(pk, {"member_id": pk, "name": roster[pk], "reason": reason, "note": note[:300],
                                     "source": rule.source})
        if errors:
            raise ValidationFailed(errors)
        count = rules.VoteCount(eligible=len(roster) - len(excluded), present=present, yes=yes, no=no, abstain=abstain,
                                written_yes=written_yes, written_no=written_no, written_abstain=written_abstain)
        result = rules.tally(count)
        if result.errors:
            raise ValidationFailed(result.errors)
        step = None
        if result.outcome == VoteOutcome.PASSED:
            step_def = rules.STEP_BY_CODE[code]
            step = Step.objects.create(
                applicant=locked, org_path=locked.org_path, code=code, number=step_def.number, occurred_on=meeting_on,
                done_by=_("支部大会"), evidence={"outcome": result.outcome, "explanation": result.explanation},
                recorded_by=actor,
            )
        vote = Vote.objects.create(
            applicant=locked, org_path=locked.org_path, kind=kind, meeting_on=meeting_on, roster_full=len(roster),
            exclusions=list(excluded.values()), eligible=count.eligible, present=present, yes=yes, no=no,
            abstain=abstain, written_yes=written_yes, written_no=written_no, written_abstain=written_abstain,
            outcome=result.outcome, explanation=result.explanation, step=step, recorded_by=actor,
        )
        fields = due_fields(pipeline_facts(locked))
        update_versioned(locked, version, fields)
        audit.record(actor=actor, verb="development.vote.record", target=locked, org_path=locked.org_path,
                     changes={"vote": [None, f"{kind} {meeting_on.isoformat()} {result.outcome}"],
                              "eligible": [None, count.eligible], "present": [None, present],
                              "yes": [None, result.total_yes]}, reason=result.explanation[:500])
    applicant.__dict__.update({k: getattr(locked, k) for k in ("version", *fields)})
    return vote
