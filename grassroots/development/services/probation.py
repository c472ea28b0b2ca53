"""Probation decisions by the committee above: extension and cancellation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.development import rules
from grassroots.development.choices import (
    ClosedReason,
    Stage,
)
from grassroots.development.models import Applicant
from grassroots.development.permissions import DevelopmentPerm
from grassroots.development.services.common import DevelopmentErrors, _require_above, _today, due_fields, pipeline_facts
from grassroots.members.models import Member


def probation_extend(*, actor, applicant: Applicant, version: int, months: int, decided_on: dt.date, reason: str,
                     today: dt.date | None = None) -> Applicant:
    """延长预备期: decided by the 支部大会, approved by the committee above; once, 6–12 months."""
    require(actor, DevelopmentPerm.APPROVE, applicant.org_path)
    _require_above(actor, applicant)
    if applicant.stage != Stage.PROBATIONARY:
        raise DomainError(_("只有预备党员可以延长预备期"), code=DevelopmentErrors.WRONG_STAGE)
    errors = {}
    message = rules.check_extension(months or 0, applicant.extensions)
    if message:
        errors["months"] = [message]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写延长预备期的原因")]
    if decided_on is None or decided_on > _today(today) or decided_on < applicant.admitted_on:
        errors["decided_on"] = [_("决定日期应在接收日期与今天之间")]
    if errors:
        raise ValidationFailed(errors)
    from grassroots.orgs.rules import add_months

    new_end = add_months(applicant.probation_ends_on, months)
    with transaction.atomic():
        facts = pipeline_facts(applicant)
        facts.probation_ends_on = new_end
        fields = {"probation_ends_on": new_end, "extensions": applicant.extensions + 1, **due_fields(facts)}
        old_end = applicant.probation_ends_on
        update_versioned(applicant, version, fields)
        audit.record(actor=actor, verb="development.probation.extend", target=applicant, org_path=applicant.org_path,
                     changes={"probation_ends_on": [old_end.isoformat(), new_end.isoformat()],
                              "decided_on": [None, decided_on.isoformat()], "months": [None, months]}, reason=reason)
    return applicant


def probation_cancel(*, actor, applicant: Applicant, version: int, decided_on: dt.date, reason: str,
                     today: dt.date | None = None) -> Applicant:
    """取消预备党员资格 (细则第三十五条): approved by the committee above; the member leaves the roster."""
    from grassroots.members.services import member_exit

    require(actor, DevelopmentPerm.APPROVE, applicant.org_path)
    _require_above(actor, applicant)
    if applicant.stage != Stage.PROBATIONARY:
        raise DomainError(_("只有预备党员可以取消预备党员资格"), code=DevelopmentErrors.WRONG_STAGE)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请填写取消预备党员资格的原因")]
    if decided_on is None or decided_on > _today(today) or decided_on < applicant.admitted_on:
        errors["decided_on"] = [_("决定日期应在接收日期与今天之间")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        member = Member.objects.get(pk=applicant.member_id)
        member_exit(actor=actor, member=member, version=member.version, kind="probation_cancelled",
                    occurred_on=decided_on, reason=reason, decided_by=_("支部大会决定，上级党委批准"))
        fields = {"stage": Stage.CLOSED, "closed_reason": ClosedReason.PROBATION_CANCELLED, "closed_on": decided_on,
                  "next_step": "", "next_due_on": None, "next_due_deadline": False}
        update_versioned(applicant, version, fields)
        audit.record(actor=actor, verb="development.probation.cancel", target=applicant, org_path=applicant.org_path,
                     changes={"stage": [Stage.PROBATIONARY, Stage.CLOSED]}, reason=reason)
    return applicant
