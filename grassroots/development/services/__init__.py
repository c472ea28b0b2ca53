"""Every write of the development pipeline: scoped, checked against rules.py, versioned, audited.

The transition table lives in rules.py; here each write gathers the facts, asks the rules, and saves. Admission
creates the Member (members.services.member_create), confirmation makes them full (member_update), cancellation
ends probationary membership (member_exit, kind probation_cancelled).

One module per concern (common, applicants, steps, votes, notices, probation, plans, suspensions); this package
re-exports every service, so `from grassroots.development import services` and `services.step_record` keep working."""

from grassroots.development.services.applicants import (
    HISTORY_MASKS,
    PLAIN_FIELDS,
    applicant_create,
    applicant_reveal,
    applicant_secrets,
    applicant_update,
    applicant_withdraw,
    follow_transfer,
)
from grassroots.development.services.common import (
    DevelopmentErrors,
    _suspended_ids,
    approves_above,
    due_fields,
    pipeline_facts,
)
from grassroots.development.services.notices import (
    notice_publish,
    notice_withdraw,
    objection_record,
    objection_resolve,
)
from grassroots.development.services.plans import (
    plan_set,
)
from grassroots.development.services.probation import (
    probation_cancel,
    probation_extend,
)
from grassroots.development.services.steps import (
    CORRECTED_DATES,
    step_correct,
    step_record,
)
from grassroots.development.services.suspensions import (
    suspension_end,
    suspension_record,
)
from grassroots.development.services.votes import (
    VOTE_STEP,
    branch_roster,
    vote_record,
)

__all__ = [
    "CORRECTED_DATES",
    "HISTORY_MASKS",
    "PLAIN_FIELDS",
    "VOTE_STEP",
    "DevelopmentErrors",
    "_suspended_ids",
    "applicant_create",
    "applicant_reveal",
    "applicant_secrets",
    "applicant_update",
    "applicant_withdraw",
    "approves_above",
    "branch_roster",
    "due_fields",
    "follow_transfer",
    "notice_publish",
    "notice_withdraw",
    "objection_record",
    "objection_resolve",
    "pipeline_facts",
    "plan_set",
    "probation_cancel",
    "probation_extend",
    "step_correct",
    "step_record",
    "suspension_end",
    "suspension_record",
    "vote_record",
]
