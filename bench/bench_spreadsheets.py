"""Import 100 k rows × 20 columns end to end and export them again, on PostgreSQL and on SQLite.

Generates the workbook itself (xlsxwriter, the 20 roster columns, valid GB 11643 ID numbers, dates typed the
ways people type them), then runs what the pages run: upload (hash, sniff), the background analysis (parse,
validate with the member service's rules, classify, stage; the preview), the commit (replaying the staged rows in one transaction, COPY on
PostgreSQL), and the roster export (constant-memory xlsxwriter to a file). Prints rows/s, seconds and peak
memory (growth of the process's maximum resident set) against PERFORMANCE.md targets 7 and 8.

    .venv/bin/python bench/bench_spreadsheets.py                 # both databases, one subprocess each
    .venv/bin/python bench/bench_spreadsheets.py --database-url postgres://postgres@127.0.0.1:5432/gr_spreadsheets_bench
    .venv/bin/python bench/bench_spreadsheets.py --rows 20000    # a smaller run
"""

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_URL = "postgres://postgres@127.0.0.1:5432/gr_spreadsheets_bench"
SQLITE_URL = "sqlite:////tmp/gr_spreadsheets_bench.sqlite3"
BRANCHES = 200
TARGET_ROWS_PER_S = 5_000
TARGET_IMPORT_S = 20
TARGET_MEMORY_FACTOR = 10
TARGET_EXPORT_S = 15
TARGET_EXPORT_GROWTH_MB = 100


