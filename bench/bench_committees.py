"""Times the committees reads over a whole county: the terms-due lists (overdue / ending within six months, page 1
and a count) and the dashboard reminders (loaded by the panel with HTMX), for the county and its biggest township, with query counts.

Run after bench/load.py (or the demo command) has loaded a county:

    .venv/bin/python bench/bench_committees.py [--database-url sqlite:////tmp/x.sqlite3] [--runs 30]

The terms query is one range scan of the organization subtree (plus one small query for the approved
postponements of the subtree); its cost grows with the subtree's organizations, never with members."""

import argparse
import json
import time
from pathlib import Path

from common import count_queries, setup, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = setup(args.database_url)

    from django.db.models import Count

    from grassroots.access.models import User
    from grassroots.access.roles import Role
    from grassroots.access.scoping import forget_grants
    from grassroots.committees import selectors
    from grassroots.core.testing.factories import grant
    from grassroots.orgs.models import Organization

    county = Organization.objects.filter(depth=1).order_by("-numchild").first()
    if county is None:
        raise SystemExit("no county loaded: run bench/load.py or manage.py demo first")
    township = (Organization.objects.filter(parent=county).annotate(n=Count("children")).order_by("-n").first())
    actor, created = User.objects.get_or_create(username="bench_committees")
    if created or not actor.grants.filter(org=county).exists():
        grant(actor, Role.ORG_ADMIN, county)
    orgs_total = Organization.objects.filter(path__startswith=county.path).count()

    def fresh(fn):
        def call():
            forget_grants(actor)
            return fn()
        return call

    cases = {}
    for label, org in (("county", county), ("township", township)):
        for due in ("overdue", "ending"):
            fn = fresh(lambda org=org, due=due: selectors.terms_due(actor, org, due, page_size=50))
            stats = timed(fn, args.runs)
            stats["queries"] = count_queries(fn)
            stats["rows"] = fn().total
            cases[f"terms {due}: {label}"] = stats
        fn = fresh(lambda org=org: (selectors.terms_due_counts(actor, org), selectors.first_secretary_count(actor, org)))
        stats = timed(fn, args.runs)
        stats["queries"] = count_queries(fn)
        cases[f"dashboard reminders: {label}"] = stats
        fn = fresh(lambda org=org: selectors.first_secretary_list(actor, org, page_size=50))
        stats = timed(fn, args.runs)
        stats["queries"] = count_queries(fn)
        cases[f"first secretaries: {label}"] = stats

    print(f"database: {url.split('@')[-1]}  organizations in the county: {orgs_total:,}")
    print(f"{'case':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'rows':>7}")
    for name, stats in cases.items():
        print(f"{name:34} {stats['p50']:8.1f} {stats['p95']:8.1f} {stats['queries']:8d} {stats.get('rows', '') or '':>7}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"committees-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps({"orgs": orgs_total, "cases": cases}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
