"""Every write of organizational life: scoped, validated against the roster, versioned, audited; compliance
rows are rebuilt set-based per county after meeting writes (tasks.py) and by command."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.history import diff, snapshot
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.orglife import rules, selectors
from grassroots.orglife.choices import AttendanceStatus, MeetingKind, MeetingStatus
from grassroots.orglife.models import (
    Appraisal,
    Attachment,
    Attendance,
    ComplianceBuild,
    ComplianceStatus,
    Meeting,
    MeetingTally,
)
from grassroots.orglife.permissions import OrgLifePerm
from grassroots.orgs.choices import OrgKind, OrgStatus
from grassroots.orgs.models import PATH_STEP, Organization

MEETING_FIELDS = ("kind", "status", "date", "place", "party_group", "host", "recorder", "topic", "agenda",
                  "minutes", "resolutions", "expected_count", "present_count", "voting_expected", "voting_present",
                  "guest_count", "vote_subject", "vote_yes", "vote_no", "vote_abstain", "vote_adopted")
TEXT_FIELDS = ("place", "topic", "agenda", "minutes", "resolutions", "vote_subject")


class OrgLifeErrors:
    NOT_PLANNED = "orglife_meeting_not_planned"
    NOT_APPRAISAL = "orglife_not_appraisal_meeting"


def _mark_compliance(tenant: str, *years: int) -> None:
    from grassroots.orglife.tasks import mark_stale

    for year in sorted(set(years)):
        mark_stale(tenant, year)


def _check_org(org: Organization) -> None:
    if org.status != OrgStatus.ACTIVE:
        raise ValidationFailed({"org": [_("所选党组织已撤销")]})
    if org.kind != OrgKind.BRANCH:
        raise ValidationFailed({"org": [_("组织生活按党支部登记，请选择一个党支部")]})


def _check_basics(org: Organization, data: dict, *, held: bool, today: dt.date) -> dict:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in MeetingKind.values:
        errors["kind"] = [_("请选择会议类型")]
    if not data.get("date"):
        errors["date"] = [_("请填写日期")]
    elif held and data["date"] > today:
        errors["date"] = [_("召开日期不能晚于今天；尚未召开的会议请登记为计划")]
    if not (data.get("topic") or "").strip():
        errors["topic"] = [_("请填写会议主题")]
    group = data.get("party_group")
    if kind == MeetingKind.GROUP_MEETING and group is None:
        errors["party_group"] = [_("党小组会须选择党小组")]
    if group is not None and group.org_id != org.pk:
        errors["party_group"] = [_("党小组不属于该党支部")]
    if kind != MeetingKind.GROUP_MEETING and group is not None:
        data["party_group"] = None
    return errors


def meeting_plan(*, actor, org: Organization, kind: str, date: dt.date, topic: str, place: str = "",
                 party_group=None, agenda: str = "", today: dt.date | None = None) -> Meeting:
    """Put a meeting on the branch calendar; the dashboard reminds the secretary before and after its day."""
    require(actor, OrgLifePerm.RECORD, org)
    _check_org(org)
    data = {"kind": kind, "date": date, "topic": topic, "place": place, "party_group": party_group,
            "agenda": agenda}
    errors = _check_basics(org, data, held=False, today=today or timezone.localdate())
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        _check_org(org)
        meeting = Meeting.objects.create(
            org=org, org_path=org.path, tenant=org.path[:PATH_STEP], status=MeetingStatus.PLANNED,
            kind=kind, date=date, topic=topic.strip(), place=place.strip(), party_group=data["party_group"],
            agenda=agenda, created_by=actor)
        audit.record(actor=actor, verb="orglife.meeting.plan", target=meeting, org_path=org.path,
                     changes=diff({}, snapshot(meeting, MEETING_FIELDS)))
    return meeting


def _guests(org: Organization, ids: set[int]) -> dict[int, Member]:
    """Mobile members of another branch of the same county, recorded as guests without a vote."""
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids, is_mobile=True, state=MemberState.ACTIVE,
                                                    tenant=org.path[:PATH_STEP]).exclude(org=org)}
    if len(found) != len(ids):
        raise ValidationFailed({"guests": [_("列席人员须为本县其他党支部在册的流动党员")]})
    return found


def meeting_record(*, actor, org: Organization, attendance: list[rules.AttendanceEntry], meeting: Meeting | None = None,
                   version: int | None = None, guests: set[int] | frozenset = frozenset(),
                   typed_counts: dict | None = None, today: dt.date | None = None, **data) -> Meeting:
    """Record a held meeting (new, a planned one now held, or a correction of a held one) with its
    attendance. 应到 comes from the roster on the meeting's day; typed counts must agree with it."""
    today = today or timezone.localdate()
    target_org = meeting.org if meeting is not None else org
    require(actor, OrgLifePerm.RECORD, target_org)
    _check_org(target_org)
    data = {k: data.get(k) for k in ("kind", "date", "topic", "place", "party_group", "host", "recorder",
                                      "agenda", "minutes", "resolutions", "vote_subject", "vote_yes", "vote_no",
                                      "vote_abstain")}
    for name in TEXT_FIELDS:
        data[name] = (data[name] or "").strip()
    errors = _check_basics(target_org, data, held=True, today=today)
    if errors:
        raise ValidationFailed(errors)
    roster = selectors.roster_on(target_org, data["kind"], data["date"], data["party_group"])
    guest_members = _guests(target_org, set(guests)) if guests else {}
    names = {r.id: r.name for r in roster} | {pk: m.name for pk, m in guest_members.items()}
    errors = rules.check_attendance({r.id for r in roster}, attendance, set(guest_members), names)
    # The host and recorder belong to the branch on the meeting day or now (a meeting corrected after its host
    # has moved away keeps its host).
    from grassroots.lifecycle.selectors import members_on

    branch_members = set(Member.objects.filter(org=target_org).values_list("id", flat=True)) | set(
        members_on(target_org, data["date"]).values_list("id", flat=True))
    for role in ("host", "recorder"):
        person = data.get(role)
        if person is not None and person.pk not in branch_members:
            errors[role] = [_("应为本支部党员")]
    status_of = {e.member_id: e for e in attendance}
    present = [r for r in roster if status_of.get(r.id) and status_of[r.id].status == AttendanceStatus.PRESENT]
    computed = {"expected_count": len(roster), "present_count": len(present),
                "voting_expected": sum(r.has_vote for r in roster), "voting_present": sum(r.has_vote for r in present)}
    errors.update(rules.check_typed_counts(typed_counts or {}, computed))
    votes = [data["vote_yes"], data["vote_no"], data["vote_abstain"]]
    adopted = None
    if any(v is not None for v in votes):
        yes, no, abstain = (v or 0 for v in votes)
        errors.update(rules.check_vote(data["kind"], yes=yes, no=no, abstain=abstain,
                                       voting_present=computed["voting_present"],
                                       voting_expected=computed["voting_expected"]))
        if not data["vote_subject"]:
            errors.setdefault("vote_subject", []).append(_("请填写表决事项"))
        data.update(vote_yes=yes, vote_no=no, vote_abstain=abstain)
        adopted = rules.vote_adopted(data["kind"], yes=yes, voting_expected=computed["voting_expected"]) \
            if data["kind"] in rules.VOTE_RULES else None
    if errors:
        raise ValidationFailed(errors)
    values = {**data, **computed, "guest_count": len(guest_members), "vote_adopted": adopted,
              "status": MeetingStatus.HELD}
    with transaction.atomic():
        if meeting is None:
            locked = Organization.objects.select_for_update().get(pk=target_org.pk)
            _check_org(locked)
            before, old_cell = {}, None
            meeting = Meeting.objects.create(org=locked, org_path=locked.path, tenant=locked.path[:PATH_STEP],
                                             created_by=actor, **values)
            old_year = meeting.date.year
        else:
            if meeting.status == MeetingStatus.CANCELLED:
                raise DomainError(_("已取消的会议不能登记"), field="status", code=OrgLifeErrors.NOT_PLANNED)
            before, old_cell = snapshot(meeting, MEETING_FIELDS), tally_key(meeting)
            old_year = meeting.date.year
            update_versioned(meeting, version or 0, values)
            meeting.attendance.all().delete()
        tally_fold(old_cell, tally_key(meeting))
        rows = []
        for entry in attendance:
            guest = entry.member_id in guest_members
            person = guest_members.get(entry.member_id)
            roster_row = next((r for r in roster if r.id == entry.member_id), None)
            rows.append(Attendance(
                meeting=meeting, member_id=entry.member_id, org_path=meeting.org_path,
                member_org_path=person.org_path if guest else roster_row.org_path, held_on=meeting.date,
                status=entry.status, reason=entry.reason.strip()[:200], is_guest=guest,
                has_vote=False if guest else roster_row.has_vote))
        Attendance.objects.bulk_create(rows)
        after = snapshot(meeting, MEETING_FIELDS)
        changes = diff(before, after)
        changes["attendance"] = [None, {s: sum(1 for e in attendance if e.status == s) for s in AttendanceStatus.values}]
        audit.record(actor=actor, verb="orglife.meeting.record", target=meeting, org_path=meeting.org_path,
                     changes=changes)
        tenant, year = meeting.tenant, meeting.date.year
        transaction.on_commit(lambda: _mark_compliance(tenant, old_year, year))
    return meeting


