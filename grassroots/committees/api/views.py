"""Committee endpoints: thin adapters over committees.selectors and committees.services. Lookups are scoped (404
outside the caller's subtree); a permission the caller lacks, or an approval at their own level, answers 403."""

from django.http import Http404
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field

from grassroots.access.scoping import get_scoped_or_404
from grassroots.api.schemas import ERROR_STATUSES, ErrorOut, Id, PageQuery, page_body
from grassroots.committees import rules, selectors, services
from grassroots.committees.api.schemas import (
    CadreIn,
    CadreOut,
    CadrePageOut,
    CadreUpdateIn,
    CandidateIn,
    CandidateOut,
    CommitteeOut,
    CommitteePostOut,
    ElectionDetailOut,
    ElectionIn,
    ElectionOut,
    ElectionPageOut,
    ExclusionIn,
    ExclusionOut,
    FirstSecretaryDetailOut,
    FirstSecretaryIn,
    FirstSecretaryOut,
    FirstSecretaryPageOut,
    MeetingIn,
    NominationIn,
    PostCreateIn,
    PostEndIn,
    PostsIn,
    RoundIn,
    RoundOut,
    TermChangeIn,
    TermChangeOut,
    TermDuePageOut,
    TrainingIn,
    TrainingOut,
    TransitionIn,
    VersionIn,
    WorkLogIn,
    WorkLogOut,
)
from grassroots.committees.choices import CadreStatus
from grassroots.committees.models import CommitteePost, VoterExclusion
from grassroots.committees.permissions import CommitteePerm
from grassroots.core.errors import ValidationFailed
from grassroots.members.choices import MemberState
from grassroots.members.models import Member

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}


class OrgQuery(PageQuery):
    org: Id = Field(description="党组织ID：该组织及其全部下级")


class TermsQuery(OrgQuery):
    due: str = Field("overdue", pattern="^(overdue|ending)$", description="overdue 已届满；ending 6个月内届满")


class CadreQuery(OrgQuery):
    status: CadreStatus | None = None


def _member(org, pk: int, field: str = "member") -> Member:
    member = Member.objects.filter(selectors.members_q(org), pk=pk, state=MemberState.ACTIVE).first()
    if member is None:
        raise ValidationFailed({field: ["请选择本组织在册党员"]})
    return member


def _post_out(post: CommitteePost) -> dict:
    return {"id": post.pk, "org_id": post.org_id, "member": {"id": post.member_id, "name": post.member.name},
            "post": post.post, "started_on": post.started_on, "ended_on": post.ended_on,
            "end_reason": post.end_reason, "election_id": post.election_id, "version": post.version}


@router.get("/orgs/{org_id}/committee", response={200: CommitteeOut, **ERRORS}, url_name="committee_detail",
            summary="党组织现任班子、规则提示和任期")
def committee_detail(request, org_id: int):
    org = selectors.org_for(request.auth, org_id)
    facts, warnings = selectors.committee_warnings(org)
    info = selectors.term_info(org)
    return {
        "org_id": org.pk, "org_name": org.name, "full_members": facts.full_members,
        "committee_size": facts.committee_size, "size_range": list(rules.committee_size_range(facts.full_members)),
        "current": [_post_out(p) for p in selectors.committee_current(org)],
        "warnings": [vars(w) for w in warnings],
        "term": {k: getattr(info, k) for k in ("years", "source", "started_on", "statutory_ends_on", "ends_on",
                                                "overdue", "ending_soon")},
    }


@router.post("/orgs/{org_id}/posts", response={201: CommitteePostOut, **ERRORS}, url_name="post_create",
             summary="登记委员会任职")
def post_create(request, org_id: int, payload: PostCreateIn):
    org = selectors.org_for(request.auth, org_id, CommitteePerm.MANAGE)
    row = services.committee_post_add(actor=request.auth, org=org, member=_member(org, payload.member),
                                      post=payload.post, started_on=payload.started_on)
    return Status(201, _post_out(row))


