"""Transfers within the system: issued by the sending branch, accepted, returned or cancelled; and the
direct, completed move."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.lifecycle import review, rules
from grassroots.lifecycle.choices import TransferKind, TransferSource, TransferStatus
from grassroots.lifecycle.models import Transfer, Whereabouts
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.services.common import (
    LifecycleErrors,
    _check_branch,
    _check_date,
    _check_month,
    _lock,
    _member_audit,
    _require_text,
    _today,
)
from grassroots.lifecycle.services.work import _end_work_on_transfer
from grassroots.lifecycle.signals import member_transferred
from grassroots.members import services as member_services
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orgs.models import Organization


def transfer_issue(*, actor, member: Member, version: int, to_org: Organization, on: dt.date | None = None,
                   reason: str, dues_paid_through: str | None = None, today: dt.date | None = None) -> Transfer:
    """The sending branch issues a transfer to a branch in the system; the member stays until it is accepted."""
    require(actor, LifecyclePerm.TRANSFER, member.org_path)
    today = _today(today)
    on = on or today
    errors: dict = {}
    reason = _require_text(errors, "reason", reason, _("请填写转接原因"))
    _check_date(errors, "issued_on", on, not_after=today, label=_("转出日期"))
    facts = review.transfer_facts(member)
    paid = _check_month(errors, dues_paid_through if dues_paid_through is not None else
                        rules.paid_through_from_facts(facts))
    if errors:
        raise ValidationFailed(errors)
    _check_branch(to_org)
    if to_org.pk == member.org_id:
        raise ValidationFailed({"to_org": [_("接收党组织与原党组织相同")]})
    return _create_transfer(actor, member, version, kind=TransferKind.INTERNAL, to_org=to_org, issued_on=on,
                            reason=reason, dues_paid_through=paid, facts=facts)


def _create_transfer(actor, member: Member, version: int, **fields) -> Transfer:
    try:
        with transaction.atomic():
            locked = _lock(Member, member, version)
            if locked.state != MemberState.ACTIVE:
                raise DomainError(_("该党员不在册，不能转接"), code=LifecycleErrors.NOT_ACTIVE)
            if Transfer.objects.filter(member=locked, status=TransferStatus.PENDING).exists():
                raise IntegrityError
            to_org = fields.get("to_org")
            transfer = Transfer.objects.create(
                member=locked, person_name=locked.name, from_org_id=locked.org_id, from_path=locked.org_path,
                to_path=to_org.path if to_org else "", created_by=actor, **fields,
            )
            changes = {"transfer": [None, transfer.pk], "to": [None, transfer.to_label],
                       "dues_paid_through": [None, transfer.dues_paid_through]}
            audit.record(actor=actor, verb=f"lifecycle.transfer.{fields['kind']}_issue", target=transfer,
                         org_path=transfer.from_path, changes=changes, reason=transfer.reason)
            _member_audit(actor, locked, "lifecycle.member.transfer_issued", changes, transfer.reason)
    except IntegrityError as exc:
        raise DomainError(_("该党员已有一项待办的转接，请先办结或撤回"), code=LifecycleErrors.PENDING_EXISTS,
                          field="to_org") from exc
    return transfer


def _pending(transfer: Transfer, action: str) -> str:
    status = rules.next_status(transfer.kind, transfer.status, action)
    if status is None:
        raise DomainError(_("该转接当前状态不能进行此操作"), code=LifecycleErrors.WRONG_STATE)
    return status


def _move(actor, member: Member, to_org: Organization, on: dt.date, reason: str, verb: str) -> tuple[Member, Organization]:
    """The move itself, inside the caller's transaction: relocate (locked rows), the signal, history."""
    moved, from_org = member_services.member_relocate(member=member, to_org=to_org)
    member_transferred.send(sender=Transfer, member=moved, from_org=from_org, to_org=moved.org, on=on, actor=actor)
    # The open whereabouts follow the member; the history shows the move on both sides.
    changes = {"org": [from_org.name, moved.org.name], "on": [None, on.isoformat()]}
    ended = _end_work_on_transfer(actor, moved, on)
    if ended:
        changes["work_assignments_ended"] = [None, ended]
    _member_audit(actor, moved, verb, changes, reason, org_path=from_org.path)
    _member_audit(actor, moved, verb, changes, reason, org_path=moved.org_path)
    return moved, from_org