def meeting_cancel(*, actor, meeting: Meeting, version: int, reason: str) -> Meeting:
    require(actor, OrgLifePerm.RECORD, meeting.org_path)
    if meeting.status != MeetingStatus.PLANNED:
        raise DomainError(_("只有计划中的会议可以取消"), field="status", code=OrgLifeErrors.NOT_PLANNED)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("请填写取消原因")]})
    with transaction.atomic():
        old_cell = tally_key(meeting)
        update_versioned(meeting, version, {"status": MeetingStatus.CANCELLED})
        tally_fold(old_cell, tally_key(meeting))  # only planned ones are cancelled, so nothing moves today
        audit.record(actor=actor, verb="orglife.meeting.cancel", target=meeting, org_path=meeting.org_path,
                     changes={"status": [MeetingStatus.PLANNED, MeetingStatus.CANCELLED]}, reason=reason.strip())
    return meeting


def attachment_add(*, actor, meeting: Meeting, upload) -> Attachment:
    """A photo or scan: JPEG, PNG or PDF by its content (not its name), at most MAX_ATTACHMENT_BYTES."""
    require(actor, OrgLifePerm.RECORD, meeting.org_path)
    size = upload.size or 0
    if size > rules.MAX_ATTACHMENT_BYTES:
        raise ValidationFailed({"file": [_("文件过大：%(mb).1f MB，上限 %(max)s MB")
                                         % {"mb": size / 1048576, "max": rules.MAX_ATTACHMENT_BYTES // 1048576}]})
    if size == 0:
        raise ValidationFailed({"file": [_("文件为空")]})
    upload.seek(0)
    head = upload.read(16)
    kind = rules.sniff_type(head)
    if kind is None:
        raise ValidationFailed({"file": [_("只接受 JPG、PNG 图片或 PDF 扫描件（按文件内容识别）")]})
    content_type, ext = kind
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = (getattr(upload, "name", "") or "attachment").replace("\x00", "")
    stem = original.rsplit("/", 1)[-1].rsplit(".", 1)[0][:100] or "attachment"
    with transaction.atomic():
        item = Attachment(meeting=meeting, org_path=meeting.org_path, name=f"{stem}.{ext}",
                          content_type=content_type, size=size, sha256=digest.hexdigest(), uploaded_by=actor)
        item.file.save(f"{digest.hexdigest()[:32]}.{ext}", upload, save=False)
        try:
            item.save()
            audit.record(actor=actor, verb="orglife.attachment.add", target=meeting, org_path=meeting.org_path,
                         changes={"attachment": [None, item.name], "size": [None, size]})
        except Exception:
            item.file.delete(save=False)
            raise
    return item


def attachment_delete(*, actor, attachment: Attachment) -> None:
    require(actor, OrgLifePerm.RECORD, attachment.org_path)
    meeting, name = attachment.meeting, attachment.name
    with transaction.atomic():
        attachment.delete()
        audit.record(actor=actor, verb="orglife.attachment.delete", target=meeting, org_path=meeting.org_path,
                     changes={"attachment": [name, None]})
        transaction.on_commit(lambda: attachment.file.delete(save=False))


def appraisal_record(*, actor, meeting: Meeting, grades: dict[int, str]) -> int:
    """Each member's yearly grade from a held 民主评议党员 meeting. The graded are the meeting's own roster
    (not guests); the share rule configured (ORGLIFE_APPRAISAL_QUOTA) is checked."""
    require(actor, OrgLifePerm.RECORD, meeting.org_path)
    if meeting.kind != MeetingKind.APPRAISAL or meeting.status != MeetingStatus.HELD:
        raise DomainError(_("评议等次须登记在已召开的民主评议党员会议上"), field="grades",
                          code=OrgLifeErrors.NOT_APPRAISAL)
    roster = dict(meeting.attendance.filter(is_guest=False).values_list("member_id", "member__name"))
    errors: dict[str, list[str]] = {}
    unknown = [pk for pk in grades if pk not in roster]
    if unknown:
        errors["grades"] = [_("有 %(n)s 人不在本次评议会议的应到名单中") % {"n": len(unknown)}]
    from grassroots.orglife.choices import AppraisalGrade

    bad = [roster.get(pk, str(pk)) for pk, g in grades.items() if g not in AppraisalGrade.values]
    if bad:
        errors.setdefault("grades", []).append(_("评议等次无效：%(names)s") % {"names": "、".join(bad)})
    errors.update(rules.check_appraisal_shares(list(grades.values()), selectors.appraisal_quota()))
    year = meeting.date.year
    elsewhere = dict(Appraisal.objects.filter(member_id__in=list(grades), year=year).exclude(meeting=meeting)
                     .values_list("member_id", "meeting_id"))
    if elsewhere:
        errors.setdefault("grades", []).append(
            _("%(names)s 本年度已在其他评议会议上评定等次") % {"names": "、".join(roster.get(pk, "") for pk in elsewhere)})
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        existing = {a.member_id: a for a in Appraisal.objects.select_for_update().filter(meeting=meeting)}
        changes = {}
        for pk, grade in grades.items():
            old = existing.get(pk)
            if old is None:
                Appraisal.objects.create(member_id=pk, org_path=meeting.org_path, meeting=meeting, year=year,
                                         grade=grade, created_by=actor)
            elif old.grade != grade:
                update_versioned(old, old.version, {"grade": grade})
            else:
                continue
            changes[roster[pk]] = [old.grade if old else None, grade]
        audit.record(actor=actor, verb="orglife.appraisal.record", target=meeting, org_path=meeting.org_path,
                     changes=changes)
    return len(changes)


def book_export(*, actor, org: Organization, year: int) -> bytes:
    """The 三会一课 record book as xlsx; audited (OrgLifePerm.EXPORT)."""
    from grassroots.orglife.exports import book_spec
    from grassroots.spreadsheets.exports import export_bytes

    require(actor, OrgLifePerm.EXPORT, org)
    entries = selectors.book_meetings(actor, org, year, perm=OrgLifePerm.EXPORT)
    content, _count = export_bytes(actor, book_spec(entries), title=f"{org.name} {year}年三会一课记录本",
                                   org_path=org.path, audit_target=org, filters={"year": year})
    return content


# --- meeting tally (held meetings per branch, month and kind) ------------------------------------------

def tally_key(meeting: Meeting) -> tuple | None:
    """The tally cell (org, tenant, month, kind, group) a meeting counts in; None unless it is held."""
    if meeting.status != MeetingStatus.HELD:
        return None
    return (meeting.org_id, meeting.tenant, rules.month_start(meeting.date), meeting.kind,
            meeting.party_group_id or 0)


def tally_fold(before: tuple | None, after: tuple | None) -> None:
    """Move one meeting's count from its old cell to its new one, inside the caller's transaction (a meeting
    recorded, re-dated, re-kinded, cancelled or deleted). The increment is an upsert that adds to the row as
    committed, so concurrent writers of one cell both count; a row that falls to 0 is deleted, as the rebuild
    writes no empty rows."""
    if before == after:
        return
    table = MeetingTally._meta.db_table
    cell = "org_id = %s AND month = %s AND kind = %s AND group_key = %s"
    with connection.cursor() as cursor:
        if before is not None:
            org_id, _tenant, month, kind, group = before
            cursor.execute(f"UPDATE {table} SET held = held - 1 WHERE {cell} AND held > 0",  # noqa: S608
                           [org_id, month, kind, group])
            cursor.execute(f"DELETE FROM {table} WHERE {cell} AND held = 0", [org_id, month, kind, group])  # noqa: S608
        if after is not None:
            cursor.execute(
                f"INSERT INTO {table} (org_id, tenant, month, kind, group_key, held) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, 1) ON CONFLICT (org_id, month, kind, group_key) "
                f"DO UPDATE SET held = {table}.held + 1", list(after))


def tally_rebuild(tenant: str) -> int:
    """Recompute the county's tally from its meetings with one DELETE and one INSERT … SELECT ... GROUP BY; the
    consistency check of the folds (they must agree exactly) and the way bulk loads fill it."""
    table, meetings = MeetingTally._meta.db_table, Meeting._meta.db_table
    month = ("CAST(date_trunc('month', date) AS DATE)" if connection.vendor == "postgresql"
             else "date(date, 'start of month')")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE tenant = %s", [tenant])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (org_id, tenant, month, kind, group_key, held) "  # noqa: S608
            f"SELECT org_id, tenant, {month}, kind, COALESCE(party_group_id, 0), COUNT(*) FROM {meetings} "
            f"WHERE tenant = %s AND status = %s GROUP BY org_id, tenant, {month}, kind, COALESCE(party_group_id, 0)",
            [tenant, MeetingStatus.HELD])
        return cursor.rowcount


# --- compliance rebuild (set-based, per county and month) ----------------------------------------------

def _rebuild_sql(tenant: str, month: dt.date, today: dt.date, prefix: str) -> tuple[str, list]:
    """One INSERT … SELECT for a county's month. Inner: per branch, the held meetings each active rule needs
    from the tally (its kind over the months of its period up to this one: at most 12 rows per branch and
    kind) and what it requires; outer: a state character and the counts per rule slot, computed once from those
    columns, and the year's missed months per slot (the previous month's row plus this month). A prefix
    narrower than the county limits the branches, and the tally rows read to theirs."""
    from grassroots.dashboards.models import OrgRollup
    from grassroots.orgs.models import PartyGroup

    active = {rule.code: rule for rule in selectors.active_rules()}
    tally, orgs, status = MeetingTally._meta.db_table, Organization._meta.db_table, ComplianceStatus._meta.db_table
    rollups, groups = OrgRollup._meta.db_table, PartyGroup._meta.db_table
    postgres = connection.vendor == "postgresql"
    lo, hi = prefix, prefix + "~"
    # The county's tally is one index range per rule; a subtree's is its branches' rows only.
    subtree = "" if prefix == tenant else f" AND org_id IN (SELECT id FROM {orgs} WHERE path >= %s AND path < %s)"  # noqa: S608
    selects, sums, count_params = [], [], []
    inner, held, required, state, missed_slots = [], [], [], [], []
    for index, code in enumerate(rules.RULE_SLOTS):
        rule = active.get(code)
        if rule is None:
            inner += [f"0 AS h{index}", f"0 AS q{index}"]
            state.append(f"'{rules.NOT_APPLICABLE}'")
            missed_slots.append("0")
        else:
            start, end = rules.period_bounds(rule.period, month)
            # A group rule counts the branch's groups that met (each group once), so its rows are distinct.
            source = ("DISTINCT org_id, {i} AS slot, group_key, 1 AS n" if rule.applies_to == "groups"
                      else "org_id, {i} AS slot, group_key, held AS n").format(i=index)
            selects.append(f"SELECT {source} FROM {tally} "  # noqa: S608
                           "WHERE tenant = %s AND kind = %s AND month >= %s AND month <= %s" + subtree)
            count_params += [tenant, rule.kind, start, month] + ([lo, hi] if subtree else [])
            sums.append(f"SUM(CASE WHEN slot = {index} THEN n ELSE 0 END) AS n{index}")
            if rule.applies_to == "groups":
                req = f"COALESCE(pg.n, 0) * {rule.minimum}"
            else:
                req = str(rule.minimum)
                if rule.applies_to == "committee":
                    req = (f"(CASE WHEN COALESCE(r.full_members, 0) >= {rules.COMMITTEE_MIN_FULL_MEMBERS} "
                           f"THEN {rule.minimum} ELSE 0 END)")
            unmet = rules.STATE_CODES[rules.compliance_state(held=0, required=1, period_end=end, today=today)]
            inner += [f"COALESCE(c.n{index}, 0) AS h{index}", f"{req} AS q{index}"]
            state.append(f"(CASE WHEN q{index} = 0 THEN '{rules.NOT_APPLICABLE}' WHEN h{index} >= q{index} "
                         f"THEN 'M' ELSE '{unmet}' END)")
            # Missed (X) is fixed per rule for the month (its period is over or not), so the flag is read
            # from the counts, not from the state string (which PostgreSQL would recompute per reference).
            missed = unmet == rules.STATE_CODES["missed"]
            missed_slots.append(f"(CASE WHEN q{index} > 0 AND h{index} < q{index} THEN 1 ELSE 0 END)" if missed else "0")
        held.append(f"CAST(h{index} AS TEXT)")
        required.append(f"CAST(q{index} AS TEXT)")
    slots = range(len(rules.RULE_SLOTS))
    unmet_slots = [f"(CASE WHEN q{i} > 0 AND h{i} < q{i} THEN 1 ELSE 0 END)" for i in slots]
    position = "strpos" if postgres else "instr"  # 1-based; 1 for an empty string (no previous row: 0 months)
    digits = rules.YTD_DIGITS
    ytd = [f"substr('{digits}', {position}('{digits}', substr(prev_ytd, {i + 1}, 1)) + {missed_slots[i]}, 1)"
           for i in slots]
    counts = f"(SELECT org_id, {', '.join(sums)} FROM ({' UNION ALL '.join(selects)}) x GROUP BY org_id)"  # noqa: S608
    full = "CAST(figures->>'full' AS INTEGER)" if postgres else "CAST(json_extract(figures, '$.full') AS INTEGER)"
    branches = (
        f"SELECT o.id, o.path, COALESCE(p.missed_ytd, '') AS prev_ytd, {', '.join(inner)} "  # noqa: S608
        f"FROM {orgs} o LEFT JOIN {counts} c ON c.org_id = o.id "
        f"LEFT JOIN (SELECT org_id, missed_ytd FROM {status} WHERE tenant = %s AND month = %s) p ON p.org_id = o.id "
        f"LEFT JOIN (SELECT org_id, {full} AS full_members FROM {rollups} WHERE path >= %s AND path < %s) r "
        "ON r.org_id = o.id "
        f"LEFT JOIN (SELECT g.org_id, COUNT(*) AS n FROM {groups} g JOIN {orgs} go ON go.id = g.org_id "
        "WHERE go.path >= %s AND go.path < %s GROUP BY g.org_id) pg ON pg.org_id = o.id "
        "WHERE o.path >= %s AND o.path < %s AND o.kind = 'branch' AND o.status = 'active'"
    )
    # January starts the year's count afresh: no previous row is joined (month = NULL matches nothing).
    previous = rules.add_months(month, -1) if month.month > 1 else None
    held_sql, required_sql = " || ',' || ".join(held), " || ',' || ".join(required)
    with_states = f"SELECT b.*, {' || '.join(state)} AS states_ FROM ({branches}) b"  # noqa: S608
    sql = (
        f"INSERT INTO {status} "  # noqa: S608
        "(org_id, org_path, tenant, month, states, held, required, missing, missed, missed_ytd) "
        f"SELECT id, path, %s, %s, states_, {held_sql}, {required_sql}, "
        f"{' + '.join(unmet_slots)}, {' + '.join(missed_slots)}, {' || '.join(ytd)} FROM ({with_states}) s"
    )
    return sql, [tenant, month, *count_params, tenant, previous, lo, hi, lo, hi, lo, hi]


def compliance_rebuild(tenant: str, month: dt.date, *, today: dt.date | None = None, prefix: str = "") -> int:
    """Replace the county's rows for one month (or those of the subtree `prefix` within it) with one
    INSERT … SELECT over its branches (never a Python loop per branch), reading the meeting tally. The year's
    missed months come from the previous month's rows, so a year is rebuilt in month order
    (compliance_rebuild_year). Returns the rows written (one per active branch)."""
    today = today or timezone.localdate()
    month = rules.month_start(month)
    prefix = prefix or tenant
    if not prefix.startswith(tenant):
        raise ValueError(f"{prefix!r} is not within the county {tenant!r}")
    sql, params = _rebuild_sql(tenant, month, today, prefix)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A short set-based statement: JIT compilation costs more than it saves, and the per-branch
            # aggregate should hash in memory rather than sort on disk. Over a county every join is
            # county-wide, so hash joins are right; a nested loop, which stale statistics (rows written moments
            # ago, as a year's rebuild does month after month) can make look cheap, rescans a side once per
            # branch. A subtree is left to the planner: probing the tally per branch may be the cheaper way.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            if prefix == tenant:
                cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"DELETE FROM {ComplianceStatus._meta.db_table} "  # noqa: S608
                       "WHERE tenant = %s AND month = %s AND org_path >= %s AND org_path < %s",
                       [tenant, month, prefix, prefix + "~"])
        cursor.execute(sql, params)
        return cursor.rowcount


def compliance_rebuild_year(tenant: str, year: int, *, today: dt.date | None = None) -> dict:
    """Every month of the year up to the current one (a meeting counts for the rest of its quarter and year)."""
    today = today or timezone.localdate()
    started = time.perf_counter()
    last = 12 if year < today.year else today.month if year == today.year else 0
    rows = sum(compliance_rebuild(tenant, dt.date(year, m, 1), today=today) for m in range(1, last + 1))
    seconds = time.perf_counter() - started
    ComplianceBuild.objects.update_or_create(tenant=tenant, year=year, defaults={
        "built_at": timezone.now(), "build_seconds": seconds})
    return {"tenant": tenant, "year": year, "months": last, "rows": rows, "seconds": round(seconds, 3)}


