"""Every dues write: scoped (require), checked by rules.py, audited, in one transaction.

Dues amounts reveal income, so the audit log records that a base was declared or a payment made, never the
amount in clear (SECURITY.md: personal data masked in history); the amounts live only in the dues tables.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import can, can_above, require
from grassroots.core import audit
from grassroots.core.errors import DomainError, PermissionRefused, ValidationFailed
from grassroots.dues import rules
from grassroots.dues.choices import PayerKind, ReductionKind, ReductionState, RemittanceState, RunState
from grassroots.dues.models import (
    Assessment,
    AssessmentRun,
    Declaration,
    DuesMove,
    Payment,
    QuarterlyConsent,
    RateBand,
    RateSchedule,
    Reduction,
    Remittance,
)
from grassroots.dues.permissions import DuesPerm
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orgs.choices import OrgKind
from grassroots.orgs.models import PATH_STEP, Organization

MASKED = "***"
ASSESS_LOCK = 0x64756573  # "dues": advisory-lock class of a month's assessment runs


class DuesErrors:
    SCHEDULE_IN_USE = "dues_schedule_in_use"
    NOT_ABOVE = "dues_approve_not_above"
    LEFT = "dues_member_left"
    DECIDED = "dues_already_decided"
    KEY_REUSED = "dues_idempotency_key_reused"


def _invalid(exc: rules.RuleError) -> ValidationFailed:
    return ValidationFailed({exc.field: [exc.message]})


def require_above(actor, perm: str, path: str) -> None:
    """An approval is made by the committee strictly above the record's organization: the actor must hold
    `perm` at an ancestor of `path` (a grant at the branch itself is refused)."""
    if not can_above(actor, perm, path):
        raise PermissionRefused(_("须由上级党委批准：本支部不能批准本支部的事项"), code=DuesErrors.NOT_ABOVE)


# ---- schedules -------------------------------------------------------------------------------------------------

def schedule_bands(schedule: RateSchedule) -> list[rules.Band]:
    return [
        rules.Band(b.category, b.kind, b.source, b.lower, b.upper, b.rate, b.fixed, b.fixed_min, b.fixed_max)
        for b in RateBand.objects.filter(schedule=schedule).order_by("position")
    ]


def schedules_for(month: dt.date) -> list[RateSchedule]:
    """Schedules in force for a month, most specific scope first; per scope only the latest effective one."""
    latest: dict[str, RateSchedule] = {}
    for schedule in RateSchedule.objects.filter(effective_from__lte=month).order_by("scope_path", "effective_from"):
        latest[schedule.scope_path] = schedule
    return sorted(latest.values(), key=lambda s: len(s.scope_path), reverse=True)


def schedule_for(path: str, month: dt.date) -> RateSchedule | None:
    return next((s for s in schedules_for(month) if path.startswith(s.scope_path)), None)


def schedule_create(*, actor, scope_org: Organization, name: str, effective_from: dt.date, decision_ref: str,
                    approved_by: str, bands: list[rules.Band]) -> RateSchedule:
    """A local committee's own schedule from a month on (any 党委 — province, city, county or township — with
    dues.approve granted there or above; never a general branch or branch). Never edited: a later schedule of the same scope supersedes it from its date, and
    every assessment keeps the schedule it used. The bands are checked by rules.band_errors."""
    require(actor, DuesPerm.APPROVE, scope_org)
    if scope_org.kind != OrgKind.COMMITTEE:
        raise PermissionRefused(_("只有党委可以制定本地区的党费交纳标准（党总支、党支部不能）"))
    errors: dict[str, list[str]] = rules.band_errors(bands)
    if effective_from != rules.month_start(effective_from):
        errors["effective_from"] = [_("生效日期应为某月1日")]
    elif effective_from < rules.month_start(timezone.localdate()):
        errors["effective_from"] = [_("新标准只能从本月或以后的月份起执行，已核定的月份不变")]
    if not name.strip():
        errors["name"] = [_("请填写名称")]
    if not decision_ref.strip():
        errors["decision_ref"] = [_("请填写依据文件")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if connection.vendor == "postgresql":  # the lock a run of that month holds: no run is half-priced by both
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                               [ASSESS_LOCK, effective_from.year * 100 + effective_from.month])
        if Assessment.objects.filter(org_path__startswith=scope_org.path, month__gte=effective_from).exists():
            raise DomainError(_("该月份已按原标准核定，不能再改变：请从下一个未核定的月份起执行"),
                              code=DuesErrors.SCHEDULE_IN_USE, field="effective_from")
        try:
            with transaction.atomic():
                schedule = RateSchedule.objects.create(
                    name=name.strip(), scope_path=scope_org.path, effective_from=effective_from,
                    decision_ref=decision_ref.strip(), approved_by=approved_by.strip(), created_by=actor)
        except IntegrityError:
            raise ValidationFailed({"effective_from": [_("该范围在该日期已有交纳标准")]}) from None
        RateBand.objects.bulk_create([
            RateBand(schedule=schedule, position=i, category=b.category, kind=b.kind, lower=b.lower, upper=b.upper,
                     rate=b.rate, fixed=b.fixed, fixed_min=b.fixed_min, fixed_max=b.fixed_max, source=b.source)
            for i, b in enumerate(bands)
        ])
        audit.record(actor=actor, verb="dues.schedule.create", target=schedule, org_path=scope_org.path,
                     target_label=schedule.name,
                     changes={"effective_from": [None, effective_from.isoformat()], "bands": [None, len(bands)],
                              "decision_ref": [None, schedule.decision_ref]})
    return schedule


# ---- declarations ----------------------------------------------------------------------------------------------

def _check_active(member: Member) -> None:
    if member.state != MemberState.ACTIVE:
        raise DomainError(_("该党员已不在册"), code=DuesErrors.LEFT)


def declaration_create(*, actor, member: Member, category: str, effective_month: dt.date, base=None,
                       fixed_amount=None, quarter_incomes: list | None = None, note: str = "") -> Declaration:
    """党费基数申报 from a month (第十条). Unpaid months from then on are assessed again with the new base."""
    require(actor, DuesPerm.COLLECT, member.org_path)
    _check_active(member)
    effective_month = rules.month_start(effective_month)
    schedule = schedule_for(member.org_path, effective_month)
    if schedule is None:
        raise ValidationFailed({"effective_month": [_("该月份没有适用的党费交纳标准")]})
    try:
        if quarter_incomes:
            base = rules.self_employed_base([rules.check_money(x, "quarter_incomes", _("季度收入"))
                                             for x in quarter_incomes])
        clean_base, clean_fixed = rules.check_declaration(
            schedule_bands(schedule), category=category, base=base, fixed_amount=fixed_amount,
            effective_month=effective_month, joined_on=member.joined_on)
    except rules.RuleError as exc:
        raise _invalid(exc) from None
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        declaration = declaration_insert(member=member, category=category, base=clean_base,
                                         fixed_amount=clean_fixed, effective_month=effective_month,
                                         note=note.strip()[:200], created_by=actor)
        redone = _reassess_member(member, effective_month)
        audit.record(actor=actor, verb="dues.declaration.create", target=declaration, org_path=member.org_path,
                     target_label=member.name,
                     changes={"category": [None, category], "effective_month": [None, effective_month.isoformat()],
                              "base": [None, MASKED if clean_base is not None else None],
                              "reassessed_months": [None, redone]})
    return declaration


def declaration_insert(*, member: Member, effective_month: dt.date, **fields) -> Declaration:
    """Insert a declaration and keep the ranges [effective_month, until_month) of the member's declarations
    disjoint: the new one runs until the next later one; earlier ones that covered its month end there.
    Callers hold the member's row lock (or are test set-up)."""
    later = (Declaration.objects.filter(member=member, effective_month__gt=effective_month)
             .order_by("effective_month").values_list("effective_month", flat=True).first())
    Declaration.objects.filter(member=member, effective_month__lte=effective_month).filter(
        Q(until_month__isnull=True) | Q(until_month__gt=effective_month)).update(until_month=effective_month)
    return Declaration.objects.create(member=member, effective_month=effective_month, until_month=later, **fields)


