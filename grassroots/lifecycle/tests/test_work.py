"""Work assigned by the branch (党章第九条 "不做党所分配的工作"): the review provider at its boundary, the pages and
the API, scoping, history and versions."""

import datetime as dt
import json

import pytest
from django.http import Http404

from grassroots.access.roles import Role
from grassroots.api.tests.support import session_client, token_client
from grassroots.core.errors import ConcurrentEdit, DomainError, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.lifecycle import review, rules, selectors, services
from grassroots.lifecycle.models import WorkAssignment
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def secretary_b1(tree):
    return make_user("sec_b1", Role.SECRETARY, tree.village_b1)


@pytest.fixture
def member(tree, org_admin):
    return make_member(tree.village_a1, actor=org_admin, name="李任务")


def assign(actor, member, months_ago=0, days=0, **kw):
    on = rules.add_months(TODAY, -months_ago) + dt.timedelta(days=days)
    return services.work_assign(actor=actor, member=member, title=kw.pop("title", "村级党员先锋岗"), assigned_on=on, **kw)


def work_cases(tree, as_of=TODAY):
    return [c for c in review.review_cases(tree.county.path, as_of) if c.ground == "work"]


def test_the_work_ground_is_registered_with_the_review():
    assert "work" in {g.key for g in review.grounds()}


def test_an_assignment_open_exactly_six_months_without_work_is_listed(tree, secretary_a1, member):
    row = assign(secretary_a1, member, months_ago=6)

    cases = work_cases(tree)

    assert [c.member_id for c in cases] == [member.pk]
    assert len(cases[0].months) == 6 and cases[0].months[0] == row.assigned_on.strftime("%Y-%m")
    assert "村级党员先锋岗" in cases[0].evidence and row.assigned_on.isoformat() in cases[0].evidence
    assert "连续6个月" in cases[0].evidence


def test_five_months_or_a_day_short_of_six_is_not_listed(tree, secretary_a1, member, org_admin):
    assign(secretary_a1, member, months_ago=5)
    other = make_member(tree.village_a1, actor=org_admin)
    assign(secretary_a1, other, months_ago=6, days=1)

    assert work_cases(tree) == []


def test_a_work_report_within_the_six_months_clears_the_ground_and_one_older_does_not(tree, secretary_a1, member):
    row = assign(secretary_a1, member, months_ago=9)
    services.work_report_record(actor=secretary_a1, assignment=row, on=rules.add_months(TODAY, -6), note="值守")
    assert len(work_cases(tree)) == 1  # the last work was exactly 6 months ago: still 6 months without any
    assert "最后一次工作记录为" in work_cases(tree)[0].evidence

    services.work_report_record(actor=secretary_a1, assignment=row, on=rules.add_months(TODAY, -5), note="走访")

    assert work_cases(tree) == []


def test_a_closed_assignment_no_longer_counts(tree, secretary_a1, member):
    row = assign(secretary_a1, member, months_ago=8)
    services.work_close(actor=secretary_a1, assignment=row, version=row.version, done_on=TODAY, note="已完成")

    assert work_cases(tree) == []
    # Seen from a date while it was still open, it was listed then.
    assert len(work_cases(tree, as_of=TODAY - dt.timedelta(days=1))) == 1


def test_assign_report_and_close_write_history_and_check_the_version(tree, secretary_a1, member):
    row = assign(secretary_a1, member, months_ago=1, ends_on=TODAY)
    services.work_report_record(actor=secretary_a1, assignment=row, on=TODAY, note="完成第一次值守")
    with pytest.raises(ConcurrentEdit):
        services.work_close(actor=secretary_a1, assignment=row, version=1, done_on=TODAY, note="x")
    services.work_close(actor=secretary_a1, assignment=row, version=row.version, done_on=TODAY, note="按期完成")
    verbs = list(AuditEvent.objects.filter(target_type="lifecycle.workassignment", target_id=row.pk)
                 .order_by("id").values_list("verb", flat=True))
    assert verbs == ["lifecycle.work.assign", "lifecycle.work.report", "lifecycle.work.close"]
    assert AuditEvent.objects.filter(target_id=member.pk, verb="lifecycle.member.work_assigned").exists()
    with pytest.raises(DomainError) as refused:
        services.work_report_record(actor=secretary_a1, assignment=WorkAssignment.objects.get(pk=row.pk), on=TODAY,
                                    note="迟到的记录")
    assert refused.value.code == "lifecycle_work_closed"