@router.post("/posts/{post_id}/end", response={200: CommitteePostOut, **ERRORS}, url_name="post_end",
             summary="登记离任")
def post_end(request, post_id: int, payload: PostEndIn):
    post = get_scoped_or_404(CommitteePost.objects.select_related("org", "member"), request.auth,
                             CommitteePerm.VIEW, pk=post_id)
    services.committee_post_end(actor=request.auth, post=post, version=payload.version, ended_on=payload.ended_on,
                                reason=payload.reason)
    return _post_out(post)


@router.get("/terms", response={200: TermDuePageOut, **ERRORS}, url_name="term_list",
            summary="已届满或6个月内届满的党组织")
def term_list(request, query: Query[TermsQuery]):
    org = selectors.org_for(request.auth, query.org)
    page = selectors.terms_due(request.auth, org, query.due, page_size=query.page_size, after=query.after,
                               before=query.before, page=query.page)
    return page_body(page)


@router.post("/orgs/{org_id}/term-changes", response={201: TermChangeOut, **ERRORS}, url_name="term_change_create",
             summary="上级批准延期或提前换届（不超过1年）")
def term_change_create(request, org_id: int, payload: TermChangeIn):
    org = selectors.org_for(request.auth, org_id)
    row = services.term_change_approve(actor=request.auth, org=org, **payload.model_dump())
    return Status(201, row)


@router.get("/elections", response={200: ElectionPageOut, **ERRORS}, url_name="election_list", summary="换届选举列表")
def election_list(request, query: Query[OrgQuery]):
    org = selectors.org_for(request.auth, query.org)
    return page_body(selectors.election_list(request.auth, org, page_size=query.page_size, page=query.page))


@router.post("/orgs/{org_id}/elections", response={201: ElectionOut, **ERRORS}, url_name="election_create",
             summary="建立换届选举")
def election_create(request, org_id: int, payload: ElectionIn):
    org = selectors.org_for(request.auth, org_id, CommitteePerm.MANAGE)
    return Status(201, services.election_create(actor=request.auth, org=org, **payload.model_dump()))


def _election_detail(election) -> dict:
    view = selectors.election_overview(election)
    body = ElectionOut.from_orm(election).dict()
    body.update(
        candidates_needed=view.candidates_needed,
        candidates=[{"id": c.pk, "member": {"id": c.member_id, "name": c.member.name}, "pledge": c.pledge,
                     "elected_in_round": c.elected_in_round, "post": c.post, "score": c.score}
                    for c in view.candidates],
        rounds=[{"id": r.pk, "number": r.number, "seats": r.seats, "ballots_issued": r.ballots_issued,
                 "ballots_returned": r.ballots_returned, "void": r.void,
                 "votes": [{"candidate_id": v.candidate_id, "yes": v.yes} for v in r.votes.all()]} for r in view.rounds],
        exclusions=[{"id": x.pk, "member": {"id": x.member_id, "name": x.member.name}, "reason": x.reason,
                     "detail": x.detail, "approved_on": x.approved_on} for x in view.exclusions],
    )
    return body


@router.get("/elections/{election_id}", response={200: ElectionDetailOut, **ERRORS}, url_name="election_detail",
            summary="换届选举详情（候选人、计票、不计入应到人数）")
def election_detail(request, election_id: int):
    return _election_detail(selectors.election_get(request.auth, election_id))


@router.post("/elections/{election_id}/transition", response={200: ElectionDetailOut, **ERRORS},
             url_name="election_transition", summary="推进选举阶段（报批、批准、退回、确定候选人、备案）")
def election_transition(request, election_id: int, payload: TransitionIn):
    election = selectors.election_get(request.auth, election_id)
    services.election_transition(actor=request.auth, election=election, **payload.model_dump())
    return _election_detail(election)


