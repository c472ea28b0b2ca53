from enum import StrEnum


class AccessPerm(StrEnum):
    MANAGE_USERS = "access.manage_users"  # system administrator: accounts, no member data
    MANAGE_GRANTS = "access.manage_grants"  # security administrator: roles and unlocks
    VIEW_AUDIT = "access.view_audit"  # audit administrator: read-only audit log
