"""The lifecycle rules without a database, at, before and after each boundary."""

import datetime as dt

import pytest

from grassroots.lifecycle import rules
from grassroots.lifecycle.choices import DecisionKind, TransferKind, TransferStatus

D = dt.date


def test_every_rule_row_cites_its_source():
    assert all(row.source for row in rules.THRESHOLDS.values())
    assert all(row.source for row in rules.DECISION_RULES.values())
    assert set(rules.DECISION_RULES) == set(DecisionKind.values)


@pytest.mark.parametrize(("day", "n", "expected"), [
    (D(2026, 1, 31), 1, D(2026, 2, 28)), (D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2026, 8, 15), 6, D(2027, 2, 15)),
    (D(2026, 3, 31), -1, D(2026, 2, 28)), (D(2026, 12, 1), 1, D(2027, 1, 1)),
])
def test_add_months(day, n, expected):
    assert rules.add_months(day, n) == expected


@pytest.mark.parametrize(("as_of", "due"), [(D(2026, 7, 9), False), (D(2026, 7, 10), True), (D(2026, 7, 11), True)])
def test_unreachable_six_months_is_due_on_the_day(as_of, due):
    assert rules.is_due(D(2026, 1, 10), "unreachable_suspend", as_of) is due


@pytest.mark.parametrize(("as_of", "due"), [(D(2028, 3, 31), False), (D(2028, 4, 1), True), (D(2028, 4, 2), True)])
def test_suspended_two_years_then_removal_is_due(as_of, due):
    assert rules.is_due(D(2026, 4, 1), "suspended_remove", as_of) is due


@pytest.mark.parametrize(("as_of", "due"), [(D(2026, 11, 30), False), (D(2026, 12, 1), True)])
def test_mobile_six_months_requires_a_transfer(as_of, due):
    assert rules.is_due(D(2026, 6, 1), "mobile_transfer", as_of) is due


def test_is_due_without_a_start_is_never_due():
    assert rules.is_due(None, "unreachable_suspend", D(2030, 1, 1)) is False


@pytest.mark.parametrize("as_of", [D(2026, 8, 31), D(2026, 3, 1), D(2026, 2, 28), D(2024, 2, 29), D(2026, 7, 10)])
@pytest.mark.parametrize("key", ["unreachable_suspend", "suspended_remove", "mobile_transfer"])
def test_cutoff_is_the_exact_boundary(key, as_of):
    day = rules.cutoff(key, as_of)
    assert rules.is_due(day, key, as_of)
    assert not rules.is_due(day + dt.timedelta(days=1), key, as_of)


@pytest.mark.parametrize(("as_of", "expired"), [(D(2026, 4, 14), False), (D(2026, 4, 15), True)])
def test_letter_is_valid_three_months_by_default(as_of, expired):
    until = rules.letter_valid_until(D(2026, 1, 15))
    assert until == D(2026, 4, 14)
    assert rules.letter_expired(until, as_of) is expired


def test_letter_validity_is_configurable():
    assert rules.letter_valid_until(D(2026, 1, 15), 6) == D(2026, 7, 14)
    assert rules.letter_expired(None, D(2030, 1, 1)) is False


def test_transfer_flow_table():
    assert rules.next_status(TransferKind.INTERNAL, TransferStatus.PENDING, "accept") == TransferStatus.ACCEPTED
    assert rules.next_status(TransferKind.INTERNAL, TransferStatus.ACCEPTED, "accept") is None
    assert rules.next_status(TransferKind.INTERNAL, TransferStatus.PENDING, "receipt") is None
    assert rules.next_status(TransferKind.OUTBOUND, TransferStatus.PENDING, "receipt") == TransferStatus.CLOSED
    assert rules.next_status(TransferKind.INBOUND, TransferStatus.PENDING, "accept") is None


@pytest.mark.parametrize(("n", "suggested"), [(2, False), (3, True), (4, True)])
def test_three_from_one_place_at_one_destination_suggest_a_mobile_branch(n, suggested):
    rows = [("0001", "广东省 深圳市·宝安区")] * (n - 1) + [("0001", "广东省深圳市宝安区")]
    rows += [("0002", "广东省深圳市宝安区")] * 2 + [("0001", "浙江省义乌市")] * 2
    found = rules.gatherings(rows)
    assert (found == [("0001", "广东省深圳市宝安区", n)]) is suggested


def test_decision_rules_by_state():
    assert rules.decision_errors(DecisionKind.SUSPENSION, "active") is None
    assert rules.decision_errors(DecisionKind.SUSPENSION, "suspended")
    assert rules.decision_errors(DecisionKind.RESTORATION, "active")
    assert rules.decision_errors(DecisionKind.REMOVAL, "suspended") is None
    assert rules.decision_errors(DecisionKind.DEATH, "left")
    assert rules.decision_errors("nonsense", "active")
    assert not rules.DECISION_RULES[DecisionKind.WITHDRAWAL].needs_approval
    assert rules.DECISION_RULES[DecisionKind.REMOVAL].needs_approval


@pytest.mark.parametrize(("facts", "month"), [
    ({"党费交至": "2026-03"}, "2026-03"), ({"党费交至": "2026-13"}, ""), ({"其他": "2026-03"}, ""), ({}, ""),
])
def test_paid_through_from_facts(facts, month):
    assert rules.paid_through_from_facts(facts) == month


@pytest.mark.parametrize("kind, route", [("death", None), ("withdrawal", None), ("removal", "decision"),
                                         ("expulsion", "decision"), ("advised_withdrawal", "decision"),
                                         ("transfer_out", "transfer"), ("probation_cancelled", "development"),
                                         ("vanished", "decision")])
def test_direct_exit_only_for_kinds_needing_no_approval_above(kind, route):
    assert rules.direct_exit_route(kind) == route
    if kind in rules.DECISION_RULES:  # a decision kind is direct exactly when it needs no approval above
        assert (route is None) == (not rules.DECISION_RULES[kind].needs_approval)


def test_idle_months_count_whole_months_since_the_last_activity():
    from grassroots.lifecycle.rules import full_months, idle_months, work_idle

    since = dt.date(2026, 1, 31)
    assert full_months(since, dt.date(2026, 7, 30)) == 5
    assert full_months(since, dt.date(2026, 7, 31)) == 6
    assert full_months(since, dt.date(2025, 12, 1)) == 0
    assert idle_months(dt.date(2026, 1, 15), dt.date(2026, 7, 15)) == (
        "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
    assert work_idle(dt.date(2026, 1, 15), dt.date(2026, 7, 15))  # exactly six months: listed
    assert not work_idle(dt.date(2026, 1, 16), dt.date(2026, 7, 15))  # a day short
    assert not work_idle(dt.date(2026, 2, 15), dt.date(2026, 7, 15))  # five months
