"""Lifecycle pages: both sides of a transfer, a third party's refusal, forms with field errors, query budgets."""

import datetime as dt

import pytest

from grassroots.access.roles import Role
from grassroots.api.tests.support import session_client
from grassroots.core.testing.factories import make_member, make_user
from grassroots.lifecycle import review, services
from grassroots.lifecycle.choices import DecisionKind, TransferStatus
from grassroots.lifecycle.models import Decision, Transfer
from grassroots.members.choices import MemberState
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def secretary_b1(tree):
    return make_user("sec_b1", Role.SECRETARY, tree.village_b1)


@pytest.fixture
def member(tree, org_admin):
    return make_member(tree.village_a1, actor=org_admin, name="王流动")


def test_issue_and_accept_through_the_pages(tree, member, secretary_a1, secretary_b1):
    sender, receiver = session_client(secretary_a1), session_client(secretary_b1)
    page = sender.get(f"/lifecycle/members/{member.pk}/transfer/")
    assert page.status_code == 200 and "乙一村党支部" in page.content.decode()
    response = sender.post(f"/lifecycle/members/{member.pk}/transfer/", {
        "mode": "internal", "to_org": tree.village_b1.pk, "on": TODAY.isoformat(), "reason": "工作调动",
        "dues_paid_through": "2026-01", "version": member.version})
    transfer = Transfer.objects.get(member=member)
    assert response.status_code == 302 and transfer.status == TransferStatus.PENDING
    listing = receiver.get("/lifecycle/transfers/?dir=in")
    assert "王流动" in listing.content.decode()
    assert receiver.get(f"/members/{member.pk}/").status_code == 404  # not the member's record
    detail = receiver.get(f"/lifecycle/transfers/{transfer.pk}/").content.decode()
    assert "接收" in detail and f'href="/members/{member.pk}/"' not in detail
    response = receiver.post(f"/lifecycle/transfers/{transfer.pk}/accept/",
                             {"on": TODAY.isoformat(), "version": transfer.version})
    assert response.status_code == 302
    assert Member.objects.get(pk=member.pk).org_id == tree.village_b1.pk


def test_a_third_party_gets_404_on_the_transfer_pages(tree, member, secretary_a1):
    transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                       to_org=tree.village_a2, reason="x")
    outsider = session_client(make_user("other", Role.SECRETARY, tree.village_b1))
    assert outsider.get(f"/lifecycle/transfers/{transfer.pk}/").status_code == 404
    assert outsider.post(f"/lifecycle/transfers/{transfer.pk}/accept/",
                         {"on": TODAY.isoformat(), "version": 1}).status_code == 404
    assert "王流动" not in outsider.get("/lifecycle/transfers/?status=").content.decode()


def test_the_sender_cannot_accept_its_own_transfer(tree, member, secretary_a1):
    transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                       to_org=tree.village_b1, reason="x")
    response = session_client(secretary_a1).post(f"/lifecycle/transfers/{transfer.pk}/accept/",
                                                  {"on": TODAY.isoformat(), "version": transfer.version})
    assert response.status_code == 403


def test_return_without_reason_shows_the_field_error(tree, member, secretary_a1, secretary_b1):
    transfer = services.transfer_issue(actor=secretary_a1, member=member, version=member.version,
                                       to_org=tree.village_b1, reason="x")
    response = session_client(secretary_b1).post(f"/lifecycle/transfers/{transfer.pk}/return/",
                                                  {"reason": "", "version": transfer.version})
    assert response.status_code == 400 and 'data-field-error="reason"' in response.content.decode()


def test_member_page_records_whereabouts_contacts_and_decisions(tree, member, secretary_a1):
    client = session_client(secretary_a1)
    assert client.get(f"/lifecycle/members/{member.pk}/").status_code == 200
    bad = client.post(f"/lifecycle/members/{member.pk}/whereabouts/", {"place": "", "left_on": TODAY.isoformat()})
    assert bad.status_code == 400 and 'data-field-error="place"' in bad.content.decode()
    ok = client.post(f"/lifecycle/members/{member.pk}/whereabouts/", {
        "place": "深圳市宝安区", "employer": "某厂", "left_on": TODAY.isoformat(), "fixed_place": "on",
        "contact": "13912345678"})
    assert ok.status_code == 302 and Member.objects.get(pk=member.pk).is_mobile
    page = client.get(f"/lifecycle/members/{member.pk}/").content.decode()
    assert "深圳市宝安区" in page and "13912345678" not in page
    assert client.post(f"/lifecycle/members/{member.pk}/contacts/", {
        "on": TODAY.isoformat(), "method": "phone", "mark_unreachable": "on", "note": "关机"}).status_code == 302
    assert Member.objects.get(pk=member.pk).is_unreachable
    bad = client.post(f"/lifecycle/members/{member.pk}/decisions/", {
        "kind": "suspension", "occurred_on": TODAY.isoformat(), "reason": "失联"})
    assert bad.status_code == 400 and 'data-field-error="meeting"' in bad.content.decode()


