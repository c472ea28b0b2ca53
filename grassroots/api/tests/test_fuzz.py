"""Whatever a client sends, the API answers with a 2xx/4xx in the common error shape, never a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.api.tests.support import session_client
from grassroots.core.testing.factories import make_member

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ERROR_KEYS = {"code", "message", "errors"}

safe_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
scalars = st.one_of(
    safe_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(["", "0", "1", "active", "left", "all", "M", "F", "full", "le35", "is_mobile", "WyJhIiwxXQ",
                     "2020-02-30", "9999-12-31", "1899-12-31", "2024-02-29", "null", "true"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(safe_text, inner, max_size=3),
    max_leaves=6,
)
LIST_PARAMS = ("org", "q", "status", "gender", "age_band", "education", "occupation", "flag", "state", "after",
               "before", "page", "page_size")
MEMBER_FIELDS = ("org", "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "address", "education",
                 "occupation", "joined_on", "confirmed_on", "status", "party_group", "posts", "is_mobile", "notes")
ORG_FIELDS = ("name", "short_name", "code", "kind", "sector", "form", "covered_units", "founded_on",
              "term_started_on", "contact_name", "contact_phone", "address")


def assert_handled(response, allowed):
    assert response.status_code in allowed, response.content[:500]
    if response.status_code >= 400:
        body = response.json()
        assert {"code", "message"} <= set(body) <= ERROR_KEYS


@pytest.fixture
def client(secretary_a1):
    return session_client(secretary_a1)


@FUZZ
@given(params=st.dictionaries(st.sampled_from(LIST_PARAMS), scalars.map(str), max_size=6))
def test_member_list_survives_any_query(client, params):
    assert_handled(client.get("/api/members/", params), {200, 404, 422})


@FUZZ
@given(body=st.fixed_dictionaries({"version": st.integers(min_value=1, max_value=3)},
                                  optional={field: json_values for field in MEMBER_FIELDS}))
def test_member_update_survives_any_body(client, tree, body):
    member = make_member(tree.village_a1)

    response = client.patch(f"/api/members/{member.pk}", json.dumps(body), content_type="application/json")

    assert_handled(response, {200, 400, 404, 409, 422})


@FUZZ
@given(body=st.fixed_dictionaries({}, optional={"org": json_values, **{f: json_values for f in MEMBER_FIELDS}}))
def test_member_create_survives_any_body(client, tree, body):
    response = client.post("/api/members/", json.dumps(body), content_type="application/json")

    assert_handled(response, {201, 400, 404, 422})


@FUZZ
@given(body=st.fixed_dictionaries({"version": st.integers(min_value=1, max_value=3)},
                                  optional={field: json_values for field in ORG_FIELDS}))
def test_org_update_survives_any_body(client, tree, body):
    response = client.patch(f"/api/orgs/{tree.village_a1.pk}", json.dumps(body), content_type="application/json")

    assert_handled(response, {200, 400, 409, 422})


@FUZZ
@given(path=st.sampled_from(["/api/orgs/{}", "/api/orgs/{}/children", "/api/orgs/{}/subtree", "/api/members/{}"]),
       ident=scalars.map(str).filter(lambda s: "/" not in s and "?" not in s and "#" not in s and s.strip()))
def test_lookups_survive_any_id(client, path, ident):
    from urllib.parse import quote

    assert_handled(client.get(path.format(quote(ident, safe=""))), {200, 301, 404, 422})
