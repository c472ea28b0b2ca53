"""Village (community) staffing: first secretaries with their work logs, and reserve cadres with their
training."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.committees import rules
from grassroots.committees.models import (
    CadreTraining,
    FirstSecretary,
    ReserveCadre,
    WorkLogEntry,
)
from grassroots.committees.permissions import CommitteePerm
from grassroots.committees.services.common import (
    CommitteeErrors,
    _active_org,
    _today,
)
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.history import diff, plain_values, snapshot
from grassroots.orgs.choices import VILLAGE_SECTORS
from grassroots.orgs.models import Organization

# ---------------------------------------------------------------- first secretaries

def _village(org: Organization, field: str = "org") -> None:
    if org.sector not in VILLAGE_SECTORS:
        raise ValidationFailed({field: [_("第一书记和后备干部按村（社区）登记，请选择村（社区）党组织")]})


def first_secretary_assign(*, actor, org: Organization, name: str, unit: str, started_on: dt.date, user=None,
                           notes: str = "", today: dt.date | None = None) -> FirstSecretary:
    require(actor, CommitteePerm.MANAGE, org)
    _active_org(org)
    _village(org)
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("请填写姓名")]
    if not (unit or "").strip():
        errors["unit"] = [_("请填写派出单位")]
    if started_on is None or started_on > _today(today):
        errors["started_on"] = [_("到村日期不能晚于今天")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = FirstSecretary.objects.create(org=org, user=user, name=name.strip(), unit=unit.strip(),
                                            started_on=started_on, notes=(notes or "").strip(), created_by=actor)
        audit.record(actor=actor, verb="committees.first_secretary.create", target=row, org_path=org.path,
                     changes=diff({}, {"name": row.name, "unit": row.unit, "started_on": started_on.isoformat(),
                                       "user": str(user) if user else None}))
    return row


def first_secretary_end(*, actor, first_secretary: FirstSecretary, version: int, ended_on: dt.date,
                        today: dt.date | None = None) -> FirstSecretary:
    require(actor, CommitteePerm.MANAGE, first_secretary.org.path)
    if first_secretary.ended_on is not None:
        raise DomainError(_("该第一书记已离村"), code=CommitteeErrors.ASSIGNMENT_ENDED)
    if ended_on is None or ended_on < first_secretary.started_on or ended_on > _today(today):
        raise ValidationFailed({"ended_on": [_("离村日期应在到村日期%(d)s至今天之间") % {"d": first_secretary.started_on}]})
    with transaction.atomic():
        update_versioned(first_secretary, version, {"ended_on": ended_on})
        audit.record(actor=actor, verb="committees.first_secretary.end", target=first_secretary,
                     org_path=first_secretary.org.path, changes={"ended_on": [None, ended_on.isoformat()]})
    return first_secretary


def work_log_add(*, actor, first_secretary: FirstSecretary, occurred_on: dt.date, content: str,
                 today: dt.date | None = None) -> WorkLogEntry:
    """A dated entry of the first secretary's work log: by the village's managers or the first secretary's own
    account."""
    if not (first_secretary.user_id and actor.is_authenticated and actor.pk == first_secretary.user_id):
        require(actor, CommitteePerm.MANAGE, first_secretary.org.path)
    errors: dict[str, list[str]] = {}
    if not (content or "").strip():
        errors["content"] = [_("请填写工作内容")]
    if occurred_on is None or occurred_on > _today(today):
        errors["occurred_on"] = [_("日期不能晚于今天")]
    elif occurred_on < first_secretary.started_on or (first_secretary.ended_on and occurred_on > first_secretary.ended_on):
        errors["occurred_on"] = [_("日期应在驻村期间内")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = WorkLogEntry.objects.create(first_secretary=first_secretary, occurred_on=occurred_on,
                                          content=content.strip(), created_by=actor)
        audit.record(actor=actor, verb="committees.work_log.create", target=first_secretary,
                     org_path=first_secretary.org.path, changes={"log": [None, f"{occurred_on}: {row.content[:80]}"]})
    return row


# ---------------------------------------------------------------- reserve cadres

CADRE_FIELDS = ("name", "gender", "birth_date", "education", "position", "status", "notes", "member")


def _check_cadre(org: Organization, data: dict, today: dt.date) -> dict:
    from grassroots.committees.choices import CadreStatus
    from grassroots.members.choices import Education, Gender

    errors: dict[str, list[str]] = {}
    if not (data.get("name") or "").strip():
        errors["name"] = [_("请填写姓名")]
    if data.get("gender") not in Gender.values:
        errors["gender"] = [_("请选择性别")]
    if data.get("education") not in Education.values:
        errors["education"] = [_("请选择学历")]
    if data.get("status") not in CadreStatus.values:
        errors["status"] = [_("请选择状态")]
    birth = data.get("birth_date")
    if birth is None or birth > today or rules.add_years(birth, 18) > today:
        errors["birth_date"] = [_("出生日期无效（应年满18周岁）")]
    member = data.get("member")
    if member is not None and member.org_id != org.pk:
        errors["member"] = [_("所选党员不属于本村党组织")]
    if errors:
        raise ValidationFailed(errors)
    return {**data, "name": data["name"].strip(), "position": (data.get("position") or "").strip(),
            "notes": (data.get("notes") or "").strip()}


def reserve_cadre_add(*, actor, org: Organization, today: dt.date | None = None, **data) -> ReserveCadre:
    require(actor, CommitteePerm.MANAGE, org)
    _active_org(org)
    _village(org)
    data = {"status": "candidate", "position": "", "notes": "", "member": None, **data}
    cleaned = _check_cadre(org, {k: data.get(k) for k in CADRE_FIELDS}, _today(today))
    with transaction.atomic():
        cadre = ReserveCadre.objects.create(org=org, created_by=actor, **cleaned)
        audit.record(actor=actor, verb="committees.cadre.create", target=cadre, org_path=org.path,
                     changes=diff({}, plain_values(cleaned)))
    return cadre


def reserve_cadre_update(*, actor, cadre: ReserveCadre, version: int, today: dt.date | None = None,
                         **data) -> ReserveCadre:
    require(actor, CommitteePerm.MANAGE, cadre.org.path)
    before = snapshot(cadre, CADRE_FIELDS)
    cleaned = _check_cadre(cadre.org, {**{k: getattr(cadre, k) for k in CADRE_FIELDS}, **data}, _today(today))
    with transaction.atomic():
        update_versioned(cadre, version, cleaned)
        changes = diff(before, snapshot(cadre, CADRE_FIELDS))
        if changes:
            audit.record(actor=actor, verb="committees.cadre.update", target=cadre, org_path=cadre.org.path,
                         changes=changes)
    return cadre


def cadre_training_add(*, actor, cadre: ReserveCadre, occurred_on: dt.date, title: str, hours=0,
                       organizer: str = "", today: dt.date | None = None) -> CadreTraining:
    require(actor, CommitteePerm.MANAGE, cadre.org.path)
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("请填写培训内容")]
    if occurred_on is None or occurred_on > _today(today):
        errors["occurred_on"] = [_("培训日期不能晚于今天")]
    try:
        hours = Decimal(str(hours))
        if hours < 0 or hours > 1000:
            errors["hours"] = [_("学时应在0至1000之间")]
    except (InvalidOperation, ValueError):
        errors["hours"] = [_("学时应为数字")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = CadreTraining.objects.create(cadre=cadre, occurred_on=occurred_on, title=title.strip(), hours=hours,
                                           organizer=(organizer or "").strip(), created_by=actor)
        audit.record(actor=actor, verb="committees.cadre.training", target=cadre, org_path=cadre.org.path,
                     changes={"training": [None, f"{occurred_on} {row.title}（{hours}学时）"]})
    return row
