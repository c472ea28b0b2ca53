"""The organization API: happy paths, refusal outside the caller's subtree, optimistic locking, paging."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.api.tests.support import session_client, token_client
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_org
from grassroots.orgs.choices import OrgStatus
from grassroots.orgs.models import Organization

JSON = "application/json"


def url(org, suffix=""):
    return f"/api/orgs/{org.pk}{suffix}"


# --- reading -------------------------------------------------------------------------------------------------


def test_roots_are_where_the_callers_grants_sit(tree, org_admin, secretary_a1, clerk_a):
    assert [o["id"] for o in session_client(org_admin).get("/api/orgs/").json()] == [tree.county.pk]
    assert [o["id"] for o in session_client(secretary_a1).get("/api/orgs/").json()] == [tree.village_a1.pk]
    assert [o["id"] for o in session_client(clerk_a).get("/api/orgs/").json()] == [tree.town_a.pk]


def test_detail_shows_the_record_its_term_end_and_rule_warnings(tree, secretary_a1):
    Organization.objects.filter(pk=tree.village_a1.pk).update(term_started_on=dt.date(2021, 3, 1))

    response = session_client(secretary_a1).get(url(tree.village_a1))

    body = response.json()
    assert response.status_code == 200
    assert body["name"] == "甲一村党支部"
    assert body["parent"] == {"id": tree.town_a.pk, "name": "甲镇党委"}
    assert body["term_ends_on"] == "2026-03-01"  # villages serve five-year terms
    assert "too_few_full_members" in {w["code"] for w in body["warnings"]}
    assert all(w["message"] and w["source"] for w in body["warnings"])


def test_detail_works_with_a_bearer_token(tree, clerk_a):
    response = token_client(clerk_a).get(url(tree.village_a2))

    assert response.status_code == 200


@pytest.mark.parametrize("org_name", ["village_b1", "town_a", "county"])
def test_detail_outside_the_subtree_is_404(tree, secretary_a1, org_name):
    response = session_client(secretary_a1).get(url(getattr(tree, org_name)))

    assert response.status_code == 404


def test_children_are_listed_in_tree_order_without_dissolved_ones(tree, clerk_a):
    Organization.objects.filter(pk=tree.village_a2.pk).update(status=OrgStatus.DISSOLVED)
    client = session_client(clerk_a)

    active = client.get(url(tree.town_a, "/children")).json()
    everything = client.get(url(tree.town_a, "/children?include_dissolved=true")).json()

    assert [o["name"] for o in active] == ["甲一村党支部"]
    assert [o["name"] for o in everything] == ["甲一村党支部", "甲二村党支部"]


def test_children_of_an_org_outside_the_subtree_is_404(tree, clerk_a):
    assert session_client(clerk_a).get(url(tree.town_b, "/children")).status_code == 404


def test_subtree_pages_follow_the_tree_both_ways(tree, org_admin):
    client = session_client(org_admin)
    expected = list(Organization.objects.filter(path__startswith=tree.county.path).order_by("path")
                    .values_list("id", flat=True))

    first = client.get(url(tree.county, "/subtree?page_size=4")).json()
    second = client.get(url(tree.county, f"/subtree?page_size=4&after={first['next_cursor']}")).json()
    back = client.get(url(tree.county, f"/subtree?page_size=4&before={second['prev_cursor']}")).json()

    assert [o["id"] for o in first["items"] + second["items"]] == expected
    assert first["total"] == 6 and first["has_next"] and not second["has_next"]
    assert [o["id"] for o in back["items"]] == [o["id"] for o in first["items"]]


def test_subtree_jumps_to_a_page_number(tree, org_admin):
    response = session_client(org_admin).get(url(tree.county, "/subtree?page_size=2&page=3"))

    body = response.json()
    assert body["page"] == 3
    assert [o["name"] for o in body["items"]] == ["乙镇党委", "乙一村党支部"]


def test_subtree_contains_only_what_the_caller_may_see(tree, clerk_a):
    response = session_client(clerk_a).get(url(tree.town_a, "/subtree"))

    assert {o["id"] for o in response.json()["items"]} == {tree.town_a.pk, tree.village_a1.pk, tree.village_a2.pk}
    assert session_client(clerk_a).get(url(tree.county, "/subtree")).status_code == 404


def test_subtree_page_costs_the_same_queries_however_big_the_tree(tree, org_admin):
    client = session_client(org_admin)
    client.get(url(tree.county, "/subtree"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(url(tree.county, "/subtree"))
    for n in range(20):
        make_org(tree.village_a1.parent, f"新村{n}党支部")
    with CaptureQueriesContext(connection) as large:
        response = client.get(url(tree.county, "/subtree"))

    assert len(response.json()["items"]) == 26
    assert len(large) == len(small)


def test_search_finds_by_name_within_scope_only(tree, org_admin, secretary_a1):
    everyone = session_client(org_admin).get("/api/orgs/search?q=甲").json()
    own = session_client(secretary_a1).get("/api/orgs/search?q=甲").json()

    assert [o["name"] for o in everyone] == ["甲镇党委", "甲一村党支部", "甲二村党支部"]
    assert [o["name"] for o in own] == ["甲一村党支部"]


def test_search_without_a_term_returns_nothing(tree, org_admin):
    assert session_client(org_admin).get("/api/orgs/search").json() == []


# --- writing -------------------------------------------------------------------------------------------------


def test_create_child_adds_an_org_under_the_parent(tree, org_admin):
    body = {"name": " 甲三村党支部 ", "kind": "branch", "sector": "village", "founded_on": "2020-05-04"}

    response = session_client(org_admin).post(url(tree.town_a, "/children"), body, content_type=JSON)

    created = response.json()
    assert response.status_code == 201
    assert created["name"] == "甲三村党支部"
    assert created["parent_id"] == tree.town_a.pk
    org = Organization.objects.get(pk=created["id"])
    assert org.path.startswith(tree.town_a.path) and org.depth == tree.town_a.depth + 1
    assert AuditEvent.objects.filter(verb="orgs.organization.create", target_id=org.pk).exists()


def test_create_child_needs_the_create_permission(tree, secretary_a1):
    response = session_client(secretary_a1).post(url(tree.village_a1, "/children"), {"name": "新支部"},
                                                 content_type=JSON)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_create_child_outside_the_subtree_is_404(tree, clerk_a):
    response = session_client(clerk_a).post(url(tree.town_b, "/children"), {"name": "新支部"}, content_type=JSON)

    assert response.status_code == 404


def test_create_child_with_bad_fields_names_them(tree, org_admin):
    body = {"name": "   ", "form": "joint", "covered_units": ["一个单位"]}

    response = session_client(org_admin).post(url(tree.town_a, "/children"), body, content_type=JSON)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "covered_units"}


def test_create_child_with_unknown_kind_is_422(tree, org_admin):
    response = session_client(org_admin).post(url(tree.town_a, "/children"), {"name": "x", "kind": "club"},
                                              content_type=JSON)

    assert response.status_code == 422
    assert response.json()["errors"]["kind"][0].startswith("取值无效，可选值：committee")


def test_create_child_with_a_code_already_used_is_refused(tree, org_admin):
    Organization.objects.filter(pk=tree.village_b1.pk).update(code="ORG-1")

    response = session_client(org_admin).post(url(tree.town_a, "/children"), {"name": "新支部", "code": "ORG-1"},
                                              content_type=JSON)

    assert response.status_code in (400, 409)  # 409 today: org_create reports a duplicate code as a save conflict
    assert not Organization.objects.filter(name="新支部").exists()


def test_update_changes_only_the_fields_sent(tree, secretary_a1):
    response = session_client(secretary_a1).patch(
        url(tree.village_a1), {"version": 1, "contact_name": "王书记", "term_started_on": "2024-01-10"},
        content_type=JSON,
    )

    body = response.json()
    assert response.status_code == 200
    assert body["version"] == 2
    assert body["contact_name"] == "王书记"
    assert body["name"] == "甲一村党支部"
    assert body["term_ends_on"] == "2029-01-10"


def test_update_with_a_stale_version_is_409(tree, secretary_a1):
    client = session_client(secretary_a1)
    client.patch(url(tree.village_a1), {"version": 1, "contact_name": "甲"}, content_type=JSON)

    response = client.patch(url(tree.village_a1), {"version": 1, "contact_name": "乙"}, content_type=JSON)

    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_edit"
    assert Organization.objects.get(pk=tree.village_a1.pk).contact_name == "甲"


def test_update_outside_the_subtree_is_404(tree, secretary_a1):
    response = session_client(secretary_a1).patch(url(tree.village_b1), {"version": 1, "name": "改名"},
                                                  content_type=JSON)

    assert response.status_code == 404
    assert Organization.objects.get(pk=tree.village_b1.pk).name == "乙一村党支部"


def test_update_without_the_change_permission_is_403(tree, clerk_a):
    response = session_client(clerk_a).patch(url(tree.village_a1), {"version": 1, "name": "改名"}, content_type=JSON)

    assert response.status_code == 403


def test_update_requires_a_version(tree, secretary_a1):
    response = session_client(secretary_a1).patch(url(tree.village_a1), {"name": "改名"}, content_type=JSON)

    assert response.status_code == 422
    assert response.json()["errors"] == {"version": ["此字段为必填项"]}


def test_update_refuses_null_for_a_required_field(tree, secretary_a1):
    response = session_client(secretary_a1).patch(url(tree.village_a1), {"version": 1, "kind": None},
                                                  content_type=JSON)

    assert response.status_code == 422
    assert "kind" in response.json()["errors"]


def test_update_with_a_code_another_org_uses_is_400(tree, org_admin):
    Organization.objects.filter(pk=tree.village_b1.pk).update(code="ORG-1")

    response = session_client(org_admin).patch(url(tree.village_a1), {"version": 1, "code": "ORG-1"},
                                               content_type=JSON)

    assert response.status_code == 400
    assert "code" in response.json()["errors"]


def test_move_puts_the_subtree_under_the_new_parent(tree, org_admin):
    member = make_member(tree.village_a2)

    response = session_client(org_admin).post(url(tree.village_a2, "/move"),
                                              {"parent": tree.town_b.pk, "version": 1}, content_type=JSON)

    assert response.status_code == 200
    assert response.json()["parent"]["id"] == tree.town_b.pk
    moved = Organization.objects.get(pk=tree.village_a2.pk)
    assert moved.path.startswith(tree.town_b.path)
    member.refresh_from_db()
    assert member.org_path == moved.path


def test_move_under_its_own_subtree_is_400_naming_parent(tree, org_admin):
    response = session_client(org_admin).post(url(tree.town_a, "/move"),
                                              {"parent": tree.village_a1.pk, "version": 1}, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["code"] == "org_move_into_own_subtree"
    assert "parent" in response.json()["errors"]


def test_move_to_a_parent_outside_the_subtree_is_404(tree, clerk_a):
    response = session_client(clerk_a).post(url(tree.village_a1, "/move"),
                                            {"parent": tree.town_b.pk, "version": 1}, content_type=JSON)

    assert response.status_code == 404


def test_dissolve_an_empty_org(tree, org_admin):
    response = session_client(org_admin).post(url(tree.village_a2, "/dissolve"),
                                              {"version": 1, "on": "2025-01-31", "reason": "村庄合并"},
                                              content_type=JSON)

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "dissolved"
    assert body["dissolved_on"] == "2025-01-31"
    assert body["dissolve_reason"] == "村庄合并"


def test_dissolve_an_org_with_members_is_409(tree, org_admin):
    make_member(tree.village_a1)

    response = session_client(org_admin).post(url(tree.village_a1, "/dissolve"),
                                              {"version": 1, "reason": "村庄合并"}, content_type=JSON)

    assert response.status_code == 409
    assert response.json()["code"] == "org_dissolve_has_members"


def test_dissolve_needs_a_reason(tree, org_admin):
    response = session_client(org_admin).post(url(tree.village_a2, "/dissolve"), {"version": 1, "reason": " "},
                                              content_type=JSON)

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_dissolve_outside_the_subtree_is_404(tree, secretary_a1):
    response = session_client(secretary_a1).post(url(tree.village_b1, "/dissolve"),
                                                 {"version": 1, "reason": "x"}, content_type=JSON)

    assert response.status_code == 404
