from grassroots.access.permissions import AccessPerm
from grassroots.access.scoping import active_grants, has_perm_anywhere
from grassroots.core.modules import nav_items
from grassroots.dashboards.permissions import DashboardPerm
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.permissions import OrgPerm


def _grant_labels(user) -> list[str]:
    """"组织部管理员 · 某某县委" for the user menu: one small query for the organization names."""
    from grassroots.access.roles import Role
    from grassroots.orgs.models import Organization

    grants = active_grants(user)
    names = dict(Organization.objects.filter(pk__in={g.org_id for g in grants}).values_list("pk", "name"))
    roles = dict(Role.choices)
    return [f"{roles.get(g.role, g.role)} · {names.get(g.org_id, '')}" for g in grants]


def access(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def has(perm):
        return has_perm_anywhere(user, perm)

    return {
        "nav": {
            "orgs": has(OrgPerm.VIEW),
            "members": has(MemberPerm.VIEW),
            "self": has(MemberPerm.VIEW_SELF),
            "dashboard": has(DashboardPerm.VIEW),
            "users": has(AccessPerm.MANAGE_USERS) or has(AccessPerm.MANAGE_GRANTS),
            "audit": has(AccessPerm.VIEW_AUDIT),
        },
        "module_nav": [item for item in nav_items() if has(item.perm)],
        "my_grants": _grant_labels(user),
    }
