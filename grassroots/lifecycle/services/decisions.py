"""Decisions on a member's standing: recorded by the branch, approved (or declined) above, then applied."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import grants_above, require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, PermissionRefused, ValidationFailed
from grassroots.lifecycle import rules
from grassroots.lifecycle.choices import DecisionStatus
from grassroots.lifecycle.models import Decision
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.services.common import (
    LifecycleErrors,
    _check_date,
    _lock,
    _member_audit,
    _require_text,
    _today,
)
from grassroots.members import services as member_services
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orgs.models import Organization


def decision_record(*, actor, member: Member, kind: str, occurred_on: dt.date, reason: str, meeting: str = "",
                    meeting_on: dt.date | None = None, today: dt.date | None = None) -> Decision:
    """The branch records its decision with the deciding meeting. Where the rules need the organization
    above to approve, it waits; otherwise (death; withdrawal, which is only filed above) it takes effect now."""
    require(actor, LifecyclePerm.DECIDE, member.org_path)
    today = _today(today)
    rule = rules.DECISION_RULES.get(kind)
    errors: dict = {}
    if rule is None:
        errors["kind"] = [_("请选择处置类别")]
    reason = _require_text(errors, "reason", reason, _("请填写事实和理由"))
    _check_date(errors, "occurred_on", occurred_on, not_after=today, not_before=member.joined_on, label=_("决定日期"))
    if rule and rule.needs_meeting:
        meeting = _require_text(errors, "meeting", meeting, _("请填写作出决定的会议（如支部党员大会）"))
        _check_date(errors, "meeting_on", meeting_on, not_after=today, label=_("会议日期"))
    if errors:
        raise ValidationFailed(errors)
    problem = rules.decision_errors(kind, member.state)
    if problem:
        raise DomainError(_("该党员当前状态不适用此项处置"), code=LifecycleErrors.WRONG_STATE, field="kind")
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                member=member, kind=kind, occurred_on=occurred_on, reason=reason[:500], meeting=(meeting or "")[:200],
                meeting_on=meeting_on, org_id=member.org_id, org_path=member.org_path, created_by=actor,
            )
            audit.record(actor=actor, verb="lifecycle.decision.record", target=decision, org_path=member.org_path,
                         changes={"kind": [None, kind], "meeting": [None, decision.meeting]}, reason=reason)
            _member_audit(actor, member, "lifecycle.member.decision", {"decision": [None, kind]}, reason)
            if not rule.needs_approval:
                _apply(actor, decision, approved_by_org=None, approved_on=occurred_on)
    except IntegrityError as exc:
        raise DomainError(_("该党员已有一项待批准的处置决定"), code=LifecycleErrors.DECISION_OPEN, field="kind") from exc
    return decision


def approving_org(actor, path: str) -> Organization | None:
    """The nearest organization strictly above `path` where the actor holds lifecycle.decide, if any."""
    above = grants_above(actor, LifecyclePerm.DECIDE, path)
    if not above:
        return None
    return Organization.objects.get(pk=max(above, key=lambda g: len(g.path)).org_id)


def decision_approve(*, actor, decision: Decision, version: int, approve: bool, approved_on: dt.date,
                     note: str = "", today: dt.date | None = None) -> Decision:
    """The organization above approves (or declines) the branch's decision; on approval it takes effect."""
    require(actor, LifecyclePerm.DECIDE, decision.org_path)
    org = approving_org(actor, decision.org_path)
    if org is None:  # an approval is given only strictly above the deciding organization
        raise PermissionRefused(_("处置决定须由上级党组织批准，不能由本组织批准"))
    errors: dict = {}
    _check_date(errors, "approved_on", approved_on, not_after=_today(today), not_before=decision.occurred_on,
                label=_("批准日期"))
    if not approve and not (note or "").strip():
        errors.setdefault("note", []).append(_("不批准的，请写明意见"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock(Decision, decision, version)
        if locked.status != DecisionStatus.PROPOSED:
            raise DomainError(_("该决定已办结"), code=LifecycleErrors.WRONG_STATE)
        if approve:
            _apply(actor, locked, approved_by_org=org, approved_on=approved_on, note=note)
        else:
            update_versioned(locked, version, {"status": DecisionStatus.REJECTED, "approved_by_org": org,
                                               "approved_on": approved_on, "approver": actor,
                                               "approval_note": note.strip()[:300]})
            audit.record(actor=actor, verb="lifecycle.decision.reject", target=locked, org_path=locked.org_path,
                         changes={"status": [DecisionStatus.PROPOSED, DecisionStatus.REJECTED]}, reason=note)
    return locked


def direct_exit_refusal(kind: str) -> str | None:
    """The field error on `kind` when the member's exit page may not record this exit (rules.DIRECT_EXIT_KINDS):
    it needs a decision approved above, the transfer letter's receipt, or the development module."""
    route = rules.direct_exit_route(kind)
    if route is None:
        return None
    if route == "transfer":
        return _("转出本系统须在“党员管理”中开具组织关系介绍信，登记回执后即出党")
    if route == "development":
        return _("取消预备党员资格须在“发展党员”中由上级党委审批")
    return _("该出党方式须经支部大会决定并报上级党组织批准，请在“党员管理”中登记处置决定")


def _apply(actor, decision: Decision, *, approved_by_org, approved_on, note: str = "") -> None:
    rule = rules.DECISION_RULES[decision.kind]
    member = Member.objects.select_for_update().get(pk=decision.member_id)
    if member.state not in rule.from_states:
        raise DomainError(_("该党员当前状态不适用此项处置"), code=LifecycleErrors.WRONG_STATE)
    if rule.to_state == MemberState.LEFT:
        member_services.member_exit(
            actor=actor, member=member, version=member.version, kind=decision.kind, occurred_on=decision.occurred_on,
            reason=decision.reason, decided_by=decision.meeting, meeting_on=decision.meeting_on,
            approved_by_org=approved_by_org, approved_on=approved_on if approved_by_org else None,
            approver=actor if approved_by_org else None,
        )
    else:
        member_services.member_standing_change(actor=actor, member=member, version=member.version,
                                               state=rule.to_state, occurred_on=decision.occurred_on,
                                               reason=decision.reason)
    update_versioned(decision, decision.version, {
        "status": DecisionStatus.APPROVED, "approved_by_org": approved_by_org,
        "approved_on": approved_on if approved_by_org else None, "approver": actor if approved_by_org else None,
        "approval_note": (note or "").strip()[:300],
    })
    audit.record(actor=actor, verb="lifecycle.decision.approve", target=decision, org_path=decision.org_path,
                 changes={"status": [DecisionStatus.PROPOSED, DecisionStatus.APPROVED],
                          "member_state": [None, rule.to_state]})
