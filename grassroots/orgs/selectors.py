"""Reads of the organization tree; every one starts from Organization.objects.visible_to(actor, perm)."""

import datetime as dt

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone

from grassroots.access.scoping import get_scoped_or_404, orgs_for
from grassroots.core.pagination import Page, capped_count, keyset_page
from grassroots.members.choices import COMMITTEE_POSTS, MemberState, MemberStatus, Post
from grassroots.members.models import Member
from grassroots.members.selectors import holds_post_q
from grassroots.orgs.models import Organization, PartyGroup
from grassroots.orgs.permissions import OrgPerm
from grassroots.orgs.rules import OrgFacts, OrgWarning, org_warnings


def org_roots(actor, perm: str = OrgPerm.VIEW) -> list[Organization]:
    """The top organizations of the actor's scope (where their grants sit)."""
    return list(Organization.objects.filter(path__in=orgs_for(actor, perm)).order_by("path"))


def org_children(actor, parent: Organization, perm: str = OrgPerm.VIEW, include_dissolved: bool = False):
    qs = Organization.objects.visible_to(actor, perm).filter(parent=parent)
    if not include_dissolved:
        qs = qs.active()
    return qs.order_by("path")


def org_subtree(actor, org: Organization, *, include_dissolved: bool = False, page_size: int = 50,
                after: str | None = None, before: str | None = None, page: int | None = None,
                perm: str = OrgPerm.VIEW) -> Page:
    """The organization and everything below it that the actor may see, in tree order, keyset-paged."""
    qs = Organization.objects.visible_to(actor, perm).subtree(org.path)
    if not include_dissolved:
        qs = qs.active()
    result = keyset_page(qs, key_fields=("path", "id"), page_size=page_size, after=after, before=before, page=page)
    result.total, result.total_capped = capped_count(qs)
    return result


def org_search(actor, term: str, perm: str = OrgPerm.VIEW, limit: int = 50):
    term = term.strip()
    if not term:
        return Organization.objects.none()
    return Organization.objects.visible_to(actor, perm).filter(Q(name__contains=term) | Q(code=term)).order_by("path")[:limit]


def org_get(actor, pk: int, perm: str = OrgPerm.VIEW) -> Organization:
    return get_scoped_or_404(Organization.objects.select_related("parent"), actor, perm, pk=pk)


def org_ancestors(actor, org: Organization, perm: str = OrgPerm.VIEW) -> list[Organization]:
    """The breadcrumb: ancestors the actor may see (nothing above their grant)."""
    return list(Organization.objects.visible_to(actor, perm).filter(path__in=org.ancestor_paths).order_by("path"))


def org_facts(org: Organization) -> OrgFacts:
    """The figures the warning rules need for one organization: two small queries on its own members."""
    counts = Member.objects.filter(org=org, state=MemberState.ACTIVE).aggregate(
        total=Count("id"), full=Count("id", filter=Q(status=MemberStatus.FULL)),
        committee=Count("id", filter=holds_post_q(*COMMITTEE_POSTS) & Q(status=MemberStatus.FULL)),
        secretary=Count("id", filter=holds_post_q(Post.SECRETARY) & Q(status=MemberStatus.FULL)),
    )
    return OrgFacts(
        kind=org.kind, sector=org.sector, form=org.form, covered_units=len(org.covered_units or []),
        full_members=counts["full"], total_members=counts["total"], committee_size=counts["committee"],
        has_secretary=counts["secretary"] > 0, term_started_on=org.term_started_on,
        term_ends_on_override=_approved_term_end(org),
    )


def _approved_term_end(org: Organization) -> dt.date | None:
    """The changeover date an approved postponement or bringing forward set for the current term (the
    committees module's TermChange; looked up by name so that orgs does not import the modules above it)."""
    if not org.term_started_on:
        return None
    term_change = apps.get_model("committees", "TermChange")
    return (term_change.objects.filter(org=org, term_started_on=org.term_started_on).order_by("-id")
            .values_list("new_ends_on", flat=True).first())


def org_warnings_for(org: Organization, today: dt.date | None = None) -> list[OrgWarning]:
    return org_warnings(org_facts(org), today or timezone.localdate())


def party_groups_of(org: Organization) -> list[tuple[PartyGroup, int]]:
    """A branch's party groups with their active member counts (the caller has access to the branch)."""
    groups = PartyGroup.objects.filter(org=org).annotate(
        members_count=Count("members", filter=Q(members__state=MemberState.ACTIVE))
    ).order_by("name")
    return list(groups)
