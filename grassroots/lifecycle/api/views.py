"""Lifecycle endpoints: thin adapters over lifecycle.selectors and lifecycle.services. Lookups are scoped (404
outside the caller's subtree); a record the caller may see but not act on answers 403 from the service."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from grassroots.access.scoping import get_scoped_or_404
from grassroots.api.schemas import ERROR_STATUSES, ErrorOut, page_body
from grassroots.core.errors import ValidationFailed
from grassroots.core.pagination import keyset_page
from grassroots.lifecycle import review, rules, selectors, services
from grassroots.lifecycle.api import schemas as s
from grassroots.lifecycle.choices import TransferStatus
from grassroots.lifecycle.models import Whereabouts
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.orgs.choices import OrgStatus
from grassroots.orgs.models import Organization
from grassroots.orgs.selectors import org_get

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}


def _prefix(actor, org_id):
    return org_get(actor, org_id, LifecyclePerm.VIEW).path if org_id else None


def _page(qs, query, key=("id", "id")):
    return keyset_page(qs, key_fields=key, page_size=query.page_size, after=query.after, before=query.before,
                       page=query.page)


def _target_org(pk: int, field: str = "to_org") -> Organization:
    """The receiving organization of a transfer may lie outside the caller's scope; only its existence matters."""
    try:
        return Organization.objects.get(pk=pk, status=OrgStatus.ACTIVE)
    except Organization.DoesNotExist as exc:
        raise ValidationFailed({field: ["所选党组织不存在或已撤销"]}) from exc


def _transfer_out(t):
    today = timezone.localdate()
    t.age_days = rules.age_days(t.issued_on, t.decided_on or today)
    t.expired = t.status == TransferStatus.PENDING and rules.letter_expired(t.valid_until, today)
    return t


# Transfers -------------------------------------------------------------------------------------------------

@router.get("/transfers/", response={200: s.TransferPageOut, **ERRORS}, url_name="transfer_list",
            summary="组织关系转接（转入与转出，含已过天数）")
def transfer_list(request, query: Query[s.TransferListQuery]):
    actor = request.auth
    qs = selectors.transfer_queryset(actor, prefix=_prefix(actor, query.org), direction=query.dir,
                                     status=query.status, kind=query.kind).select_related("from_org", "to_org")
    page = _page(qs, query)
    page.items = [_transfer_out(t) for t in page.items]
    return page_body(page)


@router.get("/transfers/{transfer_id}", response={200: s.TransferOut, **ERRORS}, url_name="transfer_detail",
            summary="转接详情")
def transfer_detail(request, transfer_id: int):
    return _transfer_out(selectors.transfer_get(request.auth, transfer_id))


@router.post("/members/{member_id}/transfers", response={201: s.TransferOut, **ERRORS}, url_name="transfer_issue",
             summary="系统内转出（待接收方接收）")
def transfer_issue(request, member_id: int, payload: s.TransferIssueIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.TRANSFER)
    transfer = services.transfer_issue(actor=actor, member=member, version=payload.version,
                                       to_org=_target_org(payload.to_org), on=payload.on, reason=payload.reason,
                                       dues_paid_through=payload.dues_paid_through)
    return Status(201, _transfer_out(transfer))


@router.post("/members/{member_id}/transfers/direct", response={201: s.TransferOut, **ERRORS},
             url_name="transfer_direct", summary="直接调整所在党支部（须同时管辖双方）")
def transfer_direct(request, member_id: int, payload: s.TransferDirectIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.TRANSFER)
    transfer = services.transfer_direct(actor=actor, member=member, to_org=_target_org(payload.to_org),
                                        on=payload.on, reason=payload.reason, source=payload.source)
    return Status(201, _transfer_out(transfer))


@router.post("/members/{member_id}/letters", response={201: s.TransferOut, **ERRORS}, url_name="letter_issue",
             summary="开具介绍信转出本系统")
def letter_issue(request, member_id: int, payload: s.LetterIssueIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.TRANSFER)
    data = payload.model_dump()
    return Status(201, _transfer_out(services.letter_issue(actor=actor, member=member, **data)))


