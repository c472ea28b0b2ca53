"""Set-based assessment: the SQL path agrees with the Python rule at every boundary, runs are idempotent, and a
member who moves mid-month is owed by one branch only."""

import datetime as dt
from decimal import Decimal as D

import pytest

from grassroots.core.testing.factories import make_member
from grassroots.dues import rules, services
from grassroots.dues.choices import Category
from grassroots.dues.models import Assessment, Reduction
from grassroots.dues.rules import SEED_BANDS
from grassroots.dues.tests.factories import assess, declare
from grassroots.dues.tests.test_rules import RETIRED_CASES, SALARY_CASES

pytestmark = pytest.mark.django_db
JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)


def test_sql_amounts_agree_with_the_python_rule_at_every_boundary(tree):
    cases = []
    for category in (Category.ON_THE_JOB, Category.ANNUAL_SALARY, Category.SELF_EMPLOYED):
        cases += [(category, base, None) for base, _ in SALARY_CASES]
    cases += [(Category.RETIRED, base, None) for base, _ in RETIRED_CASES]
    cases += [(Category.ON_THE_JOB, b, None) for b in ("1001.00", "1000.90", "5333.33", "1234.57", "7777.77")]
    cases += [(Category.FARMER, None, f) for f in ("0.19", "0.20", "0.55", "1.00", "1.01")]
    cases += [(c, None, None) for c in (Category.STUDENT, Category.UNEMPLOYED, Category.RELIEF)]
    members = []
    for category, base, fixed in cases:
        member = make_member(tree.village_a1)
        declare(member, base=base, category=category, month=JAN, fixed=fixed)
        members.append((member, category, base, fixed))
    assess(tree.county.path, JAN)
    got = dict(Assessment.objects.filter(month=JAN).values_list("member_id", "amount"))
    for member, category, base, fixed in members:
        expected = rules.monthly_amount(SEED_BANDS, category, D(base) if base else None, D(fixed) if fixed else None)
        assert got.get(member.pk) == expected, (category, base, fixed)


def test_running_a_month_twice_changes_nothing(tree):
    member = make_member(tree.village_a1)
    declare(member, base="3000.01")
    first = services.assessments_generate(org_path=tree.county.path, month=JAN)
    rows = list(Assessment.objects.values_list("pk", "member_id", "month", "amount", "org_path"))
    second = services.assessments_generate(org_path=tree.county.path, month=JAN)
    assert first["created"] == 1 and second["created"] == 0
    assert list(Assessment.objects.values_list("pk", "member_id", "month", "amount", "org_path")) == rows
    assert rows[0][3] == D("30.00")


def test_dues_start_in_the_admission_month_and_stop_after_leaving(tree):
    newcomer = make_member(tree.village_a1, status="probationary", joined_on=dt.date(2026, 2, 20), confirmed_on=None)
    declare(newcomer, month=FEB, category=Category.STUDENT, base=None)
    assess(tree.county.path, JAN, FEB)
    assert list(Assessment.objects.filter(member=newcomer).values_list("month", flat=True)) == [FEB]


def test_members_without_a_declaration_are_counted_not_assessed(tree):
    make_member(tree.village_a1)
    from grassroots.dues.selectors import assessment_coverage

    assess(tree.county.path, JAN)
    assert assessment_coverage(tree.county.path, JAN) == {"assessed": 0, "undeclared": 1}


def test_a_new_base_applies_from_its_month(tree):
    member = make_member(tree.village_a1)
    declare(member, base="3000.00", month=JAN)
    declare(member, base="6000.00", month=FEB)
    assess(tree.county.path, JAN, FEB)
    assert dict(Assessment.objects.values_list("month", "amount")) == {JAN: D("15.00"), FEB: D("90.00")}


def test_only_the_subtree_is_assessed(tree):
    a = make_member(tree.village_a1)
    b = make_member(tree.village_b1)
    declare(a)
    declare(b)
    assess(tree.town_a.path, JAN)
    assert list(Assessment.objects.values_list("member_id", flat=True)) == [a.pk]


def test_mid_month_transfer_one_branch_owes(tree):
    """The branch the member belonged to on the 1st owes the month (第九条), wherever the run is made from."""
    member = make_member(tree.village_a1)
    declare(member)
    assess(tree.county.path, JAN)
    # moved on 15 Feb, before February was assessed: February stays with the old branch
    moved = dt.date(2026, 2, 15)
    services.follow_transfer(member=member, from_org=tree.village_a1, to_org=tree.village_b1, on=moved)
    member.org, member.org_path = tree.village_b1, tree.village_b1.path
    type(member).objects.filter(pk=member.pk).update(org=tree.village_b1, org_path=tree.village_b1.path)
    assess(tree.town_b.path, FEB)  # the new branch's run does not take February
    assess(tree.town_a.path, FEB)
    assess(tree.county.path, FEB, dt.date(2026, 3, 1))
    rows = dict(Assessment.objects.filter(member=member).values_list("month", "org_id"))
    assert rows == {JAN: tree.village_a1.pk, FEB: tree.village_a1.pk, dt.date(2026, 3, 1): tree.village_b1.pk}


