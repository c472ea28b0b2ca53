import datetime as dt

import pytest

from grassroots.orgs.models import decode_segment, encode_segment
from grassroots.orgs.rules import OrgFacts, add_months, org_warnings, term_ends_on

TODAY = dt.date(2026, 11, 22)


def facts(**overrides):
    base = dict(kind="branch", sector="village", form="regular", covered_units=0, full_members=10, total_members=10,
                committee_size=3, has_secretary=True, term_started_on=dt.date(2024, 1, 1))
    return OrgFacts(**{**base, **overrides})


def codes(f, today=TODAY):
    return {w.code for w in org_warnings(f, today)}


@pytest.mark.parametrize(("full", "expected"), [(2, True), (3, False)])
def test_fewer_than_three_full_members(full, expected):
    assert ("too_few_full_members" in codes(facts(full_members=full, total_members=full, committee_size=1))) is expected


def test_joint_branch_is_not_told_to_form_a_joint_branch():
    assert "too_few_full_members" not in codes(facts(form="joint", full_members=2, covered_units=2))


@pytest.mark.parametrize(("total", "expected"), [(50, False), (51, True)])
def test_branch_over_fifty(total, expected):
    assert ("branch_too_large" in codes(facts(total_members=total))) is expected


@pytest.mark.parametrize(("full", "committee", "expected"), [(6, 0, False), (7, 2, True), (7, 3, False)])
def test_committee_required_from_seven_full_members(full, committee, expected):
    found = codes(facts(full_members=full, total_members=full, committee_size=committee))
    assert ("committee_missing" in found) is expected


@pytest.mark.parametrize(("size", "expected"), [(7, False), (8, True)])
def test_committee_at_most_seven(size, expected):
    assert ("committee_too_large" in codes(facts(committee_size=size, full_members=20, total_members=20))) is expected


@pytest.mark.parametrize(("units", "expected"), [(5, False), (6, True)])
def test_joint_branch_covers_at_most_five_units(units, expected):
    assert ("joint_too_many_units" in codes(facts(form="joint", covered_units=units))) is expected


def test_no_secretary():
    assert "no_secretary" in codes(facts(has_secretary=False))


def test_village_term_is_five_years_other_three():
    assert term_ends_on("branch", "village", dt.date(2021, 11, 22)) == dt.date(2026, 11, 22)
    assert term_ends_on("branch", "community", dt.date(2021, 11, 22)) == dt.date(2026, 11, 22)
    assert term_ends_on("branch", "county_agency", dt.date(2021, 11, 22)) == dt.date(2024, 11, 22)
    assert term_ends_on("committee", "township", dt.date(2021, 11, 22)) == dt.date(2026, 11, 22)
    assert term_ends_on("committee", "county_agency", dt.date(2021, 11, 22)) == dt.date(2026, 11, 22)
    assert term_ends_on("general_branch", "county_agency", dt.date(2021, 11, 22)) == dt.date(2024, 11, 22)


@pytest.mark.parametrize(
    ("started", "expected"),
    [(dt.date(2021, 11, 23), "term_ending"), (dt.date(2021, 11, 22), "term_expired"), (dt.date(2022, 5, 22), "term_ending"),
     (dt.date(2022, 5, 23), None)],
)
def test_term_warning_boundaries(started, expected):
    found = codes(facts(term_started_on=started)) & {"term_ending", "term_expired"}
    assert found == ({expected} if expected else set())


def test_each_warning_cites_its_source():
    for warning in org_warnings(facts(full_members=1, total_members=60, has_secretary=False,
                                      term_started_on=dt.date(2010, 1, 1)), TODAY):
        assert "条" in warning.source or "条例" in warning.source


def test_add_months_clamps_month_end():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_path_segments():
    assert encode_segment(1) == "0001"
    assert encode_segment(36) == "0010"
    assert decode_segment(encode_segment(123456)) == 123456
    with pytest.raises(ValueError):
        encode_segment(36**4)
