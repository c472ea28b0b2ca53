"""Transfer letters (介绍信) to and from organizations outside the system, their renewal and receipt (回执)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.lifecycle import review, rules
from grassroots.lifecycle.choices import TransferKind, TransferStatus
from grassroots.lifecycle.models import Transfer
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.services.common import (
    LifecycleErrors,
    _check_branch,
    _check_date,
    _check_month,
    _lock,
    _require_text,
    _today,
    letter_validity_months,
)
from grassroots.lifecycle.services.transfers import _create_transfer, _pending
from grassroots.members import services as member_services
from grassroots.members.choices import ExitKind
from grassroots.members.models import Member
from grassroots.orgs.models import Organization


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
