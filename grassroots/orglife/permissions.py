from enum import StrEnum


class OrgLifePerm(StrEnum):
    VIEW = "orglife.view"  # see meetings, compliance and appraisals
    RECORD = "orglife.record"  # record and plan meetings, attendance and appraisals
    EXPORT = "orglife.export"  # export the 三会一课 record book
