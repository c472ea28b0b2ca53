import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grassroots.access.roles import Role
from grassroots.committees import services
from grassroots.committees.choices import ElectionStage
from grassroots.committees.models import CommitteePost, Election, FirstSecretary
from grassroots.committees.tests.factories import branch_members, election_at
from grassroots.core.testing.factories import make_user
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def members(tree, org_admin):
    return branch_members(tree.village_a1, 8, admin=org_admin)


@pytest.fixture
def town_secretary(tree):
    return make_user("sec_town_a", Role.SECRETARY, tree.town_a)


def test_election_through_to_the_public_notice(tree, secretary_a1, town_secretary, members):
    sec, town = client_for(secretary_a1), client_for(town_secretary)
    today = timezone.localdate()
    response = sec.post(reverse("committees:election_create", args=[tree.village_a1.pk]), {
        "title": "甲一村党支部换届选举", "method": "meeting", "seats": 3, "planned_on": today.isoformat(),
        "margin_percent": "20", "majority_base": "expected", "plan": "方案"})
    election = Election.objects.get()
    assert response.status_code == 302
    detail = reverse("committees:election_detail", args=[election.pk])
    transition = reverse("committees:election_transition", args=[election.pk])
    sec.post(transition, {"to": "plan_submitted", "version": election.version})
    election.refresh_from_db()
    assert sec.post(transition, {"to": "plan_approved", "version": election.version}).status_code == 403
    town.post(transition, {"to": "plan_approved", "version": election.version})
    election.refresh_from_db()
    assert election.stage == ElectionStage.PLAN_APPROVED
    for member in members[:4]:
        sec.post(reverse("committees:candidate_create", args=[election.pk]), {"member": member.pk, "pledge": "承诺"})
    sec.post(transition, {"to": "candidates_set", "version": election.version})
    election.refresh_from_db()
    assert election.stage == ElectionStage.CANDIDATES_SET
    html = sec.get(detail).content.decode()
    assert "应到会有选举权党员 <strong>8</strong>" in html and "至少 <strong>7</strong>" in html
    response = sec.post(reverse("committees:meeting_record", args=[election.pk]),
                        {"meeting_on": today.isoformat(), "present_count": 6, "version": election.version}, follow=True)
    assert "会议无效" in response.content.decode()
    sec.post(reverse("committees:meeting_record", args=[election.pk]),
             {"meeting_on": today.isoformat(), "present_count": 8, "version": election.version})
    election.refresh_from_db()
    cands = list(election.candidates.order_by("member__name"))
    votes = {f"yes_{c.pk}": 8 - i for i, c in enumerate(cands)}
    sec.post(reverse("committees:round_record", args=[election.pk]),
             {"ballots_issued": 8, "ballots_returned": 8, "version": election.version, **votes})
    election.refresh_from_db()
    assert election.stage == ElectionStage.VOTED
    posts = {f"post_{cands[0].pk}": "secretary", f"post_{cands[1].pk}": "organization_officer",
             f"post_{cands[2].pk}": "publicity_officer"}
    sec.post(reverse("committees:posts_assign", args=[election.pk]), {"version": election.version, **posts})
    election.refresh_from_db()
    sec.post(transition, {"to": "result_submitted", "version": election.version})
    election.refresh_from_db()
    assert election.stage == ElectionStage.RESULT_SUBMITTED
    assert sec.post(transition, {"to": "result_approved", "version": election.version}).status_code == 403
    town.post(transition, {"to": "result_approved", "version": election.version, "decision_ref": "甲组〔2026〕3号"})
    election.refresh_from_db()
    assert election.stage == ElectionStage.RESULT_APPROVED
    assert Member.objects.get(pk=cands[0].member_id).posts == ["secretary"]
    notice = reverse("committees:election_notice", args=[election.pk])
    assert Client().get(notice).status_code == 404  # not published yet
    sec.post(reverse("committees:election_publish", args=[election.pk]), {"version": election.version})
    html = Client().get(notice).content.decode()
    assert cands[0].member.name in html and "书记" in html
    assert cands[0].member.id_number_masked not in html and cands[3].member.name not in html


def test_committee_page_shows_size_warning_and_term(tree, secretary_a1, members):
    services.committee_post_add(actor=secretary_a1, org=tree.village_a1, member=members[0], post="secretary",
                                started_on=dt.date(2022, 1, 1))
    html = client_for(secretary_a1).get(reverse("committees:committee_detail", args=[tree.village_a1.pk])).content.decode()
    assert 'data-warning="committee_missing"' in html and members[0].name in html
    assert "应设支部委员会 3–5 人" in html


