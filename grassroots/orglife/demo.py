"""Demo records for the demo county (grassroots/core/modules.py): a year of meetings per branch with attendance
for the last six months, a few planned meetings (the reminders), appraisal grades, and the compliance rows.
Branches differ in diligence, so some comply and some do not, and a few members never attend (they appear on
the self-withdrawal review list). Set-based: rows are built in memory and written with core.bulk.bulk_insert."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from grassroots.core.bulk import bulk_insert
from grassroots.core.paths import subtree_q
from grassroots.members.choices import COMMITTEE_POSTS, MemberState
from grassroots.members.models import Member
from grassroots.orglife import rules
from grassroots.orglife.choices import AppraisalGrade, MeetingKind, MeetingStatus
from grassroots.orglife.models import (
    Appraisal,
    Attachment,
    Attendance,
    ComplianceBuild,
    ComplianceStatus,
    Meeting,
    MeetingTally,
)
from grassroots.orgs.models import Organization, PartyGroup

TOPICS = {
    MeetingKind.THEME_DAY: ["重温入党誓词", "学习党的二十届三中全会精神", "志愿服务进网格", "人居环境整治义务劳动"],
    MeetingKind.GENERAL_MEETING: ["通报季度工作，讨论村级重大事项", "讨论发展党员事项", "学习党章党规"],
    MeetingKind.COMMITTEE_MEETING: ["研究本月支部工作", "研究党员发展计划", "研究民生实事"],
    MeetingKind.GROUP_MEETING: ["党小组学习讨论", "交流学习体会"],
    MeetingKind.PARTY_LECTURE: ["书记讲党课：坚定理想信念", "专题党课：乡村振兴中的党员担当"],
    MeetingKind.ORG_LIFE_MEETING: ["年度组织生活会：对照检查，开展批评与自我批评"],
    MeetingKind.APPRAISAL: ["年度民主评议党员"],
    MeetingKind.HEART_TALK: ["支委与党员谈心谈话"],
}
ATTENDANCE_MONTHS = 6  # attendance is recorded for the meetings of the last six months
ABSENT_REASONS = ["外出务工", "生病住院", "农忙", "家中有事"]


def _insert(model, rows: list[dict]) -> int:
    """COPY on PostgreSQL (core.bulk); elsewhere one executemany of plain values (dates as ISO text, the one
    timestamp prepared once), which skips the ORM's per-value work."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return bulk_insert(model, rows)
    names = list(rows[0])
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)
    marks = ", ".join(["%s"] * len(names))
    stamp_field = model._meta.get_field("created_at") if "created_at" in names else None
    prepared: dict = {}

    def plain(value):
        if isinstance(value, dt.datetime):
            if value not in prepared:
                prepared[value] = stamp_field.get_db_prep_save(value, connection)
            return prepared[value]
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    values = [[plain(row[name]) for name in names] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})", values)  # noqa: S608
    return len(rows)


def _branch_plan(ctx, branch_ids, full_counts, groups_of):
    """(org_id, kind, date, party_group_id) for the past twelve months, by each branch's diligence."""
    today = ctx.today
    first = rules.add_months(rules.month_start(today), -11)
    months = [rules.add_months(first, i) for i in range(12)]
    plan = []
    for org_id in branch_ids:
        diligence = ctx.rng.choices([0.97, 0.75, 0.35], weights=[6, 3, 1])[0]
        for month in months:
            last_day = min(rules.month_end(month), today - dt.timedelta(days=1))
            if last_day < month:
                continue

            def day(low=1, high=28, month=month, last_day=last_day):
                return min(month.replace(day=ctx.rng.randint(low, high)), last_day)

            def holds(share=1.0, diligence=diligence):
                return ctx.rng.random() < diligence * share

            if holds():
                plan.append((org_id, MeetingKind.THEME_DAY, day(), None))
            if full_counts.get(org_id, 0) >= rules.COMMITTEE_MIN_FULL_MEMBERS and holds():
                plan.append((org_id, MeetingKind.COMMITTEE_MEETING, day(1, 10), None))
            for group_id in groups_of.get(org_id, ()):
                if holds(0.95):
                    plan.append((org_id, MeetingKind.GROUP_MEETING, day(), group_id))
            if month.month % 3 == 2 and holds():
                plan.append((org_id, MeetingKind.GENERAL_MEETING, day(), None))
            if month.month in (6, 12) and holds(0.9):
                plan.append((org_id, MeetingKind.PARTY_LECTURE, day(), None))
            if month.month == 1 and holds():
                plan.append((org_id, MeetingKind.ORG_LIFE_MEETING, day(10, 25), None))
                plan.append((org_id, MeetingKind.APPRAISAL, day(10, 25), None))
            if month.month == 7 and holds():
                plan.append((org_id, MeetingKind.HEART_TALK, day(), None))
    return plan


