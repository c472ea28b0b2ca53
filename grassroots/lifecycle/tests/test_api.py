"""The lifecycle API: the same operations as the pages, scoped, with field errors and no personal data."""

import datetime as dt
import json

import pytest

from grassroots.access.roles import Role
from grassroots.api.tests.support import FULL_MOBILE_RE, token_client
from grassroots.core.testing.factories import make_member, make_user
from grassroots.lifecycle import services
from grassroots.lifecycle.choices import DecisionKind
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db
TODAY = dt.date.today().isoformat()


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def member(tree, org_admin):
    return make_member(tree.village_a1, actor=org_admin, name="王流动")


def test_transfer_round_trip_over_the_api(tree, member, secretary_a1):
    sender = token_client(secretary_a1)
    receiver = token_client(make_user("sec_b1", Role.SECRETARY, tree.village_b1))
    response = post(sender, f"/api/lifecycle/members/{member.pk}/transfers", {"version": member.version,
                                                         "to_org": tree.village_b1.pk, "reason": "工作调动"})
    assert response.status_code == 201, response.content
    transfer = response.json()
    assert transfer["status"] == "pending" and transfer["to_label"] == tree.village_b1.name
    incoming = receiver.get("/api/lifecycle/transfers/?dir=in").json()
    assert [t["id"] for t in incoming["items"]] == [transfer["id"]]
    assert receiver.get(f"/api/members/{member.pk}").status_code == 404
    response = post(receiver, f"/api/lifecycle/transfers/{transfer['id']}/accept", {"version": transfer["version"]})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert Member.objects.get(pk=member.pk).org_id == tree.village_b1.pk
    stale = post(receiver, f"/api/lifecycle/transfers/{transfer['id']}/accept", {"version": transfer["version"]})
    assert stale.status_code == 409


def test_field_errors_and_refusals(tree, member, secretary_a1, clerk_a):
    client = token_client(secretary_a1)
    response = post(client, f"/api/lifecycle/members/{member.pk}/transfers", {"version": member.version,
                                                         "to_org": tree.village_b1.pk, "reason": "",
                                                         "dues_paid_through": "2026-13"})
    assert response.status_code == 400 and {"reason", "dues_paid_through"} <= set(response.json()["errors"])
    outsider = token_client(make_user("sec_b1", Role.SECRETARY, tree.village_b1))
    assert post(outsider, f"/api/lifecycle/members/{member.pk}/transfers", {"version": 1, "to_org": tree.village_b1.pk,
                                                       "reason": "x"}).status_code == 404
    clerk = token_client(clerk_a)
    assert post(clerk, f"/api/lifecycle/members/{member.pk}/decisions",
                {"kind": "death", "occurred_on": TODAY, "reason": "病故"}).status_code == 404


def test_whereabouts_and_lists_carry_masked_contacts_only(tree, member, secretary_a1):
    client = token_client(secretary_a1)
    response = post(client, f"/api/lifecycle/members/{member.pk}/whereabouts",
                    {"place": "义乌市", "left_on": TODAY, "contact": "13912345678"})
    assert response.status_code == 201
    for url in ("/api/lifecycle/mobile/", f"/api/lifecycle/members/{member.pk}"):
        body = client.get(url).content.decode()
        assert "义乌市" in body and not FULL_MOBILE_RE.search(body), url


def test_decision_and_approval_over_the_api(tree, member, secretary_a1):
    branch = token_client(secretary_a1)
    town = token_client(make_user("town", Role.SECRETARY, tree.town_a))
    response = post(branch, f"/api/lifecycle/members/{member.pk}/decisions", {
        "kind": DecisionKind.EXPULSION, "occurred_on": TODAY, "reason": "严重违纪", "meeting": "支部党员大会",
        "meeting_on": TODAY})
    assert response.status_code == 201 and response.json()["status"] == "proposed"
    decision = response.json()
    assert post(branch, f"/api/lifecycle/decisions/{decision['id']}/approve",
                {"version": decision["version"], "approve": True, "approved_on": TODAY}).status_code == 403
    assert [d["id"] for d in town.get("/api/lifecycle/decisions/?to_approve=true").json()["items"]] == [decision["id"]]
    response = post(town, f"/api/lifecycle/decisions/{decision['id']}/approve",
                    {"version": decision["version"], "approve": True, "approved_on": TODAY})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert Member.objects.get(pk=member.pk).state == "left"


def test_letters_and_summary(tree, member, secretary_a1):
    client = token_client(secretary_a1)
    response = post(client, f"/api/lifecycle/members/{member.pk}/letters", {"version": member.version,
                                                       "destination": "外省某单位党委", "letter_no": "甲〔2026〕1号",
                                                       "reason": "外出务工"})
    assert response.status_code == 201 and response.json()["valid_until"]
    inbound = post(client, "/api/lifecycle/letters/inbound", {"to_org": tree.village_a1.pk, "person_name": "李转入",
                                                              "origin": "外县", "letter_no": "外1",
                                                              "issued_on": TODAY})
    assert inbound.status_code == 201
    summary = client.get("/api/lifecycle/summary").json()
    assert summary["pending_out"] == 1 and summary["pending_in"] == 1


def test_unreachable_list_over_the_api(tree, member, secretary_a1):
    services.contact_record(actor=secretary_a1, member=member, on=services.rules.add_months(dt.date.today(), -7),
                            method="phone", reached=False, mark_unreachable=True)
    body = token_client(secretary_a1).get("/api/lifecycle/unreachable/?show=suspend").json()
    assert [m["id"] for m in body["items"]] == [member.pk]


def test_cancel_receipt_direct_and_return_of_a_stay_over_the_api(tree, member, org_admin, secretary_a1):
    client = token_client(secretary_a1)
    other = make_member(tree.village_a1, actor=org_admin)
    issued = post(client, f"/api/lifecycle/members/{member.pk}/transfers",
                  {"version": member.version, "to_org": tree.village_a2.pk, "reason": "x"}).json()
    refused = post(client, f"/api/lifecycle/transfers/{issued['id']}/cancel", {"version": issued["version"], "reason": ""})
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    cancelled = post(client, f"/api/lifecycle/transfers/{issued['id']}/cancel",
                     {"version": issued["version"], "reason": "填错了"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    letter = post(client, f"/api/lifecycle/members/{other.pk}/letters",
                  {"version": other.version, "destination": "外省", "letter_no": "1", "reason": "x"}).json()
    closed = post(client, f"/api/lifecycle/transfers/{letter['id']}/receipt",
                  {"version": letter["version"], "receipt_on": TODAY})
    assert closed.status_code == 200 and Member.objects.get(pk=other.pk).state == "left"
    assert post(client, f"/api/lifecycle/members/{member.pk}/transfers/direct",
                {"to_org": tree.village_b1.pk, "on": TODAY, "reason": "更正"}).status_code == 403
    moved = post(token_client(org_admin), f"/api/lifecycle/members/{member.pk}/transfers/direct",
                 {"to_org": tree.village_b1.pk, "on": TODAY, "reason": "导入后更正", "source": "import"})
    assert moved.status_code == 201 and moved.json()["status"] == "completed"
    stay = post(token_client(org_admin), f"/api/lifecycle/members/{member.pk}/whereabouts",
                {"place": "义乌", "left_on": TODAY}).json()
    back = post(token_client(org_admin), f"/api/lifecycle/whereabouts/{stay['id']}/return",
                {"version": stay["version"], "returned_on": TODAY})
    assert back.status_code == 200 and not Member.objects.get(pk=member.pk).is_mobile
