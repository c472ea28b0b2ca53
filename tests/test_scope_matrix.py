"""The scoping contract, generated: every role × every page and API endpoint (read, write, export), asked
about a record in a sibling subtree and one above the grant, must be refused (404, or 403 for a permission
the role lacks), and list endpoints must never leak. Positive controls prove each request can succeed in
scope, so a refusal here means scoping, not a broken URL (SECURITY.md B1, STYLE.md contract test)."""

import io
import json

import openpyxl
import pytest
from django.test import Client

from grassroots.access.roles import ROLE_PERMISSIONS, Role
from grassroots.core.testing.factories import TEST_PASSWORD, make_member, make_user
from grassroots.core.testing.scope import Endpoint, module_endpoints

pytestmark = pytest.mark.django_db

GRANT_AT = "town_a"
REFUSED = {403, 404}


ENDPOINTS = [
    # HTML pages
    Endpoint("org detail", "get", "/orgs/{org}/", "orgs.view"),
    Endpoint("org children", "get", "/orgs/{org}/children/", "orgs.view"),
    Endpoint("org create form", "get", "/orgs/{org}/add/", "orgs.create"),
    Endpoint("org create", "post", "/orgs/{org}/add/", "orgs.create", {"name": "x", "kind": "branch", "sector": "village", "form": "regular"}),
    Endpoint("org edit form", "get", "/orgs/{org}/edit/", "orgs.change"),
    Endpoint("org edit", "post", "/orgs/{org}/edit/", "orgs.change", {"name": "x", "kind": "branch", "sector": "village", "form": "regular", "version": 1}),
    Endpoint("org move", "post", "/orgs/{org}/move/", "orgs.move", {"new_parent": "{org}", "version": 1}),
    Endpoint("org dissolve", "post", "/orgs/{org}/dissolve/", "orgs.dissolve", {"dissolved_on": "2026-01-01", "reason": "x", "version": 1}),
    Endpoint("dashboard", "get", "/dashboard/{org}/", "dashboards.view"),
    Endpoint("roster of org", "get", "/members/?org={org}", "members.view"),
    Endpoint("member create form", "get", "/members/add/?org={org}", "members.create"),
    Endpoint("member detail", "get", "/members/{member}/", "members.view"),
    Endpoint("member edit form", "get", "/members/{member}/edit/", "members.change"),
    Endpoint("member edit", "post", "/members/{member}/edit/", "members.change", {"name": "x"}),
    Endpoint("member exit", "post", "/members/{member}/exit/", "members.exit", {"kind": "death", "occurred_on": "2026-01-01", "reason": "x", "version": 1}),
    Endpoint("member reveal", "post", "/members/{member}/reveal/", "members.reveal", {"reason": "x"}),
    # JSON API
    Endpoint("api org detail", "get", "/api/orgs/{org}", "orgs.view", api=True),
    Endpoint("api org children", "get", "/api/orgs/{org}/children", "orgs.view", api=True),
    Endpoint("api org subtree", "get", "/api/orgs/{org}/subtree", "orgs.view", api=True),
    Endpoint("api org create", "post", "/api/orgs/{org}/children", "orgs.create", {"name": "x"}, api=True),
    Endpoint("api org update", "patch", "/api/orgs/{org}", "orgs.change", {"name": "x", "version": 1}, api=True),
    Endpoint("api org move", "post", "/api/orgs/{org}/move", "orgs.move", {"parent": "{parent}", "version": 1}, api=True),
    Endpoint("api org dissolve", "post", "/api/orgs/{org}/dissolve", "orgs.dissolve", {"reason": "x", "version": 1}, api=True),
    Endpoint("api roster of org", "get", "/api/members/?org={org}", "members.view", api=True),
    Endpoint("api member detail", "get", "/api/members/{member}", "members.view", api=True),
    Endpoint("api member update", "patch", "/api/members/{member}", "members.change", {"notes": "x", "version": 1}, api=True),
    Endpoint("api member reveal", "post", "/api/members/{member}/reveal", "members.reveal", {"reason": "x"}, api=True),
    Endpoint("api member exit", "post", "/api/members/{member}/exit", "members.exit", {"kind": "death", "occurred_on": "2026-01-01", "reason": "x", "version": 1}, api=True),
    *module_endpoints(),  # each module's grassroots/<app>/tests/scope_endpoints.py
]