def _reassess_member(member: Member, from_month: dt.date, to_month: dt.date | None = None) -> int:
    """Unpaid assessments of the member from a month are computed again (a new base, an approved reduction)."""
    stale = Assessment.objects.filter(member=member, month__gte=from_month, payment__isnull=True)
    if to_month is not None:
        stale = stale.filter(month__lte=to_month)
    months = sorted(set(stale.values_list("month", flat=True)))
    stale.delete()
    for month in months:
        assessments_generate(org_path="", month=month, member_ids=[member.pk])
    return len(months)


# ---- reductions, quarterly consent ----------------------------------------------------------------------------

def reduction_request(*, actor, member: Member, kind: str, from_month: dt.date, to_month: dt.date, reason: str,
                      studied_on: dt.date, amount=None) -> Reduction:
    """第七条 step 1: the branch studied the hardship (studied_on) and asks the committee above."""
    require(actor, DuesPerm.COLLECT, member.org_path)
    _check_active(member)
    errors: dict[str, list[str]] = {}
    if kind not in ReductionKind.values:
        errors["kind"] = [_("请选择少交或免交")]
    clean_amount = None
    if kind == ReductionKind.REDUCE:
        try:
            clean_amount = rules.check_money(amount, "amount", _("每月交纳金额"))
        except rules.RuleError as exc:
            errors[exc.field] = [exc.message]
    from_month, to_month = rules.month_start(from_month), rules.month_start(to_month)
    if to_month < from_month:
        errors["to_month"] = [_("截止月份不能早于起始月份")]
    if not reason.strip():
        errors["reason"] = [_("请填写困难情况")]
    if studied_on > timezone.localdate():
        errors["studied_on"] = [_("支部研究日期不能晚于今天")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        reduction = Reduction.objects.create(
            member=member, org=member.org, kind=kind, amount=clean_amount, from_month=from_month, to_month=to_month,
            reason=reason.strip()[:500], studied_on=studied_on, created_by=actor)
        audit.record(actor=actor, verb="dues.reduction.request", target=reduction, org_path=member.org_path,
                     target_label=member.name,
                     changes={"kind": [None, kind], "from_month": [None, from_month.isoformat()],
                              "to_month": [None, to_month.isoformat()]})
    return reduction


def reduction_decide(*, actor, reduction: Reduction, approve: bool, decided_on: dt.date, decision_ref: str = "",
                     version: int | None = None) -> Reduction:
    """第七条 step 2: approval by the committee strictly above the branch; approved months are reassessed."""
    require_above(actor, DuesPerm.APPROVE, reduction.member.org_path)
    if decided_on < reduction.studied_on:
        raise ValidationFailed({"decided_on": [_("批准日期不能早于支部研究日期")]})
    with transaction.atomic():
        locked = Reduction.objects.select_for_update().get(pk=reduction.pk)
        if locked.state != ReductionState.PENDING or (version is not None and locked.version != version):
            raise DomainError(_("该申请已处理，请刷新后查看"), code=DuesErrors.DECIDED)
        approver_org = _approver_org(actor, reduction.member.org_path)
        state = ReductionState.APPROVED if approve else ReductionState.REJECTED
        Reduction.objects.filter(pk=locked.pk).update(
            state=state, approved_on=decided_on, approved_by=actor, approved_by_org=approver_org,
            decision_ref=decision_ref.strip()[:200], version=locked.version + 1)
        redone = _reassess_member(reduction.member, locked.from_month, locked.to_month) if approve else 0
        audit.record(actor=actor, verb="dues.reduction.approve" if approve else "dues.reduction.reject",
                     target=locked, org_path=reduction.member.org_path, target_label=reduction.member.name,
                     changes={"state": [ReductionState.PENDING, state], "reassessed_months": [None, redone]})
    reduction.refresh_from_db()
    return reduction


def _approver_org(actor, path: str) -> Organization | None:
    """The nearest ancestor at which the actor holds the approve permission (recorded as the approving body)."""
    ancestors = [path[:i] for i in range(len(path) - PATH_STEP, 0, -PATH_STEP)]
    for ancestor in ancestors:
        if can(actor, DuesPerm.APPROVE, ancestor):
            return Organization.objects.filter(path=ancestor).first()
    return None


def quarterly_consent_record(*, actor, member: Member, consented_on: dt.date, from_month: dt.date,
                             reason: str, to_month: dt.date | None = None) -> QuarterlyConsent:
    """第十二条: the branch agrees that the member pays once a quarter (no prepayment; the quarter's months are
    paid together once assessed, and the clock does not count the current quarter's months meanwhile)."""
    require(actor, DuesPerm.COLLECT, member.org_path)
    _check_active(member)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("请填写特殊情况")]})
    with transaction.atomic():
        consent = QuarterlyConsent.objects.create(
            member=member, consented_on=consented_on, from_month=rules.month_start(from_month),
            to_month=rules.month_start(to_month) if to_month else None, reason=reason.strip()[:300], created_by=actor)
        audit.record(actor=actor, verb="dues.quarterly.consent", target=consent, org_path=member.org_path,
                     target_label=member.name, changes={"from_month": [None, consent.from_month.isoformat()]})
    return consent


