"""Public notices (公示) and the objections received during them."""

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
    NoticeStage,
    NoticeStatus,
)
from grassroots.development.models import Applicant, Notice, Objection
from grassroots.development.permissions import DevelopmentPerm
from grassroots.development.services.common import _refresh_due, _today, pipeline_facts


def notice_publish(*, actor, applicant: Applicant, stage: str, published_on: dt.date, working_days: int | None = None,
                   contact: str = "", today: dt.date | None = None) -> Notice:
    require(actor, DevelopmentPerm.RECORD, applicant.org_path)
    if stage not in NoticeStage.values:
        raise ValidationFailed({"stage": [_("未知的公示事项")]})
    if published_on is None:
        raise ValidationFailed({"published_on": [_("请填写公示开始日期")]})
    minimum = rules.configured(rules.NOTICE_WORKING_DAYS)
    working_days = working_days or minimum
    if working_days < minimum:
        raise ValidationFailed({"working_days": [_("公示期不少于%(n)d个工作日（%(r)s）") % {"n": minimum, "r": rules.NOTICE_SOURCE}]})
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        refusals = rules.check_notice(stage, published_on, pipeline_facts(locked), _today(today))
        if refusals:
            raise ValidationFailed({"published_on": [r.message for r in refusals]})
        notice = Notice.objects.create(
            applicant=locked, org_path=locked.org_path, stage=stage, public_name=locked.name,
            public_org=locked.org.name, published_on=published_on, working_days=working_days,
            ends_on=rules.notice_ends_on(published_on, working_days), contact=(contact or "").strip()[:200],
            recorded_by=actor,
        )
        _refresh_due(locked)
        audit.record(actor=actor, verb="development.notice.publish", target=locked, org_path=locked.org_path,
                     changes={"notice": [None, f"{notice.get_stage_display()} {published_on.isoformat()}–{notice.ends_on.isoformat()}"]})
    return notice


def notice_withdraw(*, actor, notice: Notice, reason: str) -> Notice:
    require(actor, DevelopmentPerm.RECORD, notice.org_path)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("请填写撤回原因")]})
    with transaction.atomic():
        if Notice.objects.filter(pk=notice.pk, status=NoticeStatus.PUBLISHED).update(
                status=NoticeStatus.WITHDRAWN, withdrawn_reason=reason.strip()[:300]) != 1:
            raise DomainError(_("该公示已撤回"), code="development_notice_withdrawn")
        notice.status = NoticeStatus.WITHDRAWN
        _refresh_due(notice.applicant)
        audit.record(actor=actor, verb="development.notice.withdraw", target=notice.applicant, org_path=notice.org_path,
                     changes={"notice": [notice.get_stage_display(), _("已撤回")]}, reason=reason)
    return notice


def objection_record(*, actor, notice: Notice, received_on: dt.date, summary: str, today: dt.date | None = None) -> Objection:
    require(actor, DevelopmentPerm.RECORD, notice.org_path)
    errors = {}
    if not (summary or "").strip():
        errors["summary"] = [_("请填写异议内容")]
    if received_on is None:
        errors["received_on"] = [_("请填写收到日期")]
    elif received_on > _today(today):
        errors["received_on"] = [_("日期不能晚于今天")]
    elif received_on < notice.published_on:
        errors["received_on"] = [_("收到日期不能早于公示开始日期（%(d)s）") % {"d": notice.published_on.isoformat()}]
    if errors:
        raise ValidationFailed(errors)
    if notice.status != NoticeStatus.PUBLISHED:
        raise DomainError(_("该公示已撤回"), code="development_notice_withdrawn")
    with transaction.atomic():
        objection = Objection.objects.create(notice=notice, org_path=notice.org_path, received_on=received_on,
                                             summary=summary.strip()[:4000], recorded_by=actor)
        audit.record(actor=actor, verb="development.objection.record", target=notice.applicant, org_path=notice.org_path,
                     changes={"objection": [None, received_on.isoformat()]})
    return objection


def objection_resolve(*, actor, objection: Objection, version: int, resolved_on: dt.date, resolution: str,
                      today: dt.date | None = None) -> Objection:
    require(actor, DevelopmentPerm.RECORD, objection.org_path)
    errors = {}
    if not (resolution or "").strip():
        errors["resolution"] = [_("请填写核查处理结果")]
    if resolved_on is None:
        errors["resolved_on"] = [_("请填写处理日期")]
    elif resolved_on > _today(today) or resolved_on < objection.received_on:
        errors["resolved_on"] = [_("处理日期应在收到日期（%(d)s）与今天之间") % {"d": objection.received_on.isoformat()}]
    if errors:
        raise ValidationFailed(errors)
    if objection.resolved_on:
        raise DomainError(_("该异议已处理"), code="development_objection_resolved")
    with transaction.atomic():
        update_versioned(objection, version, {"resolved_on": resolved_on, "resolution": resolution.strip()[:4000]})
        _refresh_due(objection.notice.applicant)
        audit.record(actor=actor, verb="development.objection.resolve", target=objection.notice.applicant,
                     org_path=objection.org_path, changes={"objection": [objection.received_on.isoformat(), resolved_on.isoformat()]},
                     reason=resolution[:500])
    return objection
