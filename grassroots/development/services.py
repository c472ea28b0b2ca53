"""Every write of the development pipeline: scoped, checked against rules.py, versioned, audited.

The transition table lives in rules.py; here each write gathers the facts, asks the rules, and saves. Admission
creates the Member (members.services.member_create), confirmation makes them full (member_update), cancellation
ends probationary membership (member_exit, kind probation_cancelled)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import can_above, require
from grassroots.core import audit, crypto
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, PermissionRefused, ValidationFailed
from grassroots.core.history import diff, plain_values
from grassroots.core.identity import IdentityError, parse_id_number, validate_phone
from grassroots.core.masking import mask_id_number, mask_phone, mask_text
from grassroots.development import rules
from grassroots.development.choices import (
    OPEN_STAGES,
    ClosedReason,
    NoticeStage,
    NoticeStatus,
    ReviewResult,
    Stage,
    SuspensionKind,
    VoteKind,
    VoteOutcome,
)
from grassroots.development.models import AdmissionPlan, Applicant, Notice, Objection, RightsSuspension, Step, Vote
from grassroots.development.permissions import DevelopmentPerm
from grassroots.members.choices import MemberState, MemberStatus
from grassroots.members.models import Member
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.choices import OrgKind, OrgStatus
from grassroots.orgs.models import PATH_STEP, Organization

HISTORY_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_text}
PLAIN_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "occupation", "notes")
VOTE_STEP = {VoteKind.ADMISSION: "admission_meeting", VoteKind.CONFIRMATION: "confirmation_meeting"}


class DevelopmentErrors:
    DUPLICATE = "development_duplicate_id_number"
    CLOSED = "development_closed"
    WRONG_STAGE = "development_wrong_stage"
    NOT_ABOVE = "development_approve_not_above"
    SUSPENSION_ENDED = "development_suspension_ended"


def _today(today):
    return today or timezone.localdate()


def approves_above(actor, path: str) -> bool:
    """APPROVE is used only by the committee strictly above the branch: a grant at the branch itself (its own
    secretary) does not count, even though it covers the branch's subtree."""
    return can_above(actor, DevelopmentPerm.APPROVE, path)


def _require_above(actor, applicant: Applicant) -> None:
    if not approves_above(actor, applicant.org_path):
        raise PermissionRefused(_("审批须由党支部的上级党委进行，本支部不能审批本支部的发展对象"), code=DevelopmentErrors.NOT_ABOVE)


def _check_branch(org: Organization) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise ValidationFailed({"org": [_("所选党组织已撤销")]})
    if org.kind != OrgKind.BRANCH:
        raise ValidationFailed({"org": [_("入党申请由党支部受理，请选择一个党支部")]})


# --- facts for the rules ---------------------------------------------------------------------------------------
def pipeline_facts(applicant: Applicant) -> rules.PipelineFacts:
    done: dict[str, list[dt.date]] = {}
    for code, on in applicant.steps.filter(completed=True).values_list("code", "occurred_on"):
        done.setdefault(code, []).append(on)
    notices = {}
    rows = (applicant.notices.filter(status=NoticeStatus.PUBLISHED)
            .annotate(open=Count("objections", filter=Q(objections__resolved_on__isnull=True)))
            .values_list("stage", "published_on", "ends_on", "open"))
    for stage, published_on, ends_on, open_count in rows:
        notices[stage] = rules.NoticeFacts(published_on, ends_on, open_count)
    return rules.PipelineFacts(stage=applicant.stage, done=done, notices=notices,
                               probation_ends_on=applicant.probation_ends_on, extensions=applicant.extensions,
                               birth_date=applicant.birth_date)


def due_fields(facts: rules.PipelineFacts) -> dict:
    due = rules.next_due(facts) if facts.stage in OPEN_STAGES or facts.stage == Stage.FULL else None
    if due is None:
        return {"next_step": "", "next_due_on": None, "next_due_deadline": False}
    return {"next_step": due.code, "next_due_on": due.on, "next_due_deadline": due.deadline}


