"""Rule tests without a database: at, before and after every boundary."""

import datetime as dt

import pytest

from grassroots.orglife import rules
from grassroots.orglife.choices import MeetingKind

GM = MeetingKind.GENERAL_MEETING


@pytest.mark.parametrize(("present", "expected", "ok"), [(5, 10, False), (6, 10, True), (4, 10, False),
                                                         (5, 9, True), (4, 9, False), (0, 0, False), (1, 1, True)])
def test_quorum_needs_more_than_half_exactly_half_fails(present, expected, ok):
    assert rules.quorum_met(GM, voting_present=present, voting_expected=expected) is ok


@pytest.mark.parametrize(("yes", "expected", "ok"), [(5, 10, False), (6, 10, True), (4, 9, False), (5, 9, True)])
def test_adopted_when_yes_exceeds_half_of_expected_not_of_present(yes, expected, ok):
    assert rules.vote_adopted(GM, yes=yes, voting_expected=expected) is ok


def test_yes_majority_of_present_is_not_enough():
    # 7 of 12 present (quorum), 5 yes is a majority of those present but not more than half of 12.
    assert rules.quorum_met(GM, voting_present=7, voting_expected=12)
    assert not rules.vote_adopted(GM, yes=5, voting_expected=12)


def test_check_vote_refuses_without_quorum_and_too_many_ballots():
    errors = rules.check_vote(GM, yes=3, no=1, abstain=1, voting_present=4, voting_expected=8)
    assert len(errors["vote_yes"]) == 2
    assert rules.check_vote(GM, yes=3, no=1, abstain=0, voting_present=5, voting_expected=8) == {}
    assert "vote_yes" in rules.check_vote(MeetingKind.THEME_DAY, yes=1, no=0, abstain=0, voting_present=5,
                                          voting_expected=8)


@pytest.mark.parametrize(("status", "confirmed", "day", "guest", "vote"), [
    ("full", dt.date(2020, 1, 1), dt.date(2020, 1, 1), False, True),
    ("full", dt.date(2020, 1, 2), dt.date(2020, 1, 1), False, False),
    ("probationary", None, dt.date(2020, 1, 1), False, False),
    ("full", dt.date(2010, 1, 1), dt.date(2020, 1, 1), True, False),
])
def test_vote_only_for_full_members_at_home(status, confirmed, day, guest, vote):
    assert rules.has_vote(status=status, confirmed_on=confirmed, day=day, guest=guest) is vote


@pytest.mark.parametrize(("joined", "left", "day", "on"), [
    (dt.date(2020, 5, 1), None, dt.date(2020, 4, 30), False),
    (dt.date(2020, 5, 1), None, dt.date(2020, 5, 1), True),
    (dt.date(2020, 5, 1), dt.date(2021, 1, 1), dt.date(2020, 12, 31), True),
    (dt.date(2020, 5, 1), dt.date(2021, 1, 1), dt.date(2021, 1, 1), False),
])
def test_roster_on_a_day(joined, left, day, on):
    assert rules.on_roster(joined_on=joined, left_on=left, day=day) is on