@router.post("/letters/inbound", response={201: s.TransferOut, **ERRORS}, url_name="letter_inbound",
             summary="登记系统外转入的介绍信")
def letter_inbound(request, payload: s.LetterInboundIn):
    actor = request.auth
    data = payload.model_dump()
    org = org_get(actor, data.pop("to_org"), LifecyclePerm.TRANSFER)
    return Status(201, _transfer_out(services.letter_inbound_record(actor=actor, to_org=org, **data)))


@router.post("/transfers/{transfer_id}/accept", response={200: s.TransferOut, **ERRORS}, url_name="transfer_accept",
             summary="接收（党员随即转入）")
def transfer_accept(request, transfer_id: int, payload: s.AcceptIn):
    t = selectors.transfer_get(request.auth, transfer_id)
    return _transfer_out(services.transfer_accept(actor=request.auth, transfer=t, **payload.model_dump()))


@router.post("/transfers/{transfer_id}/return", response={200: s.TransferOut, **ERRORS}, url_name="transfer_return",
             summary="退回（须写明原因）")
def transfer_return(request, transfer_id: int, payload: s.ReasonIn):
    t = selectors.transfer_get(request.auth, transfer_id)
    return _transfer_out(services.transfer_return(actor=request.auth, transfer=t, **payload.model_dump()))


@router.post("/transfers/{transfer_id}/cancel", response={200: s.TransferOut, **ERRORS}, url_name="transfer_cancel",
             summary="转出方撤回")
def transfer_cancel(request, transfer_id: int, payload: s.ReasonIn):
    t = selectors.transfer_get(request.auth, transfer_id)
    return _transfer_out(services.transfer_cancel(actor=request.auth, transfer=t, **payload.model_dump()))


@router.post("/transfers/{transfer_id}/renew", response={200: s.TransferOut, **ERRORS}, url_name="letter_renew",
             summary="过期介绍信凭支部证明重开")
def letter_renew(request, transfer_id: int, payload: s.RenewIn):
    t = selectors.transfer_get(request.auth, transfer_id)
    return _transfer_out(services.letter_renew(actor=request.auth, transfer=t, **payload.model_dump()))


@router.post("/transfers/{transfer_id}/receipt", response={200: s.TransferOut, **ERRORS}, url_name="letter_receipt",
             summary="登记回执（办结介绍信）")
def letter_receipt(request, transfer_id: int, payload: s.ReceiptIn):
    t = selectors.transfer_get(request.auth, transfer_id)
    return _transfer_out(services.letter_receipt(actor=request.auth, transfer=t, **payload.model_dump()))


# Mobile and unreachable ------------------------------------------------------------------------------------

@router.get("/mobile/", response={200: s.WhereaboutsPageOut, **ERRORS}, url_name="mobile_list",
            summary="流动党员（外出登记）")
def mobile_list(request, query: Query[s.MobileQuery]):
    actor = request.auth
    prefix = _prefix(actor, query.org)
    if query.show == "due":
        qs = selectors.mobile_transfer_due(actor, timezone.localdate(), prefix)
    elif query.show == "hosted":
        qs = selectors.hosted_members(actor, prefix)
    else:
        qs = selectors.open_whereabouts(actor, prefix)
    return page_body(_page(qs.select_related("member", "host_org").order_by(), query))


@router.get("/mobile/gatherings", response={200: list[s.GatheringOut], **ERRORS}, url_name="mobile_gatherings",
            summary="同一流出地3人以上聚集的流入地（建议成立流动党支部）")
def mobile_gatherings(request, org: int | None = None):
    actor = request.auth
    return [{"origin_id": g.origin.pk, "origin_name": g.origin.name, "place": g.place, "count": g.count}
            for g in selectors.mobile_gatherings(actor, _prefix(actor, org))]


@router.post("/members/{member_id}/whereabouts", response={201: s.WhereaboutsOut, **ERRORS},
             url_name="whereabouts_create", summary="登记外出（流动党员）")
