"""A village secretary on a phone: log in, open the branch, add a member with a wrong ID check digit, see the
error on the field, fix it, save, and find the member by pinyin initials."""

import datetime as dt

import pytest

from grassroots.access.roles import Role
from grassroots.core.identity import make_id_number
from grassroots.core.testing.factories import TEST_PASSWORD, make_tree, make_user
from grassroots.members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_adds_member_and_finds_by_initials(live_server, page):
    tree = make_tree()
    make_user("village_sec", Role.SECRETARY, tree.village_a1)
    good = make_id_number("410102", dt.date(1988, 4, 12), 31)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "village_sec")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")

    page.goto(f"{live_server.url}/orgs/{tree.village_a1.pk}/")
    page.get_by_role("link", name="添加党员").first.click()
    page.fill("input[name=name]", "王小明")
    page.fill("input[name=id_number]", wrong)
    page.select_option("select[name=gender]", "M")
    page.fill("input[name=birth_date]", "1988-04-12")
    page.fill("input[name=phone]", "13712345678")
    page.select_option("select[name=education]", "college")
    page.select_option("select[name=occupation]", "farmer")
    page.select_option("select[name=status]", "full")
    page.fill("input[name=joined_on]", "2012-07-01")
    page.fill("input[name=confirmed_on]", "2013-07-01")
    page.click("#member-form button[type=submit]")

    error = page.locator('[data-field-error="id_number"]')
    assert "校验位" in error.inner_text()
    assert not Member.objects.exists()

    page.fill("input[name=id_number]", good)
    page.click("#member-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/members/*/")
    assert "王小明" in page.locator("h2.page-title").inner_text()
    assert good not in page.content()  # masked by default

    page.goto(f"{live_server.url}/members/")
    page.fill("input[name=q]", "wxm")
    page.locator("#member-table").get_by_text("王小明").wait_for()
    assert page.locator("#member-table tbody tr").count() == 1
