from enum import StrEnum


class LifecyclePerm(StrEnum):
    VIEW = "lifecycle.view"  # see transfers, mobile and unreachable members, review lists
    TRANSFER = "lifecycle.transfer"  # issue, accept and return transfers; record letters and receipts
    RECORD = "lifecycle.record"  # record whereabouts, contact attempts, work assigned and done
    DECIDE = "lifecycle.decide"  # record decisions: suspension, restoration, removal, expulsion