def test_unpaid_months_after_the_move_follow_the_member(tree):
    member = make_member(tree.village_a1)
    declare(member)
    assess(tree.county.path, JAN, FEB)
    services.follow_transfer(member=member, from_org=tree.village_a1, to_org=tree.village_b1, on=dt.date(2026, 2, 1))
    rows = dict(Assessment.objects.filter(member=member).values_list("month", "org_id"))
    assert rows == {JAN: tree.village_a1.pk, FEB: tree.village_b1.pk}


def test_the_transfer_signal_moves_the_rows(tree):
    from grassroots.lifecycle.signals import member_transferred

    member = make_member(tree.village_a1)
    declare(member)
    assess(tree.county.path, JAN, FEB)
    member_transferred.send(sender=None, member=member, from_org=tree.village_a1, to_org=tree.village_b1,
                            on=dt.date(2026, 2, 1), actor=None)
    assert Assessment.objects.get(member=member, month=FEB).org_id == tree.village_b1.pk


def test_an_approved_reduction_lowers_the_months_it_covers(tree):
    member = make_member(tree.village_a1)
    declare(member, base="8000.00")
    Reduction.objects.create(member=member, org=tree.village_a1, kind="reduce", amount=D("10.00"), from_month=FEB,
                             to_month=FEB, reason="病", studied_on=JAN, state="approved", approved_on=JAN)
    Reduction.objects.create(member=member, org=tree.village_a1, kind="waive", from_month=dt.date(2026, 3, 1),
                             to_month=dt.date(2026, 3, 1), reason="病", studied_on=JAN, state="pending")
    assess(tree.county.path, JAN, FEB, dt.date(2026, 3, 1))
    rows = {a.month: (a.standard, a.amount) for a in Assessment.objects.filter(member=member)}
    assert rows[JAN] == (D("120.00"), D("120.00"))
    assert rows[FEB] == (D("120.00"), D("10.00"))
    assert rows[dt.date(2026, 3, 1)] == (D("120.00"), D("120.00"))  # pending: not applied


def test_a_province_schedule_applies_in_its_subtree_from_its_date(tree, org_admin):
    from grassroots.dues.rules import Band

    bands = [Band(Category.STUDENT, "fixed", "地方规定", fixed=D("0.50")),
             *[b for b in SEED_BANDS if b.category != Category.STUDENT]]
    services.RateSchedule.objects.create(name="x", scope_path=tree.town_a.path, effective_from=FEB, decision_ref="x")
    schedule = services.RateSchedule.objects.get(scope_path=tree.town_a.path)
    services.RateBand.objects.bulk_create([
        services.RateBand(schedule=schedule, position=i, category=b.category, kind=b.kind, lower=b.lower,
                          upper=b.upper, rate=b.rate, fixed=b.fixed, fixed_min=b.fixed_min, fixed_max=b.fixed_max,
                          source=b.source) for i, b in enumerate(bands)])
    a = make_member(tree.village_a1)
    b = make_member(tree.village_b1)
    declare(a, base=None, category=Category.STUDENT)
    declare(b, base=None, category=Category.STUDENT)
    assess(tree.county.path, JAN, FEB)
    rows = {(x.member_id, x.month): (x.amount, x.schedule_id) for x in Assessment.objects.all()}
    national = services.schedule_for("", JAN).pk
    assert rows[(a.pk, JAN)] == (D("0.20"), national)
    assert rows[(a.pk, FEB)] == (D("0.50"), schedule.pk)
    assert rows[(b.pk, FEB)] == (D("0.20"), national)


def test_a_month_is_built_whole_then_added_to(tree, vendor):
    """PostgreSQL: the first run of a month builds its partition (CREATE TABLE … AS, indexed, attached); later
    runs of the month insert into it. Either way the counts, keys and idempotency hold on both engines."""
    from django.db import connection

    a = make_member(tree.village_a1)
    b = make_member(tree.village_b1)
    declare(a)
    declare(b)
    assert services.assessments_generate(org_path=tree.town_a.path, month=JAN) == {"created": 1}
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits "
                           "WHERE inhparent = 'dues_assessment'::regclass")
            assert [name for (name,) in cursor.fetchall()] == ["dues_assessment_m202601"]
    assert services.assessments_generate(org_path="", month=JAN) == {"created": 1}
    assert services.assessments_generate(org_path="", month=JAN) == {"created": 0}
    assert services.assessments_generate(org_path="", month=FEB) == {"created": 2}
    rows = list(Assessment.objects.order_by("month", "member_id").values_list("pk", "member_id", "month", "amount"))
    assert [(m, month, amount) for _pk, m, month, amount in rows] == [
        (a.pk, JAN, D("35.00")), (b.pk, JAN, D("35.00")), (a.pk, FEB, D("35.00")), (b.pk, FEB, D("35.00"))]
    assert len({pk for pk, *_ in rows}) == 4
    Assessment.objects.filter(pk=rows[0][0]).update(amount=D("1.00"))  # a key lookup reaches the partition
    assert Assessment.objects.get(pk=rows[0][0]).amount == D("1.00")
