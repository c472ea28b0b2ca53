"""Work assigned by the branch (党所分配的工作) and the member's dated work reports."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import ConcurrentEdit, DomainError, ValidationFailed
from grassroots.lifecycle.models import WorkAssignment, WorkReport
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.services.common import LifecycleErrors, _check_date, _member_audit, _require_text, _today
from grassroots.members.choices import MemberState
from grassroots.members.models import Member


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
