"""Every write to the member registry: scoped, validated, versioned, audited, encrypted."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit, crypto
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, PermissionRefused, ValidationFailed
from grassroots.core.history import diff, plain_values, snapshot
from grassroots.core.identity import parse_id_number
from grassroots.core.masking import mask_id_number, mask_phone, mask_text
from grassroots.core.models import AuditOutcome
from grassroots.members.choices import MemberState, Post
from grassroots.members.models import Member, MemberExit
from grassroots.members.permissions import MemberPerm
from grassroots.members.rules import MemberInput, check_member, name_initials
from grassroots.orgs.choices import OrgKind, OrgStatus
from grassroots.orgs.models import PATH_STEP, Organization

PLAIN_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "education", "occupation", "joined_on", "confirmed_on", "status",
    "party_group", "posts", "is_mobile", "is_unreachable", "household_plaque", "household_hub", "notes",
)
SECRET_FIELDS = ("id_number", "phone", "address")
HISTORY_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_text}


class MemberErrors:
    DUPLICATE_ID = "member_duplicate_id_number"
    ORG_NOT_BRANCH = "member_org_not_branch"
    ORG_DISSOLVED = "member_org_dissolved"
    ALREADY_LEFT = "member_already_left"


def id_number_index(number: str) -> str:
    return crypto.blind_index("id_number", number)


def phone_index(phone: str) -> str:
    return crypto.blind_index("phone", phone) if phone else ""


def _mark_rollups(path: str) -> None:
    from grassroots.dashboards.tasks import mark_stale

    mark_stale(path[:PATH_STEP])


def _check_org(org: Organization) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise ValidationFailed({"org": [_("所选党组织已撤销")]})
    if org.kind != OrgKind.BRANCH:
        raise ValidationFailed({"org": [_("党员应编入党支部，请选择一个党支部")]})


def _clean(data: dict, today: dt.date) -> dict:
    """Validate and normalize; raise ValidationFailed naming every bad field."""
    errors, normalized = check_member(
        MemberInput(
            name=data.get("name", ""), gender=data.get("gender", ""), birth_date=data.get("birth_date"),
            id_number=data.get("id_number", ""), phone=data.get("phone", ""), joined_on=data.get("joined_on"),
            confirmed_on=data.get("confirmed_on"), status=data.get("status", ""),
        ),
        today,
    )
    posts = data.get("posts") or []
    unknown = [p for p in posts if p not in Post.values]
    if unknown:
        errors.setdefault("posts", []).append(_("未知的职务：%(p)s") % {"p": "、".join(unknown)})
    group = data.get("party_group")
    if group is not None and data.get("org") is not None and group.org_id != data["org"].pk:
        errors.setdefault("party_group", []).append(_("党小组不属于所选党支部"))
    if errors:
        raise ValidationFailed(errors)
    cleaned = {**data, **normalized, "posts": list(dict.fromkeys(posts))}
    cleaned["address"] = (data.get("address") or "").strip()
    return cleaned


def secret_columns(cleaned: dict) -> dict:
    number, phone, address = cleaned["id_number"], cleaned.get("phone", ""), cleaned.get("address", "")
    return {
        "id_number_enc": crypto.encrypt(number),
        "id_number_hash": id_number_index(number),
        "id_number_masked": mask_id_number(number),
        "phone_enc": crypto.encrypt(phone) if phone else "",
        "phone_hash": phone_index(phone),
        "phone_masked": mask_phone(phone),
        "address_enc": crypto.encrypt(address) if address else "",
        "address_masked": mask_text(address),
    }


class _DuplicateId(Exception):
    pass


def _duplicate_error(actor, number_hash: str, exclude_pk: int | None = None) -> ValidationFailed:
    """The ID number is taken. Say so plainly only when the existing record is inside the actor's scope;
    otherwise a neutral refusal, so the form is no oracle of who is a Party member elsewhere. Either way the
    attempt is audited (in its own transaction, since the caller's is rolled back)."""
    existing = Member.objects.filter(id_number_hash=number_hash).exclude(pk=exclude_pk)
    visible = existing.visible_to(actor, MemberPerm.VIEW).exists()
    with transaction.atomic():
        audit.record(actor=actor, verb="members.member.duplicate_id", outcome=AuditOutcome.FAILURE,
                     reason="in scope" if visible else "outside scope")
    if visible:
        return ValidationFailed({"id_number": [_("该身份证号已登记在册，不能重复添加（可在党员列表中按姓名查找）")]})
    return ValidationFailed({"id_number": [_("无法使用该身份证号登记，请联系上级组织部门核实")]})


def member_create(*, actor, org: Organization, today: dt.date | None = None, **data) -> Member:
    require(actor, MemberPerm.CREATE, org)
    _check_org(org)
    cleaned = _clean({**data, "org": org}, today or timezone.localdate())
    values = {k: cleaned[k] for k in PLAIN_FIELDS if k in cleaned}
    values["birth_date"] = values.get("birth_date") or parse_id_number(cleaned["id_number"]).birth_date
    try:
        with transaction.atomic():
            org = Organization.objects.select_for_update().get(pk=org.pk)  # current path; not dissolved meanwhile
            _check_org(org)
            if Member.objects.filter(id_number_hash=id_number_index(cleaned["id_number"])).exists():
                raise _DuplicateId()
            member = Member.objects.create(
                org=org, org_path=org.path, tenant=org.path[:PATH_STEP], name_initials=name_initials(cleaned["name"]),
                created_by=actor, **values, **secret_columns(cleaned),
            )
            after = {**snapshot(member, PLAIN_FIELDS), **{k: cleaned.get(k, "") for k in SECRET_FIELDS}}
            audit.record(actor=actor, verb="members.member.create", target=member, org_path=member.org_path,
                         changes=diff({}, after, HISTORY_MASKS))
            transaction.on_commit(lambda: _mark_rollups(org.path))
    except (IntegrityError, _DuplicateId) as exc:  # taken, or taken by a concurrent insert
        raise _duplicate_error(actor, id_number_index(cleaned["id_number"])) from exc
    return member


def member_secrets(member: Member) -> dict:
    """Decrypt the personal identifiers. Callers outside services must go through member_reveal."""
    return {
        "id_number": crypto.decrypt(member.id_number_enc),
        "phone": crypto.decrypt(member.phone_enc),
        "address": crypto.decrypt(member.address_enc),
    }


def member_update(*, actor, member: Member, version: int, org: Organization | None = None,
                  today: dt.date | None = None, **data) -> Member:
    """Edit a member. Moving to another branch here corrects a data-entry mistake; a real move between
    branches is a transfer (the lifecycle module)."""
    require(actor, MemberPerm.CHANGE, member.org_path)
    target_org = org or member.org
    if target_org.pk != member.org_id:
        require(actor, MemberPerm.CHANGE, target_org)
        _check_org(target_org)
    if member.state != MemberState.ACTIVE:
        raise DomainError(_("该党员已不在册，记录只读"), code=MemberErrors.ALREADY_LEFT)
    old_secrets = member_secrets(member)
    merged = {**snapshot_fields(member), **old_secrets, **data, "org": target_org}
    cleaned = _clean(merged, today or timezone.localdate())
    values = {k: cleaned[k] for k in PLAIN_FIELDS}
    before = {**snapshot(member, PLAIN_FIELDS), **old_secrets, "org": str(member.org)}
    after = {**before, **plain_values(values), **{k: cleaned.get(k, "") for k in SECRET_FIELDS}, "org": str(target_org)}
    changes = diff(before, after, HISTORY_MASKS)
    if cleaned["id_number"] != old_secrets["id_number"]:
        values.update({k: v for k, v in secret_columns(cleaned).items() if k.startswith("id_number")})
    if cleaned.get("phone", "") != old_secrets["phone"]:
        values.update({k: v for k, v in secret_columns(cleaned).items() if k.startswith("phone")})
    if cleaned.get("address", "") != old_secrets["address"]:
        values.update({k: v for k, v in secret_columns(cleaned).items() if k.startswith("address")})
    if values["name"] != member.name:
        values["name_initials"] = name_initials(values["name"])
    old_path = member.org_path
    try:
        with transaction.atomic():
            if "id_number_hash" in values and Member.objects.filter(id_number_hash=values["id_number_hash"]).exclude(
                pk=member.pk
            ).exists():
                raise _DuplicateId()
            if target_org.pk != member.org_id:
                target_org = Organization.objects.select_for_update().get(pk=target_org.pk)  # its current path
                _check_org(target_org)
                values.update(org=target_org, org_path=target_org.path, tenant=target_org.path[:PATH_STEP])
            update_versioned(member, version, values)
            if changes:
                audit.record(actor=actor, verb="members.member.update", target=member, org_path=member.org_path,
                             changes=changes)
            transaction.on_commit(lambda: (_mark_rollups(old_path), _mark_rollups(member.org_path)))
    except (IntegrityError, _DuplicateId) as exc:
        raise _duplicate_error(actor, id_number_index(cleaned["id_number"]), exclude_pk=member.pk) from exc
    return member


def snapshot_fields(member: Member) -> dict:
    return {name: getattr(member, name) for name in PLAIN_FIELDS}


def member_exit(*, actor, member: Member, version: int, kind: str, occurred_on: dt.date, reason: str,
                decided_by: str = "") -> MemberExit:
    """Death, withdrawal, removal, expulsion or transfer out: a dated event; the record stays readable."""
    require(actor, MemberPerm.EXIT, member.org_path)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("请填写原因")]
    if occurred_on and occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("日期不能晚于今天")]
    if occurred_on and occurred_on < member.joined_on:
        errors["occurred_on"] = [_("日期不能早于入党日期")]
    if errors:
        raise ValidationFailed(errors)
    if member.state != MemberState.ACTIVE:
        raise DomainError(_("该党员已不在册"), code=MemberErrors.ALREADY_LEFT)
    with transaction.atomic():
        update_versioned(member, version, {"state": MemberState.LEFT, "left_on": occurred_on})
        event = MemberExit.objects.create(
            member=member, kind=kind, occurred_on=occurred_on, reason=reason.strip(), decided_by=decided_by,
            org=member.org, recorded_by=actor,
        )
        audit.record(actor=actor, verb="members.member.exit", target=member, org_path=member.org_path,
                     changes={"state": [MemberState.ACTIVE, MemberState.LEFT], "exit_kind": [None, kind],
                              "left_on": [None, occurred_on.isoformat()]}, reason=reason)
        transaction.on_commit(lambda: _mark_rollups(member.org_path))
    return event


