"""Member endpoints: thin adapters over members.selectors and members.services. Lists and details carry masked
identifiers only; the full values come from POST …/reveal, which needs members.reveal and is audited.

Lookups are scoped (404 outside the caller's subtree); a record the caller may see but not change answers 403
from the service's own permission check."""

from ninja import Query, Router
from ninja.responses import Status

from grassroots.access.scoping import get_scoped_or_404
from grassroots.api.schemas import ERROR_STATUSES, ErrorOut, page_body
from grassroots.members import selectors, services
from grassroots.members.api.schemas import (
    MemberCreateIn,
    MemberDetailOut,
    MemberExitIn,
    MemberListQuery,
    MemberPageOut,
    MemberRevealIn,
    MemberSecretsOut,
    MemberUpdateIn,
)
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.models import PartyGroup
from grassroots.orgs.selectors import org_get

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}


def _party_group(actor, pk: int | None, perm: str) -> PartyGroup | None:
    return None if pk is None else get_scoped_or_404(PartyGroup, actor, perm, pk=pk)


@router.get("/", response={200: MemberPageOut, **ERRORS}, url_name="member_list", summary="党员列表（花名册）")
def member_list(request, query: Query[MemberListQuery]):
    """Members in the caller's scope, in tree order, with keyset cursors or page numbers; `total` is capped."""
    actor = request.auth
    filters = selectors.MemberFilters(
        org_path=org_get(actor, query.org, MemberPerm.VIEW).path if query.org else None,
        q=query.q,
        status=query.status or "",
        gender=query.gender or "",
        age_band=query.age_band or "",
        education=query.education or "",
        occupation=query.occupation or "",
        flag=query.flag or "",
        state="" if query.state == "all" else query.state,
    )
    page = selectors.member_list(actor, filters, page_size=query.page_size, after=query.after, before=query.before,
                                 page=query.page)
    return page_body(page)


@router.post("/", response={201: MemberDetailOut, **ERRORS}, url_name="member_create", summary="新增党员")
def member_create(request, payload: MemberCreateIn):
    actor = request.auth
    data = payload.model_dump()
    org = org_get(actor, data.pop("org"), MemberPerm.CREATE)
    data["party_group"] = _party_group(actor, data["party_group"], MemberPerm.CREATE)
    member = services.member_create(actor=actor, org=org, **data)
    return Status(201, member)


@router.get("/{member_id}", response={200: MemberDetailOut, **ERRORS}, url_name="member_detail", summary="党员详情")
def member_detail(request, member_id: int):
    return selectors.member_get(request.auth, member_id)


@router.patch("/{member_id}", response={200: MemberDetailOut, **ERRORS}, url_name="member_update",
              summary="修改党员信息")
def member_update(request, member_id: int, payload: MemberUpdateIn):
    actor = request.auth
    member = selectors.member_get(actor, member_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    if "org" in data:
        data["org"] = org_get(actor, data["org"], MemberPerm.CHANGE)
    if "party_group" in data:
        data["party_group"] = _party_group(actor, data["party_group"], MemberPerm.CHANGE)
    return services.member_update(actor=actor, member=member, version=version, **data)


@router.post("/{member_id}/reveal", response={200: MemberSecretsOut, **ERRORS}, url_name="member_reveal",
             summary="查看完整身份证号、电话、住址（留审计记录）")
def member_reveal(request, member_id: int, payload: MemberRevealIn):
    member = selectors.member_get(request.auth, member_id)
    secrets = services.member_reveal(actor=request.auth, member=member, reason=payload.reason)
    return {"id": member.pk, **secrets}


@router.post("/{member_id}/exit", response={200: MemberDetailOut, **ERRORS}, url_name="member_exit",
             summary="出党/转出登记")
def member_exit(request, member_id: int, payload: MemberExitIn):
    member = selectors.member_get(request.auth, member_id)
    services.member_exit_direct(actor=request.auth, member=member, version=payload.version, kind=payload.kind,
                         occurred_on=payload.occurred_on, reason=payload.reason, decided_by=payload.decided_by,
                         meeting_on=payload.meeting_on)
    return member