def test_post_form_errors_name_the_field(tree, secretary_a1, members):
    url = reverse("committees:post_create", args=[tree.village_a1.pk])
    response = client_for(secretary_a1).post(url, {"member": members[0].pk, "post": "secretary",
                                                   "started_on": "2099-01-01"})
    assert response.status_code == 400
    assert 'data-field-error="started_on"' in response.content.decode()
    assert not CommitteePost.objects.exists()


def test_org_panel_and_dashboard_panel(tree, org_admin, secretary_a1, members):
    Organization.objects.filter(pk=tree.village_a1.pk).update(term_started_on=dt.date(2020, 1, 1))
    client = client_for(org_admin)
    assert "committee-panel" in client.get(reverse("committees:org_panel", args=[tree.village_a1.pk])).content.decode()
    html = client.get(reverse("dashboards:org_dashboard", args=[tree.county.pk])).content.decode()
    reminders = reverse("committees:dashboard_reminders", args=[tree.county.pk])
    assert "committees-panel-slot" in html and reminders in html
    html = client.get(reminders).content.decode()
    assert "committees-panel" in html and "已届满未换届" in html
    assert client.get(reverse("committees:dashboard_reminders", args=[tree.town_b.pk])).content == b""
    html = client.get(reverse("orgs:org_detail", args=[tree.village_a1.pk])).content.decode()
    assert reverse("committees:org_panel", args=[tree.village_a1.pk]) in html


@pytest.mark.parametrize("rows", [3, 20])
def test_term_list_query_count_does_not_grow(tree, org_admin, rows, django_assert_max_num_queries):
    from grassroots.core.testing.factories import make_org

    for i in range(rows):
        make_org(tree.town_a, f"村{i}", term_started_on=dt.date(2021, 1, 1))
    client = client_for(org_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("committees:term_list"), {"org": tree.county.pk, "due": "overdue"})
    assert response.status_code == 200 and response.content.decode().count("data-org=") == rows


@pytest.mark.parametrize("rows", [2, 10])
def test_other_lists_query_counts(tree, org_admin, rows, django_assert_max_num_queries):
    for i in range(rows):
        fs = services.first_secretary_assign(actor=org_admin, org=tree.village_a1, name=f"驻村{i}", unit="县局",
                                             started_on=dt.date(2025, 1, 1))
        services.work_log_add(actor=org_admin, first_secretary=fs, occurred_on=dt.date(2025, 2, 1), content="走访")
        services.reserve_cadre_add(actor=org_admin, org=tree.village_a1, name=f"后备{i}", gender="F",
                                   birth_date=dt.date(1996, 1, 1), education="bachelor")
    client = client_for(org_admin)
    for name in ("committees:first_secretary_list", "committees:cadre_list", "committees:election_list"):
        with django_assert_max_num_queries(12):
            response = client.get(reverse(name), {"org": tree.county.pk})
        assert response.status_code == 200, name


def test_election_page_query_count(tree, secretary_a1, town_secretary, members, django_assert_max_num_queries):
    election = election_at(ElectionStage.VOTED, org=tree.village_a1, manager=secretary_a1, approver=town_secretary,
                           members=members)
    client = client_for(secretary_a1)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("committees:election_detail", args=[election.pk]))
    assert response.status_code == 200 and "posts-form" in response.content.decode()


def test_sibling_records_are_404(tree, org_admin, members, town_secretary):
    fs = services.first_secretary_assign(actor=org_admin, org=tree.village_a1, name="李驻村", unit="县局",
                                         started_on=dt.date(2025, 1, 1))
    election = election_at(ElectionStage.PLAN_SUBMITTED, org=tree.village_a1, manager=org_admin,
                           approver=town_secretary, members=members)
    outsider = client_for(make_user("sec_b1", Role.SECRETARY, tree.village_b1))
    for url in (reverse("committees:first_secretary_detail", args=[fs.pk]),
                reverse("committees:election_detail", args=[election.pk]),
                reverse("committees:committee_detail", args=[tree.village_a1.pk])):
        assert outsider.get(url).status_code == 404
    assert outsider.post(reverse("committees:election_transition", args=[election.pk]),
                         {"to": "plan_approved", "version": election.version}).status_code == 404
    assert "李驻村" not in outsider.get(reverse("committees:first_secretary_list")).content.decode()


def test_first_secretary_logs_with_own_account(tree, org_admin):
    user = make_user("fs_self")
    fs = services.first_secretary_assign(actor=org_admin, org=tree.village_a1, name="张驻村", unit="县局",
                                         started_on=dt.date(2025, 1, 1), user=user)
    # without any grant the first secretary cannot open the page (reads need committees.view)
    assert client_for(user).get(reverse("committees:first_secretary_detail", args=[fs.pk])).status_code == 404
    town = client_for(make_user("town_viewer", Role.SECRETARY, tree.town_a))
    html = town.get(reverse("committees:first_secretary_detail", args=[fs.pk])).content.decode()
    assert "张驻村" in html and "县局" in html
    assert FirstSecretary.objects.get().log_entries.count() == 0


