"""Shared set-up of the benchmark scripts: a PostgreSQL database `grassroots_bench` (created if missing) or a
SQLite file (`sqlite:///…` URL), the dev settings with DEBUG off (no query log), fixed bench-only field keys when
none are in the environment."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/grassroots_bench"


def setup(database_url: str | None = None, *, drop: bool = False) -> str:
    """Creates the database if missing (drops it first with drop=True), migrates it and sets Django up."""
    url = database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DEBUG", "false")  # a query log would hold every COPY batch and slow every read
    # Bench-only keys (never used for real data); set before dev settings read var/secrets.env.
    os.environ.setdefault("GRASSROOTS_FIELD_KEYS", "bench1:" + "5a" * 16)
    os.environ.setdefault("GRASSROOTS_INDEX_KEY", "6b" * 32)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if url.startswith("postgres"):
        _ensure_database(url, drop=drop)
    elif url.startswith("sqlite:///") and drop:
        _drop_sqlite(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return url


def _ensure_database(url: str, *, drop: bool) -> None:
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def _drop_sqlite(url: str) -> None:
    """Deletes the SQLite file and its WAL side files (not an in-memory database)."""
    name = url.removeprefix("sqlite:///").split("?")[0]
    if not name or name == ":memory:":
        return
    deleted = False
    for suffix in ("", "-wal", "-shm"):
        path = Path(name + suffix)
        if path.exists():
            path.unlink()
            deleted = True
    if deleted:
        print(f"deleted database {name}")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def timed(fn, runs: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "runs": runs, "p50": statistics.median(samples), "p95": percentile(samples, 95),
        "min": min(samples), "max": max(samples),
    }


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)
