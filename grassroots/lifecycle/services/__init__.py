"""Every write of the member lifecycle: transfers and letters, whereabouts and contact attempts, decisions
on a member's standing and their approval, review outcomes, assigned work. Scoped, validated, versioned, audited.

One module per concern (common, transfers, letters, mobile, decisions, reviews, work); this package re-exports
every service, so `from grassroots.lifecycle import services` and `services.transfer_issue` keep working, and
`services.rules` and `services.review` still reach those modules for the views and tests that use them."""

from grassroots.lifecycle import review, rules
from grassroots.lifecycle.services.common import (
    LifecycleErrors,
    letter_validity_months,
)
from grassroots.lifecycle.services.decisions import (
    approving_org,
    decision_approve,
    decision_record,
    direct_exit_refusal,
)
from grassroots.lifecycle.services.letters import (
    letter_inbound_record,
    letter_issue,
    letter_receipt,
    letter_renew,
)
from grassroots.lifecycle.services.mobile import (
    contact_record,
    contact_secret,
    whereabouts_record,
    whereabouts_return,
)
from grassroots.lifecycle.services.reviews import (
    OUTCOME_DECISIONS,
    review_outcome_record,
)
from grassroots.lifecycle.services.transfers import (
    transfer_accept,
    transfer_cancel,
    transfer_direct,
    transfer_issue,
    transfer_return,
)
from grassroots.lifecycle.services.work import (
    end_work_on_exit,
    work_assign,
    work_close,
    work_report_record,
)

__all__ = [
    "OUTCOME_DECISIONS",
    "LifecycleErrors",
    "approving_org",
    "contact_record",
    "contact_secret",
    "decision_approve",
    "decision_record",
    "direct_exit_refusal",
    "end_work_on_exit",
    "letter_inbound_record",
    "letter_issue",
    "letter_receipt",
    "letter_renew",
    "letter_validity_months",
    "review",
    "review_outcome_record",
    "rules",
    "transfer_accept",
    "transfer_cancel",
    "transfer_direct",
    "transfer_issue",
    "transfer_return",
    "whereabouts_record",
    "whereabouts_return",
    "work_assign",
    "work_close",
    "work_report_record",
]
