"""Time one month's dues assessment for every member (PERFORMANCE.md law 9: 10 M members in ≤ 60 s, so
≥ 170 k members/s), then the same month again (idempotent: nothing inserted).

    .venv/bin/python bench/load.py --members 1000000 --orgs 50000 --fresh --database-url postgres://…/gr_dues_bench
    .venv/bin/python bench/bench_dues.py --database-url postgres://postgres@127.0.0.1:5432/gr_dues_bench

It clears the dues tables, declares a base for every member set-based (one INSERT … SELECT: categories and
bases spread by member id, farmers with a branch amount), runs ANALYZE, then times
dues.services.assessments_generate for the whole database (org_path "") and a second run of the same month.
"""

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import common

DECLARE_SQL = """
INSERT INTO dues_declaration (created_at, updated_at, version, member_id, effective_month, until_month, category, base,
                              fixed_amount, note)
SELECT %(now)s, %(now)s, 1, m.id, %(month)s, NULL,
       CASE m.id %% 10 WHEN 0 THEN 'retired' WHEN 1 THEN 'retired' WHEN 2 THEN 'farmer' WHEN 3 THEN 'farmer'
                       WHEN 4 THEN 'student' WHEN 5 THEN 'self_employed' WHEN 6 THEN 'annual_salary'
                       ELSE 'on_job' END,
       CASE WHEN m.id %% 10 IN (2, 3, 4) THEN NULL ELSE 1500 + (m.id * 37 %% 1500000) / 100.0 END,
       CASE WHEN m.id %% 10 IN (2, 3) THEN 0.5 ELSE NULL END, ''
FROM members_member m
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--month", default="2026-10")
    args = parser.parse_args()
    url = common.setup(args.database_url)

    from django.db import connection, transaction
    from django.utils import timezone

    from grassroots.dues import rules, services
    from grassroots.members.models import Member

    month = rules.parse_month(args.month)
    members = Member.objects.count()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE dues_assessment, dues_declaration")
            # the months' partitions too, so the first run builds the month's partition as a real first run does
            cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'dues_assessment'::regclass")
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TABLE {name}")
        else:
            cursor.execute("DELETE FROM dues_assessment")
            cursor.execute("DELETE FROM dues_declaration")
    step = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(DECLARE_SQL, {"now": timezone.now(), "month": month})
        declared = cursor.rowcount
    declare_seconds = time.perf_counter() - step
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dues_declaration")
            cursor.execute("VACUUM ANALYZE dues_assessment")
    print(f"declared {declared:,} bases in {declare_seconds:.1f}s")

    step = time.perf_counter()
    first = services.assessments_generate(org_path="", month=month)
    first_seconds = time.perf_counter() - step
    rate = first["created"] / first_seconds if first_seconds else 0
    print(f"assessed {first['created']:,} of {members:,} members for {month:%Y-%m} in {first_seconds:.2f}s: "
          f"{rate:,.0f} members/s (target ≥ 170,000/s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dues_assessment")
    step = time.perf_counter()
    second = services.assessments_generate(org_path="", month=month)
    second_seconds = time.perf_counter() - step
    print(f"second run of the same month: {second['created']:,} inserted in {second_seconds:.2f}s (idempotent)")
    from django.db.models import Count, Sum

    from grassroots.dues.models import Assessment

    totals = Assessment.objects.filter(month=month).aggregate(n=Count("id"), due=Sum("amount"))
    summary = {
        "vendor": connection.vendor, "members": members, "declared": declared,
        "declare_seconds": round(declare_seconds, 2), "assess_seconds": round(first_seconds, 2),
        "members_per_second": round(rate), "second_run_seconds": round(second_seconds, 2),
        "second_run_inserted": second["created"], "rows": totals["n"], "due": str(totals["due"]),
        "month": f"{month:%Y-%m}", "url": url.rsplit("@", 1)[-1], "at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"dues-{connection.vendor}-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
