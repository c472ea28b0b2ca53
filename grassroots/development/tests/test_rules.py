"""The transition table and the vote arithmetic, without a database: every time limit at, before and after its
boundary."""

import datetime as dt

import pytest

from grassroots.development import rules
from grassroots.development.choices import NoticeStage, Stage
from grassroots.development.rules import MemberFacts, NoticeFacts, PipelineFacts, VoteCount, check_step, tally

D = dt.date
TODAY = D(2026, 11, 22)
ORDER = [s.code for s in rules.STEPS]


def facts_until(code: str, dates: dict | None = None, stage: str | None = None, **extra) -> PipelineFacts:
    """Every step before `code` done on a default date (or the one given)."""
    dates = dates or {}
    done = {}
    day = D(2024, 1, 10)
    for step in rules.STEPS:
        if step.code == code:
            break
        on = dates.get(step.code, day)
        done[step.code] = on if isinstance(on, list) else [on]
        day = max(done[step.code])
    if "assessment" in done and "assessment" not in dates and code not in ("assessment",):
        done["assessment"] = [done["assessment"][0], done["assessment"][0]]
    notices = extra.pop("notices", {})
    stage = stage or next((s.stage for s in rules.STEPS if s.code == code), Stage.APPLICANT)
    return PipelineFacts(stage=stage, done=done, notices=notices, **extra)


def test_the_table_has_25_numbered_steps_each_citing_a_source():
    assert [s.number for s in rules.STEPS] == list(range(1, 26))
    assert all(s.source for s in rules.STEPS)
    assert {s.code for s in rules.STEPS if s.approve} == {"approval", "confirmation_approval"}


def test_a_step_out_of_order_is_refused_naming_the_missing_step():
    facts = facts_until("talk")
    check = check_step("activist_filing", D(2024, 3, 1), facts, TODAY)
    assert not check.ok
    assert "第2步" in check.refusals[0].message


def test_a_step_cannot_be_recorded_twice_unless_repeatable():
    facts = facts_until("activist_filing")
    assert "已登记" in check_step("activist", D(2024, 3, 1), facts, TODAY).refusals[0].message


def test_a_future_date_is_refused():
    facts = facts_until("talk", {"application": D(2026, 11, 1)})
    assert not check_step("talk", TODAY + dt.timedelta(days=1), facts, TODAY).ok
    assert check_step("talk", TODAY, facts, TODAY).ok


def test_a_step_dated_before_the_previous_one_is_refused_with_the_earliest_date():
    facts = facts_until("talk", {"application": D(2026, 3, 10)})
    check = check_step("talk", D(2026, 3, 9), facts, TODAY)
    assert check.refusals[0].earliest == D(2026, 3, 10)


@pytest.mark.parametrize(("talk_on", "late"), [(D(2026, 4, 9), False), (D(2026, 4, 10), False), (D(2026, 4, 11), True)])
def test_talk_later_than_one_month_is_recorded_but_flagged_late(talk_on, late):
    facts = facts_until("talk", {"application": D(2026, 3, 10)})
    check = check_step("talk", talk_on, facts, TODAY)
    assert check.ok
    assert check.late is late
    if late:
        assert "第七条" in check.late_note


@pytest.mark.parametrize(("months", "on", "ok"), [(6, D(2026, 9, 9), False), (6, D(2026, 9, 10), True),
                                                  (6, D(2026, 9, 11), True), (0, D(2026, 3, 10), True)])
def test_activist_minimum_time_is_configurable(settings, months, on, ok):
    settings.GRASSROOTS_DEVELOPMENT = {"activist_min_months": months}
    facts = facts_until("activist", {"application": D(2026, 3, 10), "talk": D(2026, 3, 10)})
    check = check_step("activist", on, facts, TODAY)
    assert check.ok is ok
    if not ok:
        assert check.refusals[0].earliest == D(2026, 9, 10)


