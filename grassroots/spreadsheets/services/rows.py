"""The row engines (members set-based, organizations through the orgs services) and the reading of a
stored file in chunks, shared by the analysis and the commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import can
from grassroots.core import crypto
from grassroots.core.bulk import AnyOf, bulk_insert
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.history import plain
from grassroots.core.identity import normalize_id_number, parse_id_number
from grassroots.core.masking import mask_phone, mask_text
from grassroots.core.models import AuditEvent, AuditOutcome
from grassroots.core.paths import subtree_q
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.members.permissions import MemberPerm
from grassroots.members.rules import name_initials
from grassroots.members.services import _check_org, _clean, id_number_index, phone_index, secret_columns
from grassroots.orgs.models import PATH_STEP, Organization
from grassroots.spreadsheets import parsing, rules
from grassroots.spreadsheets.choices import ImportKind, RowOutcome
from grassroots.spreadsheets.models import ImportJob, ImportRow
from grassroots.spreadsheets.services.staging import StagingUnusable, StagingWriter
from grassroots.spreadsheets.services.storage import stored_path

CHUNK_ROWS = 2000


MEMBER_EXISTING_FIELDS = (
    "id", "id_number_hash", "org_id", "org_path", "state", "version", "name", "gender", "ethnicity", "birth_date",
    "education", "occupation", "joined_on", "confirmed_on", "status", "is_mobile", "is_unreachable",
    "household_plaque", "household_hub", "notes", "phone_enc", "phone_hash", "phone_masked", "address_enc",
    "address_masked", "name_initials", "posts", "party_group_id",
)


UPDATE_FIELDS = (*rules.MEMBER_PLAIN_FIELDS, "name_initials", "phone_enc", "phone_hash", "phone_masked",
                 "address_enc", "address_masked", "updated_at", "version")


FIELD_LABELS = {c.field: c.header for c in rules.MEMBER_COLUMNS} | {"phone": "联系电话", "address": "家庭住址"}


class ImportErrors:
    WRONG_STATE = "spreadsheet_job_wrong_state"
    HAS_REJECTED = "spreadsheet_has_rejected_rows"
    NOT_STALE = "spreadsheet_job_not_stale"
    FILE_CHANGED = "spreadsheet_file_changed"


def _same_text(field: str, stored, typed) -> bool:
    if not (isinstance(stored, str) and isinstance(typed, str)):
        return False
    return (rules.clean_name if field == "name" else rules.clean_text)(stored) == typed


@dataclass
class RowResult:
    row_number: int
    outcome: str
    label: str = ""
    errors: list = field(default_factory=list)  # [{"column": header, "message": reason}]
    changes: dict = field(default_factory=dict)
    target_id: int | None = None


class _Abort(Exception):
    """Rolls the commit transaction back."""


class _DryRun(Exception):
    """Rolls a dry run (the organization preview) back."""


def _error(kind: str, field_name: str, message) -> dict:
    return {"column": rules.header_of(kind, field_name), "message": str(message)}


class OrgIndex:
    """The organizations of the job's subtree, by normalized full name and by code."""

    def __init__(self, root: Organization):
        self.root = root
        self.by_name: dict[str, list[Organization]] = {}
        self.by_code: dict[str, Organization] = {}
        self.by_id: dict[int, Organization] = {}
        digest = hashlib.sha256()
        for org in Organization.objects.filter(subtree_q("path", root.path)).order_by("path"):
            self.add(org)
            digest.update(repr((org.pk, org.path, org.name, org.code, org.status, org.kind)).encode())
        # What resolving a row's organization and checking it depend on: a staged analysis is replayed only
        # while this is unchanged.
        self.fingerprint = digest.hexdigest()

    def add(self, org: Organization) -> None:
        self.by_name.setdefault(rules.key_text(org.name), []).append(org)
        self.by_id[org.pk] = org
        if org.code:
            self.by_code[org.code] = org

    def resolve(self, name: str | None, code: str | None, kind: str) -> tuple[Organization | None, dict | None]:
        if code:
            org = self.by_code.get(code)
            if org is None:
                return None, _error(kind, "org_code", _("党组织代码“%(c)s”不在本次导入范围（%(r)s及其下级）内")
                                    % {"c": code, "r": self.root.name})
            return org, None
        if not name:
            return None, None
        found = self.by_name.get(rules.key_text(name), [])
        if len(found) > 1:
            return None, _error(kind, "org", _("“%(n)s”有%(k)d个同名组织，请增加“党组织代码”列区分")
                                % {"n": name, "k": len(found)})
        if not found:
            return None, _error(kind, "org", _("党组织“%(n)s”不在本次导入范围（%(r)s及其下级）内，或名称与系统中的全称不一致")
                                % {"n": name, "r": self.root.name})
        return found[0], None