def _refusal_errors(refusals: list[rules.Refusal]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for refusal in refusals:
        errors.setdefault("occurred_on", []).append(refusal.message)
    return errors


# --- the person ----------------------------------------------------------------------------------------------
def _secret_columns(number: str, phone: str, address: str) -> dict:
    return {
        "id_number_enc": crypto.encrypt(number), "id_number_hash": crypto.blind_index("id_number", number),
        "id_number_masked": mask_id_number(number),
        "phone_enc": crypto.encrypt(phone) if phone else "", "phone_masked": mask_phone(phone),
        "address_enc": crypto.encrypt(address) if address else "", "address_masked": mask_text(address),
    }


def _clean_person(data: dict, today: dt.date) -> dict:
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("请填写姓名")]
    cleaned = {"name": name}
    try:
        info = parse_id_number(data.get("id_number", ""), today=today)
    except IdentityError as exc:
        errors["id_number"] = [str(exc)]
        info = None
    if info is not None:
        cleaned["id_number"] = info.number
        cleaned["birth_date"] = info.birth_date
        if data.get("birth_date") and data["birth_date"] != info.birth_date:
            errors["birth_date"] = [_("出生日期与身份证号不一致（身份证号显示为%(d)s）") % {"d": info.birth_date.isoformat()}]
        if data.get("gender") and data["gender"] != info.gender:
            errors["gender"] = [_("性别与身份证号不一致")]
        cleaned["gender"] = data.get("gender") or info.gender
    phone = (data.get("phone") or "").strip()
    if phone:
        try:
            phone = validate_phone(phone)
        except IdentityError as exc:
            errors["phone"] = [str(exc)]
    cleaned["phone"] = phone
    cleaned["address"] = (data.get("address") or "").strip()
    for name_ in ("education", "occupation"):
        if not data.get(name_):
            errors[name_] = [_("请选择")]
        cleaned[name_] = data.get(name_)
    cleaned["ethnicity"] = data.get("ethnicity") or "汉族"
    cleaned["notes"] = (data.get("notes") or "").strip()
    applied_on = data.get("applied_on")
    if "applied_on" in data:
        if not applied_on:
            errors["applied_on"] = [_("请填写递交入党申请书日期")]
        elif applied_on > today:
            errors["applied_on"] = [_("日期不能晚于今天")]
        elif info is not None:
            message = rules.check_age(info.birth_date, applied_on)
            if message:
                errors["applied_on"] = [message]
        cleaned["applied_on"] = applied_on
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def applicant_create(*, actor, org: Organization, today: dt.date | None = None, **data) -> Applicant:
    """Step 1: the written application received by the branch. Opens the person's file."""
    require(actor, DevelopmentPerm.RECORD, org)
    _check_branch(org)
    today = _today(today)
    cleaned = _clean_person({**data, "applied_on": data.get("applied_on")}, today)
    number_hash = crypto.blind_index("id_number", cleaned["id_number"])
    try:
        with transaction.atomic():
            org = Organization.objects.select_for_update().get(pk=org.pk)
            _check_branch(org)
            if Member.objects.filter(id_number_hash=number_hash, state=MemberState.ACTIVE).exists() or \
                    Applicant.objects.filter(id_number_hash=number_hash).exclude(stage=Stage.CLOSED).exists():
                raise IntegrityError("duplicate")
            applicant = Applicant.objects.create(
                org=org, org_path=org.path, tenant=org.path[:PATH_STEP], created_by=actor,
                name=cleaned["name"], gender=cleaned["gender"], ethnicity=cleaned["ethnicity"],
                birth_date=cleaned["birth_date"], education=cleaned["education"], occupation=cleaned["occupation"],
                notes=cleaned["notes"], applied_on=cleaned["applied_on"], stage=Stage.APPLICANT,
                **_secret_columns(cleaned["id_number"], cleaned["phone"], cleaned["address"]),
            )
            Step.objects.create(applicant=applicant, org_path=applicant.org_path, code="application", number=1,
                                occurred_on=cleaned["applied_on"], evidence={"note": cleaned["notes"]}, recorded_by=actor)
            Applicant.objects.filter(pk=applicant.pk).update(**due_fields(pipeline_facts(applicant)))
            applicant.refresh_from_db()
            after = {**plain_values({k: cleaned[k] for k in (*PLAIN_FIELDS, "applied_on")}),
                     "id_number": cleaned["id_number"], "phone": cleaned["phone"], "address": cleaned["address"]}
            audit.record(actor=actor, verb="development.applicant.create", target=applicant, org_path=applicant.org_path,
                         changes=diff({}, after, HISTORY_MASKS))
    except IntegrityError as exc:
        raise ValidationFailed({"id_number": [_("该身份证号已在册为党员或已有未终止的发展档案，不能重复建立")]}) from exc
    return applicant


def applicant_secrets(applicant: Applicant) -> dict:
    return {"id_number": crypto.decrypt(applicant.id_number_enc), "phone": crypto.decrypt(applicant.phone_enc),
            "address": crypto.decrypt(applicant.address_enc)}


