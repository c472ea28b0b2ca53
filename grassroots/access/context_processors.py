from grassroots.access.permissions import AccessPerm
from grassroots.access.scoping import active_grants, has_perm_anywhere
from grassroots.dashboards.permissions import DashboardPerm
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.permissions import OrgPerm


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
        "my_grants": active_grants(user),
    }
