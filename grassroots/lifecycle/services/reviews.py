"""The outcome of a self-withdrawal review (自行脱党审查)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core.errors import ValidationFailed
from grassroots.lifecycle.choices import DecisionKind, ReviewOutcomeKind
from grassroots.lifecycle.models import ReviewOutcome
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.services.common import _check_date, _member_audit, _today
from grassroots.lifecycle.services.decisions import decision_record
from grassroots.members.models import Member

OUTCOME_DECISIONS = {ReviewOutcomeKind.ADVISED: DecisionKind.ADVISED_WITHDRAWAL,
                     ReviewOutcomeKind.REMOVAL: DecisionKind.REMOVAL}


def review_outcome_record(*, actor, member: Member, outcome: str, decided_on: dt.date, grounds: list[str],
                          evidence: str = "", meeting: str = "", meeting_on: dt.date | None = None, note: str = "",
                          today: dt.date | None = None) -> ReviewOutcome:
    """The branch's outcome of a self-withdrawal review. 劝退 and 除名 open a decision for the branch meeting's
    record and the approval above; the others are recorded as they are."""
    require(actor, LifecyclePerm.DECIDE, member.org_path)
    today = _today(today)
    errors: dict = {}
    if outcome not in ReviewOutcomeKind.values:
        errors["outcome"] = [_("请选择处理结果")]
    _check_date(errors, "decided_on", decided_on, not_after=today, label=_("处理日期"))
    if outcome == ReviewOutcomeKind.JUSTIFIED and not (note or "").strip():
        errors.setdefault("note", []).append(_("认定有正当理由的，请说明理由"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        decision = None
        if outcome in OUTCOME_DECISIONS:
            decision = decision_record(
                actor=actor, member=member, kind=OUTCOME_DECISIONS[outcome], occurred_on=decided_on,
                reason=(note or "").strip() or evidence or _("连续6个月不参加组织生活、不交纳党费或不做党所分配的工作"),
                meeting=meeting, meeting_on=meeting_on, today=today,
            )
        row = ReviewOutcome.objects.create(
            member=member, org_path=member.org_path, grounds=list(grounds)[:10], evidence=(evidence or "")[:4000],
            outcome=outcome, decided_on=decided_on, meeting=(meeting or "").strip()[:200],
            note=(note or "").strip()[:500], decision=decision, recorded_by=actor,
        )
        _member_audit(actor, member, "lifecycle.member.review", {"review_outcome": [None, outcome],
                                                                 "grounds": [None, ",".join(row.grounds)]}, note)
    return row
