"""Assess a month's dues for every county (run it on the 1st of the month from cron):

    manage.py dues_assess                  # the current month, every root organization
    manage.py dues_assess --month 2026-10  # a given month (idempotent: running it again changes nothing)
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from grassroots.dues import rules, services
from grassroots.orgs.models import Organization


class Command(BaseCommand):
    help = "Assess one month of Party dues for all members (set-based, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the current month)")

    def handle(self, *args, **options):
        today = timezone.localdate()
        try:
            month = rules.parse_month(options["month"]) if options["month"] else rules.month_start(today)
        except rules.RuleError as exc:
            raise CommandError(exc.message) from None
        if month > rules.month_start(today):
            raise CommandError("只能核定本月及以前的月份（不预交）")
        for root in Organization.objects.filter(parent__isnull=True).order_by("path"):
            result = services.assessments_generate(org_path=root.path, month=month)
            self.stdout.write(f"{root.name} {month:%Y-%m}: 新核定 {result['created']} 人")
