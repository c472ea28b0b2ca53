"""Dues writes: declarations, payments (idempotency, proxies, back-payment, one-offs, concurrency), reductions and
remittance approved only from above, the arrears clock and the self-withdrawal review provider."""

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from django.db import close_old_connections, connection

from grassroots.access.roles import Role
from grassroots.core.errors import DomainError, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_member, make_user
from grassroots.dues import selectors, services
from grassroots.dues.choices import Category
from grassroots.dues.models import Assessment, Declaration, Payment
from grassroots.dues.tests.factories import assess, declare, key
from grassroots.lifecycle.review import review_cases, transfer_facts

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 8, 10)


def months(*numbers):
    return [dt.date(2026, n, 1) for n in numbers]


@pytest.fixture
def member(tree):
    m = make_member(tree.village_a1, joined_on=dt.date(2020, 1, 1), confirmed_on=dt.date(2021, 1, 1))
    declare(m, base="3000.01")  # 30.00 a month
    assess(tree.county.path, *months(1, 2, 3, 4, 5, 6, 7, 8))
    return m


def pay(actor, member, *nums, **kw):
    return services.payment_record(actor=actor, member=member, idempotency_key=kw.pop("idem", key()),
                                   months=months(*nums), paid_on=kw.pop("paid_on", TODAY), today=TODAY, **kw)


def test_declaration_is_scoped_validated_audited_and_reassesses_unpaid_months(tree, secretary_a1, member):
    pay(secretary_a1, member, 2, 3, 4, 5, 6)
    services.declaration_create(actor=secretary_a1, member=member, category=Category.ON_THE_JOB,
                                effective_month=dt.date(2026, 6, 1), base="6000")
    amounts = dict(Assessment.objects.filter(member=member).values_list("month", "amount"))
    assert amounts[dt.date(2026, 6, 1)] == D("30.00")  # paid: kept
    assert amounts[dt.date(2026, 7, 1)] == D("90.00")  # unpaid: the new base applies
    event = AuditEvent.objects.filter(verb="dues.declaration.create").latest("id")
    assert event.changes["base"] == [None, "***"] and "6000" not in str(event.changes)
    with pytest.raises(ValidationFailed) as err:
        services.declaration_create(actor=secretary_a1, member=member, category=Category.ON_THE_JOB,
                                    effective_month=dt.date(2026, 6, 1), base="12.345")
    assert "base" in err.value.errors


def test_declaration_outside_scope_is_refused(tree, member):
    other = make_user("sec_b1", Role.SECRETARY, tree.village_b1)
    with pytest.raises(PermissionRefused):
        services.declaration_create(actor=other, member=member, category=Category.STUDENT,
                                    effective_month=dt.date(2026, 1, 1))
    assert Declaration.objects.filter(member=member).count() == 1


def test_self_employed_base_from_the_quarter(tree, secretary_a1, member):
    d = services.declaration_create(actor=secretary_a1, member=member, category=Category.SELF_EMPLOYED,
                                    effective_month=dt.date(2026, 7, 1), quarter_incomes=["4000", "5000", "6000"])
    assert d.base == D("5000.00")


def test_payment_marks_the_months_and_the_same_key_records_one_payment(secretary_a1, member):
    idem = key()
    first = pay(secretary_a1, member, 7, 8, idem=idem)
    again = pay(secretary_a1, member, 7, 8, idem=idem)
    assert first.pk == again.pk and Payment.objects.count() == 1
    assert first.months_amount == D("60.00") and first.total == D("60.00")
    assert set(Assessment.objects.filter(payment=first).values_list("month", flat=True)) == set(months(7, 8))
    with pytest.raises(ValidationFailed) as err:  # already paid
        pay(secretary_a1, member, 8)
    assert "months" in err.value.errors


def test_no_advance_and_back_payment_beyond_six_months_needs_a_reason(tree, secretary_a1, member):
    assess(tree.county.path, dt.date(2026, 9, 1))
    with pytest.raises(ValidationFailed):
        pay(secretary_a1, member, 9)  # September is not due on 10 August
    with pytest.raises(ValidationFailed) as err:
        pay(secretary_a1, member, 1)
    assert "back_pay_reason" in err.value.errors
    payment = pay(secretary_a1, member, 1, back_pay_reason="外出务工，返乡后补交")
    assert payment.back_pay_reason


