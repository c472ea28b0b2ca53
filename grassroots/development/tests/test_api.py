import json

import pytest

from grassroots.access.roles import Role
from grassroots.api.tests.support import FULL_ID_RE, FULL_MOBILE_RE, session_client
from grassroots.core.testing.factories import id_number_for, make_member, make_user
from grassroots.development.tests.factories import SCHEDULE, D, drive, make_applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(tree):
    roster = [make_member(tree.village_a1, name=f"正式{i}") for i in range(5)]
    return {"tree": tree, "sec": make_user("a_sec", Role.SECRETARY, tree.village_a1),
            "town": make_user("a_town", Role.SECRETARY, tree.town_a), "roster": roster,
            "people": {"mentors": [roster[0].pk], "sponsors": [roster[0].pk, roster[1].pk]}}


def post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_create_then_talk_then_activist_by_api(cast):
    client = session_client(cast["sec"])
    response = post(client, "/api/development/", {
        "org": cast["tree"].village_a1.pk, "name": "赵接口", "id_number": id_number_for(D(1996, 6, 6), "M"),
        "phone": "13600001234", "education": "college", "occupation": "worker", "applied_on": "2026-09-01"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert not FULL_ID_RE.search(response.content.decode()) and not FULL_MOBILE_RE.search(response.content.decode())
    assert body["next_step"] == "talk" and body["next_due_on"] == "2026-10-01"
    pk, version = body["id"], body["version"]
    response = post(client, f"/api/development/{pk}/steps", {
        "version": version, "code": "talk", "occurred_on": "2026-10-08", "evidence": {"done_by": "张", "note": "谈话"}})
    assert response.status_code == 201 and response.json()["late"] is True
    detail = client.get(f"/api/development/{pk}").json()
    response = post(client, f"/api/development/{pk}/steps", {
        "version": detail["version"], "code": "activist", "occurred_on": "2026-10-09",
        "evidence": {"method": "nonsense", "done_by": "支委会"}})
    assert response.status_code == 400 and "method" in response.json()["errors"]


def test_out_of_order_step_is_400_with_the_rule(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    response = post(session_client(cast["sec"]), f"/api/development/{applicant.pk}/steps", {
        "version": applicant.version, "code": "candidate", "occurred_on": "2024-01-01", "evidence": {}})
    assert response.status_code == 400
    assert "第2步" in response.json()["errors"]["occurred_on"][0]


def test_vote_by_api_and_approval_refused_for_the_branch(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="admission_meeting", people=cast["people"])
    client = session_client(cast["sec"])
    response = post(client, f"/api/development/{applicant.pk}/votes", {
        "version": applicant.version, "kind": "admission", "meeting_on": "2024-12-05", "present": 4, "yes": 3,
        "no": 1, "abstain": 0, "written_yes": 0,
        "exclusions": [{"member_id": cast["roster"][4].pk, "reason": "bedridden", "note": "党员大会通过"}]})
    assert response.status_code == 201, response.content
    vote = response.json()
    assert (vote["eligible"], vote["outcome"]) == (4, "passed")
    detail = client.get(f"/api/development/{applicant.pk}").json()
    notice = post(client, f"/api/development/{applicant.pk}/notices", {"stage": "admission", "published_on": "2024-12-06"})
    assert notice.status_code == 201 and notice.json()["ends_on"] == "2024-12-12"
    detail = client.get(f"/api/development/{applicant.pk}").json()
    talk = post(client, f"/api/development/{applicant.pk}/steps", {
        "version": detail["version"], "code": "committee_talk", "occurred_on": "2024-12-16",
        "evidence": {"done_by": "组织员", "note": "谈话"}})
    assert talk.status_code == 201
    detail = client.get(f"/api/development/{applicant.pk}").json()
    body = {"version": detail["version"], "code": "approval", "occurred_on": "2024-12-20", "evidence": {"done_by": "党委会"}}
    assert post(client, f"/api/development/{applicant.pk}/steps", body).status_code == 403
    response = post(session_client(cast["town"]), f"/api/development/{applicant.pk}/steps", body)
    assert response.status_code == 201
    assert client.get(f"/api/development/{applicant.pk}").json()["stage"] == "probationary"


def test_stale_version_is_409(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    response = post(session_client(cast["sec"]), f"/api/development/{applicant.pk}/steps", {
        "version": applicant.version + 3, "code": "talk", "occurred_on": SCHEDULE["talk"].isoformat(),
        "evidence": {"done_by": "x", "note": "y"}})
    assert response.status_code == 409


def test_reveal_by_api_needs_the_permission(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    clerk = session_client(make_user("a_clerk", Role.CLERK, cast["tree"].town_a))
    assert post(clerk, f"/api/development/{applicant.pk}/reveal", {"reason": "x"}).status_code == 403
    response = post(session_client(cast["sec"]), f"/api/development/{applicant.pk}/reveal", {"reason": "核对"})
    assert response.json()["phone"] == "13900001111"


def test_sibling_subtree_is_404(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    other = session_client(make_user("a_b1", Role.SECRETARY, cast["tree"].village_b1))
    assert other.get(f"/api/development/{applicant.pk}").status_code == 404
    assert "李发展" not in other.get("/api/development/").content.decode()


def test_board_by_api(cast):
    make_applicant(cast["tree"].village_a1, cast["sec"])
    body = session_client(cast["town"]).get(f"/api/development/board?org={cast['tree'].town_a.pk}").json()
    assert body["total"]["counts"]["applicant"] == 1
    assert body["due"][0]["name"] == "李发展"