# ---- assessments (set-based) -----------------------------------------------------------------------------------

def _fen_sql(expression: str) -> str:
    cast = "BIGINT" if connection.vendor == "postgresql" else "INTEGER"
    return f"CAST(ROUND({expression} * 100) AS {cast})"


def _yuan_sql(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(({expression}) AS NUMERIC(12, 2)) / 100"
    return f"({expression}) / 100.0"


OWNER_PATH = "COALESCE(mv.from_org_path, m.org_path)"  # the branch on the 1st (with the moves joined)


def assessment_sql(bands: list[rules.Band], *, member_filter: str = "", declaration_filter: str = "",
                   build: str | None = None, create: bool = True, moves: bool = True,
                   reductions: bool = True, whole: bool = False) -> str:
    """One INSERT … SELECT for a month: each member's effective declaration (the one whose month range holds it),
    the owing branch on the 1st (the first recorded move after the 1st names the branch left), an approved
    reduction covering the month, and the amount from the bands (rules.amount_sql). Idempotent: members already
    assessed for the month are skipped (NOT EXISTS), and the unique (member, month) constraint backs it.
    With `build` (PostgreSQL, a month with no partition yet): the same rows into that plain table, created by
    `CREATE TABLE … AS` (or appended, `create=False`, for a further schedule), typed as the partitioned parent's
    columns (partitions.py); nothing is assessed yet, so nothing to skip. Parameters: month, month_end, run_id,
    schedule_id, lo, hi, and with `build` the id sequence's name (sequence).
    `moves`/`reductions` False (the caller saw none for the month) leave those joins out: a month's million
    rows then skip two hash joins that would find nothing. `member_filter` may use OWNER_PATH. `whole`: the
    run covers every organization, so no path range (it would only tempt the planner into an index scan)."""
    # MATERIALIZED: the CASE is computed once per declaration, not once per reference
    amount = rules.amount_sql(bands, category="category", base="base", fixed="fixed_amount", to_fen=_fen_sql)
    reduced = _fen_sql("r.amount")
    # PostgreSQL: runs of a month are serialized by an advisory lock and NOT EXISTS skips assessed members, so
    # the speculative-insertion cost of ON CONFLICT (a second unique-index probe per row) is not paid; the
    # unique constraint still refuses a duplicate. SQLite has one writer; ON CONFLICT there is cheap.
    conflict = "" if connection.vendor == "postgresql" else "ON CONFLICT (member_id, month) DO NOTHING"
    payable = ("CASE WHEN x.r_kind = 'waive' THEN 0 WHEN x.r_kind = 'reduce' AND x.r_fen < x.std_fen "
               "THEN x.r_fen ELSE x.std_fen END") if reductions else "x.std_fen"
    skip_assessed = "" if build else (
        "AND NOT EXISTS (SELECT 1 FROM dues_assessment a WHERE a.member_id = m.id AND a.month = %(month)s)")
    owner = (f"COALESCE(mv.from_org_id, m.org_id) AS org_id, {OWNER_PATH} AS org_path" if moves
             else "m.org_id AS org_id, m.org_path AS org_path")
    reduction = (f"r.kind AS r_kind, {reduced} AS r_fen, r.id AS reduction_id" if reductions
                 else "CAST(NULL AS BIGINT) AS reduction_id")
    joins = ("\n    LEFT JOIN mv ON mv.member_id = m.id AND mv.rn = 1" if moves else "") + (
        "\n    LEFT JOIN r ON r.member_id = m.id AND r.rn = 1" if reductions else "")
    mv_cte = """, mv AS (
    SELECT member_id, from_org_id, from_org_path,
           ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY moved_on, id) AS rn
    FROM dues_duesmove WHERE moved_on > %(month)s
)""" if moves else ""
    r_cte = """, r AS (
    SELECT member_id, id, kind, amount,
           ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY approved_on DESC, id DESC) AS rn
    FROM dues_reduction WHERE state = 'approved' AND from_month <= %(month)s AND to_month >= %(month)s
)""" if reductions else ""
    # The only text put into the SQL is our own: band numbers and codes, path literals of [0-9A-Z] and ids.
    ctes = f"""
WITH d AS MATERIALIZED (
    SELECT member_id, category, base, {amount} AS std_fen
    FROM dues_declaration
    WHERE effective_month <= %(month)s AND (until_month IS NULL OR until_month > %(month)s) {declaration_filter}
){mv_cte}{r_cte}"""  # noqa: S608
    rows = f"""
FROM (
    SELECT m.id AS member_id, {owner}, d.category AS category, d.base AS base, d.std_fen AS std_fen,
           {reduction}
    FROM members_member m
    JOIN d ON d.member_id = m.id{joins}
    WHERE m.joined_on <= %(month_end)s AND (m.left_on IS NULL OR m.left_on > %(month)s) {member_filter}
      {skip_assessed}
) x
WHERE x.std_fen IS NOT NULL{"" if whole else " AND x.org_path >= %(lo)s AND x.org_path < %(hi)s"}"""  # noqa: S608
    # Into the indexed table, rows in index order keep the btree insertions sequential; a table built whole is
    # indexed afterwards by sorting, so sorting the rows first would only be paid twice.
    order = "" if build else "\nORDER BY x.org_path, x.member_id"
    if build:
        from grassroots.dues import partitions

        select = partitions.select_list({
            "id": "nextval(CAST(%(sequence)s AS regclass))", "month": "%(month)s",
            "org_path": "x.org_path", "category": "x.category", "base": "x.base",
            "standard": "x.std_fen * 0.01", "amount": f"({payable}) * 0.01", "member_id": "x.member_id",
            "org_id": "x.org_id", "run_id": "%(run_id)s", "payment_id": "NULL", "schedule_id": "%(schedule_id)s",
            "reduction_id": "x.reduction_id"})
        head = f"CREATE TABLE {build} AS" if create else f"INSERT INTO {build}"
        return f"{head} {ctes}\nSELECT {select}{rows}"
    return f"""{ctes}
INSERT INTO dues_assessment (member_id, month, org_id, org_path, schedule_id, run_id, category, base, standard,
                             amount, reduction_id, payment_id)
SELECT x.member_id, %(month)s, x.org_id, x.org_path, %(schedule_id)s, %(run_id)s, x.category, x.base,
       {_yuan_sql("x.std_fen")}, {_yuan_sql(payable)}, x.reduction_id, NULL{rows}{order}
{conflict}
"""


def assessments_generate(*, org_path: str, month: dt.date, run: AssessmentRun | None = None,
                         member_ids: list[int] | None = None) -> dict:
    """Assess one month for every member whose branch on the 1st lies in the subtree: one INSERT … SELECT per
    schedule in force (usually one). Running it again changes nothing. Returns counts.
    PostgreSQL, a month without its partition yet: the first schedule's rows build the partition-to-be with
    CREATE TABLE … AS, the others insert into it, then it is indexed and attached (partitions.py)."""
    from grassroots.dues import partitions

    month = rules.month_start(month)
    month_end = rules.add_months(month, 1) - dt.timedelta(days=1)
    created = 0
    covered: list[str] = []  # more specific scopes already done
    build = None  # the month's partition-to-be, when this run builds it
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # one big statement: hash joins, no JIT warm-up, for this transaction
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the new partition's index sorts
                cursor.execute("SET LOCAL enable_nestloop = off")  # row estimates through the CASE are poor
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ASSESS_LOCK, month.year * 100 + month.month])
                if not partitions.exists(cursor, month):
                    build = partitions.partition_name(month)
                    cursor.execute("SELECT pg_get_serial_sequence('dues_assessment', 'id')")
                    sequence = cursor.fetchone()[0]
        moves = DuesMove.objects.filter(moved_on__gt=month).exists()
        reductions = Reduction.objects.filter(state=ReductionState.APPROVED, from_month__lte=month,
                                              to_month__gte=month).exists()
        for schedule in schedules_for(month):
            scope = schedule.scope_path
            if not (org_path.startswith(scope) or scope.startswith(org_path)):
                continue
            lo = max(org_path, scope)
            owner = OWNER_PATH if moves else "m.org_path"
            exclude = "".join(f" AND NOT ({owner} >= '{p}' AND {owner} < '{p}~')" for p in covered if p.startswith(lo))
            member_filter = exclude
            declaration_filter = ""
            if member_ids is not None:
                ids = ",".join(str(int(i)) for i in member_ids)
                member_filter += f" AND m.id IN ({ids})"
                declaration_filter = f"AND member_id IN ({ids})"
            elif lo:  # a subtree: only declarations of members there now, or who left it after the 1st
                declaration_filter = (
                    "AND (member_id IN (SELECT id FROM members_member WHERE org_path >= %(lo)s AND org_path < %(hi)s)"
                    " OR member_id IN (SELECT member_id FROM dues_duesmove WHERE moved_on > %(month)s"
                    " AND from_org_path >= %(lo)s AND from_org_path < %(hi)s))")
            sql = assessment_sql(schedule_bands(schedule), member_filter=member_filter,
                                 declaration_filter=declaration_filter,
                                 build=build, create=not covered, moves=moves, reductions=reductions,
                                 whole=not lo)
            params = {"month": month, "month_end": month_end, "schedule_id": schedule.pk,
                      "run_id": run.pk if run else None, "lo": lo, "hi": lo + "~"}
            if build:
                params["sequence"] = sequence
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                if connection.vendor == "sqlite":  # the sqlite3 module reports no rowcount for WITH … INSERT
                    cursor.execute("SELECT changes()")
                    created += cursor.fetchone()[0]
                else:
                    created += max(cursor.rowcount, 0)
            covered.append(scope)
        if build and covered:  # (no schedule reaching the subtree built nothing)
            with connection.cursor() as cursor:
                partitions.attach(cursor, month)
    return {"created": created}