def test_proxy_payments_and_no_organization_payer(tree, secretary_a1, member):
    relative = pay(secretary_a1, member, 8, payer_kind="relative", payer_name="张某（配偶）")
    assert relative.payer_kind == "relative"
    with pytest.raises(ValidationFailed) as err:
        pay(secretary_a1, member, 7, payer_kind="relative")
    assert "payer_name" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        pay(secretary_a1, member, 7, payer_kind="organization")  # 第十四条: no 垫交 or 扣缴
    assert "payer_kind" in err.value.errors
    other = make_member(tree.village_a1)
    proxy = pay(secretary_a1, member, 7, payer_kind="member", payer_member=other)
    assert proxy.payer_member_id == other.pk


def test_voluntary_one_off_of_a_thousand_is_flagged_for_the_centre(secretary_a1, member):
    small = pay(secretary_a1, member, extra_amount="999.99")
    big = pay(secretary_a1, member, extra_amount="1000")
    assert not small.centre_one_off and big.centre_one_off and big.month_labels == ""
    totals = selectors.paid_in_year(member.org_path, 2026)
    assert totals == {"ordinary": D("999.99"), "centre_one_offs": D("1000.00")}


def test_clerk_records_payments_but_cannot_reveal(tree, clerk_a, member):
    assert pay(clerk_a, member, 8).pk
    with pytest.raises(PermissionRefused):
        services.amounts_reveal(actor=clerk_a, org_path=member.org_path, reason="x", member=member)


def test_reduction_needs_approval_from_above_not_the_branch(tree, secretary_a1, member):
    reduction = services.reduction_request(actor=secretary_a1, member=member, kind="reduce", amount="5",
                                           from_month=dt.date(2026, 7, 1), to_month=dt.date(2026, 8, 1),
                                           reason="因病住院", studied_on=dt.date(2026, 7, 3))
    with pytest.raises(PermissionRefused):  # the branch's own secretary holds dues.approve at the branch only
        services.reduction_decide(actor=secretary_a1, reduction=reduction, approve=True,
                                  decided_on=dt.date(2026, 7, 10))
    town = make_user("sec_town_a", Role.SECRETARY, tree.town_a)
    decided = services.reduction_decide(actor=town, reduction=reduction, approve=True,
                                        decided_on=dt.date(2026, 7, 10), decision_ref="甲镇党委会议")
    assert decided.state == "approved" and decided.approved_by_org_id == tree.town_a.pk
    amounts = dict(Assessment.objects.filter(member=member).values_list("month", "amount"))
    assert amounts[dt.date(2026, 7, 1)] == D("5.00") and amounts[dt.date(2026, 6, 1)] == D("30.00")
    with pytest.raises(DomainError):
        services.reduction_decide(actor=town, reduction=reduction, approve=True, decided_on=dt.date(2026, 7, 10))


def test_remittance_five_percent_approved_above(tree, secretary_a1, member):
    pay(secretary_a1, member, 7, 8, extra_amount="1000", paid_on=dt.date(2026, 8, 1))
    remittance = services.remittance_submit(actor=secretary_a1, org=tree.village_a1, year=2026,
                                            today=dt.date(2027, 1, 5))
    assert (remittance.paid_total, remittance.share, remittance.centre_one_offs) == (D("60.00"), D("3.00"),
                                                                                      D("1000.00"))
    with pytest.raises(PermissionRefused):
        services.remittance_approve(actor=secretary_a1, remittance=remittance, version=remittance.version)
    town = make_user("sec_town_a2", Role.SECRETARY, tree.town_a)
    assert services.remittance_approve(actor=town, remittance=remittance, version=1).state == "approved"
    with pytest.raises(ValidationFailed):
        services.remittance_submit(actor=secretary_a1, org=tree.village_a1, year=2027, today=dt.date(2027, 1, 5))


