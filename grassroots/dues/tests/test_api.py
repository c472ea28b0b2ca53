"""The dues API: masked by default, reveal audited, idempotent payments (201 then 200), refusals, collection."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from grassroots.access.roles import Role
from grassroots.api.tests.support import session_client
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.dues.models import Assessment, Payment
from grassroots.dues.tests.factories import assess, declare

pytestmark = pytest.mark.django_db
THIS_MONTH = timezone.localdate().replace(day=1)


@pytest.fixture
def member(tree):
    m = make_member(tree.village_a1, joined_on=dt.date(2020, 1, 1), confirmed_on=dt.date(2021, 1, 1))
    declare(m, base="5000.01", month=dt.date(2020, 1, 1))  # 75.00
    assess(tree.county.path, THIS_MONTH)
    return m


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_member_dues_are_masked_until_revealed(secretary_a1, member):
    client = session_client(secretary_a1)
    body = client.get(f"/api/dues/members/{member.pk}").json()
    assert body["base"] is None and body["assessments"][0]["amount"] is None and not body["revealed"]
    assert body["unpaid_months"] == [THIS_MONTH.strftime("%Y-%m")]
    revealed = post(client, f"/api/dues/members/{member.pk}/reveal", {"reason": "核对"}).json()
    assert revealed["base"] == "5000.01" and revealed["assessments"][0]["amount"] == "75.00"
    assert AuditEvent.objects.filter(verb="dues.amounts.reveal").count() == 1


def test_payment_api_is_idempotent(secretary_a1, member):
    client = session_client(secretary_a1)
    body = {"idempotency_key": "api-key-0001", "months": [THIS_MONTH.strftime("%Y-%m")]}
    first = post(client, f"/api/dues/members/{member.pk}/payments", body)
    second = post(client, f"/api/dues/members/{member.pk}/payments", body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and Payment.objects.count() == 1
    assert first.json()["months_amount"] == "75.00"


def test_payment_api_field_errors(secretary_a1, member):
    client = session_client(secretary_a1)
    response = post(client, f"/api/dues/members/{member.pk}/payments",
                    {"idempotency_key": "api-key-0002", "months": ["2099-01"]})
    assert response.status_code == 400 and "months" in response.json()["errors"]
    response = post(client, f"/api/dues/members/{member.pk}/payments", {"idempotency_key": "short"})
    assert response.status_code == 422 and "idempotency_key" in response.json()["errors"]


def test_declare_and_reduction_decide_from_above(tree, secretary_a1, member):
    client = session_client(secretary_a1)
    response = post(client, f"/api/dues/members/{member.pk}/declarations",
                    {"category": "retired", "effective_month": THIS_MONTH.strftime("%Y-%m"), "base": "5000.00"})
    assert response.status_code == 201
    assert Assessment.objects.get(member=member, month=THIS_MONTH).amount == 25
    red = post(client, f"/api/dues/members/{member.pk}/reductions",
               {"kind": "waive", "from_month": THIS_MONTH.strftime("%Y-%m"), "to_month": THIS_MONTH.strftime("%Y-%m"),
                "reason": "重病", "studied_on": timezone.localdate().isoformat()}).json()
    body = {"approve": True, "decided_on": timezone.localdate().isoformat(), "version": red["version"]}
    assert post(client, f"/api/dues/reductions/{red['id']}/decide", body).status_code == 403
    town = session_client(make_user("town_sec", Role.SECRETARY, tree.town_a))
    decided = post(town, f"/api/dues/reductions/{red['id']}/decide", body)
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    assert Assessment.objects.get(member=member, month=THIS_MONTH).amount == 0


def test_collection_and_arrears(tree, org_admin, member):
    client = session_client(org_admin)
    body = client.get(f"/api/dues/collection?org={tree.county.pk}&period=year&year={THIS_MONTH.year}").json()
    assert body["total"]["due"] == "75.00" and body["total"]["in_arrears"] == 1
    assert [c["name"] for c in body["children"]] == ["甲镇党委", "乙镇党委"]
    assert client.get(f"/api/dues/arrears?org={tree.county.pk}").json() == []


def test_member_own_dues_api(tree, member):
    user = make_user("own", Role.MEMBER, tree.village_a1)
    type(member).objects.filter(pk=member.pk).update(user=user)
    body = session_client(user).get("/api/dues/me").json()
    assert body["revealed"] and body["base"] == "5000.01"


def test_run_api_and_command(tree, secretary_a1, member, django_capture_on_commit_callbacks):
    client = session_client(secretary_a1)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/api/dues/runs", {"org": tree.village_a1.pk, "month": THIS_MONTH.strftime("%Y-%m")})
    assert response.status_code == 202
    assert client.get(f"/api/dues/runs/{response.json()['id']}").json()["state"] == "done"
    other = make_member(tree.village_b1)
    declare(other)
    call_command("dues_assess")
    call_command("dues_assess")
    assert Assessment.objects.filter(month=THIS_MONTH).count() == 2


def test_schedules_are_listed_with_their_sources(secretary_a1):
    body = session_client(secretary_a1).get("/api/dues/schedules").json()
    national = body[0]
    assert national["scope_path"] == "" and "2008" in national["decision_ref"] and national["scope_name"] == "全国"
    assert national["in_force"] and national["superseded_on"] is None
    assert any(b["source"].startswith("RULES.md §1 第二条") for b in national["bands"])
    detail = session_client(secretary_a1).get(f"/api/dues/schedules/{national['id']}").json()
    assert detail["bands"] == national["bands"]


def _bands(**student):
    """The national bands as a request body, the student band changed."""
    from grassroots.dues.rules import SEED_BANDS

    rows = [{k: (str(v) if v is not None else None) for k, v in vars(b).items()} for b in SEED_BANDS]
    return [{**r, **student} if r["category"] == "student" else r for r in rows]


def test_a_county_adds_its_own_schedule_from_a_month(tree, org_admin, clerk_a, secretary_a1, member):
    next_month = (THIS_MONTH + dt.timedelta(days=40)).replace(day=1)
    bands = [b for b in _bands(fixed="0.50") if b["category"] != "on_job"]
    bands.append({"category": "on_job", "kind": "rate", "rate": "0.01", "source": "地方规定"})
    body = {"org": tree.county.pk, "name": "本县标准", "effective_month": next_month.strftime("%Y-%m"),
            "decision_ref": "县委组织部文件", "bands": bands}
    assert post(session_client(clerk_a), "/api/dues/schedules", body).status_code in (403, 404)
    branch = {**body, "org": tree.village_a1.pk}  # a branch secretary holds dues.approve at the branch
    assert post(session_client(secretary_a1), "/api/dues/schedules", branch).status_code == 403
    past = {**body, "effective_month": "2020-01"}
    response = post(session_client(org_admin), "/api/dues/schedules", past)
    assert response.status_code == 400 and "effective_month" in response.json()["errors"]
    response = post(session_client(org_admin), "/api/dues/schedules", body)
    assert response.status_code == 201 and len(response.json()["bands"]) == len(bands)
    assert response.json()["scope_name"] == tree.county.name and not response.json()["in_force"]
    event = AuditEvent.objects.get(verb="dues.schedule.create")
    assert event.org_path == tree.county.path and event.target_label == "本县标准"
    assess(tree.county.path, next_month)
    assert Assessment.objects.get(member=member, month=next_month).amount == 50  # 5000.01 × 1%
    assert Assessment.objects.get(member=member, month=THIS_MONTH).amount == 75  # kept its schedule
    listed = session_client(org_admin).get("/api/dues/schedules").json()
    assert listed[0]["in_force"] and listed[1]["scope_path"] == tree.county.path  # national still in force now


def test_a_schedule_outside_the_scope_is_refused_and_hidden(tree, org_admin):
    town_b_admin = make_user("town_b_admin", Role.ORG_ADMIN, tree.town_b)
    next_month = (THIS_MONTH + dt.timedelta(days=40)).replace(day=1)
    body = {"org": tree.town_a.pk, "name": "甲镇标准", "effective_month": next_month.strftime("%Y-%m"),
            "decision_ref": "镇党委文件", "bands": _bands(fixed="0.30")}
    assert post(session_client(town_b_admin), "/api/dues/schedules", body).status_code == 404
    created = post(session_client(org_admin), "/api/dues/schedules", body)
    assert created.status_code == 201
    # town B sees the national schedule only; town A's is outside its scope
    assert [s["scope_path"] for s in session_client(town_b_admin).get("/api/dues/schedules").json()] == [""]
    assert session_client(town_b_admin).get(f"/api/dues/schedules/{created.json()['id']}").status_code == 404


def test_bad_bands_are_refused_naming_the_band_field(tree, org_admin):
    from grassroots.dues.models import RateSchedule

    next_month = (THIS_MONTH + dt.timedelta(days=40)).replace(day=1)
    bands = _bands()
    retired = [i for i, b in enumerate(bands) if b["category"] == "retired"]
    bands[retired[0]], bands[retired[1]] = bands[retired[1]], bands[retired[0]]  # out of order
    student = next(i for i, b in enumerate(bands) if b["category"] == "student")
    bands[student] = {"category": "student", "kind": "rate", "rate": "0.01", "source": "x"}
    on_job = next(i for i, b in enumerate(bands) if b["category"] == "on_job")
    bands[on_job] = {**bands[on_job], "rate": "1.5"}
    body = {"org": tree.county.pk, "name": "错误标准", "effective_month": next_month.strftime("%Y-%m"),
            "decision_ref": "x", "bands": bands}
    response = post(session_client(org_admin), "/api/dues/schedules", body)
    errors = response.json()["errors"]
    assert response.status_code == 400 and f"bands.{student}.kind" in errors
    assert "不超过1" in errors[f"bands.{on_job}.rate"][0]
    assert any("从基数0起" in m for m in errors[f"bands.{retired[0]}.lower"])
    assert any("从低到高" in m for m in errors[f"bands.{retired[1]}.lower"])
    body["bands"] = bands[:3]
    assert "缺少以下党员类别" in post(session_client(org_admin), "/api/dues/schedules", body).json()["errors"]["bands"][0]
    assert RateSchedule.objects.count() == 1 and not AuditEvent.objects.filter(verb="dues.schedule.create").exists()


# --- the host organization collects a hosted mobile member's dues -----------------------------------------------


@pytest.fixture
def stay(tree, member, org_admin):
    from grassroots.lifecycle import services as lifecycle_services

    return lifecycle_services.whereabouts_record(actor=org_admin, member=member, place="义乌", left_on=THIS_MONTH,
                                                 host_org=tree.village_b1)


def test_host_collects_for_the_hosted_member_and_the_home_branch_sees_it(tree, member, stay, secretary_a1):
    host = make_user("sec_b1_host", Role.SECRETARY, tree.village_b1)
    client = session_client(host)
    body = {"idempotency_key": "host-key-0001", "months": [THIS_MONTH.strftime("%Y-%m")]}

    response = post(client, f"/api/dues/hosted/{stay.pk}/payments", body)

    assert response.status_code == 201 and response.json()["collected_by_org_id"] == tree.village_b1.pk
    payment = Payment.objects.get()
    assert payment.org_id == tree.village_a1.pk and payment.collected_by_org_id == tree.village_b1.pk
    assert Assessment.objects.get(member=member).payment_id == payment.pk  # the month owed at home is paid
    assert AuditEvent.objects.get(verb="dues.payment.record").org_path == tree.village_a1.path
    home = session_client(secretary_a1).get(f"/api/dues/members/{member.pk}").json()
    assert home["unpaid_months"] == []
    # collecting gives the host nothing else of the record
    assert client.get(f"/api/dues/members/{member.pk}").status_code == 404
    assert client.get(f"/api/dues/payments/{payment.pk}").status_code == 404


def test_host_cannot_collect_when_the_stay_is_closed_or_elsewhere(tree, member, stay, org_admin):
    from grassroots.lifecycle.models import Whereabouts

    elsewhere = make_user("sec_a2_host", Role.SECRETARY, tree.village_a2)
    body = {"idempotency_key": "host-key-0002", "months": [THIS_MONTH.strftime("%Y-%m")]}
    assert post(session_client(elsewhere), f"/api/dues/hosted/{stay.pk}/payments", body).status_code == 404
    host = make_user("sec_b1_host", Role.SECRETARY, tree.village_b1)
    Whereabouts.objects.filter(pk=stay.pk).update(returned_on=THIS_MONTH)
    assert post(session_client(host), f"/api/dues/hosted/{stay.pk}/payments", body).status_code == 404
    assert not Payment.objects.exists()


def test_host_page_lists_the_hosted_member_and_records_the_payment(client, tree, member, stay):
    from django.urls import reverse

    from grassroots.core.testing.factories import TEST_PASSWORD

    host = make_user("sec_b1_host", Role.SECRETARY, tree.village_b1)
    assert client.login(username=host.username, password=TEST_PASSWORD)
    listing = client.get(reverse("lifecycle:mobile_list") + "?show=hosted")
    assert reverse("dues:hosted_pay", args=[stay.pk]).encode() in listing.content
    page = client.get(reverse("dues:hosted_pay", args=[stay.pk]))
    assert page.status_code == 200
    data = {"idempotency_key": "host-page-0001", "months": [THIS_MONTH.strftime("%Y-%m")],
            "paid_on": THIS_MONTH.isoformat(), "method": "cash"}
    done = client.post(reverse("dues:hosted_pay", args=[stay.pk]), data)
    assert done.status_code == 302
    assert Payment.objects.get().collected_by_org_id == tree.village_b1.pk


def test_service_refuses_a_host_that_does_not_host_the_member(tree, member, stay):
    from grassroots.core.errors import PermissionRefused
    from grassroots.dues import services

    other_host = make_user("sec_a2_host", Role.SECRETARY, tree.village_a2)
    with pytest.raises(PermissionRefused):
        services.payment_record(actor=other_host, member=member, idempotency_key="host-key-0003",
                                months=[THIS_MONTH], paid_on=THIS_MONTH, host_org=tree.village_a2)
    assert not Payment.objects.exists()
