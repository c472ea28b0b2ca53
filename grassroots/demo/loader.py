"""Writing a demo plan to the database: organizations, party groups, members in batches (one audit event per
batch), the demo logins, and the county's rollups. `reset` removes a demo county again."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, reset_queries, transaction
from django.utils import timezone

from grassroots.core.bulk import bulk_insert
from grassroots.demo import data
from grassroots.demo.generator import (
    ACTOR_NAME,
    BATCH_SIZE,
    DEMO_PASSWORD,
    IdNumbers,
    Log,
    OrgPlan,
    Plan,
    member_rows,
)
from grassroots.orgs.models import PATH_STEP


@dataclass
class LoadResult:
    root_id: int
    tenant: str
    orgs: int
    members: int
    seconds: dict
    rollups: dict
    logins: list
    modules: dict


def _audit_batch(tenant: str, changes: dict) -> None:
    from grassroots.core import audit

    audit.record(actor=None, actor_name=ACTOR_NAME, verb="demo.load", org_path=tenant, changes=changes)


def _insert_orgs(plan: Plan, root_path: str, log: Log, batch_size: int) -> dict[int, int]:
    from grassroots.orgs.models import Organization

    now = timezone.now()
    ids: dict[int, int] = {}
    by_depth: dict[int, list[OrgPlan]] = {}
    for org in plan.orgs:
        by_depth.setdefault(org.depth, []).append(org)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        for start in range(0, len(level), batch_size):
            chunk = level[start: start + batch_size]
            objs = [
                Organization(
                    path=root_path + o.suffix, depth=o.depth, parent_id=ids.get(o.parent) if o.parent is not None
                    else None, numchild=o.numchild, name=o.name, short_name=o.short_name,
                    code=data.ROOT_CODE if o.parent is None else "", kind=o.kind, sector=o.sector, form=o.form,
                    covered_units=o.covered_units, founded_on=o.founded_on, term_started_on=o.term_started_on,
                    contact_name=o.contact_name, contact_phone=o.contact_phone, address=o.address,
                    created_at=now, updated_at=now,
                )
                for o in chunk
            ]
            with transaction.atomic():
                Organization.objects.bulk_create(objs, batch_size=batch_size)
                _audit_batch(root_path, {"model": "orgs.organization", "depth": depth, "rows": len(objs),
                                         "first_path": objs[0].path, "last_path": objs[-1].path})
            for o, obj in zip(chunk, objs, strict=True):
                ids[o.index] = obj.pk
    log(f"  党组织 {len(plan.orgs):,} 个已写入")
    return ids


def _insert_groups(plan: Plan, org_ids: dict[int, int], root_path: str, batch_size: int) -> dict[tuple, int]:
    from grassroots.orgs.models import PartyGroup

    keys = [(o.index, g) for o in plan.orgs for g in range(len(o.groups))]
    objs = [PartyGroup(org_id=org_ids[i], name=plan.orgs[i].groups[g]) for i, g in keys]
    for start in range(0, len(objs), batch_size):
        with transaction.atomic():
            PartyGroup.objects.bulk_create(objs[start: start + batch_size], batch_size=batch_size)
            _audit_batch(root_path, {"model": "orgs.partygroup", "rows": len(objs[start: start + batch_size])})
    return {key: obj.pk for key, obj in zip(keys, objs, strict=True)}


class _MemberWriter:
    """Buffers member rows and writes them in batches: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, tenant: str, batch_size: int, use_copy: bool, total: int, log: Log):
        from grassroots.members.models import Member

        self.model = Member
        self.tenant, self.batch_size, self.use_copy, self.total, self.log = tenant, batch_size, use_copy, total, log
        self.rows: list[dict] = []
        self.written = 0
        self.batches = 0
        self.started = time.perf_counter()
        self.last_report = self.started
        self.now = timezone.now()

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        with transaction.atomic():
            extra = {"created_at": self.now, "updated_at": self.now, "version": 1, "notes": "", "state": "active"}
            bulk_insert(self.model, [{**row, **extra} for row in rows], batch_size=self.batch_size,
                        use_copy=self.use_copy)
            self.batches += 1
            _audit_batch(self.tenant, {"model": "members.member", "batch": self.batches, "rows": len(rows),
                                       "first_path": rows[0]["org_path"], "last_path": rows[-1]["org_path"]})
        reset_queries()
        self.written += len(rows)
        now = time.perf_counter()
        if now - self.last_report >= 5 or self.written == self.total:
            elapsed = now - self.started
            self.log(f"  党员 {self.written:,}/{self.total:,} ({self.written * 100 / self.total:.0f}%) "
                     f"{elapsed:.1f}s, {self.written / elapsed:,.0f}/s")
            self.last_report = now


