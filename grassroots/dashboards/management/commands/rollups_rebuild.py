from django.core.management.base import BaseCommand

from grassroots.dashboards.services import rollups_rebuild, rollups_rebuild_all


class Command(BaseCommand):
    help = "Rebuild the dashboard rollups and rule warnings (all counties, or one by --tenant). Run nightly."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="first path segment of one county, e.g. 0001")

    def handle(self, *args, tenant=None, **options):
        results = [rollups_rebuild(tenant)] if tenant else rollups_rebuild_all()
        for result in results:
            self.stdout.write(
                f"{result['tenant']}: {result['orgs']} organizations, {result['warnings']} warnings, "
                f"{result['seconds']:.2f}s"
            )
