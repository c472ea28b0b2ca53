"""Organizational-life compliance on the loaded bench database (bench/load.py first; PostgreSQL).

    .venv/bin/python bench/bench_orglife.py --database-url postgres://postgres@127.0.0.1:5432/gr_orglife_bench

Generates a year of held meetings set-based the first time (one INSERT … SELECT per meeting kind over every
branch; a deterministic hash decides which branch holds which meeting in which month, so some branches comply
and some do not) and fills the meeting tally from them (`orglife.services.tally_rebuild`, set-based), then
times, after 3 warm-up runs, --runs calls of:
- the compliance scan: `orglife.services.compliance_rebuild(tenant, month)`, the set-based rebuild of one month
  for one county (every branch × every rule, from the tally), which is what the target (≤ 200 ms per county)
  is about;
- the same scan for one subtree of typical county size (`prefix=`, the township or lower unit whose branch
  count is nearest TYPICAL_BRANCHES): the tier-M dataset is a single county some 30 times a typical one;
- the board read: `orglife.selectors.compliance_board(county_admin, county, month)`, which reads the
  pre-aggregated rows (summary per rule, year totals, the first page of branches with something missing).
It prints p50/p95 in milliseconds, the ratio of p95 to the target, the rows and the branches per county.
"""

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

import common

TARGET_MS = 200.0
YEAR = 2026
# 4.61 M branches over about 2,800 county-level units (PERFORMANCE.md): a typical county has ~1,600 branches.
TYPICAL_BRANCHES = 1600

# (kind, share of branch-months that hold it in percent, months) — months: which months of the year it falls in.
PLAN = (
    ("theme_day", 88, range(1, 12)),
    ("committee_meeting", 80, range(1, 12)),
    ("general_meeting", 90, (2, 5, 8, 11)),
    ("party_lecture", 60, (3, 9)),
    ("org_life_meeting", 70, (1,)),
    ("appraisal", 70, (1,)),
    ("heart_talk", 75, (6,)),
)


def generate(tenant: str) -> int:
    """Held meetings for YEAR, set-based on PostgreSQL: one statement per kind, plus group meetings per group."""
    from django.db import connection

    columns = ("created_at, updated_at, version, org_id, org_path, tenant, kind, status, date, place, topic, agenda, "
               "minutes, resolutions, expected_count, present_count, voting_expected, voting_present, guest_count, "
               "vote_subject, party_group_id")
    written = 0
    with connection.cursor() as cursor:
        for kind, share, months in PLAN:
            cursor.execute(
                f"INSERT INTO orglife_meeting ({columns}) "
                "SELECT now(), now(), 1, o.id, o.path, %s, %s, 'held', make_date(%s, m, (1 + (o.id + m) %% 27)::int), "
                "'党员活动室', '学习贯彻', '', '', '', 0, 0, 0, 0, 0, '', NULL "
                "FROM orgs_organization o CROSS JOIN unnest(%s::int[]) AS m "
                "WHERE o.path >= %s AND o.path < %s AND o.kind = 'branch' "
                "AND abs(hashtext(o.id::text || %s || m::text)) %% 100 < %s",
                [tenant, kind, YEAR, list(months), tenant, tenant + "~", kind, share],
            )
            written += cursor.rowcount
        cursor.execute(
            f"INSERT INTO orglife_meeting ({columns}) "
            "SELECT now(), now(), 1, o.id, o.path, %s, 'group_meeting', 'held', make_date(%s, m, (1 + (g.id + m) %% 27)::int), "
            "'', '党小组学习', '', '', '', 0, 0, 0, 0, 0, '', g.id "
            "FROM orgs_partygroup g JOIN orgs_organization o ON o.id = g.org_id CROSS JOIN generate_series(1, 11) m "
            "WHERE o.path >= %s AND o.path < %s AND abs(hashtext(g.id::text || 'g' || m::text)) %% 100 < 75",
            [tenant, YEAR, tenant, tenant + "~"],
        )
        written += cursor.rowcount
        cursor.execute("ANALYZE orglife_meeting")
    return written


