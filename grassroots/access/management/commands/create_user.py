"""Operators create accounts (the first administrators, service accounts) from the command line.

    manage.py create_user wang --role system_admin --org-path 0001 [--password ...] [--display-name 王某]

Without --password a temporary password is generated and printed once. The password must be changed at the
first login unless --no-change-required is given. The action is audited (actor "manage.py")."""

from django.core.management.base import BaseCommand, CommandError

from grassroots.access.roles import Role
from grassroots.access.services import temporary_password, user_create_operator
from grassroots.core.errors import ValidationFailed
from grassroots.orgs.models import Organization


class Command(BaseCommand):
    help = "创建用户账户（可同时授予一个角色）"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="不填则生成一次性临时密码")
        parser.add_argument("--role", choices=Role.values)
        parser.add_argument("--org-path", help="授权组织的路径（如 0001 或 00010002）")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--no-change-required", action="store_true", help="首次登录不强制修改密码")

    def handle(self, *args, username, password, role, org_path, display_name, no_change_required, **options):
        org = None
        if org_path:
            org = Organization.objects.filter(path=org_path).first()
            if org is None:
                raise CommandError(f"找不到路径为 {org_path} 的组织")
        if role and org is None:
            raise CommandError("授予角色时必须用 --org-path 指定组织")
        generated = password is None
        password = password or temporary_password()
        try:
            user = user_create_operator(username=username, password=password, role=role, org=org,
                                        display_name=display_name, must_change=not no_change_required)
        except ValidationFailed as exc:
            lines = [f"{field}: {message}" for field, messages in exc.errors.items() for message in messages]
            raise CommandError("；".join(lines)) from exc
        self.stdout.write(f"已创建用户 {user.username}" + (f"，角色 {Role(role).label} @ {org.name}" if role else ""))
        if generated:
            self.stdout.write(f"临时密码（只显示一次）：{password}")
