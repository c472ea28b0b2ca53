"""On a phone: a village secretary issues a transfer to another branch; that branch's secretary sees it pending
with its age, returns nothing without a reason, and accepts it; the member is then on the receiving roster."""

import datetime as dt

import pytest

from grassroots.access.roles import Role
from grassroots.core.testing.factories import TEST_PASSWORD, make_member, make_tree, make_user
from grassroots.members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")


def test_transfer_issued_on_a_phone_and_accepted_by_the_receiving_branch(live_server, page):
    tree = make_tree()
    make_user("sec_a1", Role.SECRETARY, tree.village_a1)
    make_user("sec_b1", Role.SECRETARY, tree.village_b1)
    member = make_member(tree.village_a1, name="王转接")

    login(page, live_server, "sec_a1")
    page.goto(f"{live_server.url}/lifecycle/members/{member.pk}/")
    page.get_by_role("link", name="转出组织关系").click()
    page.select_option("select[name=to_org]", str(tree.village_b1.pk))
    page.fill("input[name=reason]", "工作调动")
    page.fill("input[name=dues_paid_through]", "2026-13")
    page.click("form.card button[type=submit]")
    assert "年-月" in page.locator('[data-field-error="dues_paid_through"]').inner_text()
    page.fill("input[name=dues_paid_through]", f"{dt.date.today():%Y-%m}")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{live_server.url}/lifecycle/transfers/*/")
    assert "待接收" in page.locator("#transfer-status").inner_text()

    login(page, live_server, "sec_b1")
    page.locator("#lifecycle-panel").get_by_text("待接收的组织关系转接").click()
    page.locator("#transfer-table").get_by_text("王转接").click()
    page.get_by_role("button", name="接收").click()
    page.wait_for_url(f"{live_server.url}/lifecycle/transfers/*/")
    assert "已接收" in page.locator("#transfer-status").inner_text()
    assert Member.objects.get(pk=member.pk).org_id == tree.village_b1.pk