class MemberImport:
    """Member rows: read → validate (the member service's own rules) → classify against the roster → (write)."""

    kind = ImportKind.MEMBERS

    def __init__(self, job: ImportJob, actor, *, write: bool, skip_rows: frozenset = frozenset(),
                 today: dt.date | None = None):
        self.job, self.actor, self.write, self.skip_rows = job, actor, write, skip_rows
        self.today = today or timezone.localdate()
        self.orgs = OrgIndex(job.org)
        self.staging: StagingWriter | None = None  # the analysis keeps its prepared rows for the commit
        # ID hash (its 32 bytes, half the size of the hex text) → (row, branch id, outcome, label) of its first
        # row: the largest thing an import holds, 100 k entries for a full file.
        self.seen: dict[bytes, tuple[int, int | None, str, str]] = {}
        self.counts: Counter = Counter()
        self.written: Counter = Counter()
        self.perm_cache: dict[tuple[str, str], bool] = {}
        self.now = timezone.now()
        self.reason = _("表格导入：%(f)s") % {"f": job.file_name}
        self.late_rejections: list[RowResult] = []

    def _can(self, perm: str, path: str) -> bool:
        key = (perm, path)
        if key not in self.perm_cache:
            self.perm_cache[key] = can(self.actor, perm, path)
        return self.perm_cache[key]

    def process(self, chunk: list[tuple[int, dict]]) -> list[RowResult]:
        prepared = []
        hashes = set()
        for row_number, cells in chunk:
            values, cell_errors = rules.read_member_row(cells)
            number = normalize_id_number(values.get("id_number", ""))
            number_hash = id_number_index(number) if len(number) == 18 else None
            if number_hash:
                hashes.add(number_hash)
            prepared.append((row_number, values, cell_errors, number_hash))
        existing_qs = Member.objects.filter(AnyOf(F("id_number_hash"), hashes))
        if self.write:
            existing_qs = existing_qs.select_for_update()
        existing = {row["id_number_hash"]: row for row in existing_qs.values(*MEMBER_EXISTING_FIELDS)}
        visible = self._visible(existing)
        results, inserts, updates, moves, history, staged = [], [], [], [], [], []
        for row_number, values, cell_errors, number_hash in prepared:
            if row_number in self.skip_rows:  # left out entirely: it neither counts as a sighting nor is written
                result, plan = RowResult(row_number, RowOutcome.REJECTED, values.get("name", ""), errors=[
                    {"column": "", "message": str(_("预览时有错误，按“只导入正确的行”跳过"))}]), None
            else:
                result, plan = self._row(row_number, values, cell_errors, number_hash, existing, visible)
            results.append(result)
            if self.staging is not None and result.outcome != RowOutcome.REJECTED:
                staged.append(_staged_entry(result, number_hash, existing.get(number_hash), plan))
            self.counts[result.outcome] += 1
            if plan is None:
                continue
            action, payload = plan
            if action == "insert":
                inserts.append(payload)
            elif action == "update":
                updates.append(payload)
                history.append(self._history(payload, result.changes))
            if action == "update" and payload.get("_move_to") is not None:
                moves.append(payload)
        if self.write:
            self._flush(inserts, updates, moves, history)
        if staged:
            self.staging.add(staged)
        return results

    def replay(self, entries: list[tuple]) -> None:
        """Write one chunk the analysis staged, without reading or validating the rows again. Each row's member
        is locked and must be as the analysis saw it (absent, or the same version, branch and state), and the
        committing user must hold the permissions the full path checks; otherwise StagingUnusable, and the
        caller rolls back and takes the full path."""
        live = [entry for entry in entries if entry[0] not in self.skip_rows]
        hashes = {entry[1] for entry in live}
        current = {row["id_number_hash"]: row for row in Member.objects.filter(AnyOf(F("id_number_hash"), hashes))
                   .select_for_update().values("id_number_hash", "id", "version", "org_id", "org_path", "state")}
        inserts, updates, moves, history = [], [], [], []
        for row_number, number_hash, observed, action, payload, changes in live:
            row = current.get(number_hash)
            if (row and (row["id"], row["version"], row["org_id"], row["state"])) != observed:
                raise StagingUnusable(f"row {row_number}: the member changed since the preview")
            if row is None:
                allowed = self._can(MemberPerm.CREATE, payload["org_path"])
            else:
                target = payload["_org_path"] if payload else row["org_path"]
                allowed = (self._can(MemberPerm.VIEW, row["org_path"]) and self._can(MemberPerm.CHANGE, row["org_path"])
                           and self._can(MemberPerm.CHANGE, target))
            if not allowed:
                raise StagingUnusable(f"row {row_number}: a permission changed since the preview")
            if action == "insert":
                payload.update(created_at=self.now, updated_at=self.now, created_by_id=self.actor.pk)
                inserts.append(payload)
            elif action == "update":
                move_to = payload["_move_to"]
                payload["_move_to"] = None if move_to is None else self.orgs.by_id[move_to]
                updates.append(payload)
                history.append(self._history(payload, changes))
                if move_to is not None:
                    moves.append(payload)
        self._flush(inserts, updates, moves, history)

    def _visible(self, existing: dict[str, dict]) -> set[str]:
        """The ID hashes of the existing members the actor may see: those in a branch where the actor holds the
        view permission (a dictionary lookup per branch), and, asked of the scoped query, any others it lets
        through (the scope's own extras)."""
        hidden = [h for h, row in existing.items() if not self._can(MemberPerm.VIEW, row["org_path"])]
        visible = set(existing).difference(hidden)
        if hidden:
            visible.update(Member.objects.filter(id_number_hash__in=hidden).visible_to(self.actor, MemberPerm.VIEW)
                           .values_list("id_number_hash", flat=True))
        return visible

    def _row(self, row_number, values, cell_errors, number_hash, existing, visible):
        kind = self.kind
        label = values.get("name", "")
        errors = [_error(kind, f, m) for f, m in cell_errors.items()]
        org, org_error = self.orgs.resolve(values.get("org"), values.get("org_code"), kind)
        if org_error:
            errors.append(org_error)
        current = existing.get(number_hash) if number_hash else None
        if org is None and not org_error:
            if current is not None:
                org = self.orgs.by_id.get(current["org_id"])
            if org is None:
                if self.job.org.is_branch:
                    org = self.job.org
                else:
                    errors.append(_error(kind, "org", _("请填写所在党支部（导入到%(r)s时每行须写明党支部）")
                                         % {"r": self.job.org.name}))
        if current is not None and number_hash not in visible:
            errors.append(_error(kind, "id_number", _("无法使用该身份证号登记，请联系上级组织部门核实")))
            return self._reject(row_number, label, errors), None
        if current is not None and current["state"] != MemberState.ACTIVE:
            errors.append(_error(kind, "id_number", _("该党员已出党或转出，不在册，不能通过导入修改")))
            return self._reject(row_number, label, errors), None
        merged = self._merged(values, current, org)
        try:
            cleaned = _clean(merged, self.today)
        except ValidationFailed as exc:
            errors += [_error(kind, f, m) for f, messages in exc.errors.items() for m in messages if f not in cell_errors]
            cleaned = None
        if org is not None and (current is None or org.pk != current["org_id"]):
            try:
                _check_org(org)
            except ValidationFailed as exc:
                errors += [_error(kind, "org", m) for messages in exc.errors.values() for m in messages]
        if current is None:
            for required in ("education", "occupation", "joined_on"):
                if required not in values and required not in cell_errors and not any(
                        e["column"] == rules.header_of(kind, required) for e in errors):
                    errors.append(_error(kind, required, _("新登记的党员须填写%(h)s") % {"h": rules.header_of(kind, required)}))
        if org is not None and not errors:
            if current is None and not self._can(MemberPerm.CREATE, org.path):
                errors.append(_error(kind, "org", _("您没有在“%(o)s”登记党员的权限") % {"o": org.name}))
            elif current is not None and not (self._can(MemberPerm.CHANGE, current["org_path"])
                                              and self._can(MemberPerm.CHANGE, org.path)):
                errors.append(_error(kind, "org", _("您没有修改该党员信息的权限")))
        if errors or cleaned is None:
            return self._reject(row_number, label, errors), None
        seen_key = bytes.fromhex(number_hash)
        duplicate = self._duplicate(row_number, seen_key, org.pk)
        if duplicate:
            return self._reject(row_number, label, [duplicate]), None
        if current is None:
            result = RowResult(row_number, RowOutcome.NEW, label)
            self.seen[seen_key] = (row_number, org.pk, result.outcome, label)
            prepare = self.write or self.staging is not None
            return result, (("insert", self._insert_row(cleaned, values, org)) if prepare else None)
        changes, payload = self._compare(cleaned, values, current, org)
        outcome = RowOutcome.CHANGED if changes else RowOutcome.UNCHANGED
        result = RowResult(row_number, outcome, label, changes=changes, target_id=current["id"])
        self.seen[seen_key] = (row_number, org.pk, result.outcome, label)
        return result, (("update", payload) if changes else None)

    def _reject(self, row_number, label, errors) -> RowResult:
        return RowResult(row_number, RowOutcome.REJECTED, label, errors=errors)

    def _duplicate(self, row_number: int, seen_key: bytes, org_id: int) -> dict | None:
        """The same person twice in one file. In the same branch the later row is refused as a repeat; in
        different branches both rows are refused (the file contradicts itself)."""
        earlier = self.seen.get(seen_key)
        if earlier is None:
            return None
        first_row, first_org, first_outcome, first_label = earlier
        if first_org == org_id:
            return _error(self.kind, "id_number", _("与第%(r)d行是同一人（身份证号相同），重复的行不导入") % {"r": first_row})
        message = _("同一身份证号在第%(a)d行和第%(b)d行出现，且所在党支部不同；请核实后只保留一行") % {"a": first_row, "b": row_number}
        if first_outcome != RowOutcome.REJECTED:
            self.counts[first_outcome] -= 1
            self.counts[RowOutcome.REJECTED] += 1
            self.seen[seen_key] = (first_row, first_org, RowOutcome.REJECTED, first_label)
            self.late_rejections.append(RowResult(first_row, RowOutcome.REJECTED, first_label,
                                                  errors=[_error(self.kind, "id_number", message)]))
        return _error(self.kind, "id_number", message)

    def _merged(self, values: dict, current: dict | None, org) -> dict:
        merged = {key: values[key] for key in (*rules.MEMBER_PLAIN_FIELDS, "id_number", "phone", "address")
                  if key in values}
        if current is not None:
            merged = {**{key: current[key] for key in rules.MEMBER_PLAIN_FIELDS}, **merged}
        elif "status" not in merged:
            merged["status"] = rules.infer_status(values)
        merged["org"] = org
        merged.setdefault("id_number", "")
        return merged

    def _insert_row(self, cleaned: dict, values: dict, org: Organization) -> dict:
        gender, birth_date = values.get("gender"), values.get("birth_date")
        if not (gender and birth_date):  # both typed (and checked against the number by _clean) in most files
            info = parse_id_number(cleaned["id_number"], today=self.today)
            gender, birth_date = gender or info.gender, birth_date or info.birth_date
        row = {
            "org_id": org.pk, "org_path": org.path, "tenant": org.path[:PATH_STEP], "user_id": None,
            "name": cleaned["name"], "name_initials": name_initials(cleaned["name"]),
            "gender": gender, "ethnicity": values.get("ethnicity") or "汉族",
            "birth_date": birth_date, "education": values["education"],
            "occupation": values["occupation"], "joined_on": values["joined_on"],
            "confirmed_on": values.get("confirmed_on"), "status": cleaned["status"], "party_group_id": None,
            "posts": [], "notes": values.get("notes", ""), "state": MemberState.ACTIVE, "left_on": None,
            "created_at": self.now, "updated_at": self.now, "created_by_id": self.actor.pk, "version": 1,
            **{flag: values.get(flag, False) for flag in rules.FLAG_FIELDS},
        }
        if self.write or self.staging is not None:
            row.update(secret_columns(cleaned))
        return row

    def _compare(self, cleaned: dict, values: dict, current: dict, org: Organization) -> tuple[dict, dict]:
        """Old → new per field the file carries. Stored text that the file cannot express (line breaks, runs of
        spaces typed on the member page) counts as unchanged when it cleans to the file's value."""
        changes: dict = {}
        update = {key: current[key] for key in UPDATE_FIELDS if key in current}
        for key in rules.MEMBER_PLAIN_FIELDS:
            if key in values:
                new = cleaned[key]
                if new != current[key] and not _same_text(key, current[key], new):
                    changes[key] = [plain(current[key]), plain(new)]
                    update[key] = new
        if "phone" in values and cleaned.get("phone") and phone_index(cleaned["phone"]) != current["phone_hash"]:
            changes["phone"] = [current["phone_masked"], mask_phone(cleaned["phone"])]
            update.update(phone_enc=crypto.encrypt(cleaned["phone"]), phone_hash=phone_index(cleaned["phone"]),
                          phone_masked=mask_phone(cleaned["phone"]))
        if "address" in values and cleaned.get("address"):
            stored = crypto.decrypt(current["address_enc"])
            if cleaned["address"] != stored and not _same_text("address", stored, cleaned["address"]):
                changes["address"] = [current["address_masked"], mask_text(cleaned["address"])]
                update.update(address_enc=crypto.encrypt(cleaned["address"]), address_masked=mask_text(cleaned["address"]))
        if "name" in changes:
            update["name_initials"] = name_initials(update["name"])
        fields_changed = list(changes)
        move_to = None
        if org.pk != current["org_id"]:
            old = self.orgs.by_id.get(current["org_id"]) or Organization.objects.get(pk=current["org_id"])
            changes["org"] = [old.name, org.name]
            move_to = org
        update.update(id=current["id"], version=current["version"], _move_to=move_to, _label=current["name"],
                      _org_path=org.path, _fields_changed=fields_changed)
        return changes, update

    def _history(self, payload: dict, changes: dict) -> dict:
        return {
            "occurred_at": self.now, "actor_id": self.actor.pk, "actor_name": self.actor.get_username(),
            "actor_roles": "", "ip": None, "verb": "members.member.update", "outcome": AuditOutcome.SUCCESS,
            "target_type": Member._meta.label_lower, "target_id": payload["id"], "target_label": payload["_label"][:200],
            "org_path": payload["_org_path"], "changes": {k: v for k, v in changes.items() if k != "org"},
            "reason": self.reason[:500],
        }

    def _flush(self, inserts: list, updates: list, moves: list, history: list) -> None:
        if inserts:
            insert_rows(Member, inserts)
            self.written["created"] += len(inserts)
        for payload in moves:
            member = Member.objects.select_related("org").get(pk=payload["id"])
            _move_member(actor=self.actor, member=member, to_org=payload["_move_to"], on=self.today, reason=self.reason)
            self.written["moved"] += 1
        objects = []
        for payload in (p for p in updates if p["_fields_changed"]):
            fields = {k: v for k, v in payload.items() if not k.startswith("_") and k in UPDATE_FIELDS}
            fields.update(updated_at=self.now, version=F("version") + 1)
            objects.append(Member(pk=payload["id"], **fields))
        if objects:
            Member.objects.bulk_update(objects, UPDATE_FIELDS, batch_size=500)
            self.written["updated"] += len(objects)
        history = [h for h in history if h["changes"]]
        if history:
            insert_rows(AuditEvent, history)


