"""A village secretary on a phone records the election meeting and the vote, assigns the posts and submits the
result; the township approves it; the secretary publishes it; anyone can read the notice (names and posts)."""

import pytest

from grassroots.access.roles import Role
from grassroots.committees.choices import ElectionStage
from grassroots.committees.models import Election
from grassroots.committees.tests.factories import branch_members, election_at
from grassroots.core.testing.factories import TEST_PASSWORD, make_tree, make_user
from grassroots.members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/**")


def test_election_recorded_to_the_published_notice(live_server, page):
    tree = make_tree()
    admin = make_user("county", Role.ORG_ADMIN, tree.county)
    secretary = make_user("village_sec", Role.SECRETARY, tree.village_a1)
    town = make_user("town_sec", Role.SECRETARY, tree.town_a)
    members = branch_members(tree.village_a1, 8, admin=admin)
    election = election_at(ElectionStage.CANDIDATES_SET, org=tree.village_a1, manager=secretary, approver=town,
                           members=members)
    base = live_server.url

    login(page, base, "village_sec")
    page.goto(f"{base}/committees/elections/{election.pk}/")
    assert "至少 7" in page.locator("#meeting").inner_text().replace("<strong>", "")
    page.fill("#meeting-form input[name=present_count]", "6")
    page.click("#meeting-form button[type=submit]")
    page.get_by_text("会议无效").first.wait_for()
    page.fill("#meeting-form input[name=present_count]", "8")
    page.click("#meeting-form button[type=submit]")
    page.locator("#round-form").wait_for()

    page.fill("#round-form input[name=ballots_issued]", "8")
    page.fill("#round-form input[name=ballots_returned]", "8")
    candidates = list(election.candidates.select_related("member").order_by("member__name"))
    for votes, candidate in zip((8, 7, 5, 5), candidates, strict=True):
        page.fill(f"#round-form input[name=yes_{candidate.pk}]", str(votes))
    page.click("#round-form button[type=submit]")
    page.get_by_text("另行投票").first.wait_for()  # a tie at the last seat: another round for the tied two
    for votes, candidate in zip((6, 2), candidates[2:], strict=True):
        page.fill(f"#round-form input[name=yes_{candidate.pk}]", str(votes))
    page.fill("#round-form input[name=ballots_issued]", "8")
    page.fill("#round-form input[name=ballots_returned]", "8")
    page.click("#round-form button[type=submit]")
    page.locator("#posts-form").wait_for()

    for post, candidate in zip(("secretary", "organization_officer", "publicity_officer"), candidates, strict=False):
        page.select_option(f"#posts-form select[name=post_{candidate.pk}]", post)
    page.click("#posts-form button[type=submit]")
    page.click('[data-transition="result_submitted"] button')
    page.locator('[data-stage="result_submitted"]').wait_for()
    assert page.locator('[data-transition="result_approved"]').count() == 0  # not for the branch itself

    page.context.clear_cookies()
    login(page, base, "town_sec")
    page.goto(f"{base}/committees/elections/{election.pk}/")
    page.fill('[data-transition="result_approved"] input[name=decision_ref]', "甲组〔2026〕9号")
    page.click('[data-transition="result_approved"] button')
    page.locator('[data-stage="result_approved"]').wait_for()
    assert Member.objects.get(pk=candidates[0].member_id).posts == ["secretary"]

    page.context.clear_cookies()
    login(page, base, "village_sec")
    page.goto(f"{base}/committees/elections/{election.pk}/")
    page.get_by_role("button", name="公示结果").click()
    page.get_by_role("link", name="公告页").wait_for()
    assert Election.objects.get(pk=election.pk).published_at is not None

    page.context.clear_cookies()
    page.goto(f"{base}/committees/notices/{election.pk}/")
    notice = page.locator("#election-notice").inner_text()
    assert candidates[0].member.name in notice and "书记" in notice
    assert candidates[3].member.name not in notice