def test_period_bounds():
    assert rules.period_bounds("month", dt.date(2026, 2, 1)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert rules.period_bounds("quarter", dt.date(2026, 3, 1)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert rules.period_bounds("quarter", dt.date(2026, 4, 1)) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert rules.period_bounds("year", dt.date(2026, 12, 1)) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize(("held", "required", "today", "state"), [
    (1, 1, dt.date(2026, 4, 1), "met"),
    (0, 1, dt.date(2026, 3, 31), "open"),  # last day of the quarter: still open
    (0, 1, dt.date(2026, 4, 1), "missed"),  # the day after: missed
    (1, 2, dt.date(2026, 4, 1), "missed"),
])
def test_compliance_state_turns_missed_the_day_after_the_period(held, required, today, state):
    assert rules.compliance_state(held=held, required=required, period_end=dt.date(2026, 3, 31), today=today) == state


def test_committee_rule_applies_from_seven_full_members_and_group_rule_per_group():
    committee = next(r for r in rules.BASE_RULES if r.code == "committee_monthly")
    group = next(r for r in rules.BASE_RULES if r.code == "group_monthly")
    assert rules.rule_applies(committee, full_members=6, groups=0) == 0
    assert rules.rule_applies(committee, full_members=7, groups=0) == 1
    assert rules.rule_applies(group, full_members=20, groups=0) == 0
    assert rules.rule_applies(group, full_members=20, groups=3) == 3


def test_lecture_rule_is_configurable_and_every_rule_cites_a_source():
    assert [r.period for r in rules.compliance_rules("yearly") if r.code == "lecture"] == ["year"]
    assert [r.period for r in rules.compliance_rules("quarterly") if r.code == "lecture"] == ["quarter"]
    assert not [r for r in rules.compliance_rules("off") if r.code == "lecture"]
    with pytest.raises(ValueError):
        rules.compliance_rules("weekly")
    assert all("RULES.md" in r.source or "党章" in r.source for r in rules.compliance_rules("yearly"))
    assert all(rule.source for rule in rules.VOTE_RULES.values())


def test_absence_window_is_the_six_full_months_before():
    window = rules.absence_window(dt.date(2026, 3, 15))
    assert window[0] == dt.date(2025, 9, 1) and window[-1] == dt.date(2026, 2, 1) and len(window) == 6


def test_attendance_must_cover_the_roster_with_reasons():
    names = {1: "甲", 2: "乙", 3: "丙", 9: "客"}
    entries = [rules.AttendanceEntry(1, "present"), rules.AttendanceEntry(2, "absent", "")]
    errors = rules.check_attendance({1, 2, 3}, entries, set(), names)["attendance"]
    assert any("乙" in e and "原因" in e for e in errors)
    assert any("未登记" in e and "丙" in e for e in errors)
    ok = [rules.AttendanceEntry(1, "present"), rules.AttendanceEntry(2, "excused", "外出务工"),
          rules.AttendanceEntry(3, "absent", "生病"), rules.AttendanceEntry(9, "present")]
    assert rules.check_attendance({1, 2, 3}, ok, {9}, names) == {}
    assert rules.check_attendance({1}, [rules.AttendanceEntry(1, "present"), rules.AttendanceEntry(9, "present")],
                                  set(), names)


def test_typed_counts_must_match_the_roster():
    computed = {"expected_count": 10, "present_count": 8, "voting_expected": 9, "voting_present": 7}
    assert rules.check_typed_counts({"expected_count": 10, "present_count": None}, computed) == {}
    errors = rules.check_typed_counts({"expected_count": 11, "present_count": 7}, computed)
    assert set(errors) == {"expected_count", "present_count"}


@pytest.mark.parametrize(("excellent", "total", "ok"), [(3, 9, True), (4, 9, False), (1, 3, True), (2, 5, False)])
def test_excellent_share_at_most_one_third_when_configured(excellent, total, ok):
    grades = ["excellent"] * excellent + ["qualified"] * (total - excellent)
    assert (rules.check_appraisal_shares(grades, "excellent_one_third") == {}) is ok
    assert rules.check_appraisal_shares(grades, "national") == {}


def test_attachment_type_by_content():
    assert rules.sniff_type(b"\xff\xd8\xff\xe0rest") == ("image/jpeg", "jpg")
    assert rules.sniff_type(b"\x89PNG\r\n\x1a\nxx") == ("image/png", "png")
    assert rules.sniff_type(b"%PDF-1.7") == ("application/pdf", "pdf")
    assert rules.sniff_type(b"<html>") is None
    assert rules.sniff_type(b"MZ\x90\x00") is None


def test_a_status_row_decodes_per_rule_slot():
    states = "-MOX" + "M" * (len(rules.RULE_SLOTS) - 4)
    held = ",".join(["0", "2", "0", "0"] + ["1"] * (len(rules.RULE_SLOTS) - 4))
    required = ",".join(["0", "2", "1", "1"] + ["1"] * (len(rules.RULE_SLOTS) - 4))
    decoded = rules.decode_status(states, held, required)
    assert "committee_monthly" not in decoded  # not applicable
    assert decoded["group_monthly"] == ("met", 2, 2)
    assert decoded["general_quarterly"] == ("open", 0, 1)
    assert decoded["theme_day_monthly"] == ("missed", 0, 1)
