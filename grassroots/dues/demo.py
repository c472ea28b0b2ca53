"""Demo dues for the demo county (grassroots/core/modules.py): a base declaration for every member (category from
their occupation), the last eight months assessed, and payments with realistic arrears: most members paid every
month, some are one or two months behind, a few three to five, and a handful six or more (the review list).
Everything is set-based: one INSERT … SELECT for the declarations, the assessment service per month, payments
through bulk_insert (COPY on PostgreSQL) and one UPDATE linking months to their payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from grassroots.core.bulk import bulk_insert
from grassroots.core.paths import PATH_END
from grassroots.dues import rules, services
from grassroots.dues.models import (
    Assessment,
    AssessmentRun,
    Declaration,
    DuesMove,
    Payment,
    QuarterlyConsent,
    Reduction,
    Remittance,
)

MONTHS = 8
# Months behind at the demo's today, by share of members (per mille): most are paid up.
BEHIND = ((850, 0), (930, 1), (960, 2), (975, 3), (985, 4), (992, 5), (1000, 8))

DECLARE_SQL = """
INSERT INTO dues_declaration (created_at, updated_at, version, member_id, effective_month, until_month, category,
                              base, fixed_amount, note)
SELECT %(now)s, %(now)s, 1, m.id, %(month)s, NULL,
       CASE m.occupation WHEN 'farmer' THEN 'farmer' WHEN 'student' THEN 'student' WHEN 'retired' THEN 'retired'
                         WHEN 'other' THEN CASE WHEN m.id %% 3 = 0 THEN 'unemployed' ELSE 'self_employed' END
                         ELSE 'on_job' END,
       CASE WHEN m.occupation IN ('farmer', 'student') OR (m.occupation = 'other' AND m.id %% 3 = 0) THEN NULL
            WHEN m.occupation = 'retired' THEN 2600 + (m.id * 53 %% 380000) / 100.0
            ELSE 2200 + (m.id * 37 %% 1100000) / 100.0 END,
       CASE WHEN m.occupation = 'farmer' THEN CASE WHEN m.id %% 2 = 0 THEN 0.5 ELSE 1 END ELSE NULL END,
       '演示数据'
FROM members_member m
WHERE m.org_path >= %(lo)s AND m.org_path < %(hi)s AND m.state = 'active'
"""

# Each demo payment's key names its member and month; one UPDATE links the months to their payments.
LINK_SQL = {
    "postgresql": "UPDATE dues_assessment SET payment_id = (SELECT p.id FROM dues_payment p WHERE p.idempotency_key = "
                  "'demo-' || dues_assessment.member_id || '-' || to_char(dues_assessment.month, 'YYYYMM')) "
                  "WHERE org_path >= %s AND org_path < %s AND month >= %s AND payment_id IS NULL",
    "sqlite": "UPDATE dues_assessment SET payment_id = (SELECT p.id FROM dues_payment p WHERE p.idempotency_key = "
              "'demo-' || dues_assessment.member_id || '-' || strftime('%%Y%%m', dues_assessment.month)) "
              "WHERE org_path >= %s AND org_path < %s AND month >= %s AND payment_id IS NULL",
}


def _behind(member_id: int, salt: int) -> int:
    draw = (member_id * 2654435761 + salt) % 1000
    return next(months for limit, months in BEHIND if draw < limit)


def extend(ctx) -> None:
    today = ctx.today
    current = rules.month_start(today)
    first = rules.add_months(current, -(MONTHS - 1))
    lo, hi = ctx.root_path, ctx.root_path + PATH_END
    with connection.cursor() as cursor:
        cursor.execute(DECLARE_SQL, {"now": timezone.now(), "month": rules.month_start(dt.date(2000, 1, 1)),
                                     "lo": lo, "hi": hi})
    months = [rules.add_months(first, i) for i in range(MONTHS)]
    for month in months:
        services.assessments_generate(org_path=ctx.root_path, month=month)
    salt = ctx.rng.randrange(1000)
    rows = (Assessment.objects.filter(org_path__gte=lo, org_path__lt=hi, month__gte=first, amount__gt=0)
            .values_list("member_id", "month", "amount", "org_id", "org_path").order_by("member_id", "month"))
    now = timezone.now()
    payments = []
    for member_id, month, amount, org_id, org_path in rows.iterator(chunk_size=5000):
        behind = _behind(member_id, salt)
        if rules.months_between(month, current) < behind:
            continue
        paid_on = min(today, month + dt.timedelta(days=3 + member_id % 20))
        payments.append({
            "idempotency_key": f"demo-{member_id}-{month:%Y%m}", "member_id": member_id, "org_id": org_id,
            "org_path": org_path, "paid_on": paid_on, "months_amount": amount, "extra_amount": Decimal("0.00"),
            "total": amount, "month_labels": f"{month:%Y-%m}", "method": "cash", "payer_kind": "self",
            "payer_name": "", "quarterly": False, "back_pay_reason": "", "centre_one_off": False,
            "recorded_at": now,
        })
    bulk_insert(Payment, payments)
    with connection.cursor() as cursor:
        cursor.execute(LINK_SQL["postgresql" if connection.vendor == "postgresql" else "sqlite"], [lo, hi, first])
    declared = Declaration.objects.filter(member__org_path__gte=lo, member__org_path__lt=hi).count()
    assessed = Assessment.objects.filter(org_path__gte=lo, org_path__lt=hi).count()
    ctx.counts["dues"] = declared + assessed + len(payments)  # rows written
    ctx.log(f"  党费：基数申报 {declared:,} 人，{MONTHS} 个月核定 {assessed:,} 条，交纳 {len(payments):,} 笔")


def reset(prefix: str) -> None:
    hi = prefix + PATH_END
    Assessment.objects.filter(org_path__gte=prefix, org_path__lt=hi).delete()
    Assessment.objects.filter(member__org_path__gte=prefix, member__org_path__lt=hi).delete()
    Payment.objects.filter(member__org_path__gte=prefix, member__org_path__lt=hi).delete()
    Payment.objects.filter(org_path__gte=prefix, org_path__lt=hi).delete()
    for model in (Declaration, Reduction, QuarterlyConsent):
        model.objects.filter(member__org_path__gte=prefix, member__org_path__lt=hi).delete()
    DuesMove.objects.filter(from_org_path__gte=prefix, from_org_path__lt=hi).delete()
    AssessmentRun.objects.filter(org_path__gte=prefix, org_path__lt=hi).delete()
    Remittance.objects.filter(org_path__gte=prefix, org_path__lt=hi).delete()