def assessment_run_request(*, actor, org: Organization, month: dt.date) -> AssessmentRun:
    """Ask for a month's assessment of a subtree; the task runs it after commit (progress on the run page)."""
    require(actor, DuesPerm.COLLECT, org)
    month = rules.month_start(month)
    if month > rules.month_start(timezone.localdate()):
        raise ValidationFailed({"month": [_("只能核定本月及以前的月份（不预交）")]})
    with transaction.atomic():
        run = AssessmentRun.objects.create(org=org, org_path=org.path, month=month, requested_by=actor)
        audit.record(actor=actor, verb="dues.assessment.request", target=run, org_path=org.path,
                     target_label=f"{org.name} {month:%Y-%m}")
        from grassroots.dues.tasks import assess_month

        transaction.on_commit(lambda: assess_month.enqueue(run.pk))
    return run


def assessment_run_execute(run_id: int) -> AssessmentRun:
    """The task's body: idempotent (a finished run is left alone; the insert itself never doubles rows)."""
    run = AssessmentRun.objects.get(pk=run_id)
    if run.state == RunState.DONE:
        return run
    AssessmentRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING)
    started = time.perf_counter()
    try:
        result = assessments_generate(org_path=run.org_path, month=run.month, run=run)
    except Exception as exc:  # recorded on the run so the page shows it; the insert rolled back whole
        AssessmentRun.objects.filter(pk=run.pk).update(state=RunState.FAILED, error=str(exc)[:300],
                                                       finished_at=timezone.now())
        raise
    from grassroots.dues.selectors import assessment_coverage

    coverage = assessment_coverage(run.org_path, run.month)
    AssessmentRun.objects.filter(pk=run.pk).update(
        state=RunState.DONE, created=result["created"], existing=coverage["assessed"] - result["created"],
        undeclared=coverage["undeclared"], seconds=round(time.perf_counter() - started, 3),
        finished_at=timezone.now())
    run.refresh_from_db()
    return run


