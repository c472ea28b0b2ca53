"""The member API: masked output, the audited reveal, scoping, optimistic locking, validation, query budget."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from grassroots.access.roles import Role
from grassroots.api.tests.support import FULL_ID_RE, FULL_MOBILE_RE, session_client, token_client
from grassroots.core.identity import id_check_char
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import id_number_for, make_member, make_user
from grassroots.members.choices import MemberState
from grassroots.members.models import Member, MemberExit
from grassroots.members.services import member_secrets
from grassroots.orgs.models import PartyGroup

JSON = "application/json"
LIST = "/api/members/"


def url(member, suffix=""):
    return f"/api/members/{member.pk}{suffix}"


def new_member_body(org, **overrides):
    birth = dt.date(1985, 3, 9)
    return {
        "org": org.pk, "name": "李四", "gender": "F", "id_number": id_number_for(birth, "F"),
        "phone": "139 1234 5678", "address": "甲镇甲一村三组12号", "education": "college", "occupation": "farmer",
        "joined_on": "2010-07-01", "confirmed_on": "2011-07-01", "status": "full", "posts": ["secretary"],
        **overrides,
    }


@pytest.fixture
def members(tree):
    admin = make_user(role=Role.ORG_ADMIN, org=tree.county)
    return {
        "a1": make_member(tree.village_a1, admin, name="张三", gender="M"),
        "a1_probation": make_member(tree.village_a1, admin, name="王五", status="probationary", confirmed_on=None,
                                    joined_on=dt.date(2025, 7, 1), gender="F", birth_date=dt.date(1995, 1, 1)),
        "a2": make_member(tree.village_a2, admin, name="赵六", is_mobile=True),
        "b1": make_member(tree.village_b1, admin, name="孙七"),
    }


# --- list ----------------------------------------------------------------------------------------------------


def test_list_shows_the_members_in_scope_masked(members, secretary_a1):
    response = session_client(secretary_a1).get(LIST)

    body = response.json()
    assert response.status_code == 200
    assert [m["name"] for m in body["items"]] == ["张三", "王五"]
    assert body["total"] == 2 and body["total_capped"] is False
    item = body["items"][0]
    assert item["org_name"] == "甲一村党支部"
    assert item["id_number_masked"].startswith("4101") and "*" in item["id_number_masked"]
    assert item["phone_masked"] == "138****8000"
    assert "id_number" not in item and "phone" not in item


def test_list_never_contains_members_outside_the_subtree(members, clerk_a):
    names = {m["name"] for m in session_client(clerk_a).get(f"{LIST}?page_size=200").json()["items"]}

    assert names == {"张三", "王五", "赵六"}


def test_list_and_detail_never_carry_a_full_id_or_mobile_number(members, org_admin):
    client = session_client(org_admin)
    secrets = member_secrets(members["a1"])

    pages = [client.get(LIST).content.decode(), client.get(url(members["a1"])).content.decode()]

    for text in pages:
        assert secrets["id_number"] not in text
        assert secrets["phone"] not in text
        assert not FULL_ID_RE.search(text)
        assert not FULL_MOBILE_RE.search(text)
    assert members["a1"].id_number_masked in pages[0]


def test_list_filters_by_org_subtree(members, tree, org_admin):
    response = session_client(org_admin).get(f"{LIST}?org={tree.town_a.pk}")

    assert {m["name"] for m in response.json()["items"]} == {"张三", "王五", "赵六"}


def test_list_filter_on_an_org_outside_the_subtree_is_404(members, tree, secretary_a1):
    response = session_client(secretary_a1).get(f"{LIST}?org={tree.village_b1.pk}")

    assert response.status_code == 404


@pytest.mark.parametrize(("query", "expected"), [
    ("q=张", {"张三"}),
    ("q=zs", {"张三"}),
    ("status=probationary", {"王五"}),
    ("gender=F", {"王五"}),
    ("age_band=le35", {"王五"}),
    ("education=bachelor&occupation=farmer", {"张三", "王五", "赵六", "孙七"}),
    ("flag=is_mobile", {"赵六"}),
    ("status=&gender=", {"张三", "王五", "赵六", "孙七"}),
])
def test_list_filters(members, org_admin, query, expected):
    response = session_client(org_admin).get(f"{LIST}?{query}")

    assert {m["name"] for m in response.json()["items"]} == expected


def test_list_shows_members_who_left_only_when_asked(members, org_admin):
    Member.objects.filter(pk=members["b1"].pk).update(state=MemberState.LEFT, left_on=dt.date(2024, 1, 1))
    client = session_client(org_admin)

    def names(query):
        return {m["name"] for m in client.get(f"{LIST}?{query}").json()["items"]}

    assert "孙七" not in names("")
    assert names("state=left") == {"孙七"}
    assert "孙七" in names("state=all")


def test_list_pages_with_cursors_both_ways(members, org_admin):
    client = session_client(org_admin)

    first = client.get(f"{LIST}?page_size=3").json()
    second = client.get(f"{LIST}?page_size=3&after={first['next_cursor']}").json()
    back = client.get(f"{LIST}?page_size=3&before={second['prev_cursor']}").json()

    assert len(first["items"]) == 3 and first["has_next"]
    assert len(second["items"]) == 1 and not second["has_next"]
    assert [m["id"] for m in back["items"]] == [m["id"] for m in first["items"]]
    assert {m["id"] for m in first["items"] + second["items"]} == {m.pk for m in members.values()}


def test_list_jumps_to_a_page_number(members, org_admin):
    body = session_client(org_admin).get(f"{LIST}?page_size=3&page=2").json()

    assert body["page"] == 2 and len(body["items"]) == 1 and body["has_prev"]


def test_list_page_size_is_capped_at_200(members, org_admin):
    response = session_client(org_admin).get(f"{LIST}?page_size=201")

    assert response.status_code == 422
    assert "page_size" in response.json()["errors"]


def test_list_works_with_a_bearer_token(members, secretary_a1):
    response = token_client(secretary_a1).get(LIST)

    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


def test_list_query_count_does_not_grow_with_the_rows(tree, org_admin, django_assert_max_num_queries):
    client = session_client(org_admin)
    admin = make_user(role=Role.ORG_ADMIN, org=tree.county)
    for org in (tree.village_a1, tree.village_b1):
        make_member(org, admin)
    client.get(LIST)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(f"{LIST}?org={tree.county.pk}")
    for n in range(30):
        make_member((tree.village_a1, tree.village_a2, tree.village_b1)[n % 3], admin)

    # session, user, grants, the org filter, the page, the capped count; saving the session (3 with its savepoint)
    with django_assert_max_num_queries(9), CaptureQueriesContext(connection) as many:
        response = client.get(f"{LIST}?org={tree.county.pk}")

    assert len(response.json()["items"]) == 32
    assert len(many) == len(few)


# --- detail --------------------------------------------------------------------------------------------------


def test_detail_is_masked(members, secretary_a1):
    response = session_client(secretary_a1).get(url(members["a1"]))

    body = response.json()
    assert response.status_code == 200
    assert body["name"] == "张三"
    assert body["org"] == {"id": members["a1"].org_id, "name": "甲一村党支部"}
    assert body["phone_masked"] == "138****8000"
    assert not {"id_number", "phone", "address", "id_number_enc", "id_number_hash"} & set(body)


def test_detail_outside_the_subtree_is_404(members, secretary_a1):
    assert session_client(secretary_a1).get(url(members["b1"])).status_code == 404


def test_member_sees_their_own_record(members, tree):
    own = make_user(role=Role.MEMBER, org=tree.village_a1)
    Member.objects.filter(pk=members["a1"].pk).update(user=own)
    client = session_client(own)

    assert client.get(url(members["a1"])).status_code == 200
    assert client.get(url(members["a1_probation"])).status_code == 404


# --- reveal --------------------------------------------------------------------------------------------------


def test_reveal_returns_the_full_values_and_audits_the_reason(members, secretary_a1):
    response = session_client(secretary_a1).post(url(members["a1"], "/reveal"), {"reason": "核对党费基数"},
                                                 content_type=JSON)

    body = response.json()
    assert response.status_code == 200
    assert FULL_ID_RE.fullmatch(body["id_number"])
    assert body["id_number"][-4:] == members["a1"].id_number_masked[-4:]
    assert body["phone"] == "13800138000"
    event = AuditEvent.objects.get(verb="members.member.reveal", target_id=members["a1"].pk)
    assert event.reason == "核对党费基数" and event.actor == secretary_a1


def test_reveal_without_the_reveal_permission_is_403(members, clerk_a):
    response = session_client(clerk_a).post(url(members["a1"], "/reveal"), {"reason": "看看"}, content_type=JSON)

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(verb="members.member.reveal").exists()


def test_reveal_outside_the_subtree_is_404(members, secretary_a1):
    response = session_client(secretary_a1).post(url(members["b1"], "/reveal"), {"reason": "看看"},
                                                 content_type=JSON)

    assert response.status_code == 404


def test_reveal_needs_a_reason(members, secretary_a1):
    response = session_client(secretary_a1).post(url(members["a1"], "/reveal"), {"reason": "  "}, content_type=JSON)

    assert response.status_code == 422
    assert "reason" in response.json()["errors"]


# --- create --------------------------------------------------------------------------------------------------


def test_create_registers_a_member_and_answers_masked(tree, secretary_a1):
    body = new_member_body(tree.village_a1)

    response = session_client(secretary_a1).post(LIST, body, content_type=JSON)

    created = response.json()
    assert response.status_code == 201
    assert created["name"] == "李四"
    assert created["birth_date"] == "1985-03-09"  # taken from the ID number
    assert created["phone_masked"] == "139****5678"
    assert created["posts"] == ["secretary"]
    assert body["id_number"] not in response.content.decode()
    member = Member.objects.get(pk=created["id"])
    assert member.org_id == tree.village_a1.pk
    assert AuditEvent.objects.filter(verb="members.member.create", target_id=member.pk).exists()


def test_create_into_an_org_outside_the_subtree_is_404(tree, secretary_a1):
    response = session_client(secretary_a1).post(LIST, new_member_body(tree.village_b1), content_type=JSON)

    assert response.status_code == 404
    assert not Member.objects.exists()


def test_create_into_a_committee_is_400_naming_org(tree, org_admin):
    response = session_client(org_admin).post(LIST, new_member_body(tree.town_a), content_type=JSON)

    assert response.status_code == 400
    assert "org" in response.json()["errors"]


def test_create_with_a_bad_check_digit_is_400_naming_id_number(tree, secretary_a1):
    number = id_number_for(dt.date(1985, 3, 9), "F")
    wrong = number[:17] + ("0" if id_check_char(number[:17]) != "0" else "1")

    response = session_client(secretary_a1).post(LIST, new_member_body(tree.village_a1, id_number=wrong),
                                                 content_type=JSON)

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert "校验位" in body["errors"]["id_number"][0]


def test_create_with_an_id_already_registered_is_400(members, tree, secretary_a1):
    client = session_client(secretary_a1)
    body = new_member_body(tree.village_a1)
    client.post(LIST, body, content_type=JSON)

    response = client.post(LIST, body, content_type=JSON)

    assert response.status_code == 400
    assert "id_number" in response.json()["errors"]


def test_create_with_rule_violations_names_every_field(tree, secretary_a1):
    body = new_member_body(tree.village_a1, gender="M", phone="12345", joined_on="2000-01-01",
                           confirmed_on="2000-02-01")

    response = session_client(secretary_a1).post(LIST, body, content_type=JSON)

    assert response.status_code == 400
    assert {"gender", "phone", "joined_on", "confirmed_on"} <= set(response.json()["errors"])


def test_create_with_malformed_values_is_422_in_chinese(tree, secretary_a1):
    body = new_member_body(tree.village_a1, joined_on="2010-02-30", gender="X", education=7, posts=["king"])

    response = session_client(secretary_a1).post(LIST, body, content_type=JSON)

    errors = response.json()["errors"]
    assert response.status_code == 422
    assert errors["joined_on"] == ["日期格式应为 YYYY-MM-DD"]
    assert errors["gender"] == ["取值无效，可选值：M、F"]
    assert errors["education"][0].startswith("取值无效")
    assert errors["posts.0"][0].startswith("取值无效")


def test_create_with_a_date_outside_the_supported_range_is_422(tree, secretary_a1):
    body = new_member_body(tree.village_a1, joined_on="9999-06-01")

    response = session_client(secretary_a1).post(LIST, body, content_type=JSON)

    assert response.status_code == 422
    assert response.json()["errors"] == {"joined_on": ["日期应在1900-01-01至2099-12-31之间"]}


def test_create_with_a_party_group_outside_the_subtree_is_404(tree, secretary_a1):
    group = PartyGroup.objects.create(org=tree.village_b1, name="第一党小组")

    response = session_client(secretary_a1).post(LIST, new_member_body(tree.village_a1, party_group=group.pk),
                                                 content_type=JSON)

    assert response.status_code == 404


def test_create_with_a_party_group_of_the_branch(tree, secretary_a1):
    group = PartyGroup.objects.create(org=tree.village_a1, name="第一党小组")

    response = session_client(secretary_a1).post(LIST, new_member_body(tree.village_a1, party_group=group.pk),
                                                 content_type=JSON)

    assert response.status_code == 201
    assert response.json()["party_group"] == {"id": group.pk, "name": "第一党小组"}


# --- update --------------------------------------------------------------------------------------------------


def test_update_changes_the_fields_sent(members, secretary_a1):
    response = session_client(secretary_a1).patch(
        url(members["a1"]), {"version": 1, "phone": "13911112222", "is_unreachable": True}, content_type=JSON
    )

    body = response.json()
    assert response.status_code == 200
    assert body["version"] == 2
    assert body["phone_masked"] == "139****2222"
    assert body["is_unreachable"] is True
    assert body["name"] == "张三"
    assert "13911112222" not in response.content.decode()


def test_update_with_a_stale_version_is_409(members, secretary_a1):
    client = session_client(secretary_a1)
    client.patch(url(members["a1"]), {"version": 1, "notes": "第一次"}, content_type=JSON)

    response = client.patch(url(members["a1"]), {"version": 1, "notes": "第二次"}, content_type=JSON)

    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_edit"
    assert Member.objects.get(pk=members["a1"].pk).notes == "第一次"


def test_update_outside_the_subtree_is_404(members, secretary_a1):
    response = session_client(secretary_a1).patch(url(members["b1"]), {"version": 1, "notes": "x"}, content_type=JSON)

    assert response.status_code == 404
    assert Member.objects.get(pk=members["b1"].pk).notes == ""


def test_update_moving_to_an_org_outside_the_subtree_is_404(members, tree, secretary_a1):
    response = session_client(secretary_a1).patch(url(members["a1"]), {"version": 1, "org": tree.village_b1.pk},
                                                  content_type=JSON)

    assert response.status_code == 404
    assert Member.objects.get(pk=members["a1"].pk).org_id == tree.village_a1.pk


def test_update_with_a_bad_check_digit_is_400_naming_id_number(members, secretary_a1):
    bad = "110105194912310021"  # valid layout, wrong check digit (should be X)

    response = session_client(secretary_a1).patch(url(members["a1"]), {"version": 1, "id_number": bad},
                                                  content_type=JSON)

    assert response.status_code == 400
    assert "id_number" in response.json()["errors"]


def test_update_by_a_member_viewing_only_their_own_record_is_403(members, tree):
    own = make_user(role=Role.MEMBER, org=tree.village_a1)
    Member.objects.filter(pk=members["a1"].pk).update(user=own)

    response = session_client(own).patch(url(members["a1"]), {"version": 1, "notes": "x"}, content_type=JSON)

    assert response.status_code == 403


# --- exit ----------------------------------------------------------------------------------------------------


def test_exit_records_the_event_and_keeps_the_record_readable(members, secretary_a1):
    body = {"version": 1, "kind": "withdrawal", "occurred_on": "2025-06-30", "reason": "本人申请退党，支部大会讨论"}

    response = session_client(secretary_a1).post(url(members["a1"], "/exit"), body, content_type=JSON)

    assert response.status_code == 200
    assert response.json()["state"] == "left"
    assert response.json()["left_on"] == "2025-06-30"
    assert MemberExit.objects.get(member=members["a1"]).kind == "withdrawal"


@pytest.mark.parametrize("kind, says", [("removal", "处置决定"), ("expulsion", "处置决定"),
                                        ("advised_withdrawal", "处置决定"), ("transfer_out", "介绍信"),
                                        ("probation_cancelled", "发展党员")])
def test_exit_needing_approval_above_is_refused_on_kind(members, secretary_a1, kind, says):
    body = {"version": 1, "kind": kind, "occurred_on": "2025-06-30", "reason": "x"}

    response = session_client(secretary_a1).post(url(members["a1"], "/exit"), body, content_type=JSON)

    assert response.status_code == 400
    assert says in response.json()["errors"]["kind"][0]
    members["a1"].refresh_from_db()
    assert members["a1"].state == "active" and not MemberExit.objects.filter(member=members["a1"]).exists()


def test_exit_twice_is_refused(members, secretary_a1):
    client = session_client(secretary_a1)
    body = {"version": 1, "kind": "death", "occurred_on": "2025-06-30", "reason": "病故"}
    client.post(url(members["a1"], "/exit"), body, content_type=JSON)

    response = client.post(url(members["a1"], "/exit"), {**body, "version": 2}, content_type=JSON)

    assert response.status_code == 409
    assert response.json()["code"] == "member_already_left"


def test_exit_without_the_exit_permission_is_403(members, clerk_a):
    body = {"version": 1, "kind": "death", "occurred_on": "2025-06-30", "reason": "病故"}

    response = session_client(clerk_a).post(url(members["a1"], "/exit"), body, content_type=JSON)

    assert response.status_code == 403


def test_exit_outside_the_subtree_is_404(members, secretary_a1):
    body = {"version": 1, "kind": "death", "occurred_on": "2025-06-30", "reason": "病故"}

    response = session_client(secretary_a1).post(url(members["b1"], "/exit"), body, content_type=JSON)

    assert response.status_code == 404


def test_exit_in_the_future_is_400(members, secretary_a1):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    body = {"version": 1, "kind": "death", "occurred_on": tomorrow.isoformat(), "reason": "病故"}

    response = session_client(secretary_a1).post(url(members["a1"], "/exit"), body, content_type=JSON)

    assert response.status_code == 400
    assert "occurred_on" in response.json()["errors"]


def test_exit_with_an_unknown_kind_is_422(members, secretary_a1):
    body = {"version": 1, "kind": "vanished", "occurred_on": "2025-01-01", "reason": "x"}

    response = session_client(secretary_a1).post(url(members["a1"], "/exit"), body, content_type=JSON)

    assert response.status_code == 422
    assert "kind" in response.json()["errors"]
