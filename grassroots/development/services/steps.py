"""Recording one of the 25 steps (checked against rules.py), correcting a recorded step (the whole chain replayed),
and what a step sets in motion (admission, confirmation)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.history import diff, plain_values
from grassroots.development import rules
from grassroots.development.choices import (
    ReviewResult,
    Stage,
    SuspensionKind,
)
from grassroots.development.models import Applicant, Step
from grassroots.development.permissions import DevelopmentPerm
from grassroots.development.services.applicants import applicant_secrets
from grassroots.development.services.common import (
    DevelopmentErrors,
    _refusal_errors,
    _require_above,
    _suspended_ids,
    _today,
    due_fields,
    pipeline_facts,
)
from grassroots.members.choices import MemberState, MemberStatus
from grassroots.members.models import Member
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.models import Organization


def _member_facts(actor, ids: list[int], on: dt.date) -> tuple[list[rules.MemberFacts], list[dict]]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    rows = {m.pk: m for m in Member.objects.visible_to(actor, MemberPerm.VIEW).filter(pk__in=ids)}
    if len(rows) != len(ids):
        raise ValidationFailed({"people": [_("所选党员不存在或不在您的管辖范围内")]})
    suspended = set(_suspended_ids(ids, on, kinds=(SuspensionKind.PROBATION_DISCIPLINE,)))
    facts, refs = [], []
    for pk in ids:
        m = rows[pk]
        full = (m.state == MemberState.ACTIVE and m.status == MemberStatus.FULL and m.confirmed_on is not None
                and m.confirmed_on <= on)
        facts.append(rules.MemberFacts(m.pk, m.name, full, pk in suspended))
        refs.append({"id": m.pk, "name": m.name})
    return facts, refs


def _clean_evidence(step: rules.StepDef, evidence: dict) -> dict:
    """Evidence values as the step's table declares them; a wrong type or unknown choice is a field error."""
    from grassroots.development import choices as choice_classes

    cleaned, errors = {}, {}
    for item in step.evidence:
        value = evidence.get(item.name)
        if item.kind == "members":
            continue
        if isinstance(value, str):
            value = value.replace("\x00", "").strip()[:2000]
        if value in (None, ""):
            cleaned[item.name] = ""
            continue
        if item.kind in ("int", "decimal"):
            try:
                number = float(value)
            except (TypeError, ValueError):
                errors[item.name] = [_("%(f)s应为数字") % {"f": item.label}]
                continue
            if not 0 <= number <= 10000:
                errors[item.name] = [_("%(f)s应在0至10000之间") % {"f": item.label}]
                continue
            value = int(number) if item.kind == "int" else number
        elif item.kind == "choice" and value not in getattr(choice_classes, item.choices).values:
            errors[item.name] = [_("%(f)s：请从列表中选择") % {"f": item.label}]
            continue
        elif not isinstance(value, str):
            value = str(value)
        cleaned[item.name] = value
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def step_record(*, actor, applicant: Applicant, version: int, code: str, occurred_on: dt.date,
                evidence: dict | None = None, people: list[int] | None = None, today: dt.date | None = None) -> Step:
    """Record one of the 25 steps. Refused, naming the rule, when out of order, too early or missing evidence."""
    step = rules.STEP_BY_CODE.get(code)
    if step is None or step.vote:
        raise ValidationFailed({"code": [_("未知的步骤，或该步骤须通过支部大会表决登记")]})
    if step.approve:
        require(actor, DevelopmentPerm.APPROVE, applicant.org_path)
        _require_above(actor, applicant)
    else:
        require(actor, DevelopmentPerm.RECORD, applicant.org_path)
    today = _today(today)
    if occurred_on is None:
        raise ValidationFailed({"occurred_on": [_("请填写日期")]})
    evidence = _clean_evidence(step, evidence or {})
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.version != version:
            from grassroots.core.errors import ConcurrentEdit

            raise ConcurrentEdit()
        facts = pipeline_facts(locked)
        check = rules.check_step(code, occurred_on, facts, today)
        if not check.ok:
            raise ValidationFailed(_refusal_errors(check.refusals))
        member_facts, refs = ([], [])
        if any(item.kind == "members" for item in step.evidence):
            member_facts, refs = _member_facts(actor, people or [], occurred_on)
        errors = rules.check_evidence(code, evidence, member_facts, check.late)
        if errors:
            raise ValidationFailed({("people" if k in ("mentors", "sponsors") else k): v for k, v in errors.items()})
        if refs:
            evidence[step.evidence[0].name] = refs
        completed = not (code in rules.BLOCKING_RESULTS and evidence.get("result") == ReviewResult.UNQUALIFIED)
        record = Step.objects.create(
            applicant=locked, org_path=locked.org_path, code=code, number=step.number, occurred_on=occurred_on,
            done_by=str(evidence.get("done_by") or "")[:200], evidence=evidence, completed=completed, late=check.late,
            late_note=check.late_note[:300], recorded_by=actor,
        )
        fields = _after_step(actor, locked, code, occurred_on) if completed else {}
        facts = pipeline_facts(locked)
        facts.stage = fields.get("stage", locked.stage)
        facts.probation_ends_on = fields.get("probation_ends_on", locked.probation_ends_on)
        fields.update(due_fields(facts))
        before = plain_values({k: getattr(locked, k) for k in fields})
        update_versioned(locked, version, fields)
        changes = {"step": [None, f"{step.number}. {step.title}"], "occurred_on": [None, occurred_on.isoformat()],
                   **{k: v for k, v in diff(before, plain_values(fields)).items() if k != "next_due_deadline"}}
        if check.late:
            changes["late"] = [None, check.late_note]
        if not completed:
            changes["blocked"] = [None, rules.BLOCKING_RESULTS[code]]
        audit.record(actor=actor, verb="development.step.record", target=locked, org_path=locked.org_path,
                     changes=changes, reason=str(evidence.get("special_reason") or ""))
    applicant.__dict__.update({k: getattr(locked, k) for k in ("version", "stage", "member_id", *fields)})
    return record


