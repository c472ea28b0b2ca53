"""Rights suspensions (停止党员权利): the current ones of a subtree, and ending one by a dated, referenced and
audited record; refused outside the actor's subtree."""

import datetime as dt
import json

import pytest

from grassroots.access.roles import Role
from grassroots.api.tests.support import session_client, token_client
from grassroots.core.errors import ConcurrentEdit, DomainError, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.development import selectors, services
from grassroots.development.models import RightsSuspension

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
AGO = TODAY - dt.timedelta(days=200)


@pytest.fixture
def cast(tree, org_admin):
    a1 = [make_member(tree.village_a1, actor=org_admin, name=f"甲{i}") for i in range(2)]
    b1 = make_member(tree.village_b1, actor=org_admin, name="乙党员")
    sec_a1 = make_user("dev_sec_a1", Role.SECRETARY, tree.village_a1)
    current = services.suspension_record(actor=sec_a1, member=a1[0], kind="probation_discipline", starts_on=AGO,
                                         reason="镇纪委〔2026〕3号 留党察看一年")
    ended = services.suspension_record(actor=sec_a1, member=a1[1], kind="detained", starts_on=AGO,
                                       ends_on=TODAY - dt.timedelta(days=10), reason="留置")
    other = services.suspension_record(actor=org_admin, member=b1, kind="detained", starts_on=AGO, reason="逮捕")
    return {"tree": tree, "sec_a1": sec_a1, "town_a": make_user("dev_town_a", Role.SECRETARY, tree.town_a),
            "sec_b1": make_user("dev_sec_b1", Role.SECRETARY, tree.village_b1), "current": current, "ended": ended,
            "other": other, "a1": a1}


def test_the_list_shows_the_current_suspensions_of_the_subtree_only(cast):
    town = cast["town_a"]
    assert [r.pk for r in selectors.suspension_list(town)] == [cast["current"].pk]
    assert {r.pk for r in selectors.suspension_list(town, current=False)} == {cast["current"].pk, cast["ended"].pk}
    assert [r.pk for r in selectors.suspension_list(cast["sec_b1"], current=False)] == [cast["other"].pk]


def test_ending_a_suspension_is_dated_referenced_versioned_and_audited(cast):
    row, sec = cast["current"], cast["sec_a1"]
    with pytest.raises(ValidationFailed) as caught:
        services.suspension_end(actor=sec, suspension=row, version=row.version, ends_on=AGO, decision_ref=" ")
    assert set(caught.value.errors) == {"decision_ref", "ends_on"}
    assert "开始日期" in caught.value.errors["ends_on"][0]
    with pytest.raises(ValidationFailed) as caught:
        services.suspension_end(actor=sec, suspension=row, version=row.version, ends_on=TODAY + dt.timedelta(days=1),
                                decision_ref="x")
    assert "晚于今天" in caught.value.errors["ends_on"][0]
    with pytest.raises(ConcurrentEdit):
        services.suspension_end(actor=sec, suspension=row, version=row.version + 1, ends_on=TODAY, decision_ref="x")
    assert cast["a1"][0].pk in services._suspended_ids([cast["a1"][0].pk], TODAY)

    services.suspension_end(actor=sec, suspension=row, version=row.version, ends_on=TODAY,
                            decision_ref="镇党委〔2026〕9号 恢复党员权利")

    saved = RightsSuspension.objects.get(pk=row.pk)
    assert (saved.ends_on, saved.end_ref, saved.version) == (TODAY, "镇党委〔2026〕9号 恢复党员权利", 2)
    event = AuditEvent.objects.get(verb="development.suspension.end")
    assert event.target_id == cast["a1"][0].pk and event.changes["ends_on"] == [None, TODAY.isoformat()]
    assert event.reason == "镇党委〔2026〕9号 恢复党员权利"
    assert services._suspended_ids([cast["a1"][0].pk], TODAY) == []  # votes and may sponsor again
    assert not selectors.suspension_list(cast["town_a"]).exists()
    with pytest.raises(DomainError) as again:
        services.suspension_end(actor=sec, suspension=saved, version=saved.version, ends_on=TODAY, decision_ref="x")
    assert again.value.code == "development_suspension_ended"


