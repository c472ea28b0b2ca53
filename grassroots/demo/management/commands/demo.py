"""manage.py demo: a realistic demo county, deterministic from --seed (see grassroots/demo/generator.py)."""

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError

from grassroots.demo import generator, loader


class Command(BaseCommand):
    help = "生成演示县的党组织、党员和演示账户（按 --seed 确定，可重复）"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=generator.DEFAULT_MEMBERS,
                            help="党员人数（默认 15000；党组织数量随之增长）")
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED, help="随机种子（默认 2026）")
        parser.add_argument("--orgs", type=int, default=None,
                            help="目标党组织数量（如 50000 对应基准 M 档）；不填则按党员人数推算")
        parser.add_argument("--if-empty", action="store_true", help="已有任何党组织时什么也不做（make run 用）")
        parser.add_argument("--reset", action="store_true", help="先删除演示数据再重建（仅限 DEBUG，或加 --force）")
        parser.add_argument("--force", action="store_true", help="允许在非 DEBUG 环境下 --reset")
        parser.add_argument("--batch-size", type=int, default=generator.BATCH_SIZE)
        parser.add_argument("--no-copy", action="store_true", help="PostgreSQL 上也用 bulk_create 而不是 COPY")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="按此日期生成（YYYY-MM-DD，默认今天），用于复现")

    def handle(self, *args, **options):
        from grassroots.orgs.models import Organization

        verbose = options["verbosity"] >= 1

        def log(message: str) -> None:
            if verbose:
                self.stdout.write(message)

        if options["members"] < 300:
            raise CommandError("--members 至少为 300")
        if options["if_empty"] and Organization.objects.exists():
            log("数据库中已有党组织，跳过演示数据（--if-empty）。")
            return
        if options["reset"]:
            if not (settings.DEBUG or options["force"]):
                raise CommandError("--reset 会删除演示数据：仅在 DEBUG 下可用，否则请加 --force")
            try:
                loader.reset(log=log)
            except ProtectedError as exc:
                models = sorted({obj._meta.label for obj in exc.protected_objects})
                raise CommandError(
                    f"演示数据仍被其他记录引用（{', '.join(models)}），无法只删除演示数据；"
                    "开发环境可用 manage.py flush 清空数据库后再运行 demo"
                ) from exc
        elif Organization.objects.exists():
            raise CommandError("数据库中已有党组织。用 --reset 重建演示数据，或 --if-empty 跳过。")

        started = time.perf_counter()
        plan = generator.build_plan(options["members"], options["seed"], options["today"], orgs=options["orgs"])
        counts = plan.counts()
        log(f"演示县（seed={plan.seed}）：党组织 {len(plan.orgs):,} 个（党委 {counts.get('committee', 0)}，"
            f"党总支 {counts.get('general_branch', 0)}，党支部 {counts.get('branch', 0)}），党员 {plan.members:,} 名；"
            f"规划用时 {time.perf_counter() - started:.1f}s")
        result = loader.load(plan, log=log, batch_size=options["batch_size"],
                                use_copy=False if options["no_copy"] else None)
        seconds = result.seconds
        log(f"完成：党组织 {seconds['orgs']:.1f}s，党员 {seconds['members']:.1f}s "
            f"（{result.members / max(seconds['members'], 1e-9):,.0f}/s），账户 {seconds['logins']:.1f}s，"
            f"汇总重建 {seconds['rollups']:.1f}s（{result.rollups['rollups']:,} 个汇总，"
            f"{result.rollups['warnings']:,} 条规则提示），合计 {seconds['total']:.1f}s")
        if result.modules:
            log("各模块演示记录：" + "，".join(f"{name} {count:,}" for name, count in result.modules.items()))
        log("演示账户见 manage.py demo_logins")