def refused(response) -> bool:
    """404 or 403; a member (self-service) sent from the roster to their own record also sees nothing else."""
    if response.status_code in REFUSED:
        return True
    return response.status_code == 302 and response.url == "/members/me/"


def _fill(value, ids):
    if isinstance(value, str):
        for key, pk in ids.items():
            value = value.replace("{" + key + "}", str(pk))
        return int(value) if value.isdigit() and value != "1" else value
    return value


def call(client: Client, endpoint: Endpoint, ids: dict):
    url = endpoint.url.format(**ids)
    body = {k: _fill(v, ids) for k, v in (endpoint.body or {}).items()}
    if endpoint.method == "get":
        return client.get(url)
    if endpoint.api:
        return getattr(client, endpoint.method)(url, json.dumps(body), content_type="application/json")
    return client.post(url, body)


@pytest.fixture
def world(tree):
    admin = make_user("matrix_admin", Role.ORG_ADMIN, tree.county)
    return {
        "tree": tree,
        "member_a1": make_member(tree.village_a1, actor=admin, name="甲方党员"),
        "member_b1": make_member(tree.village_b1, actor=admin, name="乙方党员"),
    }


def cast_client(world, role) -> Client:
    user = make_user(f"cast_{role}", role, getattr(world["tree"], GRANT_AT))
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


MATRIX = [(role, endpoint) for role in Role.values for endpoint in ENDPOINTS]


@pytest.mark.parametrize(("role", "endpoint"), MATRIX, ids=[f"{r}-{e.name}" for r, e in MATRIX])
def test_sibling_subtree_is_refused(world, role, endpoint):
    client = cast_client(world, role)
    tree = world["tree"]
    ids = {"org": tree.village_b1.pk, "member": world["member_b1"].pk, "parent": tree.town_b.pk}
    response = call(client, endpoint, ids)
    assert refused(response), (role, endpoint.name, response.status_code)


@pytest.mark.parametrize(("role", "endpoint"), MATRIX, ids=[f"{r}-{e.name}" for r, e in MATRIX])
def test_parent_above_the_grant_is_refused(world, role, endpoint):
    if "{member}" in endpoint.url:
        pytest.skip("members sit in branches; the parent case is about organizations")
    client = cast_client(world, role)
    tree = world["tree"]
    ids = {"org": tree.county.pk, "member": 0, "parent": tree.town_a.pk}
    response = call(client, endpoint, ids)
    assert refused(response), (role, endpoint.name, response.status_code)


POSITIVE = [(role, e) for role in Role.values for e in ENDPOINTS if e.perm in ROLE_PERMISSIONS[role]]


@pytest.mark.parametrize(("role", "endpoint"), POSITIVE, ids=[f"{r}-{e.name}" for r, e in POSITIVE])
def test_in_scope_request_is_not_refused(world, role, endpoint):
    """The positive control: the same request inside the subtree gets past scoping (it may still fail
    validation, but never with 403/404)."""
    client = cast_client(world, role)
    tree = world["tree"]
    ids = {"org": tree.village_a1.pk, "member": world["member_a1"].pk, "parent": tree.village_a2.pk}
    if endpoint.name in ("org create", "api org create", "org create form"):
        ids["org"] = tree.village_a2.pk
    response = call(client, endpoint, ids)
    assert not refused(response), (role, endpoint.name, response.status_code)


@pytest.mark.parametrize("role", Role.values)
def test_lists_and_exports_never_leak_the_sibling_subtree(world, role):
    client = cast_client(world, role)
    for url in ("/members/", "/members/?q=yf", "/api/members/", "/orgs/?q=乙", "/api/orgs/search?q=乙"):
        response = client.get(url)
        assert "乙方党员" not in response.content.decode(), (role, url)
        assert "乙一村" not in response.content.decode(), (role, url)
    response = client.post("/members/export/")
    if response.status_code == 200:
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row if c)
        assert "乙方党员" not in text
    else:
        assert response.status_code in REFUSED


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_anonymous_is_sent_to_login_or_refused(world, endpoint):
    tree = world["tree"]
    ids = {"org": tree.village_a1.pk, "member": world["member_a1"].pk, "parent": tree.town_a.pk}
    response = call(Client(), endpoint, ids)
    if endpoint.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/accounts/login/" in response.url
