"""Reads of accounts, grants, tokens and the audit log. Scopes come from access.scoping alone.

Which users an administrator sees (system administrator: AccessPerm.MANAGE_USERS, security administrator:
AccessPerm.MANAGE_GRANTS): users holding a grant at an organization inside the administrator's subtree, plus
accounts created inside that subtree (the `access.user.create` audit row carries the organization path)
or created by the administrator.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from grassroots.access.models import ApiToken, RoleGrant, User
from grassroots.access.permissions import AccessPerm
from grassroots.access.roles import permissions_of
from grassroots.access.scoping import active_grants, orgs_for, path_filter
from grassroots.core.models import AuditEvent

USER_ADMIN_PERMS = (AccessPerm.MANAGE_USERS, AccessPerm.MANAGE_GRANTS)
USER_CREATE_VERB = "access.user.create"


def _minimal(paths) -> list[str]:
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def user_admin_prefixes(actor, perm: str | None = None) -> list[str]:
    """The subtrees in which the actor administers accounts (one perm, or either admin perm)."""
    perms = (perm,) if perm else USER_ADMIN_PERMS
    return _minimal(p for one in perms for p in orgs_for(actor, one))


def users_visible_to(actor, perm: str | None = None) -> QuerySet[User]:
    prefixes = user_admin_prefixes(actor, perm)
    if not prefixes:
        return User.objects.none()
    in_subtree = RoleGrant.objects.filter(path_filter("org__path", prefixes)).values("user_id")
    created = AuditEvent.objects.filter(verb=USER_CREATE_VERB, target_type="access.user").filter(
        Q(actor_id=actor.pk) | path_filter("org_path", prefixes)
    ).values("target_id")
    return User.objects.filter(Q(pk__in=in_subtree) | Q(pk__in=created))


def user_list(actor, *, q: str = "", perm: str | None = None) -> QuerySet[User]:
    """Each user carries `visible_grants`: their grants inside the actor's subtrees."""
    qs = users_visible_to(actor, perm)
    q = q.strip()
    if q:
        # Lower() rather than icontains: SQLite runs with case_sensitive_like=ON.
        qs = qs.annotate(lowered=Lower("username")).filter(Q(lowered__contains=q.lower()) | Q(display_name__contains=q))
    in_scope = RoleGrant.objects.filter(path_filter("org__path", user_admin_prefixes(actor, perm)) or Q(pk__in=[]))
    in_scope = in_scope.select_related("org").order_by("org__path", "role")
    visible = Prefetch("grants", queryset=in_scope, to_attr="visible_grants")
    return qs.order_by("username", "id").prefetch_related(visible)


def user_get(actor, pk, perm: str | None = None) -> User:
    """The same 404 for an account that does not exist and one outside the actor's scope."""
    try:
        return users_visible_to(actor, perm).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def user_grants(actor, user: User, perm: str | None = None) -> tuple[list[RoleGrant], int]:
    """The user's grants inside the actor's subtrees, and how many more lie outside them."""
    query = path_filter("org__path", user_admin_prefixes(actor, perm)) or Q(pk__in=[])
    grants = RoleGrant.objects.filter(user=user)
    inside = list(grants.filter(query).select_related("org", "granted_by").order_by("org__path", "role"))
    return inside, grants.exclude(pk__in=[g.pk for g in inside]).count()


def user_home_path(user: User) -> str:
    """The organization an account belongs to, for the audit row's org_path: the deepest organization that
    contains all its grants, else the one it was created under."""
    paths = list(RoleGrant.objects.filter(user=user).values_list("org__path", flat=True))
    if paths:
        from grassroots.orgs.models import PATH_STEP

        common = paths[0]
        for path in paths[1:]:
            n = 0
            while n < min(len(common), len(path)) and common[n] == path[n]:
                n += 1
            common = common[: n - n % PATH_STEP]
        return common
    created = (
        AuditEvent.objects.filter(verb=USER_CREATE_VERB, target_type="access.user", target_id=user.pk)
        .values_list("org_path", flat=True).first()
    )
    return created or ""


def user_holds_admin_role(user: User, roles) -> bool:
    return RoleGrant.objects.filter(user=user, role__in=list(roles)).exists()


def grant_get(actor, pk) -> RoleGrant:
    prefixes = orgs_for(actor, AccessPerm.MANAGE_GRANTS)
    if not prefixes:
        raise Http404
    try:
        return RoleGrant.objects.select_related("user", "org").filter(path_filter("org__path", prefixes)).get(pk=pk)
    except (RoleGrant.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def grant_orgs(actor, *, q: str = "", limit: int = 200):
    """Organizations where the actor may grant roles, for the grant form's select (first `limit`)."""
    from grassroots.orgs.models import Organization

    qs = Organization.objects.visible_to(actor, AccessPerm.MANAGE_GRANTS).active()
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return list(qs.order_by("path")[:limit])


def user_orgs(actor, *, limit: int = 200):
    """Organizations under which the actor may create accounts."""
    from grassroots.orgs.models import Organization

    return list(Organization.objects.visible_to(actor, AccessPerm.MANAGE_USERS).active().order_by("path")[:limit])


def token_list(actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor).order_by("-created_at", "-id")


def token_get(actor, pk) -> ApiToken:
    try:
        return ApiToken.objects.get(user=actor, pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass
class AuditFilters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    verb: str = ""
    actor: str = ""
    outcome: str = ""


def audit_scope(actor) -> Q | None:
    """Events under one of the audit administrator's subtrees, plus events without an organization (logins,
    lockouts) for an audit administrator at a top-level organization. None: nothing is visible."""
    grants = [g for g in active_grants(actor) if AccessPerm.VIEW_AUDIT in permissions_of(g.role)]
    query = path_filter("org_path", orgs_for(actor, AccessPerm.VIEW_AUDIT))
    if query is not None and any(g.depth == 1 for g in grants):
        query |= Q(org_path="")
    return query


def audit_event_list(actor, filters: AuditFilters, *, page_size: int = 50, before: int | None = None):
    """Newest first, keyset on id: returns (events, next_before or None)."""
    scope = audit_scope(actor)
    if scope is None:
        return [], None
    qs = AuditEvent.objects.filter(scope)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        qs = qs.filter(occurred_at__gte=dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz))
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        qs = qs.filter(occurred_at__lt=end)
    if filters.verb:
        qs = qs.filter(verb__startswith=filters.verb)
    if filters.actor:
        qs = qs.annotate(actor_lowered=Lower("actor_name")).filter(actor_lowered__contains=filters.actor.lower())
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    return rows, (rows[-1].id if more and rows else None)


def accounts_inactive(days: int = 90, now: dt.datetime | None = None) -> QuerySet[User]:
    """Active accounts not used for `days` days (never-used accounts count from when they were created)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    ).order_by("username")