def applicant_update(*, actor, applicant: Applicant, version: int, today: dt.date | None = None, **data) -> Applicant:
    """Correct the person's details (name, contact, education…); the ID number is checked again."""
    require(actor, DevelopmentPerm.RECORD, applicant.org_path)
    if applicant.stage == Stage.CLOSED:
        raise DomainError(_("该发展档案已终止，记录只读"), code=DevelopmentErrors.CLOSED)
    old = applicant_secrets(applicant)
    merged = {**{k: getattr(applicant, k) for k in PLAIN_FIELDS}, **old, **{k: v for k, v in data.items() if v is not None}}
    if not data.get("id_number"):
        merged["id_number"] = old["id_number"]
    cleaned = _clean_person(merged, _today(today))
    values = {k: cleaned[k] for k in PLAIN_FIELDS}
    before = {**plain_values({k: getattr(applicant, k) for k in PLAIN_FIELDS}), **old}
    after = {**plain_values(values), "id_number": cleaned["id_number"], "phone": cleaned["phone"], "address": cleaned["address"]}
    secrets = _secret_columns(cleaned["id_number"], cleaned["phone"], cleaned["address"])
    values.update(secrets)
    with transaction.atomic():
        if secrets["id_number_hash"] != applicant.id_number_hash and Applicant.objects.filter(
                id_number_hash=secrets["id_number_hash"]).exclude(pk=applicant.pk).exclude(stage=Stage.CLOSED).exists():
            raise ValidationFailed({"id_number": [_("该身份证号已有未终止的发展档案")]})
        update_versioned(applicant, version, values)
        changes = diff(before, after, HISTORY_MASKS)
        if changes:
            audit.record(actor=actor, verb="development.applicant.update", target=applicant,
                         org_path=applicant.org_path, changes=changes)
    return applicant


def applicant_reveal(*, actor, applicant: Applicant, reason: str = "") -> dict:
    require(actor, DevelopmentPerm.REVEAL, applicant.org_path)
    with transaction.atomic():
        audit.record(actor=actor, verb="development.applicant.reveal", target=applicant, org_path=applicant.org_path,
                     reason=reason)
    return applicant_secrets(applicant)


# --- steps ---------------------------------------------------------------------------------------------------
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


def _suspended_ids(ids, on: dt.date, kinds=None) -> list[int]:
    qs = RightsSuspension.objects.filter(member_id__in=ids, starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return list(qs.values_list("member_id", flat=True))


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


# --- the 支部大会 vote ----------------------------------------------------------------------------------------------
def branch_roster(org_id: int, on: dt.date):
    """The branch's full members on the date: joined and confirmed by then, still on its roster that day."""
    return (Member.objects.filter(org_id=org_id, status=MemberStatus.FULL, confirmed_on__lte=on, joined_on__lte=on)
            .filter(Q(state=MemberState.ACTIVE) | Q(left_on__gt=on)))


def vote_record(*, actor, applicant: Applicant, version: int, kind: str, meeting_on: dt.date, present: int, yes: int,
                no: int, abstain: int, written_yes: int = 0, written_no: int = 0, written_abstain: int = 0,
                exclusions: list[dict] | None = None, today: dt.date | None = None) -> Vote:
    """A 支部大会 vote: 应到会 from the roster minus lawful exclusions (each with its reason); the rules decide
    passed / rejected / invalid. Only a passed vote completes the step."""
    require(actor, DevelopmentPerm.RECORD, applicant.org_path)
    code = VOTE_STEP.get(kind)
    if code is None:
        raise ValidationFailed({"kind": [_("未知的表决事项")]})
    if meeting_on is None:
        raise ValidationFailed({"meeting_on": [_("请填写支部大会日期")]})
    today = _today(today)
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if locked.version != version:
            from grassroots.core.errors import ConcurrentEdit

            raise ConcurrentEdit()
        check = rules.check_step(code, meeting_on, pipeline_facts(locked), today)
        if not check.ok:
            raise ValidationFailed({"meeting_on": [r.message for r in check.refusals]})
        roster = dict(branch_roster(locked.org_id, meeting_on).values_list("pk", "name"))
        excluded: dict[int, dict] = {}
        suspended = (RightsSuspension.objects.filter(member_id__in=list(roster), starts_on__lte=meeting_on)
                     .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=meeting_on)).values_list("member_id", "kind"))
        for pk, kind_ in suspended:
            excluded[pk] = {"member_id": pk, "name": roster[pk], "reason": kind_, "note": _("系统据权利中止记录自动排除"),
                            "source": rules.EXCLUSION_BY_CODE[kind_].source}
        errors: dict[str, list[str]] = {}
        for row in exclusions or []:
            pk, reason, note = int(row.get("member_id") or 0), row.get("reason") or "", (row.get("note") or "").strip()
            if pk not in roster:
                errors.setdefault("exclusions", []).append(_("不计入应到会的人员须是本支部当日的正式党员（ID %(id)d）") % {"id": pk})
                continue
            rule = rules.EXCLUSION_BY_CODE.get(reason)
            if rule is None:
                errors.setdefault("exclusions", []).append(_("%(n)s：请选择不计入应到会人数的法定情形") % {"n": roster[pk]})
                continue
            if rule.needs_approval and not note:
                errors.setdefault("exclusions", []).append(
                    _("%(n)s：该情形须经上级同意、党员大会通过，请填写依据（%(r)s）") % {"n": roster[pk], "r": rule.source})
                continue
            excluded.setdefault(pk, {"member_id": pk, "name": roster[pk], "reason": reason, "note": note[:300],
                                     "source": rule.source})
        if errors:
            raise ValidationFailed(errors)
        count = rules.VoteCount(eligible=len(roster) - len(excluded), present=present, yes=yes, no=no, abstain=abstain,
                                written_yes=written_yes, written_no=written_no, written_abstain=written_abstain)
        result = rules.tally(count)
        if result.errors:
            raise ValidationFailed(result.errors)
        step = None
        if result.outcome == VoteOutcome.PASSED:
            step_def = rules.STEP_BY_CODE[code]
            step = Step.objects.create(
                applicant=locked, org_path=locked.org_path, code=code, number=step_def.number, occurred_on=meeting_on,
                done_by=_("支部大会"), evidence={"outcome": result.outcome, "explanation": result.explanation},
                recorded_by=actor,
            )
        vote = Vote.objects.create(
            applicant=locked, org_path=locked.org_path, kind=kind, meeting_on=meeting_on, roster_full=len(roster),
            exclusions=list(excluded.values()), eligible=count.eligible, present=present, yes=yes, no=no,
            abstain=abstain, written_yes=written_yes, written_no=written_no, written_abstain=written_abstain,
            outcome=result.outcome, explanation=result.explanation, step=step, recorded_by=actor,
        )
        fields = due_fields(pipeline_facts(locked))
        update_versioned(locked, version, fields)
        audit.record(actor=actor, verb="development.vote.record", target=locked, org_path=locked.org_path,
                     changes={"vote": [None, f"{kind} {meeting_on.isoformat()} {result.outcome}"],
                              "eligible": [None, count.eligible], "present": [None, present],
                              "yes": [None, result.total_yes]}, reason=result.explanation[:500])
    applicant.__dict__.update({k: getattr(locked, k) for k in ("version", *fields)})
    return vote


