"""The meeting tally folded by the write path, its set-based rebuild, and the scan and board that read it."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grassroots.core.testing.factories import make_member
from grassroots.dashboards.services import rollups_rebuild
from grassroots.orglife import rules, selectors, services
from grassroots.orglife.models import ComplianceStatus, MeetingTally
from grassroots.orglife.tests.factories import branch_members, record
from grassroots.orgs.models import PartyGroup

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)


def _tally():
    return sorted(MeetingTally.objects.values_list("org_id", "tenant", "month", "kind", "group_key", "held"))


@pytest.fixture
def groups(tree, org_admin):
    branch_members(tree.village_a1, org_admin, 8)
    first = PartyGroup.objects.create(org=tree.village_a1, name="第一党小组")
    second = PartyGroup.objects.create(org=tree.village_a1, name="第二党小组")
    for group in (first, second):
        make_member(tree.village_a1, actor=org_admin, party_group=group)
    make_member(tree.village_a2, actor=org_admin)
    return first, second


def test_folds_of_every_meeting_write_agree_with_the_rebuild(tree, secretary_a1, org_admin, groups):
    first, second = groups
    a1, tenant = tree.village_a1, tree.county.path[:4]
    march, april = dt.date(2026, 3, 10), dt.date(2026, 4, 8)
    moved = record(secretary_a1, a1, kind="theme_day", day=march)
    rekinded = record(secretary_a1, a1, kind="theme_day", day=dt.date(2026, 3, 20))
    record(secretary_a1, a1, kind="group_meeting", day=april, group=first)
    regrouped = record(secretary_a1, a1, kind="group_meeting", day=dt.date(2026, 4, 20), group=first)
    record(org_admin, tree.village_a2, kind="theme_day", day=march)
    planned = services.meeting_plan(actor=secretary_a1, org=a1, kind="general_meeting", date=dt.date(2026, 5, 6),
                                    topic="党员大会", today=dt.date(2026, 5, 1))
    dropped = services.meeting_plan(actor=secretary_a1, org=a1, kind="theme_day", date=dt.date(2026, 6, 6),
                                    topic="主题党日", today=dt.date(2026, 5, 1))
    assert (a1.pk, tenant, dt.date(2026, 3, 1), "theme_day", 0, 2) in _tally()
    assert not MeetingTally.objects.filter(month=dt.date(2026, 5, 1)).exists()  # planned meetings do not count

    record(secretary_a1, a1, kind="general_meeting", meeting=planned, version=planned.version,
           day=dt.date(2026, 5, 6))  # planned → held
    record(secretary_a1, a1, kind="theme_day", meeting=moved, version=moved.version, day=dt.date(2026, 2, 12))
    record(secretary_a1, a1, kind="general_meeting", meeting=rekinded, version=rekinded.version,
           day=dt.date(2026, 3, 20))
    record(secretary_a1, a1, kind="group_meeting", meeting=regrouped, version=regrouped.version,
           day=dt.date(2026, 4, 20), group=second)
    services.meeting_cancel(actor=secretary_a1, meeting=dropped, version=dropped.version, reason="暴雨")

    folded = _tally()
    assert folded == [
        (a1.pk, tenant, dt.date(2026, 2, 1), "theme_day", 0, 1),
        (a1.pk, tenant, dt.date(2026, 3, 1), "general_meeting", 0, 1),
        (a1.pk, tenant, dt.date(2026, 4, 1), "group_meeting", first.pk, 1),
        (a1.pk, tenant, dt.date(2026, 4, 1), "group_meeting", second.pk, 1),
        (a1.pk, tenant, dt.date(2026, 5, 1), "general_meeting", 0, 1),
        (tree.village_a2.pk, tenant, dt.date(2026, 3, 1), "theme_day", 0, 1),
    ]  # the March theme-day cell fell to 0 and is gone, as the rebuild writes no empty rows
    assert services.tally_rebuild(tenant) == len(folded)
    assert _tally() == folded


def test_a_failed_write_leaves_the_tally_untouched(tree, secretary_a1, groups):
    meeting = record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, 3, 10))
    before = _tally()
    from grassroots.core.errors import ConcurrentEdit

    with pytest.raises(ConcurrentEdit):
        record(secretary_a1, tree.village_a1, kind="theme_day", meeting=meeting, version=meeting.version - 1,
               day=dt.date(2026, 4, 10))
    assert _tally() == before


def test_the_scan_reads_the_tally_and_counts_each_group_once(tree, secretary_a1, groups):
    first, _second = groups
    tenant, april = tree.county.path[:4], dt.date(2026, 4, 1)
    rollups_rebuild(tenant)
    record(secretary_a1, tree.village_a1, kind="group_meeting", day=dt.date(2026, 4, 8), group=first)
    record(secretary_a1, tree.village_a1, kind="group_meeting", day=dt.date(2026, 4, 22), group=first)
    record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, 4, 9))
    record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, 4, 19))
    with CaptureQueriesContext(connection) as queries:
        services.compliance_rebuild(tenant, april, today=TODAY)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "orglife_meetingtally" in sql
    assert not re.search(r"orglife_meeting\b", sql)  # never the meetings themselves
    row = ComplianceStatus.objects.get(org=tree.village_a1, month=april)
    cells = rules.decode_status(row.states, row.held, row.required)
    assert cells["group_monthly"] == ("missed", 1, 2)  # two meetings of one group: one of two groups met
    assert cells["theme_day_monthly"] == ("met", 2, 1)
    assert cells["committee_monthly"] == ("missed", 0, 1)


def test_the_board_year_totals_from_one_month_equal_the_sum_over_the_months(tree, secretary_a1, org_admin, groups):
    first, _second = groups
    tenant = tree.county.path[:4]
    rollups_rebuild(tenant)
    for month in (1, 2, 4, 7, 8):
        record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, month, 10))
    for month in (3, 9):
        record(secretary_a1, tree.village_a1, kind="group_meeting", day=dt.date(2026, month, 10), group=first)
    record(secretary_a1, tree.village_a1, kind="general_meeting", day=dt.date(2026, 5, 10))
    record(org_admin, tree.village_a2, kind="theme_day", day=dt.date(2026, 6, 10))
    services.compliance_rebuild_year(tenant, 2026, today=TODAY)
    october = dt.date(2026, 10, 1)

    expected = Counter()
    for states, held, required in ComplianceStatus.objects.filter(month__lte=october).values_list(
            "states", "held", "required"):
        for code, (state, _n, _req) in rules.decode_status(states, held, required).items():
            expected[code] += state == "missed"
    board = selectors.compliance_board(org_admin, tree.county, october)
    assert board.year_missed == {rule.code: expected[rule.code] for rule in selectors.active_rules()}
    assert board.year_missed["theme_day_monthly"] == 5 + 9 + 10  # to October: a1 missed 5 months, a2 9, b1 all 10
    # January starts afresh: its rows carry that month only
    january = selectors.compliance_board(org_admin, tree.county, dt.date(2026, 1, 1))
    assert january.year_missed["theme_day_monthly"] == 2  # a2 and b1
    # a secretary of a1 sums a1's own row only
    mine = selectors.compliance_board(secretary_a1, tree.county, october)
    assert mine.year_missed["theme_day_monthly"] == 5


def test_a_subtree_rebuild_rewrites_its_branches_only(tree, secretary_a1, org_admin, groups):
    tenant, march = tree.county.path[:4], dt.date(2026, 3, 1)
    rollups_rebuild(tenant)
    assert services.compliance_rebuild(tenant, march, today=TODAY) == 3
    record(secretary_a1, tree.village_a1, kind="theme_day", day=dt.date(2026, 3, 10))
    record(org_admin, tree.village_b1, kind="theme_day", day=dt.date(2026, 3, 10), attendance=[])
    assert services.compliance_rebuild(tenant, march, today=TODAY, prefix=tree.town_a.path) == 2

    def theme_day(org):
        row = ComplianceStatus.objects.get(org=org, month=march)
        return rules.decode_status(row.states, row.held, row.required)["theme_day_monthly"]

    assert theme_day(tree.village_a1) == ("met", 1, 1)
    assert theme_day(tree.village_b1) == ("missed", 0, 1)  # outside the subtree: not rebuilt yet
    with pytest.raises(ValueError):
        services.compliance_rebuild(tenant, march, prefix="9999")
