"""The spreadsheets pages and endpoints in the project-wide scope matrix (tests/test_scope_matrix.py). Import
jobs themselves are checked in test_views.py / test_api.py (sibling and parent refusals)."""

from grassroots.core.testing.scope import Endpoint

ENDPOINTS = [
    Endpoint("import history of org", "get", "/spreadsheets/?org={org}", "spreadsheets.view"),
    Endpoint("import upload form", "get", "/spreadsheets/import/?org={org}", "spreadsheets.import"),
    Endpoint("import upload", "post", "/spreadsheets/import/", "spreadsheets.import", {"org": "{org}", "kind": "members"}),
    Endpoint("org list export form", "get", "/spreadsheets/export/orgs/?org={org}", "members.export"),
    Endpoint("org list export", "post", "/spreadsheets/export/orgs/?org={org}", "members.export", {"reason": ""}),
    Endpoint("api import history of org", "get", "/api/spreadsheets/imports?org={org}", "spreadsheets.view", api=True),
    Endpoint("api export", "post", "/api/spreadsheets/exports", "members.export", {"kind": "orgs", "org": "{org}"},
             api=True),
]
PUBLIC_URLS: set[str] = set()
