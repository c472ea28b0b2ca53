"""A village secretary on a phone records this month's dues for a member, clicking the button twice, and gets
one payment and its printable receipt; the member's amounts stay masked until revealed with a reason."""

import pytest
from django.utils import timezone

from grassroots.access.roles import Role
from grassroots.core.testing.factories import TEST_PASSWORD, make_member, make_tree, make_user
from grassroots.dues.models import Payment
from grassroots.dues.tests.factories import assess, declare

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_records_a_payment_once_and_prints_the_receipt(live_server, page):
    tree = make_tree()
    make_user("dues_sec", Role.SECRETARY, tree.village_a1)
    member = make_member(tree.village_a1, name="李交费")
    declare(member, base="3000.01", month=member.joined_on.replace(day=1))
    month = timezone.localdate().replace(day=1)
    assess(tree.county.path, month)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "dues_sec")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")

    page.goto(f"{live_server.url}/dues/members/{member.pk}/")
    assert "30.00" not in page.content()  # masked
    page.get_by_role("link", name="登记交纳").click()
    page.check(f"input[name=months][value='{month:%Y-%m}']")
    page.dblclick("#pay-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dues/payments/**")
    assert "党费收据" in page.content() and "30.00" in page.content()
    assert Payment.objects.count() == 1
