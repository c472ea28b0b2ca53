"""Election arithmetic and term rules, without a database, at, before and after every boundary."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from grassroots.committees import rules
from grassroots.committees.choices import ElectionStage, TermChangeKind
from grassroots.committees.permissions import CommitteePerm
from grassroots.core.paths import is_strictly_above
from grassroots.orgs.rules import OrgFacts, org_warnings

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(("eligible", "present", "valid"), [
    (10, 8, False),  # exactly 4/5 is not more than 4/5
    (10, 9, True),
    (5, 4, False),
    (5, 5, True),
    (11, 8, False),  # 8.8 needed → 9
    (11, 9, True),
    (7, 5, False),  # 5.6 → 6
    (7, 6, True),
    (0, 0, False),
    (10, 11, False),  # more present than expected: impossible figures
])
def test_meeting_valid_only_above_four_fifths(eligible, present, valid):
    assert rules.meeting_valid(eligible, present) is valid


@pytest.mark.parametrize(("eligible", "least"), [(10, 9), (5, 5), (11, 9), (7, 6), (30, 25), (1, 1)])
def test_least_present_agrees_with_validity(eligible, least):
    assert rules.least_present(eligible) == least
    assert rules.meeting_valid(eligible, least)
    assert not rules.meeting_valid(eligible, least - 1)


@pytest.mark.parametrize(("issued", "returned", "valid"), [(30, 29, True), (30, 30, True), (30, 31, False)])
def test_more_ballots_returned_than_issued_is_void(issued, returned, valid):
    assert rules.ballots_valid(issued, returned) is valid


@pytest.mark.parametrize(("seats", "needed"), [(1, 2), (3, 4), (4, 5), (5, 6), (6, 8), (7, 9), (10, 12)])
def test_margin_at_least_twenty_percent_rounded_up(seats, needed):
    assert rules.candidates_needed(seats) == needed
    assert rules.margin_ok(seats, needed)
    assert not rules.margin_ok(seats, needed - 1)
    assert rules.margin_ok(seats, needed + 1)


def test_margin_exactly_twenty_percent_is_enough():
    assert rules.margin_needed(5) == 1  # 1/5 = 20% exactly
    assert rules.margin_needed(10) == 2


def test_margin_ratio_is_configurable():
    assert rules.candidates_needed(5, rules.ratio_from_percent(Decimal("10"))) == 6
    assert rules.candidates_needed(10, rules.ratio_from_percent(Decimal("10"))) == 11
    assert rules.candidates_needed(5, rules.ratio_from_percent(0)) == 5  # 等额
    assert rules.ratio_from_percent("20") == Fraction(1, 5)


@pytest.mark.parametrize(("yes", "base", "wins"), [(5, 10, False), (6, 10, True), (5, 9, True), (4, 9, False),
                                                   (0, 0, False)])
def test_majority_is_more_than_half(yes, base, wins):
    assert rules.wins_majority(yes, base) is wins


def test_majority_base_is_a_setting():
    assert rules.majority_base("expected", 20, 17) == 20
    assert rules.majority_base("present", 20, 17) == 17
    # 10 yes of 20 expected fails; of 17 present it passes
    assert not rules.wins_majority(10, rules.majority_base("expected", 20, 17))
    assert rules.wins_majority(10, rules.majority_base("present", 20, 17))


def test_tally_elects_the_most_votes_among_those_over_half():
    result = rules.tally(3, 20, {"a": 18, "b": 15, "c": 12, "d": 11, "e": 10})
    assert result.elected == ("a", "b", "c")
    assert result.complete and result.tied == ()


def test_tally_unfilled_seats_go_to_another_round():
    result = rules.tally(3, 20, {"a": 18, "b": 11, "c": 10, "d": 9})  # c has exactly half: not elected
    assert result.elected == ("a", "b")
    assert result.unfilled == 1 and not result.complete


def test_tally_tie_at_last_seat_goes_to_another_round():
    result = rules.tally(3, 20, {"a": 18, "b": 15, "c": 12, "d": 12, "e": 5})
    assert result.elected == ("a", "b")
    assert result.tied == ("c", "d")
    assert result.unfilled == 1


def test_tally_tie_above_the_last_seat_elects_both():
    result = rules.tally(3, 20, {"a": 15, "b": 15, "c": 12, "d": 11})
    assert result.elected == ("a", "b", "c") and result.complete


def test_tally_exact_seats_over_half():
    assert rules.tally(2, 10, {"a": 6, "b": 6, "c": 5}).elected == ("a", "b")


def test_nomination_weights_must_total_one_hundred():
    assert rules.nomination_weights_ok([Decimal("60"), Decimal("40")])
    assert not rules.nomination_weights_ok([Decimal("60"), Decimal("39.99")])
    assert not rules.nomination_weights_ok([])


def test_nomination_score_weights_each_round():
    # 党员推荐 60%: 8 of 10; 群众推荐 40%: 50 of 100 → 48 + 20 = 68
    assert rules.nomination_score([(Decimal("60"), 8, 10), (Decimal("40"), 50, 100)]) == Decimal("68.00")
    assert rules.nomination_score([(Decimal("100"), 0, 0)]) == Decimal("0.00")


@pytest.mark.parametrize(("kind", "new", "ok"), [
    (TermChangeKind.POSTPONE, dt.date(2027, 6, 1), True),
    (TermChangeKind.POSTPONE, dt.date(2027, 6, 2), False),  # one day over one year
    (TermChangeKind.POSTPONE, dt.date(2026, 6, 1), False),  # not later
    (TermChangeKind.ADVANCE, dt.date(2025, 6, 1), True),
    (TermChangeKind.ADVANCE, dt.date(2025, 5, 31), False),
    (TermChangeKind.ADVANCE, dt.date(2026, 6, 2), False),  # not earlier
])
def test_term_change_limited_to_one_year(kind, new, ok):
    assert (rules.check_term_change(kind, dt.date(2026, 6, 1), new) == {}) is ok


def test_term_years_by_unit_type_from_the_one_home():
    assert rules.term_years("branch", "village").value == 5
    assert rules.term_years("branch", "community").value == 5
    assert rules.term_years("branch", "school").value == 3
    groups = rules.term_groups(["branch", "committee"], ["village", "school"])
    assert groups == {5: [("branch", ["village"]), ("committee", ["village", "school"])], 3: [("branch", ["school"])]}


@pytest.mark.parametrize(("horizon", "years", "cutoff"), [
    (dt.date(2026, 11, 22), 5, dt.date(2021, 11, 22)),
    (dt.date(2029, 2, 28), 5, dt.date(2024, 2, 29)),  # a 29 February start ends on 28 February
    (dt.date(2028, 2, 29), 3, dt.date(2025, 2, 28)),
])
def test_latest_start_is_the_inverse_of_term_end(horizon, years, cutoff):
    assert rules.latest_start_ending_by(horizon, years) == cutoff
    assert rules.add_years(cutoff, years) <= horizon
    assert rules.add_years(cutoff + dt.timedelta(days=1), years) > horizon


@pytest.mark.parametrize(("full", "expected"), [(6, (1, 1, 2)), (7, (3, 5, 7)), (50, (3, 5, 7))])
def test_committee_size_by_full_members(full, expected):
    assert rules.committee_size_range(full) == expected


def _facts(**kw):
    base = dict(kind="branch", sector="village", form="regular", covered_units=0, full_members=10, total_members=10,
                committee_size=3, has_secretary=True, term_started_on=dt.date(2024, 1, 1))
    return OrgFacts(**{**base, **kw})


@pytest.mark.parametrize(("size", "expected"), [(5, False), (6, True), (7, True), (8, False)])
def test_committee_above_five_is_shown(size, expected):
    codes = {w.code for w in org_warnings(_facts(committee_size=size), TODAY)}
    assert ("committee_above_usual" in codes) is expected


@pytest.mark.parametrize(("full", "size", "expected"), [(6, 2, False), (6, 3, True), (7, 3, False)])
def test_small_branch_has_a_secretary_not_a_committee(full, size, expected):
    codes = {w.code for w in org_warnings(_facts(full_members=full, total_members=full, committee_size=size), TODAY)}
    assert ("committee_not_required" in codes) is expected


def test_postponed_term_moves_the_warning():
    started = dt.date(2021, 11, 1)  # statutory end 2026-11-01: overdue on TODAY
    assert "term_expired" in {w.code for w in org_warnings(_facts(term_started_on=started), TODAY)}
    later = _facts(term_started_on=started, term_ends_on_override=dt.date(2027, 3, 1))
    assert {w.code for w in org_warnings(later, TODAY)} & {"term_expired", "term_ending"} == {"term_ending"}


def test_approvals_are_the_approve_permission_and_strictly_above():
    for stage, transitions in rules.ELECTION_FLOW.items():
        for transition in transitions:
            if "批准" in transition.label or "退回" in transition.label:
                assert transition.perm == CommitteePerm.APPROVE, (stage, transition)
    assert rules.transition_for(ElectionStage.DRAFT, ElectionStage.FILED) is None
    assert is_strictly_above("0001", "00010002")
    assert not is_strictly_above("00010002", "00010002")
    assert not is_strictly_above("00010003", "00010002")


def test_every_rule_cites_its_source():
    for rule in (rules.QUORUM, rules.DEFAULT_MARGIN, rules.MAJORITY, rules.TERM_CHANGE_MAX_YEARS):
        assert "条例" in rule.source or "RULES.md" in rule.source


@pytest.mark.parametrize(("kind", "sector", "subtree"), [
    ("branch", "village", False), ("general_branch", "village", True), ("committee", "township", True),
    ("committee", "county_committee", False)])
def test_who_chooses_from_the_subtree(kind, sector, subtree):
    """Branches choose from their own members; general branches and grassroots committees from their subtree; a
    county committee (elected by a congress of delegates) never offers the whole county."""
    from grassroots.committees.selectors import chosen_from_subtree
    from grassroots.orgs.models import Organization

    assert chosen_from_subtree(Organization(kind=kind, sector=sector)) is subtree
