"""Organizational-life endpoints: thin adapters over orglife.selectors and orglife.services. Lookups are scoped
(404 outside the caller's subtree); a record the caller may see but not change answers 403 from the service."""

import datetime as dt

from django.http import Http404
from ninja import Query, Router
from ninja.responses import Status

from grassroots.api.schemas import ERROR_STATUSES, Date, ErrorOut, Id
from grassroots.members.models import Member
from grassroots.orglife import rules, selectors, services
from grassroots.orglife.api.schemas import (
    AppraisalIn,
    ComplianceOut,
    MeetingCancelIn,
    MeetingDetailOut,
    MeetingOut,
    MeetingPlanIn,
    MeetingRecordIn,
    MeetingUpdateIn,
    RosterOut,
)
from grassroots.orglife.choices import MeetingKind
from grassroots.orglife.permissions import OrgLifePerm
from grassroots.orgs.models import PartyGroup
from grassroots.orgs.selectors import org_get

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}


def _branch(actor, org_id: int, perm: str):
    org = org_get(actor, org_id, perm)
    if not org.is_branch:
        raise Http404
    return org


def _group(org, pk: int | None):
    if pk is None:
        return None
    group = PartyGroup.objects.filter(org=org, pk=pk).first()
    if group is None:
        from grassroots.core.errors import ValidationFailed

        raise ValidationFailed({"party_group": ["党小组不属于该党支部"]})
    return group


def _member(org, pk: int | None):
    return None if pk is None else Member.objects.filter(pk=pk, org=org).first() or Member(pk=pk, org=None)


def _detail(meeting) -> dict:
    attendance = [{"member_id": a.member_id, "name": a.member.name, "status": a.status, "reason": a.reason,
                   "is_guest": a.is_guest, "has_vote": a.has_vote} for a in selectors.attendance_of(meeting)]
    return {**{f: getattr(meeting, f) for f in MeetingDetailOut.model_fields if f != "attendance"},
            "attendance": attendance}


def _record(actor, org, payload: MeetingRecordIn, meeting=None, version=None):
    data = payload.model_dump()
    attendance = [rules.AttendanceEntry(a["member"], a["status"], a["reason"]) for a in data.pop("attendance")]
    typed = {"expected_count": data.pop("expected_count"), "present_count": data.pop("present_count")}
    guests = set(data.pop("guests"))
    data.pop("version", None)
    data["party_group"] = _group(org, data["party_group"])
    data["host"], data["recorder"] = _member(org, data["host"]), _member(org, data["recorder"])
    return services.meeting_record(actor=actor, org=org, meeting=meeting, version=version, attendance=attendance,
                                   guests=guests, typed_counts=typed, **data)


@router.get("/orgs/{org_id}/meetings", response={200: list[MeetingOut], **ERRORS}, url_name="meeting_list",
            summary="党支部会议列表（计划与已召开）")
def meeting_list(request, org_id: Id, start: Date, end: Date, kind: MeetingKind | None = None):
    org = _branch(request.auth, org_id, OrgLifePerm.VIEW)
    if (end - start).days > 400:
        end = start + dt.timedelta(days=400)
    return selectors.meeting_list(request.auth, org, start=start, end=end, kind=kind or "")


@router.get("/orgs/{org_id}/roster", response={200: list[RosterOut], **ERRORS}, url_name="meeting_roster",
            summary="某日某类会议的应到人员（按花名册）")
def meeting_roster(request, org_id: Id, kind: MeetingKind, date: Date, party_group: Id | None = None):
    org = _branch(request.auth, org_id, OrgLifePerm.VIEW)
    return selectors.roster_on(org, kind, date, _group(org, party_group))


@router.post("/orgs/{org_id}/plans", response={201: MeetingOut, **ERRORS}, url_name="meeting_plan",
             summary="计划会议")
def meeting_plan(request, org_id: Id, payload: MeetingPlanIn):
    org = _branch(request.auth, org_id, OrgLifePerm.RECORD)
    data = payload.model_dump()
    data["party_group"] = _group(org, data["party_group"])
    return Status(201, services.meeting_plan(actor=request.auth, org=org, **data))


@router.post("/orgs/{org_id}/meetings", response={201: MeetingDetailOut, **ERRORS}, url_name="meeting_record",
             summary="登记已召开的会议及出席情况（应到、实到由花名册计算）")
def meeting_record(request, org_id: Id, payload: MeetingRecordIn):
    org = _branch(request.auth, org_id, OrgLifePerm.RECORD)
    return Status(201, _detail(_record(request.auth, org, payload)))


@router.get("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERRORS}, url_name="meeting_detail",
            summary="会议详情")
def meeting_detail(request, meeting_id: Id):
    return _detail(selectors.meeting_get(request.auth, meeting_id))


@router.put("/meetings/{meeting_id}", response={200: MeetingDetailOut, **ERRORS}, url_name="meeting_update",
            summary="登记计划会议的召开情况或更正记录")
def meeting_update(request, meeting_id: Id, payload: MeetingUpdateIn):
    meeting = selectors.meeting_get(request.auth, meeting_id)
    return _detail(_record(request.auth, meeting.org, payload, meeting=meeting, version=payload.version))


@router.post("/meetings/{meeting_id}/cancel", response={200: MeetingOut, **ERRORS}, url_name="meeting_cancel",
             summary="取消计划")
def meeting_cancel(request, meeting_id: Id, payload: MeetingCancelIn):
    meeting = selectors.meeting_get(request.auth, meeting_id)
    return services.meeting_cancel(actor=request.auth, meeting=meeting, version=payload.version,
                                   reason=payload.reason)


@router.post("/meetings/{meeting_id}/appraisals", response={200: dict, **ERRORS}, url_name="appraisal_record",
             summary="登记民主评议党员等次")
def appraisal_record(request, meeting_id: Id, payload: AppraisalIn):
    meeting = selectors.meeting_get(request.auth, meeting_id)
    changed = services.appraisal_record(actor=request.auth, meeting=meeting,
                                        grades={g.member: g.grade for g in payload.grades})
    return {"changed": changed}


@router.get("/orgs/{org_id}/compliance", response={200: ComplianceOut, **ERRORS}, url_name="compliance_board",
            summary="组织生活合规看板（本月与本年缺项）")
def compliance_board(request, org_id: Id, month: Date | None = None, offset: Query[int] = 0):
    org = org_get(request.auth, org_id, OrgLifePerm.VIEW)
    offset = max(0, min(offset, 1_000_000))
    board = selectors.compliance_board(request.auth, org, month or dt.date.today(), limit=100, offset=offset)
    return {
        "org_id": org.pk, "month": board.month, "branches": board.branches, "has_more": board.more,
        "rules": [{"code": r.code, "label": r.label, "source": r.source,
                   "met": board.month_counts[r.code].get("met", 0), "open": board.month_counts[r.code].get("open", 0),
                   "missed": board.month_counts[r.code].get("missed", 0),
                   "missed_this_year": board.year_missed.get(r.code, 0)} for r in board.rules],
        "missing": [{"org_id": row.org_id, "name": row.name,
                     "missing": [{"rule": c, "label": label, "state": s, "held": h, "required": q}
                                 for c, label, s, h, q in row.missing]} for row in board.rows],
    }