@pytest.mark.parametrize(("on", "ok"), [(D(2025, 5, 31), False), (D(2025, 6, 1), True), (D(2025, 6, 2), True)])
def test_candidate_needs_one_year_after_becoming_activist(on, ok):
    facts = facts_until("candidate", {"activist": D(2024, 6, 1), "activist_filing": D(2024, 6, 1),
                                      "mentors": D(2024, 6, 1), "assessment": [D(2024, 12, 1), D(2025, 5, 30)]},
                        notices={NoticeStage.ACTIVIST: NoticeFacts(D(2024, 6, 1), D(2024, 6, 7))})
    check = check_step("candidate", on, facts, TODAY)
    assert check.ok is ok, check.refusals
    if not ok:
        refusal = check.refusals[0]
        assert refusal.earliest == D(2025, 6, 1)
        assert "第十三条" in refusal.rule and "2025-06-01" in refusal.message


def test_candidate_needs_two_half_yearly_assessments():
    facts = facts_until("candidate", {"activist": D(2024, 6, 1), "assessment": [D(2024, 12, 1)]})
    check = check_step("candidate", D(2025, 7, 1), facts, TODAY)
    assert any("两" in r.message or "2次" in r.message for r in check.refusals)


def test_assessment_is_repeatable_until_candidate():
    facts = facts_until("candidate", {"activist": D(2024, 6, 1), "assessment": [D(2024, 12, 1)]})
    assert check_step("assessment", D(2025, 5, 1), facts, TODAY).ok
    facts.done["candidate"] = [D(2025, 7, 1)]
    assert not check_step("assessment", D(2025, 8, 1), facts, TODAY).ok


@pytest.mark.parametrize(("on", "ok", "late"), [
    (D(2026, 5, 1), True, False),  # exactly three months after 2026-02-01
    (D(2026, 5, 2), True, True),  # beyond three: special reason required
    (D(2026, 8, 1), True, True),  # exactly six
    (D(2026, 8, 2), False, False),  # beyond six: refused
])
def test_approval_within_three_months_special_reason_up_to_six(on, ok, late):
    facts = facts_until("approval", {"admission_meeting": D(2026, 2, 1), "committee_talk": D(2026, 2, 1)},
                        notices={NoticeStage.ADMISSION: NoticeFacts(D(2026, 2, 2), D(2026, 2, 6))})
    check = check_step("approval", on, facts, TODAY)
    assert check.ok is ok
    assert check.late is late
    if late:
        errors = rules.check_evidence("approval", {"done_by": "党委会"}, [], late=True)
        assert "special_reason" in errors
        assert not rules.check_evidence("approval", {"done_by": "党委会", "special_reason": "疫情"}, [], late=True)


@pytest.mark.parametrize(("on", "ok"), [(D(2026, 2, 9), False), (D(2026, 2, 10), True), (D(2026, 2, 11), True)])
def test_notice_must_be_over_before_the_next_step(on, ok):
    facts = facts_until("approval", {"admission_meeting": D(2026, 1, 20), "committee_talk": D(2026, 1, 20)},
                        notices={NoticeStage.ADMISSION: NoticeFacts(D(2026, 2, 3), D(2026, 2, 9))})
    check = check_step("approval", on, facts, TODAY)
    assert check.ok is ok
    if not ok:
        assert check.refusals[0].earliest == D(2026, 2, 10)


def test_missing_notice_or_open_objection_blocks_the_next_step():
    facts = facts_until("approval", {"admission_meeting": D(2026, 1, 20)})
    assert "公示" in check_step("approval", D(2026, 3, 1), facts, TODAY).refusals[0].message
    facts.notices[NoticeStage.ADMISSION] = NoticeFacts(D(2026, 1, 21), D(2026, 1, 27), open_objections=1)
    assert "异议" in check_step("approval", D(2026, 3, 1), facts, TODAY).refusals[0].message
    facts.notices[NoticeStage.ADMISSION] = NoticeFacts(D(2026, 1, 21), D(2026, 1, 27), open_objections=0)
    assert check_step("approval", D(2026, 3, 1), facts, TODAY).ok


