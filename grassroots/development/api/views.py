"""Development endpoints: thin adapters over development.selectors and development.services. Lookups are scoped
(404 outside the caller's subtree); a permission the caller lacks answers 403 from the service."""

from ninja import Query, Router
from ninja.responses import Status

from grassroots.access.scoping import get_scoped_or_404, orgs_for
from grassroots.api.schemas import ERROR_STATUSES, ErrorOut, page_body
from grassroots.core.pagination import keyset_page
from grassroots.development import selectors, services
from grassroots.development.api.schemas import (
    ApplicantCreateIn,
    ApplicantDetailOut,
    ApplicantListQuery,
    ApplicantPageOut,
    ApplicantUpdateIn,
    BoardOut,
    CloseIn,
    DecisionIn,
    ExtendIn,
    NoticeIn,
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    PlanIn,
    PlanOut,
    ResolveIn,
    RevealIn,
    SecretsOut,
    StepCorrectIn,
    StepIn,
    StepOut,
    SuspensionEndIn,
    SuspensionIn,
    SuspensionListQuery,
    SuspensionOut,
    SuspensionPageOut,
    VoteIn,
    VoteOut,
    WithdrawIn,
)
from grassroots.development.permissions import DevelopmentPerm
from grassroots.members.models import Member
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.models import Organization
from grassroots.orgs.selectors import org_get

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}


def _row(row) -> dict:
    return {"org_id": row.org.pk, "org_name": row.org.name, "counts": row.counts, "overdue": row.overdue,
            "admitted": row.admitted, "planned": row.planned}


@router.get("/board", response={200: BoardOut, **ERRORS}, url_name="development_board", summary="发展党员看板")
def development_board(request, org: int | None = None):
    """People per stage, overdue items and this year's admissions against plan, for the org and each child."""
    actor = request.auth
    if org:
        target = org_get(actor, org, DevelopmentPerm.VIEW)
    else:
        prefixes = orgs_for(actor, DevelopmentPerm.VIEW)
        if not prefixes:
            from django.http import Http404

            raise Http404
        target = Organization.objects.get(path=prefixes[0])
    board = selectors.pipeline_board(actor, target)
    return {"year": board.year, "total": _row(board.total), "children": [_row(r) for r in board.children],
            "due": board.due}


@router.get("/", response={200: ApplicantPageOut, **ERRORS}, url_name="applicant_list", summary="发展党员名册")
def applicant_list(request, query: Query[ApplicantListQuery]):
    actor = request.auth
    org_path = org_get(actor, query.org, DevelopmentPerm.VIEW).path if query.org else None
    page = selectors.applicant_list(actor, org_path=org_path, stage=query.stage, q=query.q, page_size=query.page_size,
                                    after=query.after, before=query.before, page=query.page)
    return page_body(page)


@router.post("/", response={201: ApplicantDetailOut, **ERRORS}, url_name="applicant_create", summary="登记入党申请")
def applicant_create(request, payload: ApplicantCreateIn):
    actor = request.auth
    data = payload.model_dump()
    org = org_get(actor, data.pop("org"), DevelopmentPerm.RECORD)
    return Status(201, services.applicant_create(actor=actor, org=org, **data))


@router.get("/{int:applicant_id}", response={200: ApplicantDetailOut, **ERRORS}, url_name="applicant_detail",
            summary="发展党员档案（二十五个步骤、表决、公示）")
def applicant_detail(request, applicant_id: int):
    return selectors.applicant_get(request.auth, applicant_id)


@router.patch("/{int:applicant_id}", response={200: ApplicantDetailOut, **ERRORS}, url_name="applicant_update",
              summary="修改发展对象信息")