# ---- payments --------------------------------------------------------------------------------------------------

def payment_record(*, actor, member: Member, idempotency_key: str, months: list[dt.date], paid_on: dt.date,
                   extra_amount=Decimal("0"), method: str = "cash", payer_kind: str = PayerKind.SELF,
                   payer_name: str = "", payer_member: Member | None = None, back_pay_reason: str = "",
                   today: dt.date | None = None, host_org: Organization | None = None) -> Payment:
    """Record one payment. With host_org, the host organization of the member's open stay (lifecycle
    Whereabouts) collects it: dues.collect is checked there instead, the months stay owed to (and the payment
    belongs to) the home branch, and the payment records who collected it. The same idempotency key returns the payment already recorded (a double click or a
    repeated API call records one payment); the member's row is locked so two payments never take one month."""
    today = today or timezone.localdate()
    key = (idempotency_key or "").strip()
    errors: dict[str, list[str]] = {}
    if not 8 <= len(key) <= 64:
        errors["idempotency_key"] = [_("缺少幂等键（8至64个字符）")]
    try:
        extra = rules.check_money(extra_amount or "0", "extra_amount", _("自愿多交金额"))
    except rules.RuleError as exc:
        errors[exc.field] = [exc.message]
        extra = Decimal("0")
    if payer_kind not in PayerKind.values:
        # 第十四条: the organization may not advance (垫交) or deduct (扣缴): only the member or a proxy pays.
        errors["payer_kind"] = [_("交纳人只能是本人、亲属或其他党员（党组织不得垫交或扣缴，第十四条）")]
    if payer_kind == PayerKind.RELATIVE and not payer_name.strip():
        errors["payer_name"] = [_("亲属代交须填写代交人姓名")]
    if payer_kind == PayerKind.MEMBER and (payer_member is None or payer_member.pk == member.pk):
        errors["payer_member"] = [_("请选择代交的其他党员")]
    if paid_on > today:
        errors["paid_on"] = [_("交纳日期不能晚于今天")]
    if not months and extra == 0:
        errors["months"] = [_("请选择要交纳的月份，或填写自愿多交金额")]
    if errors:
        raise ValidationFailed(errors)
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_payment(existing, member)
    try:
        with transaction.atomic():
            locked = Member.objects.select_for_update().get(pk=member.pk)
            existing = Payment.objects.filter(idempotency_key=key).first()  # a concurrent call committed first
            if existing is not None:
                return _same_payment(existing, member)
            due = {a.month: a for a in Assessment.objects.filter(member=locked, payment__isnull=True, amount__gt=0)}
            try:
                rules.check_payment_months(months, assessed_unpaid=set(due), today=today,
                                           back_pay_reason=back_pay_reason)
            except rules.RuleError as exc:
                raise _invalid(exc) from None
            chosen = [due[m] for m in sorted(months)]
            owing = {a.org_id for a in chosen} or {locked.org_id}
            if len(owing) > 1:
                raise ValidationFailed({"months": [_("所选月份分属不同党支部，请分别交纳")]})
            org = Organization.objects.get(pk=owing.pop())
            if host_org is None:
                require(actor, DuesPerm.COLLECT, org.path)
            else:
                _require_hosting(actor, locked, host_org)
            months_amount = sum((a.amount for a in chosen), Decimal("0.00"))
            payment = Payment.objects.create(
                idempotency_key=key, member=locked, org=org, org_path=org.path, paid_on=paid_on,
                months_amount=months_amount, extra_amount=extra, total=months_amount + extra,
                month_labels=",".join(rules.month_label(a.month) for a in chosen), method=method,
                payer_kind=payer_kind, payer_name=payer_name.strip()[:50],
                payer_member=payer_member if payer_kind == PayerKind.MEMBER else None,
                quarterly=_has_quarterly_consent(locked, today), back_pay_reason=back_pay_reason.strip()[:300],
                centre_one_off=rules.is_centre_one_off(extra), recorded_by=actor, collected_by_org=host_org)
            updated = Assessment.objects.filter(pk__in=[a.pk for a in chosen], payment__isnull=True).update(
                payment=payment)
            if updated != len(chosen):  # cannot happen under the member lock; refuse rather than half-write
                raise DomainError(_("所选月份刚被他人登记交纳，请刷新"), code="concurrent_edit")
            audit.record(actor=actor, verb="dues.payment.record", target=payment, org_path=org.path,
                         target_label=f"{locked.name} {payment.receipt_no}",
                         changes={"months": [None, payment.month_labels], "amount": [None, MASKED],
                                  "payer_kind": [None, payer_kind], "centre_one_off": [None, payment.centre_one_off],
                                  "collected_by_org": [None, host_org.name if host_org else None]},
                         reason=back_pay_reason.strip())
    except IntegrityError:  # the unique key was taken by a concurrent call between our check and insert
        existing = Payment.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _same_payment(existing, member)
    return payment