@pytest.mark.parametrize(("on", "ok"), [(D(2026, 3, 14), False), (D(2026, 3, 15), True), (D(2026, 3, 16), True)])
def test_confirmation_meeting_not_before_probation_ends(on, ok):
    facts = facts_until("confirmation_meeting", {"admission_meeting": D(2025, 3, 15)}, stage=Stage.PROBATIONARY,
                        probation_ends_on=rules.probation_ends_on(D(2025, 3, 15)))
    check = check_step("confirmation_meeting", on, facts, TODAY)
    assert check.ok is ok
    if not ok:
        assert check.refusals[0].earliest == D(2026, 3, 15)


def test_probation_is_one_year_from_the_meeting():
    assert rules.probation_ends_on(D(2025, 7, 1)) == D(2026, 7, 1)
    assert rules.probation_ends_on(D(2024, 2, 29)) == D(2025, 2, 28)


@pytest.mark.parametrize(("months", "so_far", "ok"), [(5, 0, False), (6, 0, True), (12, 0, True), (13, 0, False),
                                                      (6, 1, False)])
def test_one_extension_of_six_to_twelve_months(months, so_far, ok):
    assert (rules.check_extension(months, so_far) is None) is ok


@pytest.mark.parametrize(("days", "hours", "ok"), [(2.5, 23, False), (3, 0, True), (0, 24, True), (2, 23, False),
                                                   (0, 25, True), (3.5, 0, True)])
def test_training_reaches_three_days_or_24_hours(days, hours, ok):
    errors = rules.check_evidence("training", {"days": days, "hours": hours, "receipt": "A1", "done_by": "党校"}, [], False)
    assert (not errors) is ok


def test_sponsors_are_two_full_members_not_under_probation_discipline():
    ok = [MemberFacts(1, "甲", True), MemberFacts(2, "乙", True)]
    assert not rules.check_evidence("sponsors", {}, ok, False)
    assert "sponsors" in rules.check_evidence("sponsors", {}, ok[:1], False)
    probationary = [MemberFacts(1, "甲", True), MemberFacts(2, "乙", False)]
    assert "不是正式党员" in rules.check_evidence("sponsors", {}, probationary, False)["sponsors"][0]
    disciplined = [MemberFacts(1, "甲", True), MemberFacts(2, "乙", True, suspended=True)]
    assert "留党察看" in rules.check_evidence("sponsors", {}, disciplined, False)["sponsors"][0]


@pytest.mark.parametrize(("n", "ok"), [(0, False), (1, True), (2, True), (3, False)])
def test_mentors_are_one_or_two_full_members(n, ok):
    people = [MemberFacts(i, str(i), True) for i in range(n)]
    assert (not rules.check_evidence("mentors", {}, people, False)) is ok


def test_applicant_must_be_eighteen():
    assert rules.check_age(D(2008, 5, 2), D(2026, 5, 1))
    assert rules.check_age(D(2008, 5, 1), D(2026, 5, 1)) is None


# --- the vote ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("eligible", "present", "outcome"), [(10, 5, "invalid"), (10, 6, "passed"), (11, 5, "invalid"),
                                                              (11, 6, "passed")])
def test_quorum_is_more_than_half_of_those_who_should_attend(eligible, present, outcome):
    result = tally(VoteCount(eligible=eligible, present=present, yes=present, no=0, abstain=0,
                             written_yes=min(eligible - present, 3)))
    assert result.outcome == outcome
    if outcome == "invalid":
        assert "无效" in result.explanation and "第二十条" in result.explanation


@pytest.mark.parametrize(("yes", "written_yes", "outcome"), [(5, 0, "rejected"), (6, 0, "passed"), (5, 1, "passed"),
                                                             (4, 1, "rejected")])
def test_majority_is_measured_against_those_who_should_attend_and_counts_written_opinions(yes, written_yes, outcome):
    # 10 should attend, 8 attend: 5 yes of 8 present is a majority of those present but not of 应到会.
    result = tally(VoteCount(eligible=10, present=8, yes=yes, no=8 - yes, abstain=0, written_yes=written_yes))
    assert result.outcome == outcome
    assert result.total_yes == yes + written_yes
    assert "应到会有表决权的正式党员10人" in result.explanation


