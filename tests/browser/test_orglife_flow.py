"""A village secretary on a phone records a branch general meeting with attendance from the roster, and the
compliance board changes: the quarter's general meeting goes from not yet held to held."""

import pytest
from django.utils import timezone

from grassroots.access.roles import Role
from grassroots.core.testing.factories import TEST_PASSWORD, make_member, make_tree, make_user
from grassroots.orglife.models import Meeting
from grassroots.orglife.services import compliance_rebuild_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_records_general_meeting_and_board_changes(live_server, page):
    tree = make_tree()
    admin = make_user("county_admin_b", Role.ORG_ADMIN, tree.county)
    people = [make_member(tree.village_a1, actor=admin, name=name) for name in ("张红", "李明", "王强")]
    make_user("village_sec", Role.SECRETARY, tree.village_a1)
    today = timezone.localdate()
    compliance_rebuild_year(tree.county.path[:4], today.year)
    board = f"{live_server.url}/orglife/board/{tree.village_a1.pk}/"
    general = '#compliance-summary tr[data-rule="general_quarterly"]'

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "village_sec")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")

    page.goto(board)
    assert page.locator(f"{general} td").nth(1).inner_text().strip() == "0"  # held: none yet

    page.goto(f"{live_server.url}/orglife/org/{tree.village_a1.pk}/calendar/")
    page.get_by_role("link", name="登记会议").first.click()
    page.select_option("select[name=kind]", "general_meeting")
    page.fill("input[name=date]", today.isoformat())
    page.click("#start-form button[type=submit]")
    page.fill("input[name=topic]", "学习党章，讨论村级重大事项")
    page.locator(f"label[for=att_{people[2].pk}_absent]").click()
    page.fill("input[name=expected_count]", "4")  # wrong on purpose: the roster says 3
    page.click("#record-form button[type=submit]")
    errors = page.locator('[data-field-error]').all_inner_texts()
    assert any("与花名册计算的 3 不一致" in e for e in errors)
    assert any("王强" in e and "原因" in e for e in errors)
    assert not Meeting.objects.exists()

    page.fill("input[name=expected_count]", "3")
    page.fill(f"input[name=reason_{people[2].pk}]", "外出务工")
    page.click("#record-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/orglife/meetings/*/")
    assert "应到 3 人，实到 2 人" in page.locator("#meeting-counts").inner_text()

    page.goto(board)
    assert page.locator(f"{general} td").nth(1).inner_text().strip() == "1"  # held now