# --- notices and objections ------------------------------------------------------------------------------------
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


def _refresh_due(applicant: Applicant) -> None:
    Applicant.objects.filter(pk=applicant.pk).update(**due_fields(pipeline_facts(applicant)))


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


# --- probation: extension, cancellation; closing a file ----------------------------------------------------------
def probation_extend(*, actor, applicant: Applicant, version: int, months: int, decided_on: dt.date, reason: str,
                     today: dt.date | None = None) -> Applicant:
    """延长预备期: decided by the 支部大会, approved by the committee above; once, 6–12 months."""
    require(actor, DevelopmentPerm.APPROVE, applicant.org_path)
    _require_above(actor, applicant)
    if applicant.stage != Stage.PROBATIONARY:
        raise DomainError(_("只有预备党员可以延长预备期"), code=DevelopmentErrors.WRONG_STAGE)
    errors = {}
    message = rules.check_extension(months or 0, applicant.extensions)
    if message:
        errors["months"] = [message]
    if not (reason or "").strip():
        errors["reason"] = [_("请填写延长预备期的原因")]
    if decided_on is None or decided_on > _today(today) or decided_on < applicant.admitted_on:
        errors["decided_on"] = [_("决定日期应在接收日期与今天之间")]
    if errors:
        raise ValidationFailed(errors)
    from grassroots.orgs.rules import add_months

    new_end = add_months(applicant.probation_ends_on, months)
    with transaction.atomic():
        facts = pipeline_facts(applicant)
        facts.probation_ends_on = new_end
        fields = {"probation_ends_on": new_end, "extensions": applicant.extensions + 1, **due_fields(facts)}
        old_end = applicant.probation_ends_on
        update_versioned(applicant, version, fields)
        audit.record(actor=actor, verb="development.probation.extend", target=applicant, org_path=applicant.org_path,
                     changes={"probation_ends_on": [old_end.isoformat(), new_end.isoformat()],
                              "decided_on": [None, decided_on.isoformat()], "months": [None, months]}, reason=reason)
    return applicant


