"""Rebuild the organizational-life compliance rows: `manage.py orglife_compliance [--tenant T] [--year Y]`.
Run daily (open items turn missed when their period ends) and after bulk loads."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from grassroots.orglife.services import compliance_rebuild_year
from grassroots.orgs.models import Organization


class Command(BaseCommand):
    help = "重算组织生活合规状态（按县、按年，集合运算）"

    def add_arguments(self, parser):
        parser.add_argument("--tenant", action="append", help="county path prefix (repeatable); default: all")
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, **options):
        year = options["year"] or timezone.localdate().year
        tenants = options["tenant"] or list(Organization.objects.filter(depth=1).values_list("path", flat=True))
        for tenant in tenants:
            result = compliance_rebuild_year(tenant, year)
            self.stdout.write(f"{tenant} {year}: {result['rows']} rows in {result['seconds']}s")
