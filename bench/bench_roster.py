"""Roster and dashboard reads on the loaded bench database (bench/load.py first), with the PERFORMANCE.md
scaling-law ratios.

    .venv/bin/python bench/bench_roster.py [--runs 30] [--rebuilds 3]

Every case runs 3 warm-up calls, then --runs timed calls (at least 30); it prints p50/p95 in milliseconds and the
queries of one call. Each call starts with the actor's grant cache cleared, as a fresh request would.
"""

import argparse
import json
import time
from pathlib import Path

import common

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuilds", type=int, default=3, help="full rollup rebuilds to time")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the roster queries")
    args = parser.parse_args()
    runs = max(30, args.runs)
    common.setup(args.database_url)

    from django.db import connection

    from grassroots.access.models import User
    from grassroots.access.scoping import forget_grants
    from grassroots.core.pagination import encode_cursor
    from grassroots.dashboards.services import rollups_rebuild
    from grassroots.members.models import Member
    from grassroots.members.selectors import MemberFilters, member_list, member_queryset
    from grassroots.orgs.models import Organization

    actor = User.objects.get(username="county_admin")
    root = Organization.objects.get(depth=1, code__startswith="DEMO")
    township = (
        Organization.objects.filter(parent=root, kind="committee", sector="township").order_by("-numchild", "path")
        .first()
    )
    members_total = Member.objects.filter(tenant=root.path[:4]).count()
    township_members = Member.objects.filter(org_path__startswith=township.path).count()
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}); {members_total:,} members, "
          f"{Organization.objects.count():,} organizations; township {township.name}: {township_members:,} members, "
          f"{township.numchild} children")

    county = MemberFilters(org_path=root.path)
    page_size = 50
    target_page = 1000
    offset_row = (target_page - 1) * page_size
    # The cursor a user reaches after 999 "next" clicks: the key of the last row of page 999.
    key = (
        member_queryset(actor, county).order_by("org_path", "id").values_list("org_path", "id")[offset_row - 1]
    )
    cursor = encode_cursor(tuple(key))

    def roster(filters=county, **kwargs):
        def call():
            forget_grants(actor)
            page = member_list(actor, filters, page_size=page_size, **kwargs)
            assert len(page.items) == page_size
            return [m.org.name for m in page.items]
        return call

    dashboard = _dashboard(actor)
    cases = {
        "roster page 1 (no count)": roster(with_count=False),
        "roster page 1 (capped count)": roster(with_count=True),
        f"roster page {target_page} by offset": roster(page=target_page, with_count=False),
        f"roster page {target_page} by keyset": roster(after=cursor, with_count=False),
        "roster page 1, township subtree": roster(MemberFilters(org_path=township.path), with_count=False),
        "dashboard: county": lambda: dashboard(root),
        "dashboard: township": lambda: dashboard(township),
    }
    # The keyset page and the offset page must show the same rows.
    forget_grants(actor)
    by_offset = [m.pk for m in member_list(actor, county, page=target_page, with_count=False).items]
    by_keyset = [m.pk for m in member_list(actor, county, after=cursor, with_count=False).items]
    assert by_offset == by_keyset, "keyset and offset disagree on page 1000"

    results = {}
    print(f"\n{'case':42} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, fn in cases.items():
        stats = common.timed(fn, runs)
        stats["queries"] = common.count_queries(fn)
        results[name] = stats
        print(f"{name:42} {stats['p50']:8.1f} {stats['p95']:8.1f} {stats['max']:8.1f} {stats['queries']:8d}")

    print(f"\nplan of roster page 1: {_plan_note(actor, county)}")
    if args.explain:
        _explain(actor, county, cursor)

    rebuilds = []
    for _ in range(max(1, args.rebuilds)):
        started = time.perf_counter()
        info = rollups_rebuild(root.path[:4])
        rebuilds.append(time.perf_counter() - started)
    print(f"\nfull rollups_rebuild of the county ({info['orgs']:,} orgs, {members_total:,} members): "
          f"{', '.join(f'{s:.1f}s' for s in rebuilds)} (target ≤ 30 s at 10 M)")

    page1 = results["roster page 1 (no count)"]["p95"]
    offset = results[f"roster page {target_page} by offset"]["p95"]
    keyset = results[f"roster page {target_page} by keyset"]["p95"]
    county_q = results["dashboard: county"]["queries"]
    town_q = results["dashboard: township"]["queries"]
    print("\nscaling laws (PERFORMANCE.md):")
    print(f"  law 2  page {target_page} / page 1 (p95): keyset {keyset / page1:.2f}, offset {offset / page1:.2f}"
          f"  (≤ 1.5: {'PASS' if keyset / page1 <= 1.5 else 'FAIL'} by keyset,"
          f" {'PASS' if offset / page1 <= 1.5 else 'FAIL'} by offset)")
    if page1 > TARGET_MS:
        print("         (page 1 is itself over target: a ratio near 1 then means both pages sort the whole subtree)")
    print(f"  law 1  dashboard query count county {county_q}, township {town_q}"
          f"  ({'PASS' if county_q == town_q else 'FAIL'}: constant)")
    print("absolute (target p95 ≤ 50 ms; PERFORMANCE.md sets it at 10 M members, this run has "
          f"{members_total:,}):")
    for name, stats in results.items():
        print(f"  {name:42} p95 {stats['p95']:7.1f} ms  {'ok' if stats['p95'] <= TARGET_MS else 'OVER'}")

    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"roster-{connection.vendor}-{members_total}.json").write_text(json.dumps(
        {"members": members_total, "cases": results, "rollups_rebuild_seconds": rebuilds}, indent=2,
        ensure_ascii=False))