def probation_cancel(*, actor, applicant: Applicant, version: int, decided_on: dt.date, reason: str,
                     today: dt.date | None = None) -> Applicant:
    """取消预备党员资格 (细则第三十五条): approved by the committee above; the member leaves the roster."""
    from grassroots.members.services import member_exit

    require(actor, DevelopmentPerm.APPROVE, applicant.org_path)
    _require_above(actor, applicant)
    if applicant.stage != Stage.PROBATIONARY:
        raise DomainError(_("只有预备党员可以取消预备党员资格"), code=DevelopmentErrors.WRONG_STAGE)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请填写取消预备党员资格的原因")]
    if decided_on is None or decided_on > _today(today) or decided_on < applicant.admitted_on:
        errors["decided_on"] = [_("决定日期应在接收日期与今天之间")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        member = Member.objects.get(pk=applicant.member_id)
        member_exit(actor=actor, member=member, version=member.version, kind="probation_cancelled",
                    occurred_on=decided_on, reason=reason, decided_by=_("支部大会决定，上级党委批准"))
        fields = {"stage": Stage.CLOSED, "closed_reason": ClosedReason.PROBATION_CANCELLED, "closed_on": decided_on,
                  "next_step": "", "next_due_on": None, "next_due_deadline": False}
        update_versioned(applicant, version, fields)
        audit.record(actor=actor, verb="development.probation.cancel", target=applicant, org_path=applicant.org_path,
                     changes={"stage": [Stage.PROBATIONARY, Stage.CLOSED]}, reason=reason)
    return applicant


def applicant_withdraw(*, actor, applicant: Applicant, version: int, closed_on: dt.date, reason: str,
                       today: dt.date | None = None) -> Applicant:
    """Close the file of someone not (yet) admitted: withdrew the application, or no longer pursued."""
    require(actor, DevelopmentPerm.RECORD, applicant.org_path)
    if applicant.stage not in (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE):
        raise DomainError(_("已接收为预备党员的，须通过延长预备期或取消预备党员资格处理"), code=DevelopmentErrors.WRONG_STAGE)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请填写原因")]
    if closed_on is None or closed_on > _today(today) or closed_on < applicant.applied_on:
        errors["closed_on"] = [_("日期应在递交申请日期与今天之间")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        old = applicant.stage
        update_versioned(applicant, version, {"stage": Stage.CLOSED, "closed_reason": ClosedReason.WITHDRAWN,
                                              "closed_on": closed_on, "next_step": "", "next_due_on": None,
                                              "next_due_deadline": False})
        audit.record(actor=actor, verb="development.applicant.withdraw", target=applicant, org_path=applicant.org_path,
                     changes={"stage": [old, Stage.CLOSED]}, reason=reason)
    return applicant


# --- plans and suspensions -------------------------------------------------------------------------------------
def plan_set(*, actor, org: Organization, year: int, planned: int) -> AdmissionPlan:
    require(actor, DevelopmentPerm.RECORD, org)
    errors = {}
    if not (2000 <= (year or 0) <= 2100):
        errors["year"] = [_("年度应在2000至2100之间")]
    if planned is None or planned < 0 or planned > 100000:
        errors["planned"] = [_("计划人数应为0至100000之间的整数")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        plan, created = AdmissionPlan.objects.select_for_update().get_or_create(
            org=org, year=year, defaults={"org_path": org.path, "planned": planned, "created_by": actor})
        old = None if created else plan.planned
        if not created and plan.planned != planned:
            update_versioned(plan, plan.version, {"planned": planned})
        audit.record(actor=actor, verb="development.plan.set", target=plan, org_path=org.path,
                     changes={"planned": [old, planned], "year": [None, year]})
    return plan


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


def follow_transfer(sender=None, *, member, to_org, **kwargs) -> None:
    """lifecycle.signals.member_transferred: a probationary member's development file (and its steps, votes and
    notices) moves with them, so the new branch confirms them. Runs inside the transfer's transaction."""
    RightsSuspension.objects.filter(member=member).update(org_path=to_org.path)  # the new branch sees them
    applicant = Applicant.objects.filter(member=member).first()
    if applicant is None:
        return
    path = to_org.path
    Applicant.objects.filter(pk=applicant.pk).update(org=to_org, org_path=path, tenant=path[:PATH_STEP])
    for model in (Step, Vote, Notice):
        model.objects.filter(applicant=applicant).update(org_path=path)
    Objection.objects.filter(notice__applicant=applicant).update(org_path=path)
    audit.record(actor=kwargs.get("actor"), verb="development.applicant.transfer", target=applicant, org_path=path,
                 changes={"org": [applicant.org.name, to_org.name]})