CORRECTED_DATES = {"application": "applied_on", "activist": "activist_on", "candidate": "candidate_on"}


def step_correct(*, actor, step: Step, version: int, reason: str, occurred_on: dt.date | None = None,
                 evidence: dict | None = None, people: list[int] | None = None,
                 today: dt.date | None = None) -> Step:
    """Correct the date or evidence of a recorded step (a typing error), as a recorded correction: old → new in the
    file's history with the reason. Refused, naming the rule, when the corrected date would make this or any later
    step break the transition table (rules.check_chain replays the whole chain), or the evidence its rules."""
    applicant = step.applicant
    step_def = rules.STEP_BY_CODE[step.code]
    if step_def.approve:
        require(actor, DevelopmentPerm.APPROVE, applicant.org_path)
        _require_above(actor, applicant)
    else:
        require(actor, DevelopmentPerm.RECORD, applicant.org_path)
    if step.code in rules.UNCORRECTABLE:
        raise ValidationFailed({"occurred_on": [_("支部大会表决按会议当日的花名册计算应到会人数，不能在此更正；日期确有错误的，请报上级党委组织部门处理")]})
    today = _today(today)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请填写更正原因")]
    new_on = occurred_on or step.occurred_on
    if step.code == "application":
        message = rules.check_age(applicant.birth_date, new_on)
        if message:
            errors["occurred_on"] = [message]
    if errors:
        raise ValidationFailed(errors)
    member_items = [item for item in step_def.evidence if item.kind == "members"]
    old_evidence = dict(step.evidence or {})
    new_evidence = _clean_evidence(step_def, evidence) if evidence is not None else {
        k: v for k, v in old_evidence.items() if not (member_items and k == member_items[0].name)}
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.version != version:
            from grassroots.core.errors import ConcurrentEdit

            raise ConcurrentEdit()
        if locked.stage == Stage.CLOSED:
            raise DomainError(_("该发展档案已终止，记录只读"), code=DevelopmentErrors.CLOSED)
        record = Step.objects.select_for_update().get(pk=step.pk, applicant=locked)
        facts = pipeline_facts(locked)
        rows = list(locked.steps.filter(completed=True).values_list("pk", "code", "occurred_on", "late", "late_note"))
        chain = rules.check_chain([rules.RecordedStep(pk, code, new_on if pk == record.pk else on)
                                   for pk, code, on, _late, _note in rows], facts.notices, today,
                                  locked.probation_ends_on)
        if new_on > today:
            raise ValidationFailed({"occurred_on": [_("日期不能晚于今天")]})
        if not chain.ok:
            raise ValidationFailed({"occurred_on": chain.messages()})
        late, late_note = chain.late.get(record.pk, (record.late, record.late_note))
        member_facts = []
        if member_items:
            ids = people if people is not None else [p["id"] for p in old_evidence.get(member_items[0].name) or []]
            member_facts, refs = _member_facts(actor, ids, new_on)
            new_evidence[member_items[0].name] = refs
        check = rules.check_evidence(step.code, new_evidence, member_facts, late)
        if check:
            raise ValidationFailed({("people" if k in ("mentors", "sponsors") else k): v for k, v in check.items()})
        completed = not (step.code in rules.BLOCKING_RESULTS and new_evidence.get("result") == ReviewResult.UNQUALIFIED)
        if completed != record.completed:
            raise ValidationFailed({"result": [_("更正不能改变审查结论是否合格；结论确有错误的，请终止或重新登记该步骤")]})
        changes = {}
        if new_on != record.occurred_on:
            changes["occurred_on"] = [record.occurred_on.isoformat(), new_on.isoformat()]
        for key in sorted(set(old_evidence) | set(new_evidence)):
            old, new = old_evidence.get(key), new_evidence.get(key)
            if old != new and not (old in (None, "") and new in (None, "")):
                changes[f"evidence.{key}"] = [_evidence_display(old), _evidence_display(new)]
        if not changes:
            raise ValidationFailed({"occurred_on": [_("更正内容与原记录相同")]})
        Step.objects.filter(pk=record.pk).update(occurred_on=new_on, evidence=new_evidence, late=late,
                                                  late_note=late_note[:300],
                                                  done_by=str(new_evidence.get("done_by") or "")[:200])
        for pk, _code, _on, was_late, was_note in rows:  # a corrected date can change a later step's lateness
            if pk != record.pk and pk in chain.late and chain.late[pk] != (was_late, was_note):
                Step.objects.filter(pk=pk).update(late=chain.late[pk][0], late_note=chain.late[pk][1][:300])
        fields = {CORRECTED_DATES[step.code]: new_on} if step.code in CORRECTED_DATES else {}
        fields.update(due_fields(pipeline_facts(locked)))
        before = plain_values({k: getattr(locked, k) for k in fields})
        update_versioned(locked, version, fields)
        audit.record(actor=actor, verb="development.step.correct", target=locked, org_path=locked.org_path,
                     changes={"step": [f"{step_def.number}. {step_def.title}"] * 2, **changes,
                              **{k: v for k, v in diff(before, plain_values(fields)).items()
                                 if k != "next_due_deadline"}},
                     reason=reason.strip())
    applicant.__dict__.update({k: getattr(locked, k) for k in ("version", *fields)})
    record.refresh_from_db()
    return record


