"""The development pages and endpoints in the project-wide scope matrix (tests/test_scope_matrix.py) and the public
notice page in the anonymous walk (tests/test_deny_by_default.py). Endpoints about a person's own file are covered
in grassroots/development/tests/test_views.py and test_api.py."""

from grassroots.core.testing.scope import Endpoint

ENDPOINTS = [
    Endpoint("development board", "get", "/development/?org={org}", "development.view"),
    Endpoint("development dashboard panel", "get", "/development/panel/?org={org}", "development.view"),
    Endpoint("development list", "get", "/development/people/?org={org}", "development.view"),
    Endpoint("development create form", "get", "/development/people/add/?org={org}", "development.record"),
    Endpoint("development create", "post", "/development/people/add/?org={org}", "development.record", {"name": "x"}),
    Endpoint("development plan form", "get", "/development/plans/?org={org}", "development.record"),
    Endpoint("development suspension form", "get", "/development/suspensions/add/?org={org}", "development.record"),
    Endpoint("development suspensions", "get", "/development/suspensions/?org={org}", "development.view"),
    Endpoint("api development suspensions", "get", "/api/development/suspensions/?org={org}", "development.view",
             api=True),
    Endpoint("api development board", "get", "/api/development/board?org={org}", "development.view", api=True),
    Endpoint("api development list", "get", "/api/development/?org={org}", "development.view", api=True),
    Endpoint("api development create", "post", "/api/development/", "development.record",
             {"org": "{org}", "name": "x", "id_number": "x", "education": "college", "occupation": "farmer",
              "applied_on": "2026-01-01"}, api=True),
    Endpoint("api development plan", "put", "/api/development/plans", "development.record",
             {"org": "{org}", "year": 2026, "planned": 3}, api=True),
    Endpoint("api development suspension", "post", "/api/development/members/{member}/suspensions", "development.record",
             {"kind": "probation_discipline", "starts_on": "2026-01-01", "reason": "x"}, api=True),
]

PUBLIC_URLS = {"/development/notices/1/"}