def member_reveal(*, actor, member: Member, reason: str = "") -> dict:
    """Full identifiers for a user with the reveal permission (or the member themself); every reveal is
    audited."""
    if not (actor.is_authenticated and member.user_id == actor.pk):
        require(actor, MemberPerm.REVEAL, member.org_path)
    with transaction.atomic():
        audit.record(actor=actor, verb="members.member.reveal", target=member, org_path=member.org_path,
                     reason=reason or "")
    return member_secrets(member)


def member_roster_export(*, actor, filters, reveal: bool = False, reason: str = "", title: str = "党员花名册"):
    """The roster of the actor's scope (narrowed by filters) as xlsx bytes; audited, masked unless revealed."""
    from grassroots.access.scoping import has_perm_anywhere
    from grassroots.members.exports import roster_rows, write_roster
    from grassroots.members.selectors import member_queryset

    if not has_perm_anywhere(actor, MemberPerm.EXPORT):
        raise PermissionRefused()
    if reveal:
        if not has_perm_anywhere(actor, MemberPerm.REVEAL):
            raise PermissionRefused()
        if not reason.strip():
            raise ValidationFailed({"reason": [_("导出完整身份证号和电话须填写事由")]})
    qs = member_queryset(actor, filters, perm=MemberPerm.EXPORT)
    if reveal:  # only rows where the actor may also reveal
        qs = qs & member_queryset(actor, filters, perm=MemberPerm.REVEAL)
    now = timezone.localtime()
    watermark = f"导出人：{actor.get_username()}　导出时间：{now:%Y-%m-%d %H:%M}　{'含完整个人信息' if reveal else '个人信息已脱敏'}"
    content, count = write_roster(roster_rows(qs.select_related(None), reveal=reveal), title=title, watermark=watermark)
    with transaction.atomic():
        audit.record(actor=actor, verb="members.roster.export", org_path=filters.org_path or "",
                     changes={"rows": count, "revealed": reveal, "filters": {k: v for k, v in vars(filters).items() if v}},
                     reason=reason)
    return content, count