def _require_hosting(actor, member: Member, host_org: Organization) -> None:
    """The host organization collects only for a member it hosts now (an open stay), with dues.collect there."""
    from grassroots.lifecycle.models import Whereabouts

    require(actor, DuesPerm.COLLECT, host_org.path)
    if not Whereabouts.objects.filter(member=member, host_org=host_org, returned_on__isnull=True).exists():
        raise PermissionRefused(_("该党员不在本组织流入登记中，不能代收党费"))


def _same_payment(payment: Payment, member: Member) -> Payment:
    if payment.member_id != member.pk:
        raise ValidationFailed({"idempotency_key": [_("该幂等键已用于另一笔交纳")]})
    return payment


def _has_quarterly_consent(member: Member, today: dt.date) -> bool:
    month = rules.month_start(today)
    return QuarterlyConsent.objects.filter(member=member, from_month__lte=month).filter(
        Q(to_month__isnull=True) | Q(to_month__gte=month)).exists()


# ---- reveals, exports, remittance ------------------------------------------------------------------------------

def amounts_reveal(*, actor, org_path: str, reason: str, label: str = "", member: Member | None = None) -> None:
    """Dues amounts reveal income: showing them needs dues.reveal at the path and leaves an audit row."""
    if member is not None and member.user_id == getattr(actor, "pk", None):
        return  # one's own dues
    require(actor, DuesPerm.REVEAL, org_path)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("查看党费金额须填写事由")]})
    with transaction.atomic():
        audit.record(actor=actor, verb="dues.amounts.reveal", target=member, org_path=org_path,
                     target_label=label or (member.name if member else ""), reason=reason.strip())