def extend(ctx) -> None:
    now = timezone.now()
    root = ctx.root_path
    branches = list(Organization.objects.filter(subtree_q("path", root), kind="branch", status="active")
                    .values_list("id", "path"))
    path_of = dict(branches)
    members = list(Member.objects.filter(subtree_q("org_path", root), state=MemberState.ACTIVE)
                   .values_list("id", "org_id", "party_group_id", "status", "confirmed_on", "joined_on", "org_path"))
    full_counts = dict(Member.objects.filter(subtree_q("org_path", root), state=MemberState.ACTIVE, status="full")
                       .values("org_id").annotate(n=Count("id")).values_list("org_id", "n").order_by())
    committee = set(Member.objects.filter(subtree_q("org_path", root), state=MemberState.ACTIVE)
                    .filter(Q(*[Q(posts__icontains=f'"{p}"') for p in COMMITTEE_POSTS], _connector=Q.OR))
                    .values_list("id", flat=True))
    groups_of = defaultdict(list)
    for group_id, org_id in PartyGroup.objects.filter(org__path__startswith=root).values_list("id", "org_id"):
        groups_of[org_id].append(group_id)
    by_branch = defaultdict(list)
    for row in members:
        by_branch[row[1]].append(row)
    chronic = {row[0] for row in members if ctx.rng.random() < 0.004}  # never attend: the review list

    plan = _branch_plan(ctx, [b for b, _ in branches], full_counts, groups_of)
    window_start = rules.add_months(rules.month_start(ctx.today), -ATTENDANCE_MONTHS)
    meeting_rows, marks, grades = [], defaultdict(list), defaultdict(list)
    for org_id, kind, day, group_id in plan:
        roster = [m for m in by_branch.get(org_id, ()) if m[5] <= day]
        if kind == MeetingKind.GROUP_MEETING:
            roster = [m for m in roster if m[2] == group_id]
        elif kind == MeetingKind.COMMITTEE_MEETING:
            roster = [m for m in roster if m[0] in committee]
        present = voting_expected = voting_present = 0
        key = (org_id, kind, day, group_id)
        for member_id, _org, _g, status, confirmed_on, _joined, path in roster:
            vote = rules.has_vote(status=status, confirmed_on=confirmed_on, day=day)
            attended = member_id not in chronic and ctx.rng.random() < 0.88
            present += attended
            voting_expected += vote
            voting_present += vote and attended
            if day >= window_start:
                excused = not attended and member_id not in chronic and ctx.rng.random() < 0.5
                marks[key].append((member_id, path, vote, "present" if attended else "excused" if excused else "absent"))
            if kind == MeetingKind.APPRAISAL:
                grades[key].append((member_id, path, AppraisalGrade.UNQUALIFIED if member_id in chronic else
                                    ctx.rng.choices([AppraisalGrade.EXCELLENT, AppraisalGrade.QUALIFIED,
                                                     AppraisalGrade.BASICALLY_QUALIFIED], weights=[25, 70, 5])[0]))
        meeting_rows.append({
            "created_at": now, "updated_at": now, "version": 1, "org_id": org_id, "org_path": path_of[org_id],
            "tenant": ctx.tenant, "kind": kind, "status": MeetingStatus.HELD, "date": day, "place": "党员活动室",
            "party_group_id": group_id, "topic": ctx.rng.choice(TOPICS[kind]), "agenda": "", "minutes": "",
            "resolutions": "", "expected_count": len(roster), "present_count": present,
            "voting_expected": voting_expected, "voting_present": voting_present, "guest_count": 0,
            "vote_subject": ""})
    for offset, kind in ((3, MeetingKind.THEME_DAY), (6, MeetingKind.COMMITTEE_MEETING), (-4, MeetingKind.THEME_DAY)):
        for org_id, path in branches[:: max(1, len(branches) // 25)]:
            meeting_rows.append({
                "created_at": now, "updated_at": now, "version": 1, "org_id": org_id, "org_path": path,
                "tenant": ctx.tenant, "kind": kind, "status": MeetingStatus.PLANNED,
                "date": ctx.today + dt.timedelta(days=offset), "place": "村部", "party_group_id": None,
                "topic": ctx.rng.choice(TOPICS[kind]), "agenda": "", "minutes": "", "resolutions": "",
                "expected_count": 0, "present_count": 0, "voting_expected": 0, "voting_present": 0,
                "guest_count": 0, "vote_subject": ""})
    _insert(Meeting, meeting_rows)

    ids = defaultdict(list)
    held = (Meeting.objects.filter(subtree_q("org_path", root), status=MeetingStatus.HELD)
            .values_list("id", "org_id", "kind", "date", "party_group_id").order_by("id"))
    for meeting_id, *key in held.iterator(chunk_size=5000):
        ids[tuple(key)].append(meeting_id)
    attendance, appraisals = [], []
    for key, meeting_ids in ids.items():
        day = key[2]
        for meeting_id in meeting_ids[:1]:  # a repeated (branch, kind, day, group) shares the first's record
            for member_id, path, vote, status in marks.get(key, ()):
                attendance.append({
                    "meeting_id": meeting_id, "member_id": member_id, "org_path": path, "member_org_path": path,
                    "held_on": day, "status": status,
                    "reason": "" if status == "present" else ctx.rng.choice(ABSENT_REASONS), "is_guest": False,
                    "has_vote": vote})
            for member_id, path, grade in grades.get(key, ()):
                appraisals.append({"created_at": now, "updated_at": now, "version": 1, "member_id": member_id,
                                   "org_path": path, "meeting_id": meeting_id, "year": day.year, "grade": grade})
    _insert(Attendance, attendance)
    seen = set()
    appraisals = [a for a in appraisals if (a["member_id"], a["year"]) not in seen
                  and not seen.add((a["member_id"], a["year"]))]
    _insert(Appraisal, appraisals)
    from grassroots.dashboards.services import rollups_rebuild
    from grassroots.orglife.services import compliance_rebuild_year, tally_rebuild

    tally_rebuild(ctx.tenant)  # the meetings went in in bulk: the tally is filled set-based, as the scan reads it
    if connection.vendor == "postgresql":  # statistics for the rows of this transaction before the scans plan
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orglife_meeting, orglife_meetingtally, orglife_compliancestatus")

    rollups_rebuild(ctx.tenant, ctx.today)  # the committee rule reads each branch's full members from the rollups

    for year in sorted({ctx.today.year, rules.add_months(ctx.today, -11).year}):
        compliance_rebuild_year(ctx.tenant, year, today=ctx.today)
    ctx.counts["orglife"] = len(meeting_rows) + len(attendance) + len(appraisals)
    ctx.log(f"  组织生活：会议 {len(meeting_rows):,} 次，出席记录 {len(attendance):,} 条，评议 {len(appraisals):,} 条")


def reset(prefix: str) -> None:
    """Dependents first, then plain DELETEs (no per-row collection by the ORM)."""
    for item in Attachment.objects.filter(subtree_q("org_path", prefix)):
        item.file.delete(save=False)
    for model in (Attachment, Attendance, Appraisal, Meeting, ComplianceStatus):
        qs = model.objects.filter(subtree_q("org_path", prefix))
        qs._raw_delete(qs.db)
    tally = MeetingTally.objects.filter(org__in=Organization.objects.filter(subtree_q("path", prefix)).values("id"))
    tally._raw_delete(tally.db)
    ComplianceBuild.objects.filter(tenant=prefix[:4]).delete()
