from enum import StrEnum


class OrgPerm(StrEnum):
    VIEW = "orgs.view"
    CREATE = "orgs.create"
    CHANGE = "orgs.change"
    MOVE = "orgs.move"
    DISSOLVE = "orgs.dissolve"
