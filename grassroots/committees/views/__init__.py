"""Committee pages: the committee of an organization, terms due, elections through their stages, the public
notice, first secretaries with work logs, reserve cadres. Thin adapters over selectors and services.

One module per concern (common, committee, elections, villages); this package re-exports every view, so urls.py's
`views.term_list` and the dashboard's `grassroots.committees.views.dashboard_panel` keep working."""

from grassroots.committees.views.committee import (
    committee_detail,
    dashboard_panel,
    dashboard_reminders,
    home,
    org_panel,
    post_create,
    post_end,
    term_change_create,
    term_list,
)
from grassroots.committees.views.common import (
    FIELD_LABELS,
    PAGE_SIZE,
)
from grassroots.committees.views.elections import (
    candidate_create,
    candidate_delete,
    election_create,
    election_detail,
    election_edit,
    election_list,
    election_notice,
    election_publish,
    election_transition,
    exclusion_approve,
    exclusion_create,
    meeting_record,
    nomination_create,
    posts_assign,
    round_record,
)
from grassroots.committees.views.villages import (
    cadre_create,
    cadre_detail,
    cadre_edit,
    cadre_list,
    first_secretary_create,
    first_secretary_detail,
    first_secretary_end,
    first_secretary_list,
    training_create,
    work_log_create,
)

__all__ = [
    "FIELD_LABELS",
    "PAGE_SIZE",
    "cadre_create",
    "cadre_detail",
    "cadre_edit",
    "cadre_list",
    "candidate_create",
    "candidate_delete",
    "committee_detail",
    "dashboard_panel",
    "dashboard_reminders",
    "election_create",
    "election_detail",
    "election_edit",
    "election_list",
    "election_notice",
    "election_publish",
    "election_transition",
    "exclusion_approve",
    "exclusion_create",
    "first_secretary_create",
    "first_secretary_detail",
    "first_secretary_end",
    "first_secretary_list",
    "home",
    "meeting_record",
    "nomination_create",
    "org_panel",
    "post_create",
    "post_end",
    "posts_assign",
    "round_record",
    "term_change_create",
    "term_list",
    "training_create",
    "work_log_create",
]