def test_approval_page_lists_only_decisions_below_and_applies_them(tree, member, secretary_a1):
    decision = services.decision_record(actor=secretary_a1, member=member, kind=DecisionKind.EXPULSION,
                                        occurred_on=TODAY, reason="严重违纪", meeting="支部党员大会", meeting_on=TODAY)
    branch = session_client(secretary_a1)
    assert "待本级批准" in branch.get("/lifecycle/decisions/").content.decode()
    assert branch.post(f"/lifecycle/decisions/{decision.pk}/approve/", {
        f"d{decision.pk}-approve": "1", f"d{decision.pk}-approved_on": TODAY.isoformat(),
        f"d{decision.pk}-version": decision.version}).status_code == 403
    town = session_client(make_user("town_sec", Role.SECRETARY, tree.town_a))
    assert member.name in town.get("/lifecycle/decisions/").content.decode()
    town.post(f"/lifecycle/decisions/{decision.pk}/approve/", {
        f"d{decision.pk}-approve": "1", f"d{decision.pk}-approved_on": TODAY.isoformat(),
        f"d{decision.pk}-version": decision.version})
    assert Member.objects.get(pk=member.pk).state == MemberState.LEFT
    assert Decision.objects.get(pk=decision.pk).approved_by_org_id == tree.town_a.pk


def test_review_page_shows_provider_evidence_and_records_the_outcome(tree, member, secretary_a1):
    def provider(prefix, as_of):
        if member.org_path.startswith(prefix):
            yield review.ReviewCase(member.pk, "test_life", ("2026-01",) * 6, "2026年1月至6月未参加组织生活")

    review.register_review_provider("test_life", "连续6个月不参加组织生活", provider)
    try:
        client = session_client(secretary_a1)
        page = client.get("/lifecycle/review/").content.decode()
        assert "王流动" in page and "未参加组织生活" in page
        response = client.post(f"/lifecycle/review/{member.pk}/", {
            f"m{member.pk}-member": member.pk, f"m{member.pk}-outcome": "educated",
            f"m{member.pk}-decided_on": TODAY.isoformat()})
        assert response.status_code == 302
        assert member.review_outcomes.get().outcome == "educated"
    finally:
        review._GROUNDS.pop("test_life")


def test_list_pages_stay_within_a_query_budget(tree, secretary_a1, org_admin, django_assert_max_num_queries):
    for i in range(6):
        m = make_member(tree.village_a1, actor=org_admin)
        services.whereabouts_record(actor=org_admin, member=m, place=f"义乌{i % 2}", left_on=TODAY, host_org=tree.village_b1)
        services.contact_record(actor=org_admin, member=m, on=services.rules.add_months(TODAY, -7), method="phone",
                                reached=False, mark_unreachable=True)
        services.transfer_issue(actor=org_admin, member=Member.objects.get(pk=m.pk),
                                version=Member.objects.get(pk=m.pk).version, to_org=tree.village_b1, reason="x")
    client = session_client(secretary_a1)
    for url in ("/lifecycle/", "/lifecycle/transfers/", "/lifecycle/mobile/", "/lifecycle/unreachable/",
                "/lifecycle/decisions/", "/lifecycle/review/", f"/dashboard/{tree.village_a1.pk}/",
                f"/lifecycle/panel/?org={tree.village_a1.pk}"):
        with django_assert_max_num_queries(25):
            response = client.get(url)
        assert response.status_code == 200, url


def test_dashboard_panel_reminds_of_pending_transfers(tree, member, secretary_a1, secretary_b1):
    services.transfer_issue(actor=secretary_a1, member=member, version=member.version, to_org=tree.village_b1,
                            reason="x")
    client = session_client(secretary_b1)
    page = client.get(f"/dashboard/{tree.village_b1.pk}/").content.decode()
    assert f'/lifecycle/panel/?org={tree.village_b1.pk}' in page  # loads itself, outside the dashboard's budget
    panel = client.get(f"/lifecycle/panel/?org={tree.village_b1.pk}").content.decode()
    assert "lifecycle-panel" in panel and "待接收的组织关系转接" in panel
    assert client.get(f"/lifecycle/panel/?org={tree.village_a1.pk}").status_code == 404
    quiet = session_client(make_user("sec_a2", Role.SECRETARY, tree.village_a2))
    assert quiet.get(f"/lifecycle/panel/?org={tree.village_a2.pk}").content == b""  # nothing due: no panel


def test_pages_refuse_a_user_without_the_module(tree):
    plain = session_client(make_user("nobody"))
    for url in ("/lifecycle/", "/lifecycle/transfers/", "/lifecycle/mobile/", "/lifecycle/review/"):
        assert plain.get(url).status_code == 404