def whereabouts_create(request, member_id: int, payload: s.WhereaboutsIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.RECORD)
    data = payload.model_dump()
    data["host_org"] = _target_org(data["host_org"], "host_org") if data["host_org"] else None
    return Status(201, services.whereabouts_record(actor=actor, member=member, **data))


@router.post("/whereabouts/{whereabouts_id}/return", response={200: s.WhereaboutsOut, **ERRORS},
             url_name="whereabouts_return", summary="登记返回")
def whereabouts_return(request, whereabouts_id: int, payload: s.ReturnedIn):
    actor = request.auth
    row = get_scoped_or_404(Whereabouts.objects.select_related("member"), actor, LifecyclePerm.RECORD,
                            pk=whereabouts_id)
    return services.whereabouts_return(actor=actor, whereabouts=row, **payload.model_dump())


@router.post("/members/{member_id}/contacts", response={201: s.ContactOut, **ERRORS}, url_name="contact_create",
             summary="登记联系（查找）记录")
def contact_create(request, member_id: int, payload: s.ContactIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.RECORD)
    return Status(201, services.contact_record(actor=actor, member=member, **payload.model_dump()))


@router.get("/unreachable/", response={200: s.CandidatePageOut, **ERRORS}, url_name="unreachable_list",
            summary="失联党员名单：待研究停止党籍 / 待研究除名 / 尚无查找记录")
def unreachable_list(request, query: Query[s.UnreachableQuery]):
    actor = request.auth
    prefix, today = _prefix(actor, query.org), timezone.localdate()
    qs = {"suspend": lambda: selectors.suspension_candidates(actor, today, prefix),
          "remove": lambda: selectors.removal_candidates(actor, today, prefix),
          "attempts": lambda: selectors.unreachable_without_attempts(actor, prefix)}[query.show]()
    return page_body(_page(qs.order_by(), query, key=("org_path", "id")))


@router.get("/members/{member_id}", response={200: s.MemberLifecycleOut, **ERRORS}, url_name="member_lifecycle",
            summary="一名党员的外出、联系、处置和转接记录")
def member_lifecycle(request, member_id: int):
    actor = request.auth
    member = selectors.member_get(actor, member_id)
    records = selectors.member_lifecycle(actor, member)
    return {"member_id": member.pk, "state": member.state, "is_mobile": member.is_mobile,
            "is_unreachable": member.is_unreachable, "unreachable_since": member.unreachable_since,
            "whereabouts": [_with_member(w, member) for w in records["whereabouts"]],
            "contacts": records["contacts"], "decisions": [_with_member(d, member) for d in records["decisions"]],
            "transfers": [_transfer_out(t) for t in records["transfers"]]}


def _with_member(row, member):
    row.member = member
    return row


# Decisions -------------------------------------------------------------------------------------------------

@router.post("/members/{member_id}/decisions", response={201: s.DecisionOut, **ERRORS}, url_name="decision_create",
             summary="登记党籍处置决定（停止党籍、恢复党籍、出党）")
def decision_create(request, member_id: int, payload: s.DecisionIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.DECIDE)
    decision = services.decision_record(actor=actor, member=member, **payload.model_dump())
    decision.member = member
    return Status(201, decision)


@router.get("/decisions/", response={200: s.DecisionPageOut, **ERRORS}, url_name="decision_list",
            summary="党籍处置决定")
def decision_list(request, query: Query[s.DecisionQuery]):
    actor = request.auth
    prefix = _prefix(actor, query.org)
    if query.to_approve:
        qs = selectors.decisions_to_approve(actor, prefix)
    else:
        qs = selectors.decision_list(actor, prefix=prefix, status=query.status)
    return page_body(_page(qs.order_by(), query))


@router.post("/decisions/{decision_id}/approve", response={200: s.DecisionOut, **ERRORS},
             url_name="decision_approve", summary="上级党组织批准或不批准")
def decision_approve(request, decision_id: int, payload: s.ApproveIn):
    actor = request.auth
    decision = selectors.decision_get(actor, decision_id)
    return services.decision_approve(actor=actor, decision=decision, **payload.model_dump())


# Self-withdrawal review ------------------------------------------------------------------------------------

