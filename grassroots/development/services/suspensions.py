"""Rights suspensions (停止党员权利): recording one and ending it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.development.choices import (
    SuspensionKind,
)
from grassroots.development.models import RightsSuspension
from grassroots.development.permissions import DevelopmentPerm
from grassroots.development.services.common import DevelopmentErrors, _today
from grassroots.members.models import Member


def suspension_record(*, actor, member: Member, kind: str, starts_on: dt.date, reason: str,
                      ends_on: dt.date | None = None, today: dt.date | None = None) -> RightsSuspension:
    require(actor, DevelopmentPerm.RECORD, member.org_path)
    errors = {}
    if kind not in SuspensionKind.values:
        errors["kind"] = [_("请选择类别")]
    if starts_on is None or starts_on > _today(today):
        errors["starts_on"] = [_("开始日期不能为空或晚于今天")]
    if ends_on and starts_on and ends_on <= starts_on:
        errors["ends_on"] = [_("恢复权利日期应晚于开始日期")]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写依据或决定文号")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = RightsSuspension.objects.create(member=member, org_path=member.org_path, kind=kind, starts_on=starts_on,
                                              ends_on=ends_on, reason=reason.strip()[:300], recorded_by=actor)
        audit.record(actor=actor, verb="development.suspension.record", target=member, org_path=member.org_path,
                     changes={"suspension": [None, f"{kind} {starts_on.isoformat()}–{ends_on.isoformat() if ends_on else ''}"]},
                     reason=reason)
    return row


def suspension_end(*, actor, suspension: RightsSuspension, version: int, ends_on: dt.date, decision_ref: str,
                   today: dt.date | None = None) -> RightsSuspension:
    """End a current rights suspension (恢复党员权利: the 留党察看 period is over, or the 留置/逮捕 ended), dated and
    with the decision it rests on; from that day the member votes and may be a sponsor again."""
    require(actor, DevelopmentPerm.RECORD, suspension.org_path)
    today = _today(today)
    errors: dict[str, list[str]] = {}
    if not (decision_ref or "").strip():
        errors["decision_ref"] = [_("请填写恢复权利的决定文号或依据")]
    if ends_on is None:
        errors["ends_on"] = [_("请填写恢复权利日期")]
    elif ends_on > today:
        errors["ends_on"] = [_("恢复权利日期不能晚于今天")]
    elif ends_on <= suspension.starts_on:
        errors["ends_on"] = [_("恢复权利日期应晚于开始日期（%(d)s）") % {"d": suspension.starts_on.isoformat()}]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = RightsSuspension.objects.select_for_update().select_related("member").get(pk=suspension.pk)
        if locked.version != version:
            from grassroots.core.errors import ConcurrentEdit

            raise ConcurrentEdit()
        if locked.ends_on is not None and locked.ends_on <= today:
            raise DomainError(_("该党员的权利中止已于%(d)s结束") % {"d": locked.ends_on.isoformat()},
                              code=DevelopmentErrors.SUSPENSION_ENDED)
        old_end = locked.ends_on
        ref = decision_ref.strip()[:300]
        update_versioned(locked, version, {"ends_on": ends_on, "end_ref": ref})
        audit.record(actor=actor, verb="development.suspension.end", target=locked.member, org_path=locked.org_path,
                     changes={"suspension": [f"{locked.get_kind_display()} {locked.starts_on.isoformat()}", None],
                              "ends_on": [old_end.isoformat() if old_end else None, ends_on.isoformat()],
                              "end_ref": [None, ref]}, reason=ref)
    suspension.__dict__.update({k: getattr(locked, k) for k in ("ends_on", "end_ref", "version")})
    return locked