def _dashboard(actor):
    """The dashboard selector when it exists; otherwise the same reads done directly: the organization's own
    rollup, its children's rollups and the first 50 warnings of the subtree."""
    from grassroots.access.scoping import forget_grants

    try:
        from grassroots.dashboards.selectors import dashboard_data
    except ImportError:
        dashboard_data = None

    def read(org):
        forget_grants(actor)
        if dashboard_data is not None:
            data = dashboard_data(actor, org.pk)
            return data.figures, len(data.children), len(data.warnings)
        from grassroots.dashboards.models import OrgRollup, OrgWarning
        from grassroots.dashboards.permissions import DashboardPerm

        own = OrgRollup.objects.visible_to(actor, DashboardPerm.VIEW).filter(org=org).first()
        children = list(OrgRollup.objects.visible_to(actor, DashboardPerm.VIEW).filter(org__parent=org)
                        .select_related("org").order_by("path"))
        warnings = list(OrgWarning.objects.visible_to(actor, DashboardPerm.VIEW).filter(path__startswith=org.path)
                        .order_by("path", "id")[:50])
        return own.figures if own else {}, len(children), len(warnings)

    return read


def _plan_note(actor, filters) -> str:
    """Whether an index serves ORDER BY org_path, id (a LIMIT stops early) or the whole subtree is sorted."""
    from django.db import connection

    from grassroots.members.selectors import LIST_COLUMNS, member_queryset

    qs = member_queryset(actor, filters).select_related("org").only(*LIST_COLUMNS, "org__name")
    sql, params = qs.order_by("org_path", "id")[:51].query.sql_with_params()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            nodes, stack = [], [plan[0]["Plan"]]
            while stack:
                node = stack.pop()
                nodes.append(node)
                stack.extend(node.get("Plans", []))
            sorts = [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]
            scans = sorted({f"{n['Node Type']} {n.get('Index Name', '')}".strip() for n in nodes
                            if n.get("Relation Name") == "members_member"})
            if sorts:
                return f"SORTS the subtree ({', '.join(scans)}): no index serves ORDER BY org_path, id"
            return f"ordered by an index, stops at the LIMIT ({', '.join(scans)})"
        cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        detail = "; ".join(str(row[-1]) for row in cur.fetchall())
        if "TEMP B-TREE FOR ORDER BY" in detail:
            return f"SORTS the subtree ({detail})"
        return f"ordered by an index ({detail})"


def _explain(actor, filters, cursor) -> None:
    from django.db import connection

    from grassroots.core.pagination import _after, decode_cursor
    from grassroots.members.selectors import LIST_COLUMNS, member_queryset

    qs = member_queryset(actor, filters).select_related("org").only(*LIST_COLUMNS, "org__name")
    ordered = qs.order_by("org_path", "id")
    queries = {
        "page 1": ordered[:51],
        "page 1000 by offset": ordered[49950:50001],
        "page 1000 by keyset": _after(ordered, "org_path", "id", decode_cursor(cursor))[:51],
    }
    for name, query in queries.items():
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"\nEXPLAIN {name}:")
            for (line,) in cur.fetchall():
                print("   ", line)


if __name__ == "__main__":
    main()