@router.get("/review/", response={200: list[s.ReviewRowOut], **ERRORS}, url_name="review_list",
            summary="自行脱党审查名单（各模块提供的情形与依据）")
def review_list(request, org: int | None = None):
    actor = request.auth
    rows = selectors.review_rows(actor, timezone.localdate(), _prefix(actor, org))
    return [{"member_id": r.member.pk, "member_name": r.member.name, "org_id": r.member.org_id,
             "cases": [{"ground": c.ground, "months": list(c.months), "evidence": c.evidence,
                        "amount": str(c.amount) if c.amount is not None else None} for c in r.cases],
             "last_outcome": r.last_outcome.outcome if r.last_outcome else None} for r in rows]


@router.post("/members/{member_id}/review", response={201: s.ReviewOutcomeOut, **ERRORS},
             url_name="review_outcome_create", summary="登记自行脱党审查结果")
def review_outcome_create(request, member_id: int, payload: s.ReviewOutcomeIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.DECIDE)
    cases = [c for c in review.review_cases(member.org_path, payload.decided_on) if c.member_id == member.pk]
    row = services.review_outcome_record(actor=actor, member=member, grounds=[c.ground for c in cases],
                                         evidence="；".join(c.evidence for c in cases), **payload.model_dump())
    return Status(201, row)


# Work assigned by the branch -------------------------------------------------------------------------------

def _work_out(row):
    selectors.work_annotate([row], timezone.localdate())
    row.idle_months = list(row.idle)
    return row


@router.get("/work/", response={200: s.WorkPageOut, **ERRORS}, url_name="work_list",
            summary="党员工作任务（含连续无工作记录的月份）")
def work_list(request, query: Query[s.WorkListQuery]):
    actor = request.auth
    qs = selectors.work_list(actor, prefix=_prefix(actor, query.org), status=query.status, member_id=query.member)
    page = _page(qs, query, key=("org_path", "id"))
    page.items = [_work_out(row) for row in page.items]
    return page_body(page)


@router.get("/work/{work_id}", response={200: s.WorkDetailOut, **ERRORS}, url_name="work_detail",
            summary="工作任务及其工作记录")
def work_detail(request, work_id: int):
    row = selectors.work_get(request.auth, work_id)
    return _work_detail(row)


def _work_detail(row):
    row.report_rows = selectors.work_reports(row)
    return _work_out(row)


@router.post("/members/{member_id}/work", response={201: s.WorkDetailOut, **ERRORS}, url_name="work_assign",
             summary="为党员分配工作任务")
def work_assign(request, member_id: int, payload: s.WorkAssignIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id, LifecyclePerm.RECORD)
    row = services.work_assign(actor=actor, member=member, **payload.model_dump())
    return Status(201, _work_detail(selectors.work_get(actor, row.pk)))


@router.post("/work/{work_id}/reports", response={201: s.WorkDetailOut, **ERRORS}, url_name="work_report",
             summary="登记工作记录（完成的工作）")
def work_report(request, work_id: int, payload: s.WorkReportIn):
    actor = request.auth
    row = selectors.work_get(actor, work_id, LifecyclePerm.RECORD)
    services.work_report_record(actor=actor, assignment=row, **payload.model_dump())
    return Status(201, _work_detail(selectors.work_get(actor, work_id)))


@router.post("/work/{work_id}/close", response={200: s.WorkDetailOut, **ERRORS}, url_name="work_close",
             summary="结束工作任务（完成日期和完成情况）")
def work_close(request, work_id: int, payload: s.WorkCloseIn):
    actor = request.auth
    row = selectors.work_get(actor, work_id, LifecyclePerm.RECORD)
    services.work_close(actor=actor, assignment=row, **payload.model_dump())
    return _work_detail(selectors.work_get(actor, work_id))


@router.get("/summary", response={200: s.SummaryOut, **ERRORS}, url_name="summary",
            summary="待办与名单计数（看板提醒）")
def summary(request, org: int | None = None):
    actor = request.auth
    return selectors.lifecycle_counts(actor, timezone.localdate(), _prefix(actor, org))
