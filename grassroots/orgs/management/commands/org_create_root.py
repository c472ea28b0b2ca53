from django.core.management.base import BaseCommand

from grassroots.orgs.services import org_create_root


class Command(BaseCommand):
    help = "创建顶级党组织（县、市委），部署时使用一次；打印其路径，供 create_user --org-path 使用"

    def add_arguments(self, parser):
        parser.add_argument("name", help="如 中共某某县委员会")
        parser.add_argument("--short-name", default="")
        parser.add_argument("--code", default="")
        parser.add_argument("--sector", default="county_committee")

    def handle(self, *args, name, short_name, code, sector, **options):
        org = org_create_root(actor=None, name=name, short_name=short_name, code=code, kind="committee", sector=sector)
        self.stdout.write(f"{org.name}: path {org.path}")
