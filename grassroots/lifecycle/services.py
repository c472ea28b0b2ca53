"""Every write of the member lifecycle: transfers and letters, whereabouts and contact attempts, decisions
on a member's standing and their approval, review outcomes. Scoped, validated, versioned, audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import grants_above, require
from grassroots.core import audit, crypto
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import ConcurrentEdit, DomainError, PermissionRefused, ValidationFailed
from grassroots.core.masking import mask_phone
from grassroots.lifecycle import review, rules
from grassroots.lifecycle.choices import (
    DecisionKind,
    DecisionStatus,
    ReviewOutcomeKind,
    TransferKind,
    TransferSource,
    TransferStatus,
)
from grassroots.lifecycle.models import (
    ContactAttempt,
    Decision,
    ReviewOutcome,
    Transfer,
    Whereabouts,
    WorkAssignment,
    WorkReport,
)
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.signals import member_transferred
from grassroots.members import services as member_services
from grassroots.members.choices import ExitKind, MemberState
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


# ---------------------------------------------------------------------------------------------------------
# Transfers within the system


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


# ---------------------------------------------------------------------------------------------------------
# Letters to and from outside the system


def letter_issue(*, actor, member: Member, version: int, destination: str, letter_no: str,
                 on: dt.date | None = None, valid_until: dt.date | None = None, reason: str,
                 dues_paid_through: str | None = None, today: dt.date | None = None) -> Transfer:
    """A transfer letter (介绍信) to an organization outside the system. The member stays on the roster, the
    sending branch responsible, until the receipt (回执) comes back."""
    require(actor, LifecyclePerm.TRANSFER, member.org_path)
    today = _today(today)
    on = on or today
    errors: dict = {}
    reason = _require_text(errors, "reason", reason, _("请填写转接原因"))
    destination = _require_text(errors, "destination", destination, _("请填写去往单位"))
    letter_no = _require_text(errors, "letter_no", letter_no, _("请填写介绍信编号"))
    _check_date(errors, "issued_on", on, not_after=today, label=_("开具日期"))
    valid_until = valid_until or (rules.letter_valid_until(on, letter_validity_months()) if on else None)
    if on and valid_until and valid_until < on:
        errors.setdefault("valid_until", []).append(_("有效期不能早于开具日期"))
    facts = review.transfer_facts(member)
    paid = _check_month(errors, dues_paid_through if dues_paid_through is not None else
                        rules.paid_through_from_facts(facts))
    if errors:
        raise ValidationFailed(errors)
    return _create_transfer(actor, member, version, kind=TransferKind.OUTBOUND, to_name=destination[:120],
                            letter_no=letter_no[:40], issued_on=on, valid_until=valid_until, reason=reason,
                            dues_paid_through=paid, facts=facts)


def letter_inbound_record(*, actor, to_org: Organization, person_name: str, origin: str, letter_no: str,
                          issued_on: dt.date, valid_until: dt.date | None = None, reason: str = "",
                          today: dt.date | None = None) -> Transfer:
    """A letter from outside the system, received by a branch. It is closed by sending the receipt back
    (after the member is entered on the roster) or returned with a reason."""
    require(actor, LifecyclePerm.TRANSFER, to_org)
    today = _today(today)
    errors: dict = {}
    person_name = _require_text(errors, "person_name", person_name, _("请填写姓名"))
    origin = _require_text(errors, "origin", origin, _("请填写转出单位"))
    letter_no = _require_text(errors, "letter_no", letter_no, _("请填写介绍信编号"))
    _check_date(errors, "issued_on", issued_on, not_after=today, label=_("开具日期"))
    valid_until = valid_until or (rules.letter_valid_until(issued_on, letter_validity_months()) if issued_on else None)
    if errors:
        raise ValidationFailed(errors)
    _check_branch(to_org)
    with transaction.atomic():
        transfer = Transfer.objects.create(
            kind=TransferKind.INBOUND, person_name=person_name[:50], from_name=origin[:120], to_org=to_org,
            to_path=to_org.path, letter_no=letter_no[:40], issued_on=issued_on, valid_until=valid_until,
            reason=(reason or "").strip()[:300] or _("组织关系转入"), created_by=actor,
        )
        audit.record(actor=actor, verb="lifecycle.transfer.inbound_record", target=transfer, org_path=to_org.path,
                     changes={"from": [None, origin], "letter_no": [None, letter_no]})
    return transfer


def letter_renew(*, actor, transfer: Transfer, version: int, certificate_ref: str, on: dt.date | None = None,
                 valid_until: dt.date | None = None, today: dt.date | None = None) -> Transfer:
    """An expired letter is reissued only on the branch's certificate (支部证明)."""
    require(actor, LifecyclePerm.TRANSFER, transfer.from_path or "~")
    today = _today(today)
    on = on or today
    errors: dict = {}
    certificate_ref = _require_text(errors, "certificate_ref", certificate_ref, _("过期介绍信须凭党支部证明重新开具"))
    _check_date(errors, "renewed_on", on, not_after=today, label=_("重开日期"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock(Transfer, transfer, version)
        _pending(locked, "renew")
        if not rules.letter_expired(locked.valid_until, today):
            raise DomainError(_("介绍信尚在有效期内，无须重开"), code=LifecycleErrors.NOT_EXPIRED)
        new_until = valid_until or rules.letter_valid_until(on, letter_validity_months())
        update_versioned(locked, version, {"certificate_ref": certificate_ref[:200], "renewed_on": on,
                                           "valid_until": new_until})
        audit.record(actor=actor, verb="lifecycle.transfer.renew", target=locked, org_path=locked.from_path,
                     changes={"valid_until": [transfer.valid_until.isoformat() if transfer.valid_until else None,
                                              new_until.isoformat()]}, reason=certificate_ref)
    return locked


def letter_receipt(*, actor, transfer: Transfer, version: int, receipt_on: dt.date, receipt_ref: str = "",
                   today: dt.date | None = None) -> Transfer:
    """The receipt (回执) closes a letter. For a letter out of the system the member then leaves the roster
    (exit kind 转出本系统); for a letter into it, the receiving branch sends the receipt back."""
    path = transfer.from_path if transfer.kind == TransferKind.OUTBOUND else transfer.to_path
    require(actor, LifecyclePerm.TRANSFER, path or "~")
    today = _today(today)
    errors: dict = {}
    _check_date(errors, "receipt_on", receipt_on, not_after=today, not_before=transfer.issued_on, label=_("回执日期"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock(Transfer, transfer, version)
        status = _pending(locked, "receipt")
        update_versioned(locked, version, {"status": status, "receipt_on": receipt_on,
                                           "receipt_ref": (receipt_ref or "").strip()[:60], "decided_on": receipt_on,
                                           "decided_by": actor})
        audit.record(actor=actor, verb="lifecycle.transfer.receipt", target=locked, org_path=path,
                     changes={"status": [TransferStatus.PENDING, status]})
        if locked.kind == TransferKind.OUTBOUND:
            member = Member.objects.get(pk=locked.member_id)
            member_services.member_exit(
                actor=actor, member=member, version=member.version, kind=ExitKind.TRANSFER_OUT,
                occurred_on=receipt_on, reason=_("组织关系转往%(to)s（介绍信%(no)s）") % {"to": locked.to_name,
                                                                                   "no": locked.letter_no},
                decided_by=locked.from_org.name if locked.from_org_id else "",
            )
    return locked


# ---------------------------------------------------------------------------------------------------------
# Mobile members and contact attempts


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


# ---------------------------------------------------------------------------------------------------------
# Decisions on a member's standing


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


# ---------------------------------------------------------------------------------------------------------
# Self-withdrawal review


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


def contact_secret(*, actor, whereabouts: Whereabouts, reason: str = "") -> str:
    """The full contact of a mobile member's stay, for a user who may reveal the member's data; audited."""
    from grassroots.members.permissions import MemberPerm

    require(actor, MemberPerm.REVEAL, whereabouts.member.org_path)
    with transaction.atomic():
        audit.record(actor=actor, verb="lifecycle.whereabouts.reveal", target=whereabouts,
                     org_path=whereabouts.member.org_path, reason=reason)
    return crypto.decrypt(whereabouts.contact_enc) if whereabouts.contact_enc else ""


# ---------------------------------------------------------------------------------------------------------
# Work assigned by the branch (党所分配的工作, 党章 第九条) and the member's dated work reports


def _end_work_on_transfer(actor, member: Member, on: dt.date, note: str = "") -> int:
    """The assigning branch's open tasks end when the member moves away or leaves the Party (inside that
    transaction); each task's own history says so (a member has a handful of open tasks at most)."""
    note = note or str(_("组织关系转出，任务随之结束"))
    open_rows = list(WorkAssignment.objects.select_for_update().filter(member=member, done_on__isnull=True))
    for row in open_rows:
        done_on = max(on, row.assigned_on)
        WorkAssignment.objects.filter(pk=row.pk).update(done_on=done_on, closing_note=note, version=F("version") + 1)
        audit.record(actor=actor, verb="lifecycle.work.close", target=row, org_path=row.org_path,
                     changes={"done_on": [None, done_on.isoformat()], "closing_note": [None, note]})
    return len(open_rows)


def work_assign(*, actor, member: Member, title: str, assigned_on: dt.date, description: str = "",
                ends_on: dt.date | None = None, today: dt.date | None = None) -> WorkAssignment:
    """The branch assigns a task to one of its members (an on-duty post, a pairing, a village task)."""
    require(actor, LifecyclePerm.RECORD, member.org_path)
    today = _today(today)
    errors: dict = {}
    title = _require_text(errors, "title", title, _("请填写工作任务"))
    _check_date(errors, "assigned_on", assigned_on, not_after=today, label=_("分配日期"))
    if ends_on is not None and assigned_on is not None and ends_on < assigned_on:
        errors.setdefault("ends_on", []).append(_("截止日期不能早于分配日期"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.state != MemberState.ACTIVE:
            raise DomainError(_("该党员不在册"), code=LifecycleErrors.NOT_ACTIVE, field="member")
        row = WorkAssignment.objects.create(
            member=locked, org_id=locked.org_id, org_path=locked.org_path, title=title[:120],
            description=(description or "").strip()[:4000], assigned_on=assigned_on, ends_on=ends_on,
            created_by=actor,
        )
        changes = {"title": [None, row.title], "assigned_on": [None, assigned_on.isoformat()],
                   "ends_on": [None, ends_on.isoformat() if ends_on else None]}
        audit.record(actor=actor, verb="lifecycle.work.assign", target=row, org_path=row.org_path, changes=changes)
        _member_audit(actor, locked, "lifecycle.member.work_assigned", changes)
    return row


def _lock_open_work(assignment: WorkAssignment, version: int | None = None) -> WorkAssignment:
    locked = WorkAssignment.objects.select_for_update().get(pk=assignment.pk)
    if version is not None and locked.version != version:
        raise ConcurrentEdit()
    if locked.done_on is not None:
        raise DomainError(_("该工作任务已结束，不能再登记"), code=LifecycleErrors.WORK_CLOSED)
    return locked


def work_report_record(*, actor, assignment: WorkAssignment, on: dt.date, note: str,
                       today: dt.date | None = None) -> WorkReport:
    """A dated entry of work done: the evidence that the member does the assigned work."""
    require(actor, LifecyclePerm.RECORD, assignment.org_path)
    today = _today(today)
    errors: dict = {}
    note = _require_text(errors, "note", note, _("请填写完成的工作"))
    _check_date(errors, "on", on, not_after=today, not_before=assignment.assigned_on, label=_("工作日期"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock_open_work(assignment)
        report = WorkReport.objects.create(assignment=locked, org_path=locked.org_path, on=on, note=note[:500],
                                           recorded_by=actor)
        WorkAssignment.objects.filter(pk=locked.pk).update(version=F("version") + 1)
        audit.record(actor=actor, verb="lifecycle.work.report", target=locked, org_path=locked.org_path,
                     changes={"report": [None, f"{on.isoformat()} {report.note[:100]}"]})
    assignment.version = locked.version + 1
    return report


def work_close(*, actor, assignment: WorkAssignment, version: int, done_on: dt.date, note: str,
               today: dt.date | None = None) -> WorkAssignment:
    """The branch closes a task, done or not, with how it went; a closed task no longer counts for the review."""
    require(actor, LifecyclePerm.RECORD, assignment.org_path)
    today = _today(today)
    errors: dict = {}
    note = _require_text(errors, "note", note, _("请填写完成情况"))
    _check_date(errors, "done_on", done_on, not_after=today, not_before=assignment.assigned_on,
                label=_("完成日期"))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = _lock_open_work(assignment, version)
        update_versioned(locked, version, {"done_on": done_on, "closing_note": note[:500]})
        audit.record(actor=actor, verb="lifecycle.work.close", target=locked, org_path=locked.org_path,
                     changes={"done_on": [None, done_on.isoformat()], "closing_note": [None, locked.closing_note]})
    return locked


def end_work_on_exit(sender, *, member: Member, kind: str, on: dt.date, actor, **kwargs) -> None:
    """members.signals.member_exited: a member who leaves the Party keeps no open task."""
    _end_work_on_transfer(actor, member, on, note=str(_("党员已出党或转出，任务随之结束")))