@router.post("/elections/{election_id}/nominations", response={201: ElectionDetailOut, **ERRORS},
             url_name="nomination_create", summary="登记一轮推荐（两推一选/公推直选）")
def nomination_create(request, election_id: int, payload: NominationIn):
    election = selectors.election_get(request.auth, election_id)
    votes = {_member(election.org, pk, "votes"): count for pk, count in payload.votes.items()}
    data = payload.model_dump(exclude={"votes"})
    services.nomination_round_add(actor=request.auth, election=election, votes=votes, **data)
    return Status(201, _election_detail(election))


@router.post("/elections/{election_id}/candidates", response={201: CandidateOut, **ERRORS},
             url_name="candidate_create", summary="加入候选人（含承诺）")
def candidate_create(request, election_id: int, payload: CandidateIn):
    election = selectors.election_get(request.auth, election_id)
    candidate = services.candidate_add(actor=request.auth, election=election,
                                       member=_member(election.org, payload.member), pledge=payload.pledge)
    return Status(201, {"id": candidate.pk, "member": {"id": candidate.member_id, "name": candidate.member.name},
                        "pledge": candidate.pledge, "elected_in_round": None, "post": ""})


@router.post("/elections/{election_id}/exclusions", response={201: ExclusionOut, **ERRORS},
             url_name="exclusion_create", summary="登记不计入应到会人数的党员")
def exclusion_create(request, election_id: int, payload: ExclusionIn):
    election = selectors.election_get(request.auth, election_id)
    row = services.exclusion_add(actor=request.auth, election=election, member=_member(election.org, payload.member),
                                 reason=payload.reason, detail=payload.detail)
    return Status(201, {"id": row.pk, "member": {"id": row.member_id, "name": row.member.name}, "reason": row.reason,
                        "detail": row.detail, "approved_on": None})


@router.post("/elections/{election_id}/exclusions/{exclusion_id}/approve", response={200: ExclusionOut, **ERRORS},
             url_name="exclusion_approve", summary="上级同意不计入应到会人数")
def exclusion_approve(request, election_id: int, exclusion_id: int):
    election = selectors.election_get(request.auth, election_id)
    exclusion = VoterExclusion.objects.filter(election=election, pk=exclusion_id).select_related("member").first()
    if exclusion is None:
        raise Http404
    exclusion.election = election
    services.exclusion_approve(actor=request.auth, exclusion=exclusion)
    return {"id": exclusion.pk, "member": {"id": exclusion.member_id, "name": exclusion.member.name},
            "reason": exclusion.reason, "detail": exclusion.detail, "approved_on": exclusion.approved_on}


@router.post("/elections/{election_id}/meeting", response={200: ElectionDetailOut, **ERRORS},
             url_name="meeting_record", summary="登记选举大会（应到按花名册计算，实到须超过4/5）")
def meeting_record(request, election_id: int, payload: MeetingIn):
    election = selectors.election_get(request.auth, election_id)
    services.election_meeting_record(actor=request.auth, election=election, **payload.model_dump())
    return _election_detail(election)


@router.post("/elections/{election_id}/rounds", response={201: RoundOut, **ERRORS}, url_name="round_record",
             summary="登记一轮计票（收回多于发出则无效；过半数且得票多者当选）")
def round_record(request, election_id: int, payload: RoundIn):
    election = selectors.election_get(request.auth, election_id)
    row = services.election_round_record(actor=request.auth, election=election, **payload.model_dump())
    return Status(201, {"id": row.pk, "number": row.number, "seats": row.seats, "ballots_issued": row.ballots_issued,
                        "ballots_returned": row.ballots_returned, "void": row.void,
                        "votes": [{"candidate_id": k, "yes": v} for k, v in payload.votes.items()]})


@router.post("/elections/{election_id}/posts", response={200: ElectionDetailOut, **ERRORS}, url_name="posts_assign",
             summary="确定当选委员分工")
