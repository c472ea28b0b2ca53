from enum import StrEnum


class DuesPerm(StrEnum):
    VIEW = "dues.view"  # see assessments, payments and collection
    COLLECT = "dues.collect"  # declare bases, record payments, generate assessments
    APPROVE = "dues.approve"  # approve reductions and waivers, quarterly payment, remittance
    REVEAL = "dues.reveal"  # see members' dues bases and amounts (they reveal income; audited)
    EXPORT = "dues.export"  # export the dues register (audited)
    VIEW_SELF = "dues.view_self"  # a member's own dues
