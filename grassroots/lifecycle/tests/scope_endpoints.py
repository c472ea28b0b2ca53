"""The lifecycle pages and endpoints for the project-wide scope matrix (tests/test_scope_matrix.py). Transfers'
two-sided visibility and a third party's refusal are tested in test_services/test_views/test_api."""

from grassroots.core.testing.scope import Endpoint

D = "2026-01-01"

ENDPOINTS = [
    Endpoint("lifecycle overview", "get", "/lifecycle/?org={org}", "lifecycle.view"),
    Endpoint("lifecycle dashboard panel", "get", "/lifecycle/panel/?org={org}", "lifecycle.view"),
    Endpoint("lifecycle transfers", "get", "/lifecycle/transfers/?org={org}", "lifecycle.view"),
    Endpoint("lifecycle mobile", "get", "/lifecycle/mobile/?org={org}", "lifecycle.view"),
    Endpoint("lifecycle unreachable", "get", "/lifecycle/unreachable/?org={org}", "lifecycle.view"),
    Endpoint("lifecycle decisions", "get", "/lifecycle/decisions/?org={org}", "lifecycle.view"),
    Endpoint("lifecycle review", "get", "/lifecycle/review/?org={org}", "lifecycle.view"),
    Endpoint("lifecycle member page", "get", "/lifecycle/members/{member}/", "lifecycle.view"),
    Endpoint("lifecycle transfer form", "get", "/lifecycle/members/{member}/transfer/", "lifecycle.transfer"),
    Endpoint("lifecycle transfer issue", "post", "/lifecycle/members/{member}/transfer/", "lifecycle.transfer",
             {"mode": "internal", "to_org": "{parent}", "on": D, "reason": "x", "version": 1}),
    Endpoint("lifecycle inbound letter form", "get", "/lifecycle/letters/inbound/?org={org}", "lifecycle.transfer"),
    Endpoint("lifecycle whereabouts", "post", "/lifecycle/members/{member}/whereabouts/", "lifecycle.record",
             {"place": "x", "left_on": D}),
    Endpoint("lifecycle contact", "post", "/lifecycle/members/{member}/contacts/", "lifecycle.record",
             {"on": D, "method": "phone"}),
    Endpoint("lifecycle decision", "post", "/lifecycle/members/{member}/decisions/", "lifecycle.decide",
             {"kind": "suspension", "occurred_on": D, "reason": "x"}),
    Endpoint("lifecycle review outcome", "post", "/lifecycle/review/{member}/", "lifecycle.decide",
             {"outcome": "educated", "decided_on": D}),
    # JSON API
    Endpoint("api lifecycle transfers", "get", "/api/lifecycle/transfers/?org={org}", "lifecycle.view", api=True),
    Endpoint("api lifecycle mobile", "get", "/api/lifecycle/mobile/?org={org}", "lifecycle.view", api=True),
    Endpoint("api lifecycle gatherings", "get", "/api/lifecycle/mobile/gatherings?org={org}", "lifecycle.view",
             api=True),
    Endpoint("api lifecycle unreachable", "get", "/api/lifecycle/unreachable/?org={org}", "lifecycle.view", api=True),
    Endpoint("api lifecycle decisions", "get", "/api/lifecycle/decisions/?org={org}", "lifecycle.view", api=True),
    Endpoint("api lifecycle review", "get", "/api/lifecycle/review/?org={org}", "lifecycle.view", api=True),
    Endpoint("api lifecycle summary", "get", "/api/lifecycle/summary?org={org}", "lifecycle.view", api=True),
    Endpoint("api lifecycle member", "get", "/api/lifecycle/members/{member}", "lifecycle.view", api=True),
    Endpoint("api lifecycle transfer issue", "post", "/api/lifecycle/members/{member}/transfers", "lifecycle.transfer",
             {"version": 1, "to_org": "{parent}", "reason": "x"}, api=True),
    Endpoint("api lifecycle letter", "post", "/api/lifecycle/members/{member}/letters", "lifecycle.transfer",
             {"version": 1, "destination": "x", "letter_no": "1", "reason": "x"}, api=True),
    Endpoint("api lifecycle inbound letter", "post", "/api/lifecycle/letters/inbound", "lifecycle.transfer",
             {"to_org": "{org}", "person_name": "x", "origin": "x", "letter_no": "1", "issued_on": D}, api=True),
    Endpoint("api lifecycle whereabouts", "post", "/api/lifecycle/members/{member}/whereabouts", "lifecycle.record",
             {"place": "x", "left_on": D}, api=True),
    Endpoint("api lifecycle contact", "post", "/api/lifecycle/members/{member}/contacts", "lifecycle.record",
             {"on": D, "method": "phone"}, api=True),
    Endpoint("api lifecycle decision", "post", "/api/lifecycle/members/{member}/decisions", "lifecycle.decide",
             {"kind": "suspension", "occurred_on": D, "reason": "x"}, api=True),
    Endpoint("api lifecycle review outcome", "post", "/api/lifecycle/members/{member}/review", "lifecycle.decide",
             {"outcome": "educated", "decided_on": D}, api=True),
]