def applicant_update(request, applicant_id: int, payload: ApplicantUpdateIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    return services.applicant_update(actor=request.auth, applicant=applicant, version=version, **data)


@router.post("/{int:applicant_id}/reveal", response={200: SecretsOut, **ERRORS}, url_name="applicant_reveal",
             summary="查看完整身份证号、电话、住址（留审计记录）")
def applicant_reveal(request, applicant_id: int, payload: RevealIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    return {"id": applicant.pk, **services.applicant_reveal(actor=request.auth, applicant=applicant, reason=payload.reason)}


@router.post("/{int:applicant_id}/steps", response={201: StepOut, **ERRORS}, url_name="step_record",
             summary="登记一个步骤（顺序、时限和材料按细则检查）")
def step_record(request, applicant_id: int, payload: StepIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    step = services.step_record(actor=request.auth, applicant=applicant, version=payload.version, code=payload.code,
                                occurred_on=payload.occurred_on, evidence=payload.evidence, people=payload.people)
    return Status(201, step)


@router.post("/{int:applicant_id}/steps/{int:step_id}/correct", response={200: StepOut, **ERRORS},
             url_name="step_correct", summary="更正已登记步骤的日期或材料（须写明原因；重新校验其后各步骤）")
def step_correct(request, applicant_id: int, step_id: int, payload: StepCorrectIn):
    record = selectors.step_get(request.auth, applicant_id, step_id)
    return services.step_correct(actor=request.auth, step=record, **payload.model_dump())


@router.post("/{int:applicant_id}/votes", response={201: VoteOut, **ERRORS}, url_name="vote_record",
             summary="支部大会表决（应到会人数按花名册计算）")
def vote_record(request, applicant_id: int, payload: VoteIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    data = payload.model_dump()
    return Status(201, services.vote_record(actor=request.auth, applicant=applicant, **data))


@router.post("/{int:applicant_id}/notices", response={201: NoticeOut, **ERRORS}, url_name="notice_publish",
             summary="发布公示（默认5个工作日）")
def notice_publish(request, applicant_id: int, payload: NoticeIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    return Status(201, services.notice_publish(actor=request.auth, applicant=applicant, **payload.model_dump()))


@router.post("/notices/{int:notice_id}/withdraw", response={200: NoticeOut, **ERRORS}, url_name="notice_withdraw",
             summary="撤回公示")
def notice_withdraw(request, notice_id: int, payload: WithdrawIn):
    notice = selectors.notice_get(request.auth, notice_id)
    return services.notice_withdraw(actor=request.auth, notice=notice, reason=payload.reason)


@router.post("/notices/{int:notice_id}/objections", response={201: ObjectionOut, **ERRORS}, url_name="objection_record",
             summary="登记公示期间收到的异议（处理完毕前不能办理下一步）")
def objection_record(request, notice_id: int, payload: ObjectionIn):
    notice = selectors.notice_get(request.auth, notice_id)
    return Status(201, services.objection_record(actor=request.auth, notice=notice, **payload.model_dump()))


@router.post("/objections/{int:objection_id}/resolve", response={200: ObjectionOut, **ERRORS}, url_name="objection_resolve",
             summary="登记异议的核查处理结果")
def objection_resolve(request, objection_id: int, payload: ResolveIn):
    objection = selectors.objection_get(request.auth, objection_id)
    return services.objection_resolve(actor=request.auth, objection=objection, **payload.model_dump())


@router.post("/{int:applicant_id}/extend", response={200: ApplicantDetailOut, **ERRORS}, url_name="probation_extend",
             summary="延长预备期（上级党委，一次，6–12个月）")
def probation_extend(request, applicant_id: int, payload: ExtendIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    return services.probation_extend(actor=request.auth, applicant=applicant, **payload.model_dump())


@router.post("/{int:applicant_id}/cancel", response={200: ApplicantDetailOut, **ERRORS}, url_name="probation_cancel",
             summary="取消预备党员资格（上级党委）")
def probation_cancel(request, applicant_id: int, payload: DecisionIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    return services.probation_cancel(actor=request.auth, applicant=applicant, **payload.model_dump())


@router.post("/{int:applicant_id}/close", response={200: ApplicantDetailOut, **ERRORS}, url_name="applicant_close",
             summary="终止发展程序（本人撤回或不再培养）")
def applicant_close(request, applicant_id: int, payload: CloseIn):
    applicant = selectors.applicant_get(request.auth, applicant_id)
    return services.applicant_withdraw(actor=request.auth, applicant=applicant, **payload.model_dump())


@router.put("/plans", response={200: PlanOut, **ERRORS}, url_name="plan_set", summary="设置年度发展党员计划")
def plan_set(request, payload: PlanIn):
    org = org_get(request.auth, payload.org, DevelopmentPerm.RECORD)
    return services.plan_set(actor=request.auth, org=org, year=payload.year, planned=payload.planned)


@router.post("/members/{int:member_id}/suspensions", response={201: SuspensionOut, **ERRORS},
             url_name="suspension_record", summary="登记党员权利中止（留党察看、留置逮捕）")
def suspension_record(request, member_id: int, payload: SuspensionIn):
    data = payload.model_dump()
    member = get_scoped_or_404(Member, request.auth, MemberPerm.VIEW, pk=member_id)
    row = services.suspension_record(actor=request.auth, member=member, **data)
    return Status(201, selectors.suspension_get(request.auth, row.pk))


@router.get("/suspensions/", response={200: SuspensionPageOut, **ERRORS}, url_name="suspension_list",
            summary="党员权利中止（当前的；all=true 含已恢复）")
def suspension_list(request, query: Query[SuspensionListQuery]):
    actor = request.auth
    org_path = org_get(actor, query.org, DevelopmentPerm.VIEW).path if query.org else None
    qs = selectors.suspension_list(actor, org_path=org_path, current=not query.all)
    return page_body(keyset_page(qs, key_fields=("org_path", "id"), page_size=query.page_size, after=query.after,
                                 before=query.before, page=query.page))


@router.post("/suspensions/{int:suspension_id}/end", response={200: SuspensionOut, **ERRORS},
             url_name="suspension_end", summary="恢复党员权利（日期和决定文号）")
def suspension_end(request, suspension_id: int, payload: SuspensionEndIn):
    actor = request.auth
    row = selectors.suspension_get(actor, suspension_id, DevelopmentPerm.RECORD)
    services.suspension_end(actor=actor, suspension=row, **payload.model_dump())
    return selectors.suspension_get(actor, suspension_id)


__all__ = ["NoticeOut", "VoteOut", "router"]
