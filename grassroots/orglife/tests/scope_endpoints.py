"""Organizational-life pages and endpoints for the project-wide scope matrix (tests/test_scope_matrix.py).
Endpoints about one meeting or attachment are covered in test_scope.py of this app."""

from grassroots.core.testing.scope import Endpoint

ENDPOINTS = [
    Endpoint("orglife board", "get", "/orglife/board/{org}/", "orglife.view"),
    Endpoint("orglife dashboard panel", "get", "/orglife/panel/{org}/", "orglife.view"),
    Endpoint("orglife calendar", "get", "/orglife/org/{org}/calendar/", "orglife.view"),
    Endpoint("orglife year", "get", "/orglife/org/{org}/year/", "orglife.view"),
    Endpoint("orglife book", "get", "/orglife/org/{org}/book/", "orglife.view"),
    Endpoint("orglife book export", "post", "/orglife/org/{org}/book/export/", "orglife.export"),
    Endpoint("orglife plan form", "get", "/orglife/org/{org}/plan/", "orglife.record"),
    Endpoint("orglife plan", "post", "/orglife/org/{org}/plan/", "orglife.record",
             {"kind": "theme_day", "date": "2026-12-01", "topic": "x"}),
    Endpoint("orglife record form", "get", "/orglife/org/{org}/record/?kind=theme_day&date=2026-01-05",
             "orglife.record"),
    Endpoint("orglife record", "post", "/orglife/org/{org}/record/", "orglife.record",
             {"kind": "theme_day", "date": "2026-01-05", "topic": "x"}),
    Endpoint("api orglife meetings", "get", "/api/orglife/orgs/{org}/meetings?start=2026-01-01&end=2026-12-31",
             "orglife.view", api=True),
    Endpoint("api orglife roster", "get", "/api/orglife/orgs/{org}/roster?kind=general_meeting&date=2026-01-05",
             "orglife.view", api=True),
    Endpoint("api orglife compliance", "get", "/api/orglife/orgs/{org}/compliance", "orglife.view", api=True),
    Endpoint("api orglife plan", "post", "/api/orglife/orgs/{org}/plans", "orglife.record",
             {"kind": "theme_day", "date": "2026-12-01", "topic": "x"}, api=True),
    Endpoint("api orglife record", "post", "/api/orglife/orgs/{org}/meetings", "orglife.record",
             {"kind": "theme_day", "date": "2026-01-05", "topic": "x", "attendance": []}, api=True),
]
PUBLIC_URLS: set[str] = set()
