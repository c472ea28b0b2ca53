"""The development pipeline board and the dashboard reminders at two sizes: the query count must stay constant
and the p95 should grow far slower than the number of people (grouped SQL, no per-person loop).

    .venv/bin/python bench/bench_development.py                      # SQLite file under /tmp (default)
    .venv/bin/python bench/bench_development.py --database-url postgres://postgres@127.0.0.1:5432/gr_development_bench

Bench-only synthetic rows (not valid identities): written straight with bulk_create into a fresh database."""

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import count_queries, setup, timed

DEFAULT_URL = "sqlite:////tmp/gr_development_bench.sqlite3"
STAGES = ("applicant", "activist", "candidate", "probationary", "full", "closed")
STEPS = ("talk", "activist", "assessment", "candidate", "approval", "confirmation_meeting")


def build(people: int, townships: int = 10, villages: int = 20, seed: int = 1):
    from grassroots.access.models import RoleGrant, User
    from grassroots.development.models import Applicant
    from grassroots.orgs.models import Organization
    from grassroots.orgs.services import next_child_path, org_create_root

    Applicant.objects.all().delete()
    RoleGrant.objects.all().delete()
    User.objects.filter(username="bench_dev").delete()
    for depth in (3, 2, 1):
        Organization.objects.filter(depth=depth).delete()
    county = org_create_root(actor=None, name="基准县委", kind="committee", sector="county_committee")
    branches = []
    for t in range(townships):
        town = Organization.objects.create(path=next_child_path(county), depth=2, parent=county, name=f"镇{t}",
                                           kind="committee", sector="township")
        Organization.objects.filter(pk=county.pk).update(numchild=t + 1)
        county.numchild = t + 1
        for v in range(villages):
            branches.append(Organization.objects.create(path=next_child_path(town), depth=3, parent=town,
                                                        name=f"村{t}-{v}", kind="branch", sector="village"))
            Organization.objects.filter(pk=town.pk).update(numchild=v + 1)
            town.numchild = v + 1
    rng = random.Random(seed)
    today = dt.date(2026, 11, 22)
    rows = []
    for i in range(people):
        branch = rng.choice(branches)
        applied = today - dt.timedelta(days=rng.randint(10, 1500))
        rows.append(Applicant(
            org=branch, org_path=branch.path, tenant=branch.path[:4], name=f"人{i}", gender="M",
            birth_date=dt.date(1990, 1, 1), id_number_enc="x", id_number_hash=f"bench{i}", id_number_masked="x",
            education="college", occupation="farmer", stage=rng.choice(STAGES), applied_on=applied,
            admitted_on=applied + dt.timedelta(days=800) if rng.random() < 0.2 else None,
            next_step=rng.choice(STEPS), next_due_on=today + dt.timedelta(days=rng.randint(-200, 400)),
            next_due_deadline=rng.random() < 0.5,
        ))
    Applicant.objects.bulk_create(rows, batch_size=5000)
    user = User.objects.create_user(username="bench_dev", password="x")
    RoleGrant.objects.create(user=user, role="org_admin", org=county, valid_from=dt.date(2000, 1, 1))
    return county, user


def measure(people: int, runs: int) -> dict:
    from django.db import connection

    from grassroots.access.scoping import forget_grants
    from grassroots.development.selectors import due_summary, pipeline_board

    county, user = build(people)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def board():
        forget_grants(user)
        pipeline_board(user, county)

    def panel():
        forget_grants(user)
        due_summary(user, county)

    return {"people": people, "board": timed(board, runs), "board_queries": count_queries(board),
            "panel": timed(panel, runs), "panel_queries": count_queries(panel)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup(args.database_url, drop=True)
    small, large = measure(args.small, args.runs), measure(args.large, args.runs)
    for result in (small, large):
        print(f"{result['people']:>8,} people  board p50 {result['board']['p50']:.1f} ms p95 {result['board']['p95']:.1f} ms "
              f"({result['board_queries']} queries)  panel p50 {result['panel']['p50']:.1f} ms "
              f"p95 {result['panel']['p95']:.1f} ms ({result['panel_queries']} queries)")
    print(f"board p95 ratio {large['board']['p95'] / small['board']['p95']:.2f} for {large['people'] / small['people']:.0f}× "
          f"the people; queries {small['board_queries']} → {large['board_queries']}")
    print(f"panel p95 ratio {large['panel']['p95'] / small['panel']['p95']:.2f}; "
          f"queries {small['panel_queries']} → {large['panel_queries']}")


if __name__ == "__main__":
    main()