def _staged_entry(result: RowResult, number_hash: str, current: dict | None, plan) -> tuple:
    """(row, ID hash, the member as seen: (id, version, branch, state) or None, action, payload, changes)."""
    observed = current and (current["id"], current["version"], current["org_id"], current["state"])
    action, payload = plan or (None, None)
    if action == "update" and payload["_move_to"] is not None:  # the branch moved to, as its id
        payload = {**payload, "_move_to": payload["_move_to"].pk}
    return result.row_number, number_hash, observed, action, payload, result.changes


def insert_rows(model, rows: list[dict]) -> int:
    """Set-based insert: core.bulk.bulk_insert (COPY) on PostgreSQL; on SQLite one executemany with the
    columns adapted once per field, since bulk_create's per-value preparation costs more than the validation
    itself at 100 k rows (a candidate for core/bulk.py)."""
    if not rows or connection.vendor == "postgresql":
        return bulk_insert(model, rows)
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    ops = connection.ops
    adapters = []
    for item in fields:
        internal = item.get_internal_type()
        if internal == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif internal == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif internal == "JSONField":
            adapters.append(lambda value: json.dumps(value, ensure_ascii=False))
        elif internal == "BooleanField":
            adapters.append(lambda value: None if value is None else bool(value))
        else:
            adapters.append(None)
    columns = ", ".join(ops.quote_name(item.column) for item in fields)
    # Identifiers come from the model's own metadata, quoted; values are bound parameters.
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    values = [[value if adapt is None or value is None else adapt(value) for value, adapt in
               zip((row[name] for name in names), adapters, strict=True)] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return len(rows)


def _move_member(*, actor, member: Member, to_org: Organization, on: dt.date, reason: str) -> Member:
    """A member the file places in another branch: a completed transfer event (lifecycle), not a second
    member; the importing user must hold the transfer permission on both sides."""
    from grassroots.lifecycle.services import transfer_direct

    transfer_direct(actor=actor, member=member, to_org=to_org, on=on, reason=reason, source="import")
    member.refresh_from_db()
    return member


class OrgImport:
    """Organization rows, through the orgs services themselves (org_create / org_update), row by row (a county
    file holds hundreds of rows, not a hundred thousand); the preview is the same run rolled back."""

    kind = ImportKind.ORGS

    def __init__(self, job: ImportJob, actor, *, write: bool, skip_rows: frozenset = frozenset(),
                 today: dt.date | None = None):
        self.job, self.actor, self.write, self.skip_rows = job, actor, write, skip_rows
        self.orgs = OrgIndex(job.org)
        self.counts: Counter = Counter()
        self.written: Counter = Counter()
        self.late_rejections: list = []

    def process(self, chunk: list[tuple[int, dict]]) -> list[RowResult]:
        from grassroots.orgs.services import org_create, org_update

        results = []
        for row_number, cells in chunk:
            values, cell_errors = rules.read_org_row(cells)
            label = values.get("name", "")
            errors = [_error(self.kind, f, m) for f, m in cell_errors.items()]
            if not label:
                errors.append(_error(self.kind, "name", _("请填写党组织名称")))
            existing = None
            if label and not errors:
                existing = self.orgs.by_code.get(values["code"]) if values.get("code") else None
                found = self.orgs.by_name.get(rules.key_text(label), []) if existing is None else []
                if len(found) > 1:
                    errors.append(_error(self.kind, "name", _("“%(n)s”有%(k)d个同名组织，请增加“党组织代码”列区分")
                                         % {"n": label, "k": len(found)}))
                elif found:
                    existing = found[0]
            parent = None
            if "parent" in values and not errors:
                parent, parent_error = self.orgs.resolve(values["parent"], None, self.kind)
                if parent_error:
                    parent_error["column"] = rules.header_of(self.kind, "parent")
                    errors.append(parent_error)
            if row_number in self.skip_rows:
                errors = errors or [{"column": "", "message": str(_("预览时有错误，按“只导入正确的行”跳过"))}]
            if errors:
                results.append(RowResult(row_number, RowOutcome.REJECTED, label, errors=errors))
                self.counts[RowOutcome.REJECTED] += 1
                continue
            fields = {k: v for k, v in values.items() if k in rules.ORG_FIELDS and k != "name"}
            try:
                with transaction.atomic():
                    if existing is None:
                        target_parent = parent or self.job.org
                        org = org_create(actor=self.actor, parent=target_parent, name=label, **fields)
                        self.orgs.add(org)
                        result = RowResult(row_number, RowOutcome.NEW, label, target_id=org.pk)
                        self.written["created"] += 1
                    else:
                        if parent is not None and parent.pk != existing.parent_id:
                            raise ValidationFailed({"parent": [_("导入不能移动已有组织；请在组织树中使用“移动”")]})
                        updates = {k: v for k, v in fields.items() if getattr(existing, k) != v}
                        if values.get("code") and rules.key_text(label) != rules.key_text(existing.name):
                            updates["name"] = label  # matched by code: the file renames it
                        changes = {k: [plain(getattr(existing, k)), plain(v)] for k, v in updates.items()}
                        if updates:
                            org_update(actor=self.actor, org=existing, version=existing.version, **updates)
                            self.written["updated"] += 1
                        result = RowResult(row_number, RowOutcome.CHANGED if changes else RowOutcome.UNCHANGED,
                                           label, changes=changes, target_id=existing.pk)
            except DomainError as exc:
                messages = exc.errors if isinstance(exc, ValidationFailed) else {exc.field or "name": [str(exc.message)]}
                if exc.code == "forbidden":
                    messages = {"parent": [_("您没有在该上级组织下新建或修改组织的权限")]}
                result = RowResult(row_number, RowOutcome.REJECTED, label,
                                   errors=[_error(self.kind, f, m) for f, ms in messages.items() for m in ms])
            results.append(result)
            self.counts[result.outcome] += 1
        return results


ENGINES = {ImportKind.MEMBERS: MemberImport, ImportKind.ORGS: OrgImport}


def _engine(job: ImportJob, actor, *, write: bool, skip_rows=frozenset()):
    engine = ENGINES[job.kind](job, actor, write=write, skip_rows=skip_rows)
    engine.late_rejections = []
    return engine


def _chunks(table: parsing.Table):
    chunk = []
    for row_number, cells in table.rows:
        if parsing.is_blank(cells):
            continue
        chunk.append((row_number, parsing.cells_by_field(cells, table.mapping)))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _open(job: ImportJob) -> parsing.Table:
    path = stored_path(job.stored_name)
    if not job.stored_name or not path.exists():
        raise parsing.FileRejected(_("上传的文件已不在服务器上，请重新上传"))
    if parsing.file_digest(path) != job.file_sha256:
        raise DomainError(_("服务器上的文件与上传时不一致（SHA-256不同），请重新上传"), code=ImportErrors.FILE_CHANGED)
    return parsing.open_table(path, job.file_format, job.kind, sheet_name=job.sheet_name,
                              include_hidden=job.include_hidden)


def _row_records(job: ImportJob, results: list[RowResult]) -> list[ImportRow]:
    return [ImportRow(job=job, row_number=r.row_number, outcome=r.outcome, label=r.label[:120], errors=r.errors,
                      changes=r.changes, target_id=r.target_id)
            for r in results if r.outcome in (RowOutcome.REJECTED, RowOutcome.CHANGED)]