def test_fields_are_checked_and_named(secretary_a1, member):
    with pytest.raises(ValidationFailed) as caught:
        services.work_assign(actor=secretary_a1, member=member, title=" ", assigned_on=TODAY + dt.timedelta(days=1))
    assert set(caught.value.errors) == {"title", "assigned_on"}
    row = assign(secretary_a1, member, months_ago=1)
    with pytest.raises(ValidationFailed) as caught:
        services.work_report_record(actor=secretary_a1, assignment=row, on=row.assigned_on - dt.timedelta(days=1),
                                    note="")
    assert set(caught.value.errors) == {"on", "note"}


def test_another_branch_cannot_assign_report_or_close(tree, secretary_a1, secretary_b1, member):
    with pytest.raises(PermissionRefused):
        assign(secretary_b1, member)
    row = assign(secretary_a1, member)
    with pytest.raises(PermissionRefused):
        services.work_report_record(actor=secretary_b1, assignment=row, on=TODAY, note="x")
    with pytest.raises(PermissionRefused):
        services.work_close(actor=secretary_b1, assignment=row, version=row.version, done_on=TODAY, note="x")
    with pytest.raises(Http404):
        selectors.work_get(secretary_b1, row.pk)
    assert not selectors.work_list(secretary_b1, status="").exists()
    assert WorkAssignment.objects.get(pk=row.pk).version == 1


def test_a_transfer_ends_the_open_tasks_of_the_old_branch(tree, secretary_a1, secretary_b1, member):
    row = assign(secretary_a1, member, months_ago=7)
    transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                       to_org=tree.village_b1, reason="工作调动")
    services.transfer_accept(actor=secretary_b1, transfer=transfer, version=transfer.version)
    row.refresh_from_db()
    assert row.done_on == TODAY and "转出" in row.closing_note
    assert work_cases(tree) == []
    closed = AuditEvent.objects.get(verb="lifecycle.work.close", target_id=row.pk)  # the task's own history
    assert closed.actor_id == secretary_b1.pk and closed.changes["done_on"] == [None, TODAY.isoformat()]



def test_leaving_the_party_ends_the_open_tasks(tree, secretary_a1, member, org_admin):
    from grassroots.members.services import member_exit_direct

    row = assign(secretary_a1, member, months_ago=2)
    member.refresh_from_db()
    member_exit_direct(actor=org_admin, member=member, version=member.version, kind="death", occurred_on=TODAY,
                       reason="病故")
    row.refresh_from_db()
    assert row.done_on == TODAY and "出党" in row.closing_note
    assert AuditEvent.objects.filter(verb="lifecycle.work.close", target_id=row.pk).exists()


# --- pages -------------------------------------------------------------------------------------------------


def test_the_secretary_assigns_records_and_closes_through_the_pages(tree, secretary_a1, member):
    client = session_client(secretary_a1)
    form = client.get(f"/lifecycle/work/add/?org={tree.village_a1.pk}")
    assert form.status_code == 200 and "李任务" in form.content.decode()
    bad = client.post(f"/lifecycle/work/add/?org={tree.village_a1.pk}",
                      {"member": member.pk, "title": "", "assigned_on": TODAY.isoformat()})
    assert bad.status_code == 400 and "工作任务" in bad.content.decode()
    response = client.post(f"/lifecycle/work/add/?org={tree.village_a1.pk}", {
        "member": member.pk, "title": "联系帮扶3户困难群众", "assigned_on": rules.add_months(TODAY, -7).isoformat()})
    row = WorkAssignment.objects.get(member=member)
    assert response.status_code == 302 and response.url == f"/lifecycle/work/{row.pk}/"
    detail = client.get(response.url).content.decode()
    assert "连续7个月无工作记录" in detail and "自行脱党审查" in detail
    listing = client.get(f"/lifecycle/work/?org={tree.village_a1.pk}").content.decode()
    assert "联系帮扶3户困难群众" in listing and "bg-red-lt" in listing
    review_page = client.get("/lifecycle/review/").content.decode()
    assert "连续6个月不做党所分配的工作" in review_page and "联系帮扶3户困难群众" in review_page
    assert client.post(f"/lifecycle/work/{row.pk}/reports/", {"on": TODAY.isoformat(), "note": "走访3户"}).status_code == 302
    assert "联系帮扶3户困难群众" not in client.get("/lifecycle/review/").content.decode()
    row.refresh_from_db()
    closed = client.post(f"/lifecycle/work/{row.pk}/close/", {"done_on": TODAY.isoformat(), "note": "已完成",
                                                              "version": row.version})
    assert closed.status_code == 302
    assert "已结束" in client.get(f"/lifecycle/work/{row.pk}/").content.decode()


