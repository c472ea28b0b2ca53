"""Account hygiene (SECURITY.md A5), for cron and CI:

    manage.py audit_accounts [--days 90] [--disable] [--fail]

Lists active accounts unused for --days days (never-used ones count from creation) and active accounts with a
default-looking name (admin, root, test…). --disable deactivates the unused ones (audited). --fail exits with
status 1 when anything is still listed."""

from django.core.management.base import BaseCommand, CommandError

from grassroots.access.models import User
from grassroots.access.selectors import accounts_inactive
from grassroots.access.services import accounts_disable_inactive

DEFAULT_NAMES = ("admin", "administrator", "root", "test", "guest", "demo", "user", "sa", "system")


class Command(BaseCommand):
    help = "检查长期未使用的账户和默认账户（90天未登录）"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--disable", action="store_true", help="停用长期未使用的账户")
        parser.add_argument("--fail", action="store_true", help="有问题账户时以非零状态退出")

    def handle(self, *args, days, disable, fail, **options):
        if disable:
            for username in accounts_disable_inactive(days=days):
                self.stdout.write(f"已停用 {username}（{days}天未使用）")
        findings = [(u.username, f"{days}天未使用", u.last_login) for u in accounts_inactive(days)]
        findings += [
            (u.username, "默认/共享账户名", u.last_login)
            for u in User.objects.filter(is_active=True, username__in=DEFAULT_NAMES).order_by("username")
        ]
        for username, problem, last_login in findings:
            seen = last_login.strftime("%Y-%m-%d") if last_login else "从未登录"
            self.stdout.write(f"{username}\t{problem}\t最近登录：{seen}")
        if not findings:
            self.stdout.write("未发现问题账户")
        elif fail:
            raise CommandError(f"发现 {len(findings)} 个问题账户")