def posts_assign(request, election_id: int, payload: PostsIn):
    election = selectors.election_get(request.auth, election_id)
    services.election_posts_assign(actor=request.auth, election=election, version=payload.version,
                                   posts=payload.posts)
    return _election_detail(election)


@router.post("/elections/{election_id}/publish", response={200: ElectionOut, **ERRORS}, url_name="election_publish",
             summary="公示已批准的选举结果")
def election_publish(request, election_id: int, payload: VersionIn):
    election = selectors.election_get(request.auth, election_id)
    return services.election_publish(actor=request.auth, election=election, version=payload.version)


@router.get("/first-secretaries", response={200: FirstSecretaryPageOut, **ERRORS}, url_name="first_secretary_list",
            summary="驻村第一书记")
def first_secretary_list(request, query: Query[OrgQuery]):
    org = selectors.org_for(request.auth, query.org)
    return page_body(selectors.first_secretary_list(request.auth, org, page_size=query.page_size, page=query.page))


@router.post("/orgs/{org_id}/first-secretaries", response={201: FirstSecretaryOut, **ERRORS},
             url_name="first_secretary_create", summary="派驻第一书记")
def first_secretary_create(request, org_id: int, payload: FirstSecretaryIn):
    org = selectors.org_for(request.auth, org_id, CommitteePerm.MANAGE)
    return Status(201, services.first_secretary_assign(actor=request.auth, org=org, **payload.model_dump()))


@router.get("/first-secretaries/{fs_id}", response={200: FirstSecretaryDetailOut, **ERRORS},
            url_name="first_secretary_detail", summary="第一书记及工作纪实")
def first_secretary_detail(request, fs_id: int):
    row = selectors.first_secretary_get(request.auth, fs_id)
    body = FirstSecretaryOut.from_orm(row).dict()
    body["log"] = list(row.log_entries.order_by("-occurred_on", "-id")[:500])
    return body


@router.post("/first-secretaries/{fs_id}/log", response={201: WorkLogOut, **ERRORS}, url_name="work_log_create",
             summary="记工作纪实")
def work_log_create(request, fs_id: int, payload: WorkLogIn):
    row = selectors.first_secretary_get(request.auth, fs_id)
    return Status(201, services.work_log_add(actor=request.auth, first_secretary=row, **payload.model_dump()))


@router.get("/cadres", response={200: CadrePageOut, **ERRORS}, url_name="cadre_list", summary="村级后备干部")
def cadre_list(request, query: Query[CadreQuery]):
    org = selectors.org_for(request.auth, query.org)
    return page_body(selectors.cadre_list(request.auth, org, status=query.status or "", page_size=query.page_size,
                                          page=query.page))


@router.post("/orgs/{org_id}/cadres", response={201: CadreOut, **ERRORS}, url_name="cadre_create",
             summary="登记后备干部")
def cadre_create(request, org_id: int, payload: CadreIn):
    org = selectors.org_for(request.auth, org_id, CommitteePerm.MANAGE)
    cadre = services.reserve_cadre_add(actor=request.auth, org=org, **payload.model_dump())
    return Status(201, selectors.cadre_get(request.auth, cadre.pk))


@router.patch("/cadres/{cadre_id}", response={200: CadreOut, **ERRORS}, url_name="cadre_update",
              summary="修改后备干部信息或状态")
def cadre_update(request, cadre_id: int, payload: CadreUpdateIn):
    cadre = selectors.cadre_get(request.auth, cadre_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    services.reserve_cadre_update(actor=request.auth, cadre=cadre, version=version, **data)
    return selectors.cadre_get(request.auth, cadre.pk)


@router.post("/cadres/{cadre_id}/trainings", response={201: TrainingOut, **ERRORS}, url_name="training_create",
             summary="记录后备干部培训")
def training_create(request, cadre_id: int, payload: TrainingIn):
    cadre = selectors.cadre_get(request.auth, cadre_id)
    return Status(201, services.cadre_training_add(actor=request.auth, cadre=cadre, **payload.model_dump()))