def typical_subtree(tenant: str) -> tuple[str, int]:
    """The path prefix below the county whose branch count is nearest TYPICAL_BRANCHES, and that count."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from grassroots.orgs.models import PATH_STEP, Organization

    best = ("", 0)
    for length in range(2 * PATH_STEP, 6 * PATH_STEP, PATH_STEP):
        counts = (Organization.objects.filter(path__startswith=tenant, kind="branch", status="active")
                  .annotate(prefix=Substr("path", 1, length)).values("prefix").annotate(n=Count("id"))
                  .values_list("prefix", "n").order_by())
        for prefix, n in counts:
            if len(prefix) == length and abs(n - TYPICAL_BRANCHES) < abs(best[1] - TYPICAL_BRANCHES):
                best = (prefix, n)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--month", default=f"{YEAR}-10")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    runs = max(30, args.runs)
    common.setup(args.database_url)

    from django.db import connection

    from grassroots.access.models import User
    from grassroots.access.roles import Role
    from grassroots.access.scoping import forget_grants
    from grassroots.orglife import selectors, services
    from grassroots.orglife.models import ComplianceStatus, Meeting, MeetingTally
    from grassroots.orgs.models import Organization

    if connection.vendor != "postgresql":
        raise SystemExit("bench_orglife generates meetings with PostgreSQL SQL; use a postgres:// URL")
    county = Organization.objects.filter(depth=1).order_by("path").first()
    if county is None:
        raise SystemExit("no organizations: run bench/load.py first")
    tenant = county.path[:4]
    branches = Organization.objects.filter(path__startswith=tenant, kind="branch").count()
    if not Meeting.objects.filter(tenant=tenant).exists():
        started = time.perf_counter()
        n = generate(tenant)
        print(f"generated {n:,} meetings in {time.perf_counter() - started:.1f}s")
        MeetingTally.objects.filter(tenant=tenant).delete()
    if not MeetingTally.objects.filter(tenant=tenant).exists():
        started = time.perf_counter()
        n = services.tally_rebuild(tenant)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE orglife_meetingtally")  # as autovacuum would: index-only scans
        print(f"tally: {n:,} rows from the meetings in {time.perf_counter() - started:.1f}s")
    tally_rows = MeetingTally.objects.filter(tenant=tenant).count()
    meetings = Meeting.objects.filter(tenant=tenant).count()
    month = dt.datetime.strptime(args.month, "%Y-%m").date()
    today = dt.date(YEAR, 11, 22)

    started = time.perf_counter()
    for m in range(1, month.month + 1):  # the year so far, so the board has its year totals
        services.compliance_rebuild(tenant, dt.date(YEAR, m, 1), today=today)
    print(f"rebuilt {month.month} months in {time.perf_counter() - started:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orglife_compliancestatus")

    load_scan = [round(x, 1) for x in os.getloadavg()]
    scan = common.timed(lambda: services.compliance_rebuild(tenant, month, today=today), runs)
    prefix, sub_branches = typical_subtree(tenant)
    load_sub = [round(x, 1) for x in os.getloadavg()]
    sub = common.timed(lambda: services.compliance_rebuild(tenant, month, today=today, prefix=prefix), runs)
    rows = ComplianceStatus.objects.filter(tenant=tenant, month=month).count()
    missing = ComplianceStatus.objects.filter(tenant=tenant, month=month, missing__gt=0).count()

    actor, _ = User.objects.get_or_create(username="bench_orglife_admin")
    from grassroots.access.models import RoleGrant

    RoleGrant.objects.get_or_create(user=actor, role=Role.ORG_ADMIN, org=county, defaults={"valid_from": dt.date(2000, 1, 1)})

    def board():
        forget_grants(actor)
        return selectors.compliance_board(actor, county, month, limit=50)

    load_board = [round(x, 1) for x in os.getloadavg()]
    read = common.timed(board, runs)
    queries = common.count_queries(board)
    result = {
        "tenant": tenant, "branches": branches, "meetings": meetings, "tally_rows": tally_rows,
        "month": args.month, "rows": rows, "unmet_rows": missing,
        "scan_ms": {k: round(v, 1) for k, v in scan.items()}, "load_before_scan": load_scan,
        "subtree": prefix, "subtree_branches": sub_branches, "subtree_scan_ms": {k: round(v, 1) for k, v in sub.items()},
        "load_before_subtree_scan": load_sub,
        "board_ms": {k: round(v, 1) for k, v in read.items()}, "board_queries": queries, "load_before_board": load_board,
        "scan_ratio_to_target": round(scan["p95"] / TARGET_MS, 2),
        "subtree_scan_ratio_to_target": round(sub["p95"] / TARGET_MS, 2),
        "board_ratio_to_target": round(read["p95"] / TARGET_MS, 2),
        "scan_ms_per_1000_branches": round(scan["p95"] / branches * 1000, 2),
        "scan_ms_scaled_to_typical_county": round(scan["p95"] / branches * TYPICAL_BRANCHES, 1),
        "load_average": [round(x, 1) for x in os.getloadavg()], "cpus": os.cpu_count(),
    }
    print(f"county {tenant}: {branches:,} branches, {meetings:,} meetings, {tally_rows:,} tally rows, month "
          f"{args.month}: {rows:,} status rows ({missing:,} not met)")
    print(f"compliance scan (rebuild one month, one county): p50 {scan['p50']:.1f} ms, p95 {scan['p95']:.1f} ms "
          f"→ ratio to {TARGET_MS:.0f} ms target {result['scan_ratio_to_target']} (load before: {load_scan})")
    print(f"  per 1,000 branches: {result['scan_ms_per_1000_branches']} ms; scaled to a typical county of "
          f"{TYPICAL_BRANCHES:,} branches: {result['scan_ms_scaled_to_typical_county']} ms")
    print(f"compliance scan, subtree {prefix} of {sub_branches:,} branches (the unit below the county nearest a typical county's {TYPICAL_BRANCHES:,}): p50 "
          f"{sub['p50']:.1f} ms, p95 {sub['p95']:.1f} ms → ratio {result['subtree_scan_ratio_to_target']} "
          f"(load before: {load_sub})")
    print(f"board read (pre-aggregated rows): p50 {read['p50']:.1f} ms, p95 {read['p95']:.1f} ms, {queries} queries "
          f"→ ratio {result['board_ratio_to_target']} (load before: {load_board})")
    print(f"machine: {result['cpus']} CPUs, load average {result['load_average']} at the end of the run")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"orglife-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