def test_pages_refuse_another_branch(tree, secretary_a1, secretary_b1, member):
    row = assign(secretary_a1, member)
    client = session_client(secretary_b1)
    assert client.get(f"/lifecycle/work/{row.pk}/").status_code == 404
    assert client.post(f"/lifecycle/work/{row.pk}/reports/", {"on": TODAY.isoformat(), "note": "x"}).status_code == 404
    assert client.get(f"/lifecycle/work/add/?org={tree.village_a1.pk}").status_code == 404
    assert "村级党员先锋岗" not in client.get("/lifecycle/work/").content.decode()
    assert WorkAssignment.objects.get(pk=row.pk).reports.count() == 0


def test_the_work_list_stays_within_a_query_budget(tree, secretary_a1, org_admin, django_assert_max_num_queries):
    for i in range(8):
        m = make_member(tree.village_a1, actor=org_admin)
        row = assign(secretary_a1, m, months_ago=i)
        services.work_report_record(actor=secretary_a1, assignment=row, on=TODAY, note="x")
    client = session_client(secretary_a1)
    with django_assert_max_num_queries(12):
        response = client.get(f"/lifecycle/work/?org={tree.village_a1.pk}&status=")
    assert response.status_code == 200 and response.content.decode().count("list-group-item-action") == 8


# --- API ---------------------------------------------------------------------------------------------------


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_work_round_trip_over_the_api(tree, secretary_a1, secretary_b1, member):
    api = token_client(secretary_a1)
    assigned = rules.add_months(TODAY, -6).isoformat()
    response = post(api, f"/api/lifecycle/members/{member.pk}/work", {"title": "党员先锋岗", "assigned_on": assigned})
    assert response.status_code == 201, response.content
    work = response.json()
    assert work["idle_due"] is True and len(work["idle_months"]) == 6 and work["reports"] == []
    listing = api.get(f"/api/lifecycle/work/?org={tree.village_a1.pk}").json()
    assert [w["id"] for w in listing["items"]] == [work["id"]]
    review_rows = api.get("/api/lifecycle/review/").json()
    assert [c["ground"] for c in review_rows[0]["cases"]] == ["work"]
    response = post(api, f"/api/lifecycle/work/{work['id']}/reports", {"on": TODAY.isoformat(), "note": "值守"})
    assert response.status_code == 201 and response.json()["idle_due"] is False
    assert response.json()["reports"][0]["note"] == "值守"
    stale = post(api, f"/api/lifecycle/work/{work['id']}/close", {"version": work["version"], "done_on": TODAY.isoformat(),
                                                                  "note": "完成"})
    assert stale.status_code == 409
    done = post(api, f"/api/lifecycle/work/{work['id']}/close", {"version": response.json()["version"],
                                                                 "done_on": TODAY.isoformat(), "note": "完成"})
    assert done.status_code == 200 and done.json()["done_on"] == TODAY.isoformat()
    outsider = token_client(secretary_b1)
    assert outsider.get(f"/api/lifecycle/work/{work['id']}").status_code == 404
    assert post(outsider, f"/api/lifecycle/members/{member.pk}/work",
                {"title": "x", "assigned_on": TODAY.isoformat()}).status_code == 404
    assert outsider.get("/api/lifecycle/work/?status=").json()["items"] == []
    assert Member.objects.get(pk=member.pk).work_assignments.count() == 1
