"""A village secretary on a phone takes an applicant from the written application through the talk, activist,
candidate, the 支部大会 vote, the notice, to probation; the township committee approves; a year later (dates are
entered by users; the rules check them) the confirmation vote, notice and approval make a full member. Along the
way the rules refuse a candidate designated too early, and the branch secretary cannot approve their own branch."""

import datetime as dt

import pytest

from grassroots.access.roles import Role
from grassroots.core.testing.factories import TEST_PASSWORD, id_number_for, make_member, make_tree, make_user
from grassroots.development.models import Applicant
from grassroots.development.tests.factories import EVIDENCE, SCHEDULE
from grassroots.members.models import Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = {"mentors": ["正式甲"], "sponsors": ["正式甲", "正式乙"]}
NOTICES = {"activist": "2023-10-17", "candidate": "2024-10-22", "admission_meeting": "2024-12-06",
           "confirmation_meeting": "2025-12-08"}


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/**")


def fill(page, values: dict):
    for name, value in values.items():
        field = page.locator(f"#step-form [name={name}], #vote-form [name={name}], #simple-form [name={name}]").first
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))


def record_step(page, detail_url, code, on, *, expect_ok=True):
    page.goto(detail_url)
    page.locator(f'[data-step="{code}"] a.btn').click()
    page.wait_for_url("**/steps/**")
    fill(page, {"occurred_on": on.isoformat(), **EVIDENCE.get(code, {})})
    for label in PEOPLE.get(code, []):
        page.locator("#step-form label.form-check", has_text=label).locator("input").check()
    page.click("#step-form button[type=submit]")
    if expect_ok:
        page.wait_for_url(detail_url)


def vote(page, detail_url, code, on, present, yes):
    page.goto(detail_url)
    page.locator(f'[data-step="{code}"] a.btn').click()
    page.wait_for_url("**/votes/**")
    fill(page, {"meeting_on": on.isoformat(), "present": present, "yes": yes, "no": present - yes})
    page.click("#vote-form button[type=submit]")
    page.wait_for_url(detail_url)


def publish_notice(page, detail_url, on):
    page.goto(detail_url)
    page.locator("#notices").locator("xpath=..").get_by_role("link", name="发布公示").click()
    fill(page, {"published_on": on})
    page.click("#simple-form button[type=submit]")
    page.wait_for_url(detail_url)


def test_application_to_confirmation(live_server, page, browser):
    tree = make_tree()
    admin = make_user("county_admin", Role.ORG_ADMIN, tree.county)
    for name in ("正式甲", "正式乙", "正式丙", "正式丁", "正式戊"):
        make_member(tree.village_a1, actor=admin, name=name)
    make_user("village_sec", Role.SECRETARY, tree.village_a1)
    make_user("town_sec", Role.SECRETARY, tree.town_a)
    base = live_server.url

    login(page, base, "village_sec")
    page.goto(f"{base}/development/?org={tree.village_a1.pk}")
    page.get_by_role("link", name="登记入党申请").first.click()
    page.fill("input[name=name]", "周入党")
    page.fill("input[name=id_number]", id_number_for(dt.date(1996, 4, 2), "M"))
    page.select_option("select[name=gender]", "M")
    page.fill("input[name=phone]", "13812345678")
    page.select_option("select[name=education]", "college")
    page.select_option("select[name=occupation]", "farmer")
    page.fill("input[name=applied_on]", "2023-09-04")
    page.click("#applicant-form button[type=submit]")
    page.wait_for_url(f"{base}/development/people/*/")
    detail_url = page.url
    assert "13812345678" not in page.content()
    assert "党组织派人谈话" in page.locator("#next-due").inner_text()

    order = ["talk", "activist", "activist_filing", "mentors", "assessment", "assessment", "candidate",
             "candidate_filing", "sponsors", "political_review", "training", "committee_review", "prereview",
             "admission_form", "admission_meeting", "committee_talk"]
    seen: dict[str, int] = {}
    for code in order:
        dates = SCHEDULE[code]
        on = dates[seen.get(code, 0)] if isinstance(dates, list) else dates
        seen[code] = seen.get(code, 0) + 1
        if code == "candidate":  # first too early: refused, naming the rule and the earliest date
            record_step(page, detail_url, code, dt.date(2024, 10, 12), expect_ok=False)
            error = page.locator('[data-field-error="occurred_on"]').first.inner_text()
            assert "一年以上" in error and "2024-10-16" in error
        if code == "admission_meeting":
            vote(page, detail_url, code, on, present=4, yes=4)
            assert "通过" in page.locator("#votes").inner_text()
        else:
            record_step(page, detail_url, code, on)
        if code in NOTICES:
            publish_notice(page, detail_url, NOTICES[code])

    # The branch cannot approve its own candidate; the township committee does.
    assert "待上级党委审批" in page.locator('[data-step="approval"]').inner_text()
    town_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    town = town_context.new_page()
    login(town, base, "town_sec")
    record_step(town, detail_url, "approval", SCHEDULE["approval"])
    assert "预备党员" in town.locator("#stage").inner_text()
    applicant = Applicant.objects.get(name="周入党")
    member = Member.objects.get(pk=applicant.member_id)
    assert (member.status, member.joined_on) == ("probationary", dt.date(2024, 12, 5))

    for code in ("approval_filing", "placement", "oath", "probation_education", "confirmation_application"):
        dates = SCHEDULE[code]
        record_step(page, detail_url, code, dates[0] if isinstance(dates, list) else dates)
    vote(page, detail_url, "confirmation_meeting", SCHEDULE["confirmation_meeting"], present=5, yes=5)
    publish_notice(page, detail_url, NOTICES["confirmation_meeting"])
    record_step(town, detail_url, "confirmation_approval", SCHEDULE["confirmation_approval"])
    record_step(page, detail_url, "archive", SCHEDULE["archive"])
    assert "正式党员" in page.locator("#stage").inner_text()
    member.refresh_from_db()
    assert (member.status, member.confirmed_on) == ("full", dt.date(2025, 12, 5))
    town_context.close()

    # The public notice page shows the notice-board fields only.
    notice = applicant.notices.get(stage="confirmation")
    page.goto(f"{base}/development/notices/{notice.pk}/")
    text = page.locator("#public-notice").inner_text()
    assert "周入党" in text and "甲一村党支部" in text and "138" not in text