def _evidence_display(value) -> str | None:
    """A piece of evidence as the history shows it (people by name)."""
    if isinstance(value, list):
        return "、".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    return None if value is None else str(value)


def _after_step(actor, applicant: Applicant, code: str, on: dt.date) -> dict:
    fields: dict = {}
    if code in rules.STAGE_AFTER:
        fields["stage"] = rules.STAGE_AFTER[code]
    if code == "activist":
        fields["activist_on"] = on
    elif code == "candidate":
        fields["candidate_on"] = on
    elif code == "approval":
        meeting = applicant.steps.filter(code="admission_meeting", completed=True).order_by("-occurred_on").values_list(
            "occurred_on", flat=True).first()
        member = _admit(actor, applicant, meeting)
        fields.update(admitted_on=meeting, probation_ends_on=rules.probation_ends_on(meeting), member=member)
    elif code == "confirmation_approval":
        from grassroots.members.services import member_update

        member = Member.objects.get(pk=applicant.member_id)
        member_update(actor=actor, member=member, version=member.version, status=MemberStatus.FULL,
                      confirmed_on=applicant.probation_ends_on)
        fields["confirmed_on"] = applicant.probation_ends_on
    return fields


def _admit(actor, applicant: Applicant, meeting_on: dt.date) -> Member:
    """The approved probationary member enters the roster, dated from the branch meeting (党员教育管理工作条例第二十四条)."""
    from grassroots.members.services import member_create

    secrets = applicant_secrets(applicant)
    org = Organization.objects.get(pk=applicant.org_id)
    return member_create(
        actor=actor, org=org, name=applicant.name, gender=applicant.gender, ethnicity=applicant.ethnicity,
        birth_date=applicant.birth_date, id_number=secrets["id_number"], phone=secrets["phone"],
        address=secrets["address"], education=applicant.education, occupation=applicant.occupation,
        joined_on=meeting_on, status=MemberStatus.PROBATIONARY, notes=_("经发展党员程序接收（档案%(id)d）") % {"id": applicant.pk},
    )
