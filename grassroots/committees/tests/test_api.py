import datetime as dt
import json

import pytest

from grassroots.access.roles import Role
from grassroots.api.tests.support import FULL_ID_RE, session_client
from grassroots.committees.choices import ElectionStage
from grassroots.committees.models import Election
from grassroots.committees.tests.factories import branch_members
from grassroots.core.testing.factories import make_user
from grassroots.orgs.models import Organization

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def members(tree, org_admin):
    return branch_members(tree.village_a1, 8, admin=org_admin)


def test_election_flow_over_the_api(tree, secretary_a1, members):
    town = session_client(make_user("api_town", Role.SECRETARY, tree.town_a))
    sec = session_client(secretary_a1)
    today = dt.date.today().isoformat()
    response = post(sec, f"/api/committees/orgs/{tree.village_a1.pk}/elections",
                    {"title": "换届", "method": "meeting", "seats": 3, "planned_on": today, "plan": "方案"})
    assert response.status_code == 201, response.content
    election = response.json()
    url = f"/api/committees/elections/{election['id']}"
    body = post(sec, f"{url}/transition", {"version": election["version"], "to": "plan_submitted"}).json()
    refused = post(sec, f"{url}/transition", {"version": body["version"], "to": "plan_approved"})
    assert refused.status_code == 403 and refused.json()["code"] == "committees_approve_not_above"
    body = post(town, f"{url}/transition", {"version": body["version"], "to": "plan_approved"}).json()
    for member in members[:3]:
        assert post(sec, f"{url}/candidates", {"member": member.pk, "pledge": "承诺"}).status_code == 201
    response = post(sec, f"{url}/transition", {"version": body["version"], "to": "candidates_set"})
    assert response.status_code == 400 and "candidates" in response.json()["errors"]
    post(sec, f"{url}/candidates", {"member": members[3].pk})
    body = post(sec, f"{url}/transition", {"version": body["version"], "to": "candidates_set"}).json()
    response = post(sec, f"{url}/meeting", {"version": body["version"], "meeting_on": today, "present_count": 6})
    assert response.status_code == 400 and "present_count" in response.json()["errors"]
    body = post(sec, f"{url}/meeting", {"version": body["version"], "meeting_on": today, "present_count": 7}).json()
    assert body["eligible_count"] == 8
    cands = sorted(body["candidates"], key=lambda c: c["member"]["name"])
    void = post(sec, f"{url}/rounds", {"version": body["version"], "ballots_issued": 7, "ballots_returned": 8,
                                       "votes": {str(c["id"]): 5 for c in cands}})
    assert void.status_code == 201 and void.json()["void"] is True
    body = sec.get(url).json()
    votes = {str(c["id"]): 7 - i for i, c in enumerate(cands)}
    post(sec, f"{url}/rounds", {"version": body["version"], "ballots_issued": 7, "ballots_returned": 7, "votes": votes})
    body = sec.get(url).json()
    assert body["stage"] == ElectionStage.VOTED
    elected = [c for c in body["candidates"] if c["elected_in_round"] == 2]
    posts = dict(zip([str(c["id"]) for c in elected], ["secretary", "organization_officer", "publicity_officer"],
                     strict=True))
    body = post(sec, f"{url}/posts", {"version": body["version"], "posts": posts}).json()
    body = post(sec, f"{url}/transition", {"version": body["version"], "to": "result_submitted"}).json()
    body = post(town, f"{url}/transition", {"version": body["version"], "to": "result_approved"}).json()
    assert body["stage"] == "result_approved"
    committee = sec.get(f"/api/committees/orgs/{tree.village_a1.pk}/committee").json()
    assert len(committee["current"]) == 3 and committee["term"]["started_on"] == today
    assert not FULL_ID_RE.search(json.dumps(committee, ensure_ascii=False))


def test_api_scoping_and_validation(tree, secretary_a1, org_admin, members):
    outsider = session_client(make_user("api_b1", Role.SECRETARY, tree.village_b1))
    assert outsider.get(f"/api/committees/orgs/{tree.village_a1.pk}/committee").status_code == 404
    assert outsider.get(f"/api/committees/terms?org={tree.village_a1.pk}").status_code == 404
    sec = session_client(secretary_a1)
    response = post(sec, f"/api/committees/orgs/{tree.village_a1.pk}/posts",
                    {"member": members[0].pk, "post": "group_leader", "started_on": "2024-01-01"})
    assert response.status_code == 422 and "post" in response.json()["errors"]
    response = post(sec, f"/api/committees/orgs/{tree.village_a1.pk}/cadres",
                    {"name": "王", "gender": "M", "birth_date": "1990-01-01", "education": "college"})
    assert response.status_code == 201 and response.json()["age"] >= 35
    cadre = response.json()
    response = sec.patch(f"/api/committees/cadres/{cadre['id']}", json.dumps({"version": 99, "status": "training"}),
                         content_type="application/json")
    assert response.status_code == 409
    Organization.objects.filter(pk=tree.village_a1.pk).update(term_started_on=dt.date(2020, 1, 1))
    page = session_client(org_admin).get(f"/api/committees/terms?org={tree.county.pk}&due=overdue").json()
    assert [row["id"] for row in page["items"]] == [tree.village_a1.pk]
    assert not Election.objects.exists()
