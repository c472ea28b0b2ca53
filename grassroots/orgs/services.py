"""Every write to the organization tree. Each checks scope, applies the rules, saves, audits."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed, length_errors
from grassroots.core.history import diff, plain_values, snapshot
from grassroots.core.masking import mask_phone
from grassroots.core.paths import PathField, subtree_q
from grassroots.orgs.choices import OrgForm, OrgKind, OrgStatus
from grassroots.orgs.models import PATH_STEP, Organization, PartyGroup, decode_segment, encode_segment
from grassroots.orgs.permissions import OrgPerm

EDITABLE_FIELDS = (
    "name", "short_name", "code", "kind", "sector", "form", "covered_units", "founded_on", "term_started_on",
    "contact_name", "contact_phone", "address",
)
HISTORY_MASKS = {"contact_phone": mask_phone}


class OrgErrors:
    DISSOLVE_HAS_MEMBERS = "org_dissolve_has_members"
    DISSOLVE_HAS_CHILDREN = "org_dissolve_has_children"
    MOVE_INTO_OWN_SUBTREE = "org_move_into_own_subtree"
    PARENT_DISSOLVED = "org_parent_dissolved"
    ROOT_FORBIDDEN = "org_root_forbidden"


def _mark_rollups(path: str) -> None:
    from grassroots.dashboards.tasks import mark_stale

    mark_stale(path[:PATH_STEP])


def next_child_path(parent: Organization | None) -> str:
    prefix = parent.path if parent else ""
    depth = (parent.depth + 1) if parent else 1
    last = (
        Organization.objects.filter(subtree_q("path", prefix), depth=depth)
        .order_by("-path").values_list("path", flat=True).first()
    )
    number = decode_segment(last[-PATH_STEP:]) + 1 if last else 1
    return prefix + encode_segment(number)


def _validate(fields: dict, org: Organization | None = None) -> dict:
    errors = {}
    code = (fields.get("code") or "").strip()
    if "code" in fields:
        fields["code"] = code
    if code and Organization.objects.filter(code=code).exclude(pk=getattr(org, "pk", None)).exists():
        errors["code"] = [_("组织代码“%(c)s”已被其他组织使用") % {"c": code}]
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = [_("请填写组织名称")]
    units = fields.get("covered_units")
    if units is not None:
        if isinstance(units, str):
            units = [u.strip() for u in units.replace("，", ",").replace("、", ",").split(",")]
        fields["covered_units"] = [u for u in (u.strip() for u in units) if u]
    if fields.get("form") == OrgForm.JOINT and "covered_units" in fields and len(fields["covered_units"]) < 2:
        errors["covered_units"] = [_("联合党支部应列出其覆盖的单位（至少2个）")]
    errors.update(length_errors(Organization, fields))
    founded, term = fields.get("founded_on"), fields.get("term_started_on")
    if founded and founded > dt.date.today():
        errors["founded_on"] = [_("成立日期不能晚于今天")]
    if term and term > dt.date.today():
        errors["term_started_on"] = [_("本届选举日期不能晚于今天")]
    elif founded and term and term < founded:
        errors["term_started_on"] = [_("本届选举日期不能早于成立日期")]
    if errors:
        raise ValidationFailed(errors)
    return fields


def org_create_root(*, actor, name: str, **fields) -> Organization:
    """A top-level organization (a county or city committee). Only run by setup commands."""
    fields = _validate({"name": name, **fields})
    with transaction.atomic():
        org = Organization.objects.create(path=next_child_path(None), depth=1, created_by=actor, **fields)
        audit.record(actor=actor, verb="orgs.organization.create", target=org, org_path=org.path,
                     changes=diff({}, snapshot(org, EDITABLE_FIELDS), HISTORY_MASKS))
    return org


def org_create(*, actor, parent: Organization, name: str, **fields) -> Organization:
    require(actor, OrgPerm.CREATE, parent)
    if parent.status != OrgStatus.ACTIVE:
        raise DomainError(_("上级组织已撤销，不能在其下新建组织"), code=OrgErrors.PARENT_DISSOLVED)
    fields = _validate({"name": name, **fields})
    for _attempt in range(3):
        try:
            with transaction.atomic():
                locked = Organization.objects.select_for_update().get(pk=parent.pk)
                if locked.status != OrgStatus.ACTIVE:  # dissolved while we waited for the lock
                    raise DomainError(_("上级组织已撤销，不能在其下新建组织"), code=OrgErrors.PARENT_DISSOLVED)
                org = Organization.objects.create(
                    path=next_child_path(locked), depth=locked.depth + 1, parent=locked, created_by=actor, **fields
                )
                Organization.objects.filter(pk=locked.pk).update(numchild=F("numchild") + 1)
                audit.record(actor=actor, verb="orgs.organization.create", target=org, org_path=org.path,
                             changes=diff({}, snapshot(org, EDITABLE_FIELDS), HISTORY_MASKS))
                transaction.on_commit(lambda path=org.path: _mark_rollups(path))
                return org
        except IntegrityError:
            continue  # two children created at once took the same path: try the next number
    raise DomainError(_("保存冲突，请重试"))


def org_update(*, actor, org: Organization, version: int, **fields) -> Organization:
    require(actor, OrgPerm.CHANGE, org)
    fields = _validate({k: v for k, v in fields.items() if k in EDITABLE_FIELDS}, org)
    with transaction.atomic():
        before = snapshot(org, EDITABLE_FIELDS)
        changes = diff(before, {**before, **plain_values(fields)}, HISTORY_MASKS)
        update_versioned(org, version, fields)
        if changes:
            audit.record(actor=actor, verb="orgs.organization.update", target=org, org_path=org.path, changes=changes)
        transaction.on_commit(lambda: _mark_rollups(org.path))
    return org


def org_move(*, actor, org: Organization, new_parent: Organization, version: int) -> Organization:
    """Move a subtree: the paths of every descendant, of their members and of every module's records follow, in
    one transaction."""
    require(actor, OrgPerm.MOVE, org)
    require(actor, OrgPerm.CREATE, new_parent)
    if org.parent_id is None:
        raise DomainError(_("不能移动顶级组织"), code=OrgErrors.ROOT_FORBIDDEN)
    if new_parent.path.startswith(org.path):
        raise DomainError(_("不能把组织移到它自己或其下级组织之下"), code=OrgErrors.MOVE_INTO_OWN_SUBTREE, field="parent")
    if new_parent.status != OrgStatus.ACTIVE:
        raise DomainError(_("目标上级组织已撤销"), code=OrgErrors.PARENT_DISSOLVED, field="parent")
    with transaction.atomic():
        # Lock the moving subtree first: nothing may be created in it under the old paths meanwhile.
        list(Organization.objects.select_for_update().filter(subtree_q("path", org.path)).values_list("pk", flat=True))
        locked_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
        old_path, old_parent_id = org.path, org.parent_id
        new_path = next_child_path(locked_parent)
        depth_delta = locked_parent.depth + 1 - org.depth
        update_versioned(org, version, {"parent": locked_parent})
        cut = len(old_path) + 1
        Organization.objects.filter(subtree_q("path", old_path)).update(
            path=Concat(Value(new_path), Substr("path", cut)), depth=F("depth") + depth_delta
        )
        _follow_paths(old_path, new_path)
        Organization.objects.filter(pk=old_parent_id).update(numchild=F("numchild") - 1)
        Organization.objects.filter(pk=locked_parent.pk).update(numchild=F("numchild") + 1)
        org.refresh_from_db()
        audit.record(actor=actor, verb="orgs.organization.move", target=org, org_path=org.path,
                     changes={"parent": [str(Organization.objects.get(pk=old_parent_id)), str(locked_parent)],
                              "path": [old_path, new_path]})
        transaction.on_commit(lambda: (_mark_rollups(old_path), _mark_rollups(new_path)))
    return org


# Records whose path is a log of the past, never rewritten (the audit trail is append-only by trigger).
FROZEN_PATH_MODELS = frozenset({"core.auditevent"})


def _follow_paths(old_path: str, new_path: str) -> None:
    """Every path column of every model (members, meetings, dues rows, development files, imports …) is the
    position of an organization in the tree, and scoping reads it as a range: rewrite the moved prefix in each,
    one set-based UPDATE per column; the county key follows when the subtree changes county. A module adding a
    model with a PathField is covered without registering anything."""
    from django.apps import apps

    cut = len(old_path) + 1
    old_tenant, new_tenant = old_path[:PATH_STEP], new_path[:PATH_STEP]
    for model in apps.get_models():
        if model is Organization or model._meta.proxy or model._meta.label_lower in FROZEN_PATH_MODELS:
            continue
        columns = [f.attname for f in model._meta.concrete_fields if isinstance(f, PathField)]
        if not columns and new_tenant != old_tenant and _has_field(model, "tenant") and _has_field(model, "org_id"):
            # A county-keyed row without a path of its own (e.g. the meeting tally): by its organization, whose
            # path is already the new one.
            model._base_manager.filter(subtree_q("org__path", new_path)).update(tenant=new_tenant)
        for column in columns:
            changes = {column: Concat(Value(new_path), Substr(column, cut), output_field=PathField())}
            if new_tenant != old_tenant and column == columns[0] and _has_field(model, "tenant"):
                changes["tenant"] = Value(new_tenant)
            model._base_manager.filter(subtree_q(column, old_path)).update(**changes)


def _has_field(model, name: str) -> bool:
    return any(f.attname == name for f in model._meta.concrete_fields)


def org_dissolve(*, actor, org: Organization, version: int, on: dt.date, reason: str) -> Organization:
    require(actor, OrgPerm.DISSOLVE, org)
    from grassroots.members.models import Member

    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("请填写撤销原因")]
    if on and on > dt.date.today():
        errors["dissolved_on"] = [_("撤销日期不能晚于今天")]
    elif on and org.founded_on and on < org.founded_on:
        errors["dissolved_on"] = [_("撤销日期不能早于成立日期")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=org.pk)  # no member or child slips in meanwhile
        remaining = Member.objects.active().filter(org=org).count()
        if remaining:
            raise DomainError(
                _("该组织还有%(n)d名在册党员，须先转出后才能撤销") % {"n": remaining},
                code=OrgErrors.DISSOLVE_HAS_MEMBERS,
            )
        if Organization.objects.active().filter(parent=org).exists():
            raise DomainError(_("该组织还有未撤销的下级组织"), code=OrgErrors.DISSOLVE_HAS_CHILDREN)
        update_versioned(org, version, {"status": OrgStatus.DISSOLVED, "dissolved_on": on, "dissolve_reason": reason})
        audit.record(actor=actor, verb="orgs.organization.dissolve", target=org, org_path=org.path,
                     changes={"status": [OrgStatus.ACTIVE, OrgStatus.DISSOLVED]}, reason=reason)
        transaction.on_commit(lambda: _mark_rollups(org.path))
    return org


def party_group_create(*, actor, org: Organization, name: str) -> PartyGroup:
    """党小组 inside a branch; its members are assigned on their own records."""
    require(actor, OrgPerm.CHANGE, org)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("请填写党小组名称")]})
    if org.kind != OrgKind.BRANCH:
        raise ValidationFailed({"name": [_("党小组只能在党支部内设立")]})
    with transaction.atomic():
        if PartyGroup.objects.filter(org=org, name=name).exists():
            raise ValidationFailed({"name": [_("该支部已有同名党小组")]})
        group = PartyGroup.objects.create(org=org, name=name, created_by=actor)
        audit.record(actor=actor, verb="orgs.party_group.create", target=group, org_path=org.path,
                     changes={"name": [None, name]})
    return group