def test_arrears_clock_warns_and_lists_six_months_for_review_without_changing_status(tree, secretary_a1, member):
    pay(secretary_a1, member, 1, back_pay_reason="外出")  # February to July unpaid before August
    rows = selectors.arrears(tree.county.path, TODAY)
    assert [(r.member_id, r.count, r.level) for r in rows] == [(member.pk, 6, "review")]
    assert rows[0].amount == D("180.00") and rows[0].months == tuple(months(2, 3, 4, 5, 6, 7))
    cases = review_cases(tree.county.path, TODAY)
    assert [c.member_id for c in cases if c.ground == "dues"] == [member.pk]
    assert "2026-02至2026-07连续6个月" in cases[0].evidence and cases[0].amount == D("180.00")
    member.refresh_from_db()
    assert member.state == "active"
    pay(secretary_a1, member, 4)  # a paid month ends the run: May to July = 3 → warning only
    rows = selectors.arrears(tree.county.path, TODAY)
    assert [(r.count, r.level) for r in rows] == [(3, "warning")]
    assert review_cases(tree.county.path, TODAY) == []


def test_waived_months_do_not_count_as_arrears(tree, member):
    Assessment.objects.filter(member=member, month__in=months(5, 6)).update(amount=0)
    rows = selectors.arrears(tree.county.path, TODAY, min_months=1)
    assert rows[0].months == tuple(months(7))


def test_quarterly_consent_holds_the_clock_for_the_current_quarter(tree, secretary_a1, member):
    pay(secretary_a1, member, 1, 2, 3, 4, 5, 6, back_pay_reason="x")
    assert selectors.arrears(tree.county.path, dt.date(2026, 9, 10), min_months=1)[0].count == 2  # Jul, Aug
    services.quarterly_consent_record(actor=secretary_a1, member=member, consented_on=dt.date(2026, 7, 1),
                                      from_month=dt.date(2026, 7, 1), reason="长期外出")
    assert selectors.arrears(tree.county.path, dt.date(2026, 9, 10), min_months=1) == []


def test_transfer_facts_name_the_month_paid_through(secretary_a1, member):
    assert transfer_facts(member) == {"党费交至": "未交纳"}
    pay(secretary_a1, member, 1, 2, 3, back_pay_reason="外出")
    pay(secretary_a1, member, 5)
    assert transfer_facts(member) == {"党费交至": "2026-03"}


def test_assessment_run_task_is_recorded_with_counts(tree, secretary_a1, member, django_capture_on_commit_callbacks):
    make_member(tree.village_a1)  # no declaration
    with django_capture_on_commit_callbacks(execute=True):
        run = services.assessment_run_request(actor=secretary_a1, org=tree.village_a1, month=dt.date(2026, 8, 1))
    run.refresh_from_db()
    assert (run.state, run.created, run.existing, run.undeclared) == ("done", 0, 1, 1)
    with pytest.raises(PermissionRefused):
        services.assessment_run_request(actor=secretary_a1, org=tree.village_b1, month=dt.date(2026, 8, 1))


@pytest.mark.django_db(transaction=True)
def test_two_threads_with_one_key_record_one_payment(tree):
    """A double click arriving twice at once: both calls return the same payment; one row, months paid once."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite in-memory test databases are not shared between threads; runs on PostgreSQL")
    admin = make_user("conc_admin", Role.ORG_ADMIN, tree.county)
    member = make_member(tree.village_a1, actor=admin)
    declare(member)
    assess(tree.county.path, dt.date(2026, 8, 1))
    idem, barrier, results, errors = key(), threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            results.append(services.payment_record(actor=admin, member=member, idempotency_key=idem,
                                                   months=[dt.date(2026, 8, 1)], paid_on=TODAY, today=TODAY).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 2 and results[0] == results[1]
    assert Payment.objects.count() == 1
    assert Assessment.objects.get(member=member).payment_id == results[0]


@pytest.mark.django_db(transaction=True)
def test_two_threads_with_different_keys_cannot_pay_one_month_twice(tree):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite in-memory test databases are not shared between threads; runs on PostgreSQL")
    admin = make_user("conc_admin2", Role.ORG_ADMIN, tree.county)
    member = make_member(tree.village_a1, actor=admin)
    declare(member)
    assess(tree.county.path, dt.date(2026, 8, 1))
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            services.payment_record(actor=admin, member=member, idempotency_key=key(),
                                    months=[dt.date(2026, 8, 1)], paid_on=TODAY, today=TODAY)
            results.append("paid")
        except ValidationFailed:
            results.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["paid", "refused"] and Payment.objects.count() == 1
