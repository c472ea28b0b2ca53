"""Organization endpoints: thin adapters over orgs.selectors and orgs.services. Every lookup is scoped, so an
organization outside the caller's subtree answers 404 exactly like a missing one."""

from django.db import IntegrityError
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from grassroots.api.schemas import ERROR_STATUSES, ErrorOut, PageQuery, page_body
from grassroots.core.errors import ValidationFailed
from grassroots.orgs import selectors, services
from grassroots.orgs.api.schemas import (
    OrgChildrenQuery,
    OrgCreateIn,
    OrgDetailOut,
    OrgDissolveIn,
    OrgMoveIn,
    OrgOut,
    OrgPageOut,
    OrgRecordOut,
    OrgSearchQuery,
    OrgUpdateIn,
)
from grassroots.orgs.models import Organization
from grassroots.orgs.rules import term_ends_on

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}


class OrgSubtreeQuery(PageQuery, OrgChildrenQuery):
    pass


def _detailed(org: Organization) -> dict:
    """The record plus what the rules say about it: its warnings and when its term ends."""
    return {
        **OrgRecordOut.model_validate(org).model_dump(),
        "term_ends_on": term_ends_on(org.kind, org.sector, org.term_started_on),
        "warnings": selectors.org_warnings_for(org),
    }


@router.get("/", response={200: list[OrgOut], **ERRORS}, url_name="org_roots", summary="我的顶级组织")
def org_root_list(request):
    """The organizations where the caller's grants sit (the tops of their scope)."""
    return selectors.org_roots(request.auth)


@router.get("/search", response={200: list[OrgOut], **ERRORS}, url_name="org_search", summary="搜索组织")
def org_search(request, query: Query[OrgSearchQuery]):
    """At most 50 organizations in scope whose name contains `q` or whose code is `q`, in tree order."""
    return list(selectors.org_search(request.auth, query.q))


@router.get("/{org_id}", response={200: OrgDetailOut, **ERRORS}, url_name="org_detail", summary="组织详情")
def org_detail(request, org_id: int):
    return _detailed(selectors.org_get(request.auth, org_id))


@router.get("/{org_id}/children", response={200: list[OrgOut], **ERRORS}, url_name="org_children",
            summary="下级组织")
def org_children(request, org_id: int, query: Query[OrgChildrenQuery]):
    org = selectors.org_get(request.auth, org_id)
    return list(selectors.org_children(request.auth, org, include_dissolved=query.include_dissolved))


@router.get("/{org_id}/subtree", response={200: OrgPageOut, **ERRORS}, url_name="org_subtree",
            summary="组织及其全部下级（分页）")
def org_subtree(request, org_id: int, query: Query[OrgSubtreeQuery]):
    """The organization and every organization below it that the caller may see, in tree (path) order."""
    org = selectors.org_get(request.auth, org_id)
    page = selectors.org_subtree(request.auth, org, include_dissolved=query.include_dissolved,
                                 page_size=query.page_size, after=query.after, before=query.before, page=query.page)
    return page_body(page)


@router.post("/{org_id}/children", response={201: OrgDetailOut, **ERRORS}, url_name="org_create",
             summary="新建下级组织")
def org_create(request, org_id: int, payload: OrgCreateIn):
    parent = selectors.org_get(request.auth, org_id)
    fields = payload.model_dump(exclude_unset=True)
    name = fields.pop("name")
    org = services.org_create(actor=request.auth, parent=parent, name=name, **fields)
    return Status(201, _detailed(org))


@router.patch("/{org_id}", response={200: OrgDetailOut, **ERRORS}, url_name="org_update", summary="修改组织信息")
def org_update(request, org_id: int, payload: OrgUpdateIn):
    org = selectors.org_get(request.auth, org_id)
    fields = payload.model_dump(exclude_unset=True)
    version = fields.pop("version")
    try:
        services.org_update(actor=request.auth, org=org, version=version, **fields)
    except IntegrityError as exc:  # the only unique column org_update writes is `code`
        raise ValidationFailed({"code": ["该组织代码已被其他组织使用"]}) from exc
    return _detailed(org)


@router.post("/{org_id}/move", response={200: OrgDetailOut, **ERRORS}, url_name="org_move", summary="调整上级组织")
def org_move(request, org_id: int, payload: OrgMoveIn):
    org = selectors.org_get(request.auth, org_id)
    new_parent = selectors.org_get(request.auth, payload.parent)
    org = services.org_move(actor=request.auth, org=org, new_parent=new_parent, version=payload.version)
    return _detailed(org)


@router.post("/{org_id}/dissolve", response={200: OrgDetailOut, **ERRORS}, url_name="org_dissolve",
             summary="撤销组织")
def org_dissolve(request, org_id: int, payload: OrgDissolveIn):
    org = selectors.org_get(request.auth, org_id)
    org = services.org_dissolve(actor=request.auth, org=org, version=payload.version,
                                on=payload.on or timezone.localdate(), reason=payload.reason)
    return _detailed(org)