def transfer_accept(*, actor, transfer: Transfer, version: int, on: dt.date | None = None,
                    today: dt.date | None = None) -> Transfer:
    """The receiving branch accepts: in one transaction the member moves (history, dues month, development
    file follow through member_transferred), the transfer is closed, both sides audited, rollups marked stale."""
    if transfer.kind != TransferKind.INTERNAL:
        raise DomainError(_("该转接当前状态不能进行此操作"), code=LifecycleErrors.WRONG_STATE)
    require(actor, LifecyclePerm.TRANSFER, transfer.to_path)
    today = _today(today)
    on = on or today
    errors: dict = {}
    _check_date(errors, "on", on, not_after=today, not_before=transfer.issued_on, label=_("接收日期"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock(Transfer, transfer, version)
        status = _pending(locked, "accept")
        member = Member.objects.get(pk=locked.member_id)
        to_org = Organization.objects.get(pk=locked.to_org_id)
        moved, _from = _move(actor, member, to_org, on, locked.reason, "lifecycle.member.transfer_accepted")
        update_versioned(locked, version, {"status": status, "decided_on": on, "decided_by": actor,
                                           "to_path": moved.org_path})
        audit.record(actor=actor, verb="lifecycle.transfer.accept", target=locked, org_path=locked.to_path,
                     changes={"status": [TransferStatus.PENDING, status]})
        Whereabouts.objects.filter(member=moved, returned_on__isnull=True, host_org=to_org).update(
            returned_on=on, version=F("version") + 1)  # the host is now home
    return locked


def transfer_return(*, actor, transfer: Transfer, version: int, reason: str, today: dt.date | None = None) -> Transfer:
    """The receiving side returns a transfer with its reason (党组织不得无故拒转拒接: the reason is required)."""
    require(actor, LifecyclePerm.TRANSFER, transfer.to_path)
    return _close(actor, transfer, version, "return", reason, today)


def transfer_cancel(*, actor, transfer: Transfer, version: int, reason: str, today: dt.date | None = None) -> Transfer:
    """The sending side withdraws a transfer or letter it issued, with its reason."""
    require(actor, LifecyclePerm.TRANSFER, transfer.from_path or "~")
    return _close(actor, transfer, version, "cancel", reason, today)


def _close(actor, transfer: Transfer, version: int, action: str, reason: str, today) -> Transfer:
    errors: dict = {}
    reason = _require_text(errors, "reason", reason, _("请填写原因"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock(Transfer, transfer, version)
        status = _pending(locked, action)
        update_versioned(locked, version, {"status": status, "return_reason": reason[:300],
                                           "decided_on": _today(today), "decided_by": actor})
        audit.record(actor=actor, verb=f"lifecycle.transfer.{action}", target=locked,
                     org_path=locked.from_path or locked.to_path,
                     changes={"status": [TransferStatus.PENDING, status]}, reason=reason)
        if locked.member_id:
            member = Member.objects.get(pk=locked.member_id)
            _member_audit(actor, member, f"lifecycle.member.transfer_{action}",
                          {"transfer": [locked.pk, status]}, reason)
    return locked


def transfer_direct(*, actor, member: Member, to_org: Organization, on: dt.date, reason: str,
                    source: str = "manual") -> Transfer:
    """A completed move by a user in scope of both sides (a county administrator correcting after an import,
    or the spreadsheet importer with source="import"), recorded as a completed transfer with history."""
    require(actor, LifecyclePerm.TRANSFER, member.org_path)
    require(actor, LifecyclePerm.TRANSFER, to_org)
    errors: dict = {}
    reason = _require_text(errors, "reason", reason, _("请填写转接原因"))
    _check_date(errors, "on", on, not_after=timezone.localdate(), label=_("转接日期"))
    if source not in TransferSource.values:
        errors.setdefault("source", []).append(_("未知的来源"))
    if errors:
        raise ValidationFailed(errors)
    _check_branch(to_org)
    with transaction.atomic():
        if Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
            raise DomainError(_("该党员已有一项待办的转接，请先办结或撤回"), code=LifecycleErrors.PENDING_EXISTS)
        facts = review.transfer_facts(member)
        from_path, from_org_id = member.org_path, member.org_id
        moved, _from = _move(actor, member, to_org, on, reason, "lifecycle.member.transfer_direct")
        transfer = Transfer.objects.create(
            kind=TransferKind.DIRECT, status=TransferStatus.COMPLETED, source=source, member=moved,
            person_name=moved.name, from_org_id=from_org_id, from_path=from_path, to_org=moved.org,
            to_path=moved.org_path, issued_on=on, decided_on=on, decided_by=actor, reason=reason[:300], facts=facts,
            dues_paid_through=rules.paid_through_from_facts(facts), created_by=actor,
        )
        audit.record(actor=actor, verb="lifecycle.transfer.direct", target=transfer, org_path=from_path,
                     changes={"org": [_from.name, moved.org.name], "source": [None, source]}, reason=reason)
    return transfer
