from enum import StrEnum


class MemberPerm(StrEnum):
    VIEW = "members.view"
    CREATE = "members.create"
    CHANGE = "members.change"
    EXIT = "members.exit"
    EXPORT = "members.export"
    REVEAL = "members.reveal"  # see full ID numbers, phones and addresses (each reveal audited)
    VIEW_SELF = "members.view_self"  # a member's own record
