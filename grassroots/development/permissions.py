from enum import StrEnum


class DevelopmentPerm(StrEnum):
    VIEW = "development.view"  # see the pipeline, people in it and their files
    RECORD = "development.record"  # record steps, votes, notices, objections
    APPROVE = "development.approve"  # approve admissions and confirmations as the committee above
    REVEAL = "development.reveal"  # see full ID numbers and phones of people in the pipeline (audited)