def load(plan: Plan, *, log: Log = print, batch_size: int = BATCH_SIZE, use_copy: bool | None = None) -> LoadResult:
    """Writes the plan into an empty tree position (a new root), the demo logins and the rollups."""
    from grassroots.dashboards.services import rollups_rebuild
    from grassroots.members.services import secret_columns
    from grassroots.orgs.services import next_child_path

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    root_path = next_child_path(None)
    tenant = root_path[:PATH_STEP]
    org_ids = _insert_orgs(plan, root_path, log, batch_size)
    group_ids = _insert_groups(plan, org_ids, root_path, batch_size)
    seconds["orgs"] = time.perf_counter() - started

    step = time.perf_counter()
    ids = IdNumbers(plan.seed)
    writer = _MemberWriter(tenant, batch_size, use_copy, plan.members, log)
    demo_member_id_number = None
    for org in plan.orgs:
        if org.kind != "branch":
            continue
        path = root_path + org.suffix
        for row, info in member_rows(plan, org, ids, secret_columns):
            row.update(org_id=org_ids[org.index], org_path=path, tenant=tenant,
                       party_group_id=group_ids[(org.index, info["group"])] if info["group"] is not None else None)
            if org.index == plan.village and demo_member_id_number is None and not info["posts"] \
                    and row["status"] == "full":
                demo_member_id_number = info["id_number"]
            writer.add(row)
    writer.flush()
    seconds["members"] = time.perf_counter() - step

    step = time.perf_counter()
    logins = create_logins(plan, org_ids, demo_member_id_number, root_path)
    seconds["logins"] = time.perf_counter() - step

    step = time.perf_counter()
    modules = extend_modules(plan, root_path, tenant, log)
    seconds["modules"] = time.perf_counter() - step

    step = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orgs_organization, members_member, orgs_partygroup")
    seconds["analyze"] = time.perf_counter() - step
    step = time.perf_counter()
    rollups = rollups_rebuild(tenant, plan.today)
    seconds["rollups"] = time.perf_counter() - step
    seconds["total"] = time.perf_counter() - started
    return LoadResult(root_id=org_ids[0], tenant=tenant, orgs=len(plan.orgs), members=writer.written,
                      seconds=seconds, rollups=rollups, logins=logins, modules=modules)


def extend_modules(plan: Plan, root_path: str, tenant: str, log: Log) -> dict:
    """Each domain module's demo records (its `demo.extend`, grassroots/core/modules.py), deterministic from the
    seed; returns what each wrote."""
    import random

    from grassroots.core.modules import DemoContext, demo_modules

    ctx = DemoContext(root_path=root_path, tenant=tenant, today=plan.today, rng=random.Random(plan.seed), log=log)
    for module in demo_modules():
        with transaction.atomic():
            module.extend(ctx)
    return ctx.counts


# --- demo logins ----------------------------------------------------------------------------------------

# (username, role, where: root | township | village, what the login is for)
DEMO_LOGINS = (
    ("county_admin", "org_admin", "root", "县委组织部管理员"),
    ("town_clerk", "clerk", "township", "乡镇党务工作者"),
    ("village_secretary", "secretary", "village", "村党支部书记"),
    ("member_demo", "member", "village", "党员本人"),
    ("sys_admin", "system_admin", "root", "系统管理员"),
    ("sec_admin", "security_admin", "root", "安全管理员"),
    ("audit_admin", "audit_admin", "root", "审计管理员"),
)
DEMO_USERNAMES = tuple(login[0] for login in DEMO_LOGINS)


def create_logins(plan: Plan, org_ids: dict[int, int], member_id_number: str | None, root_path: str) -> list[str]:
    """One user per role, all with DEMO_PASSWORD (it satisfies the validators; checked here), not forced to
    change it. member_demo is linked to a member of the demo village."""
    from django.contrib.auth.password_validation import validate_password

    from grassroots.access.models import RoleGrant, User
    from grassroots.members.models import Member
    from grassroots.members.services import id_number_index

    where = {"root": 0, "township": plan.township, "village": plan.village}
    now = timezone.now()
    made = []
    with transaction.atomic():
        for username, role, place, label in DEMO_LOGINS:
            org = plan.orgs[where[place]]
            display = f"{label}（演示）"
            if username == "village_secretary":
                display = f"{org.contact_name}（演示·村党支部书记）"
            user = User.objects.create(username=username, display_name=display, password_changed_at=now)
            RoleGrant.objects.create(user=user, role=role, org_id=org_ids[org.index], valid_from=plan.today)
            validate_password(DEMO_PASSWORD, user)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            made.append(username)
            if username == "member_demo" and member_id_number:
                member = Member.objects.get(id_number_hash=id_number_index(member_id_number))
                Member.objects.filter(pk=member.pk).update(user=user)
                User.objects.filter(pk=user.pk).update(display_name=f"{member.name}（演示·党员）")
        _audit_batch(root_path, {"model": "access.user", "rows": len(made), "usernames": made})
    return made


def reset(log: Log = print) -> dict:
    """Deletes the demo trees (roots coded data.ROOT_CODE), their members, groups, grants and rollups, and the
    demo users. Audit events stay (the log is append-only)."""
    from grassroots.access.models import RoleGrant, User
    from grassroots.core import audit
    from grassroots.core.modules import demo_modules
    from grassroots.dashboards.models import RollupState
    from grassroots.members.models import Member, MemberExit
    from grassroots.orgs.models import Organization

    counts = {"orgs": 0, "members": 0, "users": 0}
    with transaction.atomic():
        counts["users"] = User.objects.filter(username__in=DEMO_USERNAMES).delete()[1].get(User._meta.label, 0)
        for root in Organization.objects.filter(depth=1, code=data.ROOT_CODE):
            prefix = root.path
            for module in demo_modules():
                module.reset(prefix)
            RoleGrant.objects.filter(org__path__startswith=prefix).delete()
            MemberExit.objects.filter(member__org_path__startswith=prefix).delete()
            counts["members"] += Member.objects.filter(org_path__startswith=prefix).delete()[1].get(
                Member._meta.label, 0)
            depths = Organization.objects.filter(path__startswith=prefix).values_list("depth", flat=True).distinct()
            for depth in sorted(set(depths), reverse=True):
                deleted = Organization.objects.filter(path__startswith=prefix, depth=depth).delete()[1]
                counts["orgs"] += deleted.get(Organization._meta.label, 0)
            RollupState.objects.filter(tenant=prefix[:PATH_STEP]).delete()
            audit.record(actor=None, actor_name=ACTOR_NAME, verb="demo.reset", org_path=prefix, changes=counts)
    log(f"  已删除演示数据：党组织 {counts['orgs']:,} 个，党员 {counts['members']:,} 名")
    return counts
