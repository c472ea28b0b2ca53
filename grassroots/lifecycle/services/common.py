"""What every lifecycle write shares: error codes, the letter validity, field checks, row locks, the
member's history entry."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.core.errors import ConcurrentEdit, ValidationFailed
from grassroots.lifecycle import rules
from grassroots.members import services as member_services
from grassroots.members.models import Member
from grassroots.orgs.choices import OrgKind, OrgStatus
from grassroots.orgs.models import Organization


class LifecycleErrors:
    NOT_ACTIVE = "lifecycle_member_not_active"
    PENDING_EXISTS = "lifecycle_transfer_pending_exists"
    WRONG_STATE = "lifecycle_wrong_state"
    NOT_EXPIRED = "lifecycle_letter_not_expired"
    NOT_ABOVE = "lifecycle_approve_not_above"
    DECISION_OPEN = "lifecycle_decision_open"
    WORK_CLOSED = "lifecycle_work_closed"


def letter_validity_months() -> int:
    return int(getattr(settings, "LIFECYCLE_LETTER_VALIDITY_MONTHS", rules.THRESHOLDS["letter_validity"].value))


def _today(on: dt.date | None = None) -> dt.date:
    return on or timezone.localdate()


def _mark_rollups(path: str) -> None:
    member_services._mark_rollups(path)


def _require_text(errors: dict, field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(message)
    return value


def _check_date(errors: dict, field: str, value: dt.date | None, *, not_after: dt.date, not_before=None,
                label: str = "日期") -> None:
    if value is None:
        errors.setdefault(field, []).append(_("请填写%(label)s") % {"label": label})
    elif value > not_after:
        errors.setdefault(field, []).append(_("%(label)s不能晚于今天") % {"label": label})
    elif not_before is not None and value < not_before:
        errors.setdefault(field, []).append(_("%(label)s不能早于%(day)s") % {"label": label, "day": not_before})


def _check_month(errors: dict, value: str) -> str:
    value = (value or "").strip()
    if value and not rules.MONTH_RE.match(value):
        errors.setdefault("dues_paid_through", []).append(_("党费交至月份应为“年-月”，例如 2026-03"))
    return value


def _check_branch(org: Organization | None, field: str = "to_org") -> None:
    if org is None:
        raise ValidationFailed({field: [_("请选择接收党组织")]})
    if org.status != OrgStatus.ACTIVE:
        raise ValidationFailed({field: [_("所选党组织已撤销")]})
    if org.kind != OrgKind.BRANCH:
        raise ValidationFailed({field: [_("党员应编入党支部，请选择一个党支部")]})


def _lock(model, obj, version: int):
    locked = model.objects.select_for_update().get(pk=obj.pk)
    if locked.version != version:
        raise ConcurrentEdit()
    return locked


def _member_audit(actor, member: Member, verb: str, changes: dict, reason: str = "", org_path: str | None = None):
    audit.record(actor=actor, verb=verb, target=member, org_path=org_path or member.org_path, changes=changes,
                 reason=reason)