def test_impossible_counts_are_errors_not_outcomes():
    assert tally(VoteCount(eligible=5, present=6, yes=6, no=0, abstain=0)).errors
    assert tally(VoteCount(eligible=5, present=3, yes=3, no=1, abstain=0)).errors  # 4 ballots from 3 present
    assert tally(VoteCount(eligible=5, present=4, yes=4, no=0, abstain=0, written_yes=2)).errors  # 2 written, 1 absent
    assert tally(VoteCount(eligible=0, present=0, yes=0, no=0, abstain=0)).errors


def test_exclusion_reasons_cite_their_source():
    assert all(reason.source for reason in rules.EXCLUSION_REASONS)
    assert not rules.EXCLUSION_BY_CODE["probation_discipline"].needs_approval
    assert rules.EXCLUSION_BY_CODE["away_untransferred"].needs_approval


# --- working days -------------------------------------------------------------------------------------------------
def test_five_working_days_skip_weekends():
    assert rules.notice_ends_on(D(2026, 11, 16), 5) == D(2026, 11, 20)  # Monday → Friday
    assert rules.notice_ends_on(D(2026, 11, 18), 5) == D(2026, 11, 24)  # Wednesday → next Tuesday
    assert rules.notice_ends_on(D(2026, 11, 21), 5) == D(2026, 11, 27)  # Saturday does not count


def test_2026_holidays_and_makeup_days():
    assert not rules.is_working_day(D(2026, 10, 5))  # 国庆 (Monday)
    assert rules.is_working_day(D(2026, 10, 10))  # make-up Saturday
    assert rules.is_working_day(D(2026, 2, 14))
    assert not rules.is_working_day(D(2026, 2, 16))  # 春节
    assert rules.notice_ends_on(D(2026, 9, 28), 5) == D(2026, 10, 9)  # 28, 29, 30 Sep; 8, 9 Oct
    assert rules.notice_ends_on(D(2026, 9, 30), 5) == D(2026, 10, 12)  # 30 Sep; 8, 9, 10 (make-up Saturday), 12 Oct


# --- what is due --------------------------------------------------------------------------------------------------
def test_next_due_after_application_is_the_talk_deadline():
    due = rules.next_due(facts_until("talk", {"application": D(2026, 10, 31)}))
    assert (due.code, due.on, due.deadline) == ("talk", D(2026, 11, 30), True)


def test_next_due_for_an_activist_is_the_next_half_yearly_assessment_then_candidate():
    facts = facts_until("assessment", {"activist": D(2025, 1, 10)}, stage=Stage.ACTIVIST)
    assert rules.next_due(facts) == rules.Due("assessment", D(2025, 7, 10), True)
    facts.done["assessment"] = [D(2025, 7, 1), D(2026, 1, 2)]
    assert rules.next_due(facts) == rules.Due("candidate", D(2026, 1, 10), False)


def test_next_due_after_admission_meeting_is_the_approval_deadline():
    facts = facts_until("committee_talk", {"admission_meeting": D(2026, 9, 1)}, stage=Stage.CANDIDATE)
    assert rules.next_due(facts) == rules.Due("committee_talk", D(2026, 12, 1), True)


def test_every_step_is_reachable_in_order():
    for index, code in enumerate(ORDER[1:], start=1):
        facts = facts_until(code, stage=rules.STEPS[index].stage,
                            notices={s: NoticeFacts(D(2024, 1, 10), D(2024, 1, 10)) for s in NoticeStage.values},
                            probation_ends_on=D(2024, 1, 10))
        facts.done["activist"] = [D(2023, 1, 1)] if "activist" in facts.done else []
        if not facts.done["activist"]:
            del facts.done["activist"]
        check = check_step(code, D(2024, 2, 1), facts, TODAY)
        assert check.ok, (code, check.refusals)
