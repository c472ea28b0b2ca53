import pytest
from django.test import Client

from grassroots.access.roles import Role
from grassroots.api.tests.support import FULL_ID_RE, session_client
from grassroots.core.testing.factories import make_member, make_user
from grassroots.development import services
from grassroots.development.choices import NoticeStage
from grassroots.development.tests.factories import SCHEDULE, D, drive, make_applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(tree):
    roster = [make_member(tree.village_a1, name=f"正式{i}") for i in range(5)]
    return {"tree": tree, "sec": make_user("v_sec", Role.SECRETARY, tree.village_a1),
            "town": make_user("v_town", Role.SECRETARY, tree.town_a), "roster": roster,
            "people": {"mentors": [roster[0].pk], "sponsors": [roster[0].pk, roster[1].pk]}}


def test_secretary_registers_an_application_on_the_page(cast):
    client = session_client(cast["sec"])
    org = cast["tree"].village_a1
    from grassroots.core.testing.factories import id_number_for

    data = {"name": "王申请", "id_number": id_number_for(D(1998, 1, 2), "F"), "gender": "F", "ethnicity": "汉族",
            "phone": "13512345678", "education": "bachelor", "occupation": "farmer", "applied_on": "2026-11-01"}
    response = client.post(f"/development/people/add/?org={org.pk}", data)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "王申请" in page and "党组织派人谈话" in page
    assert not FULL_ID_RE.search(page) and "13512345678" not in page


def test_bad_input_is_shown_on_the_field(cast):
    client = session_client(cast["sec"])
    response = client.post(f"/development/people/add/?org={cast['tree'].village_a1.pk}",
                           {"name": "x", "id_number": "123", "ethnicity": "汉族", "education": "college",
                            "occupation": "farmer", "applied_on": "2026-11-01"})
    assert response.status_code == 400
    assert 'data-field-error="id_number"' in response.content.decode()


