"""Lifecycle reads at scale: the dashboard panel's counts (county, biggest township, demo village), the listed
lists (suspension candidates, mobile members due a transfer, pending transfers), the mobile-branch suggestion
and the self-withdrawal review list, plus one accepted transfer (rolled back). Load a tier first with
bench/load.py (its demo county includes the lifecycle demo records). Prints p50/p95 and query counts.

    .venv/bin/python bench/load.py --members 100000 --orgs 5000 --fresh --database-url postgres://postgres@127.0.0.1:5432/gr_lifecycle_bench
    .venv/bin/python bench/bench_lifecycle.py --database-url postgres://postgres@127.0.0.1:5432/gr_lifecycle_bench
"""

import argparse

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    runs = max(30, args.runs)
    common.setup(args.database_url)

    from django.db import connection, transaction
    from django.utils import timezone

    from grassroots.access.models import RoleGrant, User
    from grassroots.access.scoping import forget_grants
    from grassroots.core.pagination import keyset_page
    from grassroots.lifecycle import selectors, services
    from grassroots.lifecycle.models import ContactAttempt, Transfer, Whereabouts
    from grassroots.members.models import Member
    from grassroots.orgs.models import Organization

    admin = User.objects.get(username="county_admin")
    secretary = User.objects.get(username="village_secretary")
    root = Organization.objects.get(depth=1, code__startswith="DEMO")
    township = (Organization.objects.filter(parent=root, kind="committee", sector="township")
                .order_by("-numchild", "path").first())
    village = RoleGrant.objects.get(user=secretary).org
    today = timezone.localdate()
    print(f"database: {connection.settings_dict['NAME']} ({connection.vendor}); "
          f"{Member.objects.filter(tenant=root.path[:4]).count():,} members, {Organization.objects.count():,} orgs; "
          f"{Whereabouts.objects.count():,} whereabouts, {ContactAttempt.objects.count():,} contact attempts, "
          f"{Transfer.objects.count():,} transfers")

    def fresh(actor):
        forget_grants(actor)
        return actor

    def page1(qs, key=("id", "id")):
        return keyset_page(qs, key_fields=key, page_size=50, page=1)

    cases = {
        "counts county (admin)": lambda: selectors.lifecycle_counts(fresh(admin), today, root.path),
        "counts biggest township (admin)": lambda: selectors.lifecycle_counts(fresh(admin), today, township.path),
        "counts demo village (secretary)": lambda: selectors.lifecycle_counts(fresh(secretary), today),
        "suspension candidates county p1": lambda: page1(selectors.suspension_candidates(fresh(admin), today),
                                                         ("org_path", "id")),
        "mobile due transfer county p1": lambda: page1(selectors.mobile_transfer_due(fresh(admin), today)),
        "mobile gatherings county": lambda: selectors.mobile_gatherings(fresh(admin)),
        "pending transfers village p1": lambda: page1(selectors.transfer_queryset(fresh(secretary), status="pending")),
        "review list county": lambda: selectors.review_rows(fresh(admin), today),
    }
    print(f"\n{'case':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, fn in cases.items():
        stats = common.timed(fn, runs)
        print(f"{name:36} {stats['p50']:8.1f} {stats['p95']:8.1f} {stats['max']:8.1f} {common.count_queries(fn):8d}")

    transfer = Transfer.objects.filter(to_org=village, status="pending", kind="internal").first()
    if transfer:
        def accept():
            with transaction.atomic():
                services.transfer_accept(actor=fresh(secretary), transfer=Transfer.objects.get(pk=transfer.pk),
                                         version=transfer.version, on=today)
                transaction.set_rollback(True)
        stats = common.timed(accept, runs)
        print(f"{'accept one transfer (rolled back)':36} {stats['p50']:8.1f} {stats['p95']:8.1f} {stats['max']:8.1f} "
              f"{common.count_queries(accept):8d}")
    print(f"\nas of {today}")


if __name__ == "__main__":
    main()