def register_export(*, actor, org: Organization, year: int, fmt: str) -> tuple[bytes | None, list]:
    """党费收缴登记簿 of a branch and year (xlsx or the printable page's rows). Needs export and reveal; audited."""
    from grassroots.dues.exports import register_rows, register_spec
    from grassroots.spreadsheets.exports import export_bytes

    require(actor, DuesPerm.EXPORT, org)
    require(actor, DuesPerm.REVEAL, org)
    rows = register_rows(org, year)
    if fmt == "xlsx":
        content, _count = export_bytes(actor, register_spec(rows), title=f"{org.name} {year}年党费收缴登记簿",
                                       org_path=org.path, audit_target=org, filters={"year": year, "format": fmt})
        return content, rows
    with transaction.atomic():
        audit.record(actor=actor, verb="dues.register.export", target=org, org_path=org.path,
                     changes={"year": year, "format": fmt, "rows": len(rows)})
    return None, rows


def statement_view(*, actor, org: Organization, year: int) -> None:
    """The annual statement to publish to the branch's members (公布): names and amounts; audited."""
    require(actor, DuesPerm.EXPORT, org)
    with transaction.atomic():
        audit.record(actor=actor, verb="dues.statement.view", target=org, org_path=org.path, changes={"year": year})


def remittance_submit(*, actor, org: Organization, year: int, today: dt.date | None = None) -> Remittance:
    """第十五条: the year's 5% of dues paid in the subtree, with 第十一条 one-offs in full, submitted upward."""
    from grassroots.dues.selectors import paid_in_year

    require(actor, DuesPerm.COLLECT, org)
    today = today or timezone.localdate()
    if year >= today.year:
        raise ValidationFailed({"year": [_("年度结束后才能上缴（次年4月底前）")]})
    totals = paid_in_year(org.path, year)
    share, one_offs = rules.remittance(totals["ordinary"], totals["centre_one_offs"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                remittance = Remittance.objects.create(
                    org=org, org_path=org.path, year=year, paid_total=totals["ordinary"], share=share,
                    centre_one_offs=one_offs, created_by=actor)
        except IntegrityError:
            raise DomainError(_("该年度已提交上缴"), code=DuesErrors.DECIDED) from None
        audit.record(actor=actor, verb="dues.remittance.submit", target=remittance, org_path=org.path,
                     changes={"year": year, "share": str(share), "centre_one_offs": str(one_offs)})
    return remittance


def remittance_approve(*, actor, remittance: Remittance, version: int) -> Remittance:
    require_above(actor, DuesPerm.APPROVE, remittance.org_path)
    with transaction.atomic():
        updated = Remittance.objects.filter(pk=remittance.pk, version=version, state=RemittanceState.SUBMITTED).update(
            state=RemittanceState.APPROVED, approved_on=timezone.localdate(), approved_by=actor, version=version + 1)
        if not updated:
            raise DomainError(_("该上缴已处理或已被他人修改，请刷新"), code=DuesErrors.DECIDED)
        audit.record(actor=actor, verb="dues.remittance.approve", target=remittance, org_path=remittance.org_path,
                     changes={"state": [RemittanceState.SUBMITTED, RemittanceState.APPROVED]})
    remittance.refresh_from_db()
    return remittance


# ---- following a transfer ---------------------------------------------------------------------------------------

def follow_transfer(*, member: Member, from_org: Organization, to_org: Organization, on: dt.date) -> int:
    """Receiver body for lifecycle.member_transferred (inside the transfer's transaction). The branch the member
    belonged to on the 1st owes that month (第九条: dues go to the branch holding the formal relationship), so
    months already assessed up to the move stay with the old branch; unpaid months whose 1st falls on or after
    the move follow the member. The move is recorded so a month assessed late still finds the right branch."""
    DuesMove.objects.create(member=member, moved_on=on, from_org=from_org, from_org_path=from_org.path, to_org=to_org)
    return Assessment.objects.filter(member=member, month__gte=on, payment__isnull=True).update(
        org=to_org, org_path=to_org.path)