def rss_mb() -> float:
    """The current resident set (Linux /proc), in MB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 1048576


class PeakSampler:
    """Samples the resident set every 20 ms in a thread; `growth` is the peak above the starting value (the
    Rust heap of python-calamine included, which tracemalloc would not see)."""

    def __init__(self):
        import threading

        self.base = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())
        return self.peak - self.base


def make_workbook(path: Path, rows: int, branch_names: list[str]) -> None:
    import random

    import xlsxwriter

    from grassroots.core.identity import make_id_number
    from grassroots.spreadsheets.rules import MEMBER_COLUMNS

    rng = random.Random(2026)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕红梅玉春金凤淑珍德文斌"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("花名册")
    sheet.write(0, 0, "某某县党员花名册（基准测试）")
    sheet.write_row(1, 0, [c.header for c in MEMBER_COLUMNS])
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    educations = ["大学本科", "大专", "中专", "高中", "初中", "小学", "硕士"]
    occupations = ["农牧渔民", "工人", "专业技术人员", "离退休人员", "企事业单位管理人员", "其他职业人员"]
    regions = [f"4101{n:02d}" for n in range(2, 30)]
    for index in range(rows):
        # Unique numbers: each birth date carries 500 sequence numbers (53 is coprime to the 18,250-day span).
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=(index // 500) * 53 % 18_250)
        region = regions[(index // 500) % len(regions)]
        gender = "M" if index % 3 else "F"
        sequence = (index % 500) * 2 + (1 if gender == "M" else 0)
        joined = dt.date(birth.year + 19 + index % 10, 7, 1)
        line = index + 2
        style = index % 4
        joined_text = [joined.strftime("%Y.%m.%d"), f"{joined.year}年{joined.month}月{joined.day}日", None, joined.strftime("%Y%m%d")][style]
        values = [
            index + 1, rng.choice(surnames) + "".join(rng.choice(given) for _ in range(1 + index % 2)), "男" if gender == "M" else "女", "汉族", None,
            make_id_number(region, birth, sequence), rng.choice(educations), rng.choice(occupations), joined_text,
            dt.date(joined.year + 1, 7, 1).isoformat(), "正式党员", branch_names[index % len(branch_names)], "",
            f"139{index:08d}", f"示范镇第{index % 50}村{index % 9}组", "否", "否", "否", "否", "",
        ]
        for col, value in enumerate(values):
            if col == 4:
                sheet.write_datetime(line, col, dt.datetime.combine(birth, dt.time()), date_format)
            elif col == 8 and value is None:
                sheet.write_datetime(line, col, dt.datetime.combine(joined, dt.time()), date_format)
            elif value not in (None, ""):
                sheet.write_string(line, col, str(value)) if isinstance(value, str) else sheet.write_number(line, col, value)
    book.close()


def run(url: str, rows: int) -> dict:
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"  # the bench calls the task bodies
    from bench.common import setup

    setup(url, drop=True)
    from django.core.files import File
    from django.db import connection

    from grassroots.access.roles import Role
    from grassroots.core.testing.factories import make_org, make_user
    from grassroots.members.models import Member
    from grassroots.members.selectors import MemberFilters
    from grassroots.members.services import member_roster_export
    from grassroots.spreadsheets import services
    from grassroots.spreadsheets.choices import CommitMode

    county = make_org(None, "基准县委")
    town = make_org(county, "基准镇党委", kind="committee", sector="township")
    for n in range(BRANCHES):
        make_org(town, f"基准村{n}党支部")
    admin = make_user(f"bench_admin_{int(time.time())}", Role.ORG_ADMIN, county)
    workdir = Path(tempfile.mkdtemp(prefix="gr-bench-sheets-"))
    from django.conf import settings

    settings.SPREADSHEETS_ROOT = workdir / "store"
    path = workdir / "bench.xlsx"
    started = time.perf_counter()
    # Generated in a child process, so this process's peak resident set measures the import alone.
    subprocess.run([sys.executable, __file__, "--generate", str(path), "--rows", str(rows)], check=True)
    size_mb = path.stat().st_size / 1048576
    print(f"[{connection.vendor}] generated {rows} rows × 20 columns: {size_mb:.1f} MB in {time.perf_counter() - started:.1f} s")

    sampler = PeakSampler()
    c0 = time.process_time()
    t0 = time.perf_counter()
    with open(path, "rb") as handle:
        job = services.import_upload(actor=admin, org=town, kind="members", upload=File(handle, name="bench.xlsx"))
    t1 = time.perf_counter()
    job = services.import_analyze(job.pk)
    t2 = time.perf_counter()
    assert job.state == "preview", job.message
    services.import_commit(actor=admin, job=job, mode=CommitMode.ALL)
    job = services.import_commit_run(job.pk)
    t3 = time.perf_counter()
    c3 = time.process_time()
    assert job.state == "committed", job.message
    import_peak = sampler.stop()
    count = Member.objects.filter(org_path__startswith=town.path).count()

    sampler = PeakSampler()
    t4 = time.perf_counter()
    c4 = time.process_time()
    _content, exported = member_roster_export(actor=admin, filters=MemberFilters(org_path=town.path),
                                              target=workdir / "export.xlsx")
    t5 = time.perf_counter()
    c5 = time.process_time()
    export_growth = sampler.stop()

    # The same file again: everything unchanged, nothing written.
    t6 = time.perf_counter()
    with open(path, "rb") as handle:
        again = services.import_upload(actor=admin, org=town, kind="members", upload=File(handle, name="bench.xlsx"))
    again = services.import_analyze(again.pk)
    t7 = time.perf_counter()

    total = t3 - t0
    result = {
        "vendor": connection.vendor, "rows": rows, "file_mb": round(size_mb, 2), "members": count,
        "upload_s": round(t1 - t0, 2), "analyze_s": round(t2 - t1, 2), "commit_s": round(t3 - t2, 2),
        "import_s": round(total, 2), "rows_per_s": round(rows / total), "import_peak_rss_growth_mb": round(import_peak, 1),
        "memory_factor": round(import_peak / size_mb, 1) if size_mb else None,
        "import_cpu_s": round(c3 - c0, 2), "export_cpu_s": round(c5 - c4, 2), "load_average": os.getloadavg()[0],
        "export_s": round(t5 - t4, 2), "exported": exported, "export_rss_growth_mb": round(export_growth, 1),
        "reimport_preview_s": round(t7 - t6, 2), "reimport_unchanged": again.count_unchanged,
    }
    print(f"[{connection.vendor}] import end to end {total:.1f} s = upload {t1 - t0:.1f} + analysis/preview "
          f"{t2 - t1:.1f} + commit {t3 - t2:.1f}: {rows / total:,.0f} rows/s (target ≥ {TARGET_ROWS_PER_S:,}; "
          f"{'OK' if rows / total >= TARGET_ROWS_PER_S else 'MISSED'})")
    print(f"[{connection.vendor}] CPU time of this process: import {c3 - c0:.1f} s ({rows / (c3 - c0):,.0f} rows per "
          f"CPU-second), export {c5 - c4:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"[{connection.vendor}] peak memory growth {import_peak:.0f} MB = {import_peak / size_mb:.1f}× the file "
          f"(target ≤ {TARGET_MEMORY_FACTOR}×; {'OK' if import_peak / size_mb <= TARGET_MEMORY_FACTOR else 'MISSED'})")
    print(f"[{connection.vendor}] export {exported:,} rows in {t5 - t4:.1f} s (target ≤ {TARGET_EXPORT_S} s; "
          f"{'OK' if t5 - t4 <= TARGET_EXPORT_S else 'MISSED'}), memory growth {export_growth:.0f} MB "
          f"(target < {TARGET_EXPORT_GROWTH_MB} MB)")
    print(f"[{connection.vendor}] same file again: preview {t7 - t6:.1f} s, {again.count_unchanged:,} unchanged, "
          f"{again.count_new} new, {again.count_changed} changed")
    print(json.dumps(result, ensure_ascii=False))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="one database; without it PostgreSQL and SQLite run in turn")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        import django

        django.setup()
        make_workbook(Path(args.generate), args.rows, [f"基准村{n}党支部" for n in range(BRANCHES)])
        return
    if args.database_url:
        run(args.database_url, args.rows)
        return
    for url in (os.environ.get("BENCH_DATABASE_URL", PG_URL), SQLITE_URL):
        subprocess.run([sys.executable, __file__, "--database-url", url, "--rows", str(args.rows)], check=False)


if __name__ == "__main__":
    main()
