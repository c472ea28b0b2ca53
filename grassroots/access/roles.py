"""Built-in roles and the permissions each carries. A role granted at an organization covers its subtree.

The three administrator roles are separated (SECURITY.md B3, GB/T 22239-2019 §8.1.5 三权分立):
one person cannot hold two of them, and none of them reads member data.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.access.permissions import AccessPerm
from grassroots.committees.permissions import CommitteePerm
from grassroots.dashboards.permissions import DashboardPerm
from grassroots.development.permissions import DevelopmentPerm
from grassroots.dues.permissions import DuesPerm
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.members.permissions import MemberPerm
from grassroots.orglife.permissions import OrgLifePerm
from grassroots.orgs.permissions import OrgPerm
from grassroots.spreadsheets.permissions import SpreadsheetPerm


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("组织部管理员")
    SECRETARY = "secretary", _("党组织书记")
    CLERK = "clerk", _("党务工作者")
    MEMBER = "member", _("党员（本人）")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# The modules' work permissions. An "approve" permission is used only at an organization strictly above the
# one whose record is approved (the committee above approves a branch's admissions, reductions, elections):
# the services check that, so a branch secretary cannot approve their own branch's decisions.
MODULE_WORK = {
    *DevelopmentPerm, *LifecyclePerm, *(p for p in DuesPerm if p != DuesPerm.VIEW_SELF), *OrgLifePerm,
    *CommitteePerm, *SpreadsheetPerm,
}
CLERK_WORK = {
    DevelopmentPerm.VIEW, DevelopmentPerm.RECORD, LifecyclePerm.VIEW, LifecyclePerm.TRANSFER, LifecyclePerm.RECORD,
    DuesPerm.VIEW, DuesPerm.COLLECT, OrgLifePerm.VIEW, OrgLifePerm.RECORD, CommitteePerm.VIEW, CommitteePerm.MANAGE,
    SpreadsheetPerm.VIEW, SpreadsheetPerm.IMPORT,
}  # a clerk keeps the books but cannot reveal, export, approve or decide

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ORG_ADMIN: frozenset(
        {*OrgPerm, MemberPerm.VIEW, MemberPerm.CREATE, MemberPerm.CHANGE, MemberPerm.EXIT, MemberPerm.EXPORT,
         MemberPerm.REVEAL, DashboardPerm.VIEW, *MODULE_WORK}
    ),
    Role.SECRETARY: frozenset(
        {OrgPerm.VIEW, OrgPerm.CHANGE, MemberPerm.VIEW, MemberPerm.CREATE, MemberPerm.CHANGE, MemberPerm.EXIT,
         MemberPerm.EXPORT, MemberPerm.REVEAL, DashboardPerm.VIEW, *MODULE_WORK}
    ),
    Role.CLERK: frozenset(
        {OrgPerm.VIEW, MemberPerm.VIEW, MemberPerm.CREATE, MemberPerm.CHANGE, DashboardPerm.VIEW, *CLERK_WORK}
    ),
    Role.MEMBER: frozenset({MemberPerm.VIEW_SELF, DuesPerm.VIEW_SELF}),
    Role.SYSTEM_ADMIN: frozenset({AccessPerm.MANAGE_USERS, OrgPerm.VIEW}),
    Role.SECURITY_ADMIN: frozenset({AccessPerm.MANAGE_GRANTS, OrgPerm.VIEW}),
    Role.AUDIT_ADMIN: frozenset({AccessPerm.VIEW_AUDIT, OrgPerm.VIEW}),
}

SEPARATED_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Roles whose passwords need 12 characters and whose sessions idle out after 15 minutes (SECURITY.md A1, A3).
ADMIN_ROLES = SEPARATED_ADMIN_ROLES | {Role.ORG_ADMIN}


def permissions_of(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
