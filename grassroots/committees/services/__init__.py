"""Every write of the committees module: scoped (require), validated by rules.py, versioned, audited, in one
transaction. Approvals are used only at an organization strictly above the record's own.

One module per concern (common, committee, elections, villages); this package re-exports every service, so
`from grassroots.committees import services` and `services.election_transition` keep working."""

from grassroots.committees.services.committee import (
    committee_post_add,
    committee_post_end,
    current_term_change,
    term_change_approve,
)
from grassroots.committees.services.common import (
    COMMITTEE_POST_CODES,
    SINGLE_POSTS,
    CommitteeErrors,
    approver_org,
    sync_member_posts,
)
from grassroots.committees.services.elections import (
    ELECTION_FIELDS,
    candidate_add,
    candidate_remove,
    election_create,
    election_meeting_record,
    election_posts_assign,
    election_publish,
    election_round_record,
    election_transition,
    election_update,
    eligible_voters,
    exclusion_add,
    exclusion_approve,
    nomination_round_add,
    running_candidates,
)
from grassroots.committees.services.villages import (
    CADRE_FIELDS,
    cadre_training_add,
    first_secretary_assign,
    first_secretary_end,
    reserve_cadre_add,
    reserve_cadre_update,
    work_log_add,
)

__all__ = [
    "CADRE_FIELDS",
    "COMMITTEE_POST_CODES",
    "ELECTION_FIELDS",
    "SINGLE_POSTS",
    "CommitteeErrors",
    "approver_org",
    "cadre_training_add",
    "candidate_add",
    "candidate_remove",
    "committee_post_add",
    "committee_post_end",
    "current_term_change",
    "election_create",
    "election_meeting_record",
    "election_posts_assign",
    "election_publish",
    "election_round_record",
    "election_transition",
    "election_update",
    "eligible_voters",
    "exclusion_add",
    "exclusion_approve",
    "first_secretary_assign",
    "first_secretary_end",
    "nomination_round_add",
    "reserve_cadre_add",
    "reserve_cadre_update",
    "running_candidates",
    "sync_member_posts",
    "term_change_approve",
    "work_log_add",
]
