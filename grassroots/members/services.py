"""Every write to the member registry: scoped, validated, versioned, audited, encrypted."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit, crypto
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import ConcurrentEdit, DomainError, ValidationFailed, length_errors
from grassroots.core.history import diff, plain_values, snapshot
from grassroots.core.identity import parse_id_number
from grassroots.core.masking import mask_id_number, mask_phone, mask_text
from grassroots.core.models import AuditOutcome
from grassroots.members.choices import MemberState, Post
from grassroots.members.models import Member, MemberExit
from grassroots.members.permissions import MemberPerm
from grassroots.members.rules import MemberInput, check_member, name_initials
from grassroots.members.signals import member_exited
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
    for name, messages in length_errors(Member, {"name": normalized.get("name", "")}).items():
        errors.setdefault(name, []).extend(messages)
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
    if values["is_unreachable"] and not member.is_unreachable:
        values["unreachable_since"] = today or timezone.localdate()
    elif not values["is_unreachable"]:
        values["unreachable_since"] = None
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


EXIT_FROM_STATES = (MemberState.ACTIVE, MemberState.SUSPENDED)  # a suspended member may be removed (第二十四条)


def member_exit(*, actor, member: Member, version: int, kind: str, occurred_on: dt.date, reason: str,
                decided_by: str = "", meeting_on: dt.date | None = None, approved_by_org: Organization | None = None,
                approved_on: dt.date | None = None, approver=None) -> MemberExit:
    """Death, withdrawal, removal, expulsion or transfer out: a dated event with its deciding meeting and
    approval (when the lifecycle module recorded them); the record stays readable."""
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
    if member.state not in EXIT_FROM_STATES:
        raise DomainError(_("该党员已不在册"), code=MemberErrors.ALREADY_LEFT)
    old_state = member.state
    with transaction.atomic():
        update_versioned(member, version, {"state": MemberState.LEFT, "left_on": occurred_on})
        event = MemberExit.objects.create(
            member=member, kind=kind, occurred_on=occurred_on, reason=reason.strip(), decided_by=decided_by,
            meeting_on=meeting_on, approved_by_org=approved_by_org, approved_on=approved_on, approver=approver,
            org=member.org, recorded_by=actor,
        )
        audit.record(actor=actor, verb="members.member.exit", target=member, org_path=member.org_path,
                     changes={"state": [old_state, MemberState.LEFT], "exit_kind": [None, kind],
                              "left_on": [None, occurred_on.isoformat()]}, reason=reason)
        member_exited.send(sender=MemberExit, member=member, kind=kind, on=occurred_on, actor=actor)
        transaction.on_commit(lambda: _mark_rollups(member.org_path))
    return event


def member_exit_direct(*, actor, member: Member, version: int, kind: str, occurred_on: dt.date, reason: str,
                       decided_by: str = "", meeting_on: dt.date | None = None) -> MemberExit:
    """The exit page and API: only the exits that need no approval from above (death, voluntary withdrawal);
    the others are performed where they are approved (the lifecycle module's Decision, the transfer letter's
    receipt, the development module's probation cancellation)."""
    from grassroots.lifecycle.services import direct_exit_refusal

    require(actor, MemberPerm.EXIT, member.org_path)
    refusal = direct_exit_refusal(kind)
    if refusal:
        raise ValidationFailed({"kind": [refusal]})
    return member_exit(actor=actor, member=member, version=version, kind=kind, occurred_on=occurred_on,
                       reason=reason, decided_by=decided_by, meeting_on=meeting_on)


def member_standing_change(*, actor, member: Member, version: int, state: str, occurred_on: dt.date,
                           reason: str) -> Member:
    """Suspension of membership (停止党籍) and its restoration (恢复党籍): the member stays on record, counted
    apart while suspended. Called by the lifecycle module once the decision is approved."""
    from grassroots.lifecycle.permissions import LifecyclePerm

    require(actor, LifecyclePerm.DECIDE, member.org_path)
    allowed = {MemberState.SUSPENDED: MemberState.ACTIVE, MemberState.ACTIVE: MemberState.SUSPENDED}
    if allowed.get(state) != member.state:
        raise DomainError(_("该党员当前状态不适用此项处置"), code=MemberErrors.ALREADY_LEFT)
    old_state = member.state
    with transaction.atomic():
        values = {"state": state}
        if state == MemberState.ACTIVE:  # contact regained: no longer unreachable
            values.update(is_unreachable=False, unreachable_since=None)
        update_versioned(member, version, values)
        audit.record(actor=actor, verb="members.member.standing", target=member, org_path=member.org_path,
                     changes={"state": [old_state, state], "on": [None, occurred_on.isoformat()]}, reason=reason)
        transaction.on_commit(lambda: _mark_rollups(member.org_path))
    return member


def member_relocate(*, member: Member, to_org: Organization) -> tuple[Member, Organization]:
    """Move a member to another branch: the locked member row and the locked target organization (its current
    path), org, org_path and tenant set together, version bumped, both counties' rollups marked stale.
    For the lifecycle module's transfers, which check permissions, audit and signal around it; must run inside
    the caller's transaction."""
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.version != member.version:
        raise ConcurrentEdit()
    if locked.state != MemberState.ACTIVE:
        raise DomainError(_("该党员不在册，不能转接"), code=MemberErrors.ALREADY_LEFT)
    from_org = Organization.objects.select_for_update().get(pk=locked.org_id)
    target = Organization.objects.select_for_update().get(pk=to_org.pk)
    _check_org(target)
    if target.pk == from_org.pk:
        raise ValidationFailed({"to_org": [_("接收党组织与原党组织相同")]})
    old_path = locked.org_path
    values = {"org": target, "org_path": target.path, "tenant": target.path[:PATH_STEP], "party_group": None}
    update_versioned(locked, locked.version, values)
    transaction.on_commit(lambda: (_mark_rollups(old_path), _mark_rollups(target.path)))
    return locked, from_org


def member_reveal(*, actor, member: Member, reason: str = "") -> dict:
    """Full identifiers for a user with the reveal permission (or the member themself); every reveal is
    audited."""
    if not (actor.is_authenticated and member.user_id == actor.pk):
        require(actor, MemberPerm.REVEAL, member.org_path)
    with transaction.atomic():
        audit.record(actor=actor, verb="members.member.reveal", target=member, org_path=member.org_path,
                     reason=reason or "")
    return member_secrets(member)


def member_roster_queryset(*, actor, filters, reveal: bool = False):
    """The rows a roster export of this actor may hold: the EXPORT scope, and with reveal only the rows where the
    actor may also reveal."""
    from grassroots.members.selectors import member_queryset

    qs = member_queryset(actor, filters, perm=MemberPerm.EXPORT)
    if reveal:
        qs = qs & member_queryset(actor, filters, perm=MemberPerm.REVEAL)
    return qs.select_related(None)


def member_roster_export(*, actor, filters, reveal: bool = False, reason: str = "", title: str = "党员花名册",
                         target=None):
    """The roster of the actor's scope (narrowed by filters) through the export service (grassroots/spreadsheets/
    exports.py): gated, masked unless revealed with a reason, watermarked, audited. Returns (xlsx bytes, rows),
    or (None, rows) when written to `target` (a path; the background export)."""
    from grassroots.members.exports import roster_spec
    from grassroots.spreadsheets.exports import check_gates, export_bytes, export_register

    spec = roster_spec(None)
    check_gates(actor, spec, reveal=reveal, reason=reason)
    spec = roster_spec(member_roster_queryset(actor=actor, filters=filters, reveal=reveal))
    options = {"reveal": reveal, "reason": reason, "title": title, "org_path": filters.org_path or "",
               "filters": {k: v for k, v in vars(filters).items() if v}}
    if target is not None:
        return None, export_register(actor, spec, target, **options)
    return export_bytes(actor, spec, **options)
