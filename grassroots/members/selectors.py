"""Reads of the member registry. Every one starts from Member.objects.visible_to(actor, perm)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from grassroots.access.scoping import get_scoped_or_404
from grassroots.core.pagination import Page, capped_count, keyset_page
from grassroots.core.paths import subtree_q
from grassroots.members.choices import MemberState
from grassroots.members.models import Member
from grassroots.members.permissions import MemberPerm
from grassroots.members.rules import birth_range_for_band

FLAG_FIELDS = ("is_mobile", "is_unreachable", "household_plaque", "household_hub")
LIST_COLUMNS = (
    "id", "org_id", "org_path", "name", "gender", "ethnicity", "birth_date", "id_number_masked", "phone_masked",
    "education", "occupation", "joined_on", "confirmed_on", "status", "is_mobile", "is_unreachable",
    "household_plaque", "household_hub", "state", "version",
)


def holds_post_q(*posts: str) -> Q:
    """Members whose posts list holds any of these posts, in SQL on both engines (the JSON text contains the
    quoted code: '"secretary"' does not match "deputy_secretary")."""
    query = Q()
    for post in posts:
        query |= Q(posts__icontains=f'"{post}"')
    return query


@dataclass
class MemberFilters:
    org_path: str | None = None  # subtree
    q: str = ""  # name, or pinyin initials
    status: str = ""
    gender: str = ""
    age_band: str = ""
    education: str = ""
    occupation: str = ""
    flag: str = ""  # one of FLAG_FIELDS
    state: str = MemberState.ACTIVE  # "" for all


def member_queryset(actor, filters: MemberFilters, today: dt.date | None = None, perm: str = MemberPerm.VIEW):
    # The narrower subtree goes first: SQLite bounds its index scan with the first range on a column.
    qs = Member.objects.filter(subtree_q("org_path", filters.org_path)) if filters.org_path else Member.objects.all()
    qs = qs.visible_to(actor, perm)
    if filters.state:
        qs = qs.filter(state=filters.state)
    for name in ("status", "gender", "education", "occupation"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if filters.flag in FLAG_FIELDS:
        qs = qs.filter(**{filters.flag: True})
    if filters.age_band:
        try:
            earliest, latest = birth_range_for_band(filters.age_band, today or timezone.localdate())
        except ValueError:
            return qs.none()
        qs = qs.filter(birth_date__lte=latest)
        if earliest is not None:
            qs = qs.filter(birth_date__gt=earliest)
    term = filters.q.strip()
    if term:
        if term.isascii() and term.isalpha():
            qs = qs.filter(name_initials__startswith=term.lower())
        else:
            qs = qs.filter(Q(name__startswith=term) | Q(name__contains=term))
    return qs


def member_list(actor, filters: MemberFilters, *, page_size: int = 50, after: str | None = None,
                before: str | None = None, page: int | None = None, with_count: bool = True) -> Page:
    qs = member_queryset(actor, filters).select_related("org").only(*LIST_COLUMNS, "org__name")
    result = keyset_page(qs, key_fields=("org_path", "id"), page_size=page_size, after=after, before=before, page=page)
    if with_count:
        result.total, result.total_capped = capped_count(member_queryset(actor, filters))
    return result


def member_get(actor, pk: int, perm: str = MemberPerm.VIEW) -> Member:
    return get_scoped_or_404(Member.objects.select_related("org", "party_group", "user"), actor, perm, pk=pk)
