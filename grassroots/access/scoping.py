"""The one home of scoping: turns role grants into query filters (STYLE.md, SECURITY.md B1).

A grant at an organization covers its subtree, so every scope is a set of materialized-path
prefixes and every filter is `<path field> LIKE 'prefix%'`: one index range scan, no recursion.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from grassroots.access.roles import permissions_of
from grassroots.core.errors import PermissionRefused
from grassroots.core.paths import is_strictly_above, subtree_q

_CACHE_ATTR = "_grassroots_grants"


@dataclass(frozen=True)
class ActiveGrant:
    role: str
    org_id: int
    path: str
    depth: int


def active_grants(actor, today: dt.date | None = None) -> list[ActiveGrant]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from grassroots.access.models import RoleGrant

    today = today or timezone.localdate()
    rows = (
        RoleGrant.objects.filter(user=actor, valid_from__lte=today, org__status="active")
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values_list("role", "org_id", "org__path", "org__depth")
    )
    grants = [ActiveGrant(*row) for row in rows]
    setattr(actor, _CACHE_ATTR, grants)
    return grants


def forget_grants(actor) -> None:
    if actor is not None and hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def has_perm_anywhere(actor, perm: str) -> bool:
    return any(perm in permissions_of(g.role) for g in active_grants(actor))


def orgs_for(actor, perm: str) -> list[str]:
    """The minimal set of path prefixes under which the actor holds `perm`."""
    paths = sorted({g.path for g in active_grants(actor) if perm in permissions_of(g.role)})
    minimal: list[str] = []
    for path in paths:
        if not any(path.startswith(kept) for kept in minimal):
            minimal.append(path)
    return minimal


def path_filter(field: str, prefixes: list[str]) -> Q | None:
    query = None
    for prefix in prefixes:
        part = subtree_q(field, prefix)
        query = part if query is None else query | part
    return query


def can(actor, perm: str, path: str | None = None) -> bool:
    """Does the actor hold `perm` at the organization with this path (or anywhere, if no path)?"""
    prefixes = orgs_for(actor, perm)
    if path is None:
        return bool(prefixes)
    return any(path.startswith(p) for p in prefixes)


def grants_above(actor, perm: str, path: str) -> list[ActiveGrant]:
    """The actor's grants of `perm` at organizations strictly above `path`. Approvals are made by the level
    above (roles.py): a grant at the record's own organization covers it but does not count here."""
    return [g for g in active_grants(actor) if perm in permissions_of(g.role) and is_strictly_above(g.path, path)]


def can_above(actor, perm: str, path: str) -> bool:
    return bool(grants_above(actor, perm, path))


def require(actor, perm: str, org_or_path) -> None:
    path = org_or_path if isinstance(org_or_path, str) else org_or_path.path
    if not can(actor, perm, path):
        raise PermissionRefused()


class ScopedQuerySet(models.QuerySet):
    """Mixin for every organization-owned model. The model declares `scope_field` (a path column) and
    optionally `scope_self_field` and `scope_self_perms` {perm: self-perm} for self-service records."""

    def visible_to(self, actor, perm: str):
        model = self.model
        query = path_filter(model.scope_field, orgs_for(actor, perm))
        self_perm = getattr(model, "scope_self_perms", {}).get(perm)
        if self_perm and has_perm_anywhere(actor, self_perm):
            own = Q(**{model.scope_self_field: actor})
            query = own if query is None else query | own
        extra = getattr(model, "scope_extra", None)
        if extra is not None:
            more = extra(actor, perm)
            if more is not None:
                query = more if query is None else query | more
        return self.filter(query) if query is not None else self.none()


def get_scoped_or_404(model_or_qs, actor, perm: str, **lookup):
    """The same 404 for a record that does not exist and one outside the actor's scope."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs.objects.all()
    try:
        return qs.visible_to(actor, perm).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
