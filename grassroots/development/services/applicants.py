"""The person in the pipeline: opening the file (step 1), corrections to their details, the audited reveal, closing
a file not yet admitted, and following a transfer."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit, crypto
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.history import diff, plain_values
from grassroots.core.identity import IdentityError, parse_id_number, validate_phone
from grassroots.core.masking import mask_id_number, mask_phone, mask_text
from grassroots.development import rules
from grassroots.development.choices import (
    ClosedReason,
    Stage,
)
from grassroots.development.models import Applicant, Notice, Objection, RightsSuspension, Step, Vote
from grassroots.development.permissions import DevelopmentPerm
from grassroots.development.services.common import DevelopmentErrors, _check_branch, _today, due_fields, pipeline_facts
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orgs.models import PATH_STEP, Organization

HISTORY_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_text}


PLAIN_FIELDS = ("name", "gender", "ethnicity", "birth_date", "education", "occupation", "notes")


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
