"""manage.py demo_logins: the demo accounts, their roles and organizations, and the shared demo password."""

import unicodedata

from django.core.management.base import BaseCommand

from grassroots.demo.generator import DEMO_PASSWORD
from grassroots.demo.loader import DEMO_LOGINS


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  " + "  ".join("-" * w for w in widths))
    return lines


class Command(BaseCommand):
    help = "列出演示账户（用户名、角色、所在组织、密码）"

    def handle(self, *args, **options):
        from grassroots.access.models import RoleGrant, User
        from grassroots.access.roles import Role

        users = {u.username: u for u in User.objects.filter(username__in=[login[0] for login in DEMO_LOGINS])}
        if not users:
            self.stdout.write("  （没有演示账户：运行 manage.py demo 生成演示数据）")
            return
        grants = {
            (g.user.username, g.role): g.org.short_name or g.org.name
            for g in RoleGrant.objects.filter(user__in=users.values()).select_related("user", "org")
        }
        rows = [["用户名", "角色", "所在组织", "密码"]]
        for username, role, _place, _label in DEMO_LOGINS:
            user = users.get(username)
            if user is None:
                continue
            password = DEMO_PASSWORD if user.check_password(DEMO_PASSWORD) else "（已修改）"
            rows.append([username, str(Role(role).label), grants.get((username, role), "—"), password])
        self.stdout.write("  演示账户（共用密码，仅供本机演示）：")
        for line in table(rows):
            self.stdout.write(line)
