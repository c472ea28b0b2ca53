"""The committees pages and API endpoints for the project-wide scope matrix (tests/test_scope_matrix.py) and the
public notice for the anonymous walk (tests/test_deny_by_default.py). Endpoints about one election, post, first
secretary or cadre are covered by this module's own tests (test_views.test_sibling_records_are_404, test_api)."""

from grassroots.core.testing.scope import Endpoint

VIEW, MANAGE, APPROVE = "committees.view", "committees.manage", "committees.approve"

ENDPOINTS = [
    Endpoint("committees committee", "get", "/committees/org/{org}/", VIEW),
    Endpoint("committees org panel", "get", "/committees/org/{org}/panel/", VIEW),
    Endpoint("committees dashboard reminders", "get", "/committees/org/{org}/reminders/", VIEW),
    Endpoint("committees terms due", "get", "/committees/terms/?org={org}", VIEW),
    Endpoint("committees elections", "get", "/committees/elections/?org={org}", VIEW),
    Endpoint("committees first secretaries", "get", "/committees/first-secretaries/?org={org}", VIEW),
    Endpoint("committees cadres", "get", "/committees/cadres/?org={org}", VIEW),
    Endpoint("committees post form", "get", "/committees/org/{org}/posts/add/", MANAGE),
    Endpoint("committees post create", "post", "/committees/org/{org}/posts/add/", MANAGE,
             {"member": "{member}", "post": "secretary", "started_on": "2024-01-01"}),
    Endpoint("committees election form", "get", "/committees/org/{org}/elections/add/", MANAGE),
    Endpoint("committees election create", "post", "/committees/org/{org}/elections/add/", MANAGE,
             {"title": "x", "method": "meeting", "seats": "1", "planned_on": "2026-12-01", "margin_percent": "20",
              "majority_base": "expected"}),
    Endpoint("committees term change", "post", "/committees/org/{org}/term-change/", APPROVE,
             {"kind": "postpone", "new_ends_on": "2027-01-01", "reason": "x"}),
    Endpoint("committees first secretary form", "get", "/committees/org/{org}/first-secretaries/add/", MANAGE),
    Endpoint("committees first secretary create", "post", "/committees/org/{org}/first-secretaries/add/", MANAGE,
             {"name": "x", "unit": "y", "started_on": "2025-01-01"}),
    Endpoint("committees cadre form", "get", "/committees/org/{org}/cadres/add/", MANAGE),
    Endpoint("committees cadre create", "post", "/committees/org/{org}/cadres/add/", MANAGE,
             {"name": "x", "gender": "M", "birth_date": "1990-01-01", "education": "college", "status": "candidate"}),
    # JSON API
    Endpoint("api committees committee", "get", "/api/committees/orgs/{org}/committee", VIEW, api=True),
    Endpoint("api committees terms", "get", "/api/committees/terms?org={org}", VIEW, api=True),
    Endpoint("api committees elections", "get", "/api/committees/elections?org={org}", VIEW, api=True),
    Endpoint("api committees first secretaries", "get", "/api/committees/first-secretaries?org={org}", VIEW, api=True),
    Endpoint("api committees cadres", "get", "/api/committees/cadres?org={org}", VIEW, api=True),
    Endpoint("api committees post create", "post", "/api/committees/orgs/{org}/posts", MANAGE,
             {"member": "{member}", "post": "secretary", "started_on": "2024-01-01"}, api=True),
    Endpoint("api committees election create", "post", "/api/committees/orgs/{org}/elections", MANAGE,
             {"title": "x", "method": "meeting", "seats": 1, "planned_on": "2026-12-01"}, api=True),
    Endpoint("api committees term change", "post", "/api/committees/orgs/{org}/term-changes", APPROVE,
             {"kind": "postpone", "new_ends_on": "2027-01-01", "reason": "x"}, api=True),
    Endpoint("api committees first secretary create", "post", "/api/committees/orgs/{org}/first-secretaries", MANAGE,
             {"name": "x", "unit": "y", "started_on": "2025-01-01"}, api=True),
    Endpoint("api committees cadre create", "post", "/api/committees/orgs/{org}/cadres", MANAGE,
             {"name": "x", "gender": "M", "birth_date": "1990-01-01", "education": "college"}, api=True),
]

PUBLIC_URLS = {"/committees/notices/1/"}
