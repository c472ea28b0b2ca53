"""Mobile members (流动党员): their whereabouts and its contact, and contact attempts (失联)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit, crypto
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.masking import mask_phone
from grassroots.lifecycle.models import ContactAttempt, Whereabouts
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.services.common import (
    LifecycleErrors,
    _check_date,
    _lock,
    _mark_rollups,
    _member_audit,
    _require_text,
    _today,
)
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orgs.choices import OrgStatus
from grassroots.orgs.models import Organization


def _set_flags(actor, member: Member, values: dict, verb: str, reason: str = "") -> None:
    """Set the member's mobile/unreachable flags (a person's recorded act), versioned and in the history."""
    changes = {k: [getattr(member, k).isoformat() if isinstance(getattr(member, k), dt.date) else getattr(member, k),
                   v.isoformat() if isinstance(v, dt.date) else v]
               for k, v in values.items() if getattr(member, k) != v}
    if not changes:
        return
    update_versioned(member, member.version, values)
    _member_audit(actor, member, verb, changes, reason)
    transaction.on_commit(lambda: _mark_rollups(member.org_path))


def whereabouts_record(*, actor, member: Member, place: str, left_on: dt.date, employer: str = "",
                       fixed_place: bool = True, contact: str = "", host_org: Organization | None = None,
                       host_name: str = "", card_no: str = "", card_issued_on: dt.date | None = None,
                       notes: str = "", today: dt.date | None = None) -> Whereabouts:
    """Where a mobile member went; flags the member mobile."""
    require(actor, LifecyclePerm.RECORD, member.org_path)
    today = _today(today)
    errors: dict = {}
    place = _require_text(errors, "place", place, _("请填写流入地"))
    _check_date(errors, "left_on", left_on, not_after=today, label=_("外出日期"))
    if card_issued_on and card_issued_on > today:
        errors.setdefault("card_issued_on", []).append(_("活动证发放日期不能晚于今天"))
    if host_org is not None and (host_org.status != OrgStatus.ACTIVE or host_org.pk == member.org_id):
        errors.setdefault("host_org", []).append(_("流入地党组织应为本党员所在支部以外、现存的党组织"))
    contact = (contact or "").strip()
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.state != MemberState.ACTIVE:
            raise DomainError(_("该党员不在册"), code=LifecycleErrors.NOT_ACTIVE)
        row = Whereabouts.objects.create(
            member=locked, place=place[:120], employer=(employer or "").strip()[:120], left_on=left_on,
            fixed_place=fixed_place, contact_enc=crypto.encrypt(contact) if contact else "",
            contact_masked=mask_phone(contact)[:40] if contact else "", host_org=host_org,
            host_path=host_org.path if host_org else "", host_name=(host_name or "").strip()[:120],
            card_no=(card_no or "").strip()[:40], card_issued_on=card_issued_on, notes=(notes or "").strip()[:300],
            created_by=actor,
        )
        audit.record(actor=actor, verb="lifecycle.whereabouts.create", target=row, org_path=locked.org_path,
                     changes={"place": [None, row.place], "left_on": [None, left_on.isoformat()],
                              "host": [None, row.host_label], "contact": [None, row.contact_masked]})
        _set_flags(actor, locked, {"is_mobile": True}, "lifecycle.member.mobile", row.place)
    member.is_mobile, member.version = locked.is_mobile, locked.version
    return row


def whereabouts_return(*, actor, whereabouts: Whereabouts, version: int, returned_on: dt.date,
                       today: dt.date | None = None) -> Whereabouts:
    """The member is back (or the stay ended); the mobile flag goes when no other stay is open."""
    member = whereabouts.member
    require(actor, LifecyclePerm.RECORD, member.org_path)
    errors: dict = {}
    _check_date(errors, "returned_on", returned_on, not_after=_today(today), not_before=whereabouts.left_on,
                label=_("返回日期"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock(Whereabouts, whereabouts, version)
        if locked.returned_on is not None:
            raise DomainError(_("该外出登记已结束"), code=LifecycleErrors.WRONG_STATE)
        update_versioned(locked, version, {"returned_on": returned_on})
        audit.record(actor=actor, verb="lifecycle.whereabouts.return", target=locked, org_path=member.org_path,
                     changes={"returned_on": [None, returned_on.isoformat()]})
        m = Member.objects.select_for_update().get(pk=member.pk)
        if not Whereabouts.objects.filter(member=m, returned_on__isnull=True).exists():
            _set_flags(actor, m, {"is_mobile": False}, "lifecycle.member.mobile")
    return locked


def contact_record(*, actor, member: Member, on: dt.date, method: str, reached: bool, note: str = "",
                   mark_unreachable: bool = False, today: dt.date | None = None) -> ContactAttempt:
    """A contact log entry. Reaching the member clears the unreachable flag; a failed attempt may mark the
    member unreachable from that date, when the recorder says so. Neither suspends anyone."""
    require(actor, LifecyclePerm.RECORD, member.org_path)
    from grassroots.lifecycle.choices import ContactMethod

    errors: dict = {}
    _check_date(errors, "on", on, not_after=_today(today), label=_("联系日期"))
    if method not in ContactMethod.values:
        errors.setdefault("method", []).append(_("请选择联系方式"))
    if reached and mark_unreachable:
        errors.setdefault("mark_unreachable", []).append(_("已取得联系的，不能标记为失联"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.state == MemberState.LEFT:
            raise DomainError(_("该党员不在册"), code=LifecycleErrors.NOT_ACTIVE)
        row = ContactAttempt.objects.create(member=locked, on=on, method=method, reached=reached,
                                            note=(note or "").strip()[:300], recorded_by=actor)
        audit.record(actor=actor, verb="lifecycle.contact.create", target=locked, org_path=locked.org_path,
                     changes={"contact": [None, f"{on.isoformat()} {method} {'reached' if reached else 'not reached'}"]})
        if reached and locked.is_unreachable and locked.state == MemberState.ACTIVE:
            _set_flags(actor, locked, {"is_unreachable": False, "unreachable_since": None},
                       "lifecycle.member.reachable")
        elif mark_unreachable and not locked.is_unreachable:
            _set_flags(actor, locked, {"is_unreachable": True, "unreachable_since": on}, "lifecycle.member.unreachable")
    member.is_unreachable, member.version = locked.is_unreachable, locked.version
    return row




def contact_secret(*, actor, whereabouts: Whereabouts, reason: str = "") -> str:
    """The full contact of a mobile member's stay, for a user who may reveal the member's data; audited."""
    from grassroots.members.permissions import MemberPerm

    require(actor, MemberPerm.REVEAL, whereabouts.member.org_path)
    with transaction.atomic():
        audit.record(actor=actor, verb="lifecycle.whereabouts.reveal", target=whereabouts,
                     org_path=whereabouts.member.org_path, reason=reason)
    return crypto.decrypt(whereabouts.contact_enc) if whereabouts.contact_enc else ""