def test_term_change_page_refuses_own_secretary(tree, secretary_a1):
    Organization.objects.filter(pk=tree.village_a1.pk).update(term_started_on=dt.date(2021, 12, 1))
    url = reverse("committees:term_change_create", args=[tree.village_a1.pk])
    response = client_for(secretary_a1).post(url, {"kind": "postpone", "new_ends_on": "2027-03-01", "reason": "x"})
    assert response.status_code == 403




def say(client, url, data) -> list[str]:
    """POST an inline form and follow the redirect: the messages the page then shows."""
    from django.contrib.messages import get_messages

    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return [str(m.message) for m in get_messages(response.wsgi_request)]


def test_inline_forms_flash_their_outcome(tree, secretary_a1, town_secretary, members):
    """The election page's inline forms: an invalid form, a service error and each success say what happened."""
    sec, town = client_for(secretary_a1), client_for(town_secretary)
    election = services.election_create(actor=secretary_a1, org=tree.village_a1, title="换届选举", seats=3,
                                        method="meeting", planned_on=timezone.localdate(), plan="方案")
    transition = reverse("committees:election_transition", args=[election.pk])
    assert say(sec, transition, {"to": "", "version": ""}) == ["请求无效，请刷新后重试"]
    messages = say(sec, transition, {"to": "plan_submitted", "version": election.version})
    election.refresh_from_db()
    assert messages == [f"已完成：{election.get_stage_display()}"]
    town.post(transition, {"to": "plan_approved", "version": election.version})
    candidate = reverse("committees:candidate_create", args=[election.pk])
    assert say(sec, candidate, {"member": 999999, "pledge": ""}) == ["候选人：请选择本组织党员"]
    for member in members[:4]:
        assert say(sec, candidate, {"member": member.pk, "pledge": "承诺"}) == []
    exclusion = say(sec, reverse("committees:exclusion_create", args=[election.pk]), {"member": 999999})
    assert exclusion and all(m.startswith(("党员：", "理由：", "具体说明：")) for m in exclusion)
    election.refresh_from_db()
    sec.post(transition, {"to": "candidates_set", "version": election.version}, follow=True)
    election.refresh_from_db()
    meeting = reverse("committees:meeting_record", args=[election.pk])
    assert say(sec, meeting, {"version": election.version}) == ["请填写选举大会日期和实到人数"]
    assert say(sec, meeting, {"meeting_on": timezone.localdate().isoformat(), "present_count": 8,
                              "version": election.version}) == ["已登记选举大会，会议有效"]
    election.refresh_from_db()
    cands = list(election.candidates.order_by("member__name"))
    rounds = reverse("committees:round_record", args=[election.pk])
    assert say(sec, rounds, {"version": election.version}) == ["请填写发出、收回选票和每位候选人的赞成票"]
    assert say(sec, rounds, {"ballots_issued": 8, "ballots_returned": 8, "version": election.version,
                             **{f"yes_{c.pk}": 8 - i for i, c in enumerate(cands)}}) == ["全部名额已选出，请确定分工"]
    election.refresh_from_db()
    posts = reverse("committees:posts_assign", args=[election.pk])
    data = {"version": election.version, f"post_{cands[0].pk}": "secretary",
            f"post_{cands[1].pk}": "organization_officer", f"post_{cands[2].pk}": "publicity_officer"}
    assert say(sec, posts, data) == ["已保存分工"]
    stale = say(sec, posts, data)  # the same version again: the service refuses, and says so
    assert stale and stale != ["已保存分工"]


def test_first_secretary_forms_flash_their_outcome(tree, org_admin):
    admin = client_for(org_admin)
    fs = services.first_secretary_assign(actor=org_admin, org=tree.village_a1, name="张驻村", unit="县局",
                                         started_on=dt.date(2025, 1, 1))
    log = reverse("committees:work_log_create", args=[fs.pk])
    assert say(admin, log, {}) == ["请填写日期和工作内容"]
    assert say(admin, log, {"occurred_on": "2025-03-01", "content": "走访农户"}) == ["已记录"]
    end = reverse("committees:first_secretary_end", args=[fs.pk])
    assert say(admin, end, {"version": fs.version}) == ["请填写离村日期"]
    fs.refresh_from_db()
    assert say(admin, end, {"version": fs.version, "ended_on": "2025-12-31"}) == []
    fs.refresh_from_db()
    assert fs.ended_on == dt.date(2025, 12, 31)
