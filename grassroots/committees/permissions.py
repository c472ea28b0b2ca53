from enum import StrEnum


class CommitteePerm(StrEnum):
    VIEW = "committees.view"  # see committees, first secretaries, reserve cadres and elections
    MANAGE = "committees.manage"  # record committee posts, cadres and election stages
    APPROVE = "committees.approve"  # approve election plans, results and term changes as the level above
