"""Load a benchmark tier into PostgreSQL (or SQLite) through the demo generator.

    .venv/bin/python bench/load.py --members 1000000 --orgs 50000          # tier M
    .venv/bin/python bench/load.py --members 200000 --orgs 10000 --fresh   # a smaller run
    .venv/bin/python bench/load.py --fresh --database-url sqlite:////tmp/grassroots_bench.sqlite3   # SQLite

The database (grassroots_bench on 127.0.0.1 unless BENCH_DATABASE_URL or --database-url says otherwise) is
created if missing; --fresh drops and recreates it first (deletes the file for SQLite). A database that already
holds organizations is refused without --fresh.
"""

import argparse
import json
import time
from pathlib import Path

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=50_000, help="target number of organizations (tier M: 50k)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--no-copy", action="store_true", help="bulk_create instead of COPY for members")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    started = time.perf_counter()
    url = common.setup(args.database_url, drop=args.fresh)
    print(f"database ready in {time.perf_counter() - started:.1f}s: {url}")

    from django.core.management import CommandError

    from grassroots.demo import generator, loader
    from grassroots.orgs.models import Organization

    if Organization.objects.exists():
        raise CommandError("the bench database already holds organizations; use --fresh to start over")
    step = time.perf_counter()
    plan = generator.build_plan(args.members, args.seed, orgs=args.orgs)
    plan_seconds = time.perf_counter() - step
    print(f"plan: {len(plan.orgs):,} organizations {plan.counts()}, {plan.members:,} members, {plan_seconds:.1f}s")
    result = loader.load(plan, batch_size=generator.BATCH_SIZE, use_copy=False if args.no_copy else None)
    total = time.perf_counter() - started
    from django.db import connection

    summary = {
        "members": result.members, "orgs": result.orgs, "plan_seconds": round(plan_seconds, 1),
        "seconds": {k: round(v, 1) for k, v in result.seconds.items()}, "wall_seconds": round(total, 1),
        "members_per_second": round(result.members / result.seconds["members"]),
        "vendor": connection.vendor, "copy": connection.vendor == "postgresql" and not args.no_copy,
        "rollups": result.rollups,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    from django.db import connection

    text = json.dumps(summary, ensure_ascii=False, indent=2, default=str)
    (out / f"load-{connection.vendor}-{args.members}.json").write_text(text)


if __name__ == "__main__":
    main()