def test_step_refusal_names_the_rule_on_the_form(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="candidate", people=cast["people"])
    client = session_client(cast["sec"])
    response = client.post(f"/development/people/{applicant.pk}/steps/candidate/",
                           {"version": applicant.version, "occurred_on": "2024-10-01", "note": "x", "done_by": "支委会"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "一年以上" in html and "2024-10-16" in html and "第十三条" in html


def test_vote_page_computes_the_result(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="admission_meeting", people=cast["people"])
    client = session_client(cast["sec"])
    page = client.get(f"/development/people/{applicant.pk}/votes/admission/?meeting_on=2024-12-05").content.decode()
    assert "本支部正式党员（5人）" in page
    response = client.post(f"/development/people/{applicant.pk}/votes/admission/", {
        "version": applicant.version, "meeting_on": "2024-12-05", "present": 2, "yes": 2, "no": 0, "abstain": 0,
        "written_yes": 0, "written_no": 0, "written_abstain": 0})
    assert response.status_code == 302
    detail = client.get(response.url).content.decode()
    assert "表决无效" in detail


def test_branch_secretary_gets_no_approval_button_and_is_refused(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="approval", people=cast["people"])
    client = session_client(cast["sec"])
    page = client.get(f"/development/people/{applicant.pk}/").content.decode()
    assert "待上级党委审批" in page
    response = client.post(f"/development/people/{applicant.pk}/steps/approval/",
                           {"version": applicant.version, "occurred_on": "2024-12-20", "done_by": "党委会"})
    assert response.status_code in (403, 404)
    town = session_client(cast["town"])
    response = town.post(f"/development/people/{applicant.pk}/steps/approval/",
                         {"version": applicant.version, "occurred_on": "2024-12-20", "done_by": "党委会"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.member_id


def test_public_notice_shows_only_the_notice_board_fields(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="activist_filing", people=cast["people"])
    notice = applicant.notices.get()
    html = Client().get(f"/development/notices/{notice.pk}/").content.decode()
    assert "李发展" in html and "甲一村党支部" in html and "入党积极分子公示" in html and "2023年10月17日" in html
    secrets = services.applicant_secrets(applicant)
    for secret in (secrets["id_number"], secrets["phone"], "甲镇甲一村", applicant.id_number_masked, applicant.phone_masked):
        assert secret not in html
    services.notice_withdraw(actor=cast["sec"], notice=notice, reason="错误")
    assert Client().get(f"/development/notices/{notice.pk}/").status_code == 404


def test_future_notice_is_not_public(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="activist_filing", people=cast["people"])
    from grassroots.development.models import Notice

    Notice.objects.filter(applicant=applicant).update(published_on=D(2099, 1, 1))
    assert Client().get(f"/development/notices/{applicant.notices.get().pk}/").status_code == 404


def test_detail_outside_the_subtree_is_404(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    other = session_client(make_user("v_b1", Role.SECRETARY, cast["tree"].village_b1))
    assert other.get(f"/development/people/{applicant.pk}/").status_code == 404
    assert other.post(f"/development/people/{applicant.pk}/steps/talk/", {"version": 1}).status_code == 404
    assert other.post(f"/development/people/{applicant.pk}/reveal/", {"reason": "x"}).status_code == 404


def test_board_counts_and_plan(cast):
    for i in range(3):
        make_applicant(cast["tree"].village_a1, cast["sec"], name=f"申{i}", birth_date=D(1990, 1, 1 + i))
    drive(make_applicant(cast["tree"].village_a1, cast["sec"], name="已接收", birth_date=D(1991, 2, 2)),
          actor=cast["sec"], approver=cast["town"], until="approval_filing", people=cast["people"])
    services.plan_set(actor=cast["town"], org=cast["tree"].town_a, year=2026, planned=10)
    client = session_client(cast["town"])
    response = client.get(f"/development/?org={cast['tree'].town_a.pk}")
    board = response.context["board"]
    assert board.total.counts["applicant"] == 3 and board.total.counts["probationary"] == 1
    assert board.total.planned == 10
    assert board.total.overdue == 3  # three talks past their one-month limit
    village = next(r for r in board.children if r.org.pk == cast["tree"].village_a1.pk)
    assert village.counts["applicant"] == 3


@pytest.mark.parametrize("rows", [3, 20])
def test_board_and_list_query_counts_do_not_grow(cast, rows, django_assert_max_num_queries):
    for i in range(rows):
        make_applicant(cast["tree"].village_a1, cast["sec"], name=f"申{i}", birth_date=D(1980, 1, 1 + i))
    client = session_client(cast["town"])
    with django_assert_max_num_queries(16):
        assert client.get(f"/development/?org={cast['tree'].town_a.pk}").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/development/people/?org={cast['tree'].town_a.pk}").status_code == 200


def test_dashboard_panel_lists_overdue_steps(cast):
    make_applicant(cast["tree"].village_a1, cast["sec"], name="逾期人")
    client = session_client(cast["town"])
    page = client.get(f"/dashboard/{cast['tree'].town_a.pk}/").content.decode()
    assert f"/development/panel/?org={cast['tree'].town_a.pk}" in page
    panel = client.get(f"/development/panel/?org={cast['tree'].town_a.pk}").content.decode()
    assert "发展党员提醒" in panel and "逾期人" in panel
    assert client.get(f"/development/panel/?org={cast['tree'].village_a2.pk}").content.decode() == ""
    assert client.get(f"/development/panel/?org={cast['tree'].town_b.pk}").status_code == 404


def test_objection_page_blocks_until_resolved(cast):
    applicant = drive(make_applicant(cast["tree"].village_a1, cast["sec"]), actor=cast["sec"], approver=cast["town"],
                      until="activist_filing", people=cast["people"])
    notice = applicant.notices.get(stage=NoticeStage.ACTIVIST)
    client = session_client(cast["sec"])
    assert client.post(f"/development/notices/{notice.pk}/objections/add/",
                       {"received_on": "2023-10-18", "summary": "有群众反映"}).status_code == 302
    response = client.post(f"/development/people/{applicant.pk}/steps/activist_filing/",
                           {"version": applicant.version, "occurred_on": SCHEDULE["activist_filing"].isoformat(),
                            "receipt": "x"})
    assert response.status_code == 400 and "异议" in response.content.decode()


def test_edit_page_keeps_identifiers_unless_typed(cast):
    applicant = make_applicant(cast["tree"].village_a1, cast["sec"])
    client = session_client(cast["sec"])
    form_page = client.get(f"/development/people/{applicant.pk}/edit/").content.decode()
    assert "13900001111" not in form_page
    response = client.post(f"/development/people/{applicant.pk}/edit/", {
        "version": applicant.version, "name": "李发展", "ethnicity": "汉族", "education": "bachelor",
        "occupation": "farmer", "phone": "", "id_number": "", "address": ""})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.education == "bachelor" and services.applicant_secrets(applicant)["phone"] == "13900001111"
    other = session_client(make_user("v_b1e", Role.SECRETARY, cast["tree"].village_b1))
    assert other.get(f"/development/people/{applicant.pk}/edit/").status_code == 404