def test_another_branch_cannot_end_it(cast):
    row = cast["current"]
    with pytest.raises(PermissionRefused):
        services.suspension_end(actor=cast["sec_b1"], suspension=row, version=row.version, ends_on=TODAY,
                                decision_ref="x")
    client = session_client(cast["sec_b1"])
    assert client.get(f"/development/suspensions/{row.pk}/end/").status_code == 404
    response = client.post(f"/development/suspensions/{row.pk}/end/", {"version": row.version,
                                                                       "ends_on": TODAY.isoformat(),
                                                                       "decision_ref": "x"})
    assert response.status_code == 404
    api = token_client(cast["sec_b1"])
    body = json.dumps({"version": row.version, "ends_on": TODAY.isoformat(), "decision_ref": "x"})
    assert api.post(f"/api/development/suspensions/{row.pk}/end", body, content_type="application/json").status_code == 404
    assert "甲0" not in client.get(f"/development/suspensions/?org={cast['tree'].village_b1.pk}").content.decode()
    assert client.get(f"/development/suspensions/?org={cast['tree'].village_a1.pk}").status_code == 404
    assert RightsSuspension.objects.get(pk=row.pk).ends_on is None


def test_the_pages_list_and_end_a_suspension(cast, django_assert_max_num_queries):
    client = session_client(cast["sec_a1"])
    url = f"/development/suspensions/?org={cast['tree'].village_a1.pk}"
    with django_assert_max_num_queries(12):
        page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and "甲0" in text and "甲1" not in text and "恢复权利" in text
    assert "甲1" in client.get(url + "&all=1").content.decode()
    row = cast["current"]
    bad = client.post(f"/development/suspensions/{row.pk}/end/", {"version": row.version, "ends_on": TODAY.isoformat(),
                                                                  "decision_ref": ""})
    assert bad.status_code == 400
    done = client.post(f"/development/suspensions/{row.pk}/end/", {"version": row.version,
                                                                   "ends_on": TODAY.isoformat(), "decision_ref": "9号"})
    assert done.status_code == 302
    after = client.get(url).content.decode()
    assert "已登记 甲0 恢复党员权利" in after and 'id="suspension-rows"' in after
    assert "甲0</strong>" not in after


def test_the_list_query_count_does_not_grow(cast, org_admin, django_assert_max_num_queries):
    client = session_client(cast["town_a"])
    url = f"/development/suspensions/?org={cast['tree'].town_a.pk}"
    with django_assert_max_num_queries(12):
        client.get(url)
    for i in range(10):
        member = make_member(cast["tree"].village_a2, actor=org_admin)
        services.suspension_record(actor=org_admin, member=member, kind="detained", starts_on=AGO, reason=f"r{i}")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count("恢复权利</a>") == 11


def test_the_api_lists_and_ends(cast):
    api = token_client(cast["town_a"])
    listing = api.get(f"/api/development/suspensions/?org={cast['tree'].town_a.pk}").json()
    assert [r["id"] for r in listing["items"]] == [cast["current"].pk]
    assert listing["items"][0]["member_name"] == "甲0"
    row = cast["current"]
    body = {"version": row.version, "ends_on": TODAY.isoformat(), "decision_ref": "9号"}
    response = api.post(f"/api/development/suspensions/{row.pk}/end", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()["end_ref"] == "9号"
    again = api.post(f"/api/development/suspensions/{row.pk}/end", json.dumps({**body, "version": 2}),
                     content_type="application/json")
    assert again.status_code in (400, 409, 422) and again.json()["code"] == "development_suspension_ended"
    assert api.get("/api/development/suspensions/").json()["items"] == []
