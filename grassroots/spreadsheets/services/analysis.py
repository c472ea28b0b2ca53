"""The background analysis (the preview), its error report and the report's download."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.errors import DomainError
from grassroots.spreadsheets.choices import ImportKind, JobState, RowOutcome
from grassroots.spreadsheets.models import ImportJob, ImportRow
from grassroots.spreadsheets.permissions import SpreadsheetPerm
from grassroots.spreadsheets.services.rows import RowResult, _chunks, _DryRun, _engine, _open, _row_records
from grassroots.spreadsheets.services.staging import StagingWriter
from grassroots.spreadsheets.services.storage import stored_path

log = logging.getLogger(__package__)  # the logger of the former single module


IMPORT_SQLITE_CACHE_KIB = -16000  # PRAGMA cache_size in KiB (negative): 16 MB instead of the settings' 64 MB


@contextlib.contextmanager
def _bounded_sqlite_cache():
    """On SQLite the page cache lives in this process: at the settings' 64 MB it was most of an import's memory
    (100 k rows: 123 MB = 15× the file; with 16 MB, 68 MB = 8.3×, at the same speed). An import runs with the
    smaller cache and gives the connection its own back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size={int(IMPORT_SQLITE_CACHE_KIB)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={previous}")


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused for an import's run, and restored as it was. An import allocates
    millions of short-lived dicts and lists; the collections their allocation triggers walk the whole Django heap
    and cost about a tenth of the time (100 k rows on SQLite: 17.5 s with the heap frozen out of them by
    gc.freeze, 16.7 s paused, 20.0 s untouched). Reference counting frees what an import allocates: a 5,000-row
    analysis and commit left 6 objects in cycles, and the peak memory is the same either way (55-59 MB)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
@_bounded_sqlite_cache()
def import_analyze(job_id: int) -> ImportJob | None:
    """The background parse and check. Idempotent: a re-run starts the preview over."""
    job = ImportJob.objects.select_related("org", "created_by").filter(pk=job_id).first()
    if job is None or job.state not in (JobState.QUEUED, JobState.ANALYZING):
        return job
    ImportRow.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.ANALYZING, rows_done=0, heartbeat_at=timezone.now(),
                                               message="", staged_sha256="")
    staging = None
    try:
        table = _open(job)
        ImportJob.objects.filter(pk=job.pk).update(
            sheet_name=table.sheet_name, header_row=table.header_row_number, total_rows=table.total_rows,
            columns={table.header_cells[i] if i < len(table.header_cells) else str(i): f
                     for i, f in table.mapping.items()},
        )
        job.refresh_from_db()
        engine = _engine(job, job.created_by, write=False)
        if job.kind == ImportKind.ORGS:
            results = _dry_run(engine, table)
            ImportRow.objects.bulk_create(_row_records(job, results), batch_size=1000)
            done = len(results)
        else:
            staging = engine.staging = StagingWriter(job, today=engine.today, orgs=engine.orgs.fingerprint)
            done = 0
            for chunk in _chunks(table):
                results = engine.process(chunk)
                ImportRow.objects.bulk_create(_row_records(job, results), batch_size=1000)
                done = chunk[-1][0] - table.header_row_number
                ImportJob.objects.filter(pk=job.pk).update(rows_done=min(done, table.total_rows),
                                                           heartbeat_at=timezone.now())
            for late in engine.late_rejections:  # an earlier row contradicted by a later one
                ImportRow.objects.update_or_create(
                    job=job, row_number=late.row_number,
                    defaults={"outcome": RowOutcome.REJECTED, "label": late.label[:120], "errors": late.errors,
                              "changes": {}, "target_id": None})
        counts = engine.counts
        staged_sha256, staging = (staging.close() if staging else ""), None
        ImportJob.objects.filter(pk=job.pk).update(
            state=JobState.PREVIEW, staged_sha256=staged_sha256, rows_done=table.total_rows, count_new=counts[RowOutcome.NEW],
            count_changed=counts[RowOutcome.CHANGED], count_unchanged=counts[RowOutcome.UNCHANGED],
            count_rejected=counts[RowOutcome.REJECTED], heartbeat_at=timezone.now(),
        )
        job.refresh_from_db()
        if job.count_rejected:
            _write_error_report(job)
    except DomainError as exc:
        ImportJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, message=str(exc.message)[:500])
    except Exception:
        log.exception("import analysis of job %s failed", job_id)
        ImportJob.objects.filter(pk=job.pk).update(state=JobState.FAILED,
                                                   message=_("处理文件时出错，已记录；请检查文件后重新上传"))
    finally:
        if staging is not None:  # the analysis did not finish: nothing of it is replayed
            staging.discard()
    job.refresh_from_db()
    return job


def _dry_run(engine, table) -> list[RowResult]:
    results: list[RowResult] = []
    try:
        with transaction.atomic():
            for chunk in _chunks(table):
                results += engine.process(chunk)
            raise _DryRun()
    except _DryRun:
        pass
    return results


def _write_error_report(job: ImportJob) -> None:
    """The rejected rows as the user wrote them, plus a column with the reasons: fix and upload again."""
    from grassroots.spreadsheets.exports import ExportColumn, write_xlsx

    reasons = {}
    for row_number, errors in ImportRow.objects.filter(job=job, outcome=RowOutcome.REJECTED).values_list(
            "row_number", "errors").iterator():
        reasons[row_number] = "；".join(f"{e['column']}：{e['message']}" for e in errors) or _("有错误")
    table = _open(job)
    width = max(table.mapping) + 1 if table.mapping else len(table.header_cells)
    headers = [*table.header_cells[:width], *[""] * (width - len(table.header_cells[:width]))]
    columns = (*tuple(ExportColumn(h or "", 14) for h in headers), ExportColumn(_("错误原因"), 50), ExportColumn(_("原行号"), 8))

    def rows():
        for row_number, cells in table.rows:
            if row_number in reasons:
                cells = list(cells[:width]) + [None] * (width - len(cells[:width]))
                yield [*(_report_value(c) for c in cells), reasons[row_number], row_number]

    name = f"imports/{job.pk}-errors.xlsx"
    path = stored_path(name)
    write_xlsx(path, rows(), columns=columns, sheet_name=_("错误行"), title=_("导入错误报告：%(f)s") % {"f": job.file_name},
               watermark=_("共%(n)d行有错误；改正后可直接上传本文件重新导入") % {"n": len(reasons)})
    ImportJob.objects.filter(pk=job.pk).update(report_name=name)


def _report_value(value):
    if isinstance(value, dt.timedelta | dt.time):
        return str(value)
    return value


def import_report_download(*, actor, job: ImportJob) -> Path:
    """The error report's path; the download is audited (it holds the rows as uploaded)."""
    require(actor, SpreadsheetPerm.VIEW, job.org_path)
    if not job.report_name or not stored_path(job.report_name).exists():
        raise DomainError(_("该任务没有错误报告"), code="spreadsheet_no_report")
    with transaction.atomic():
        audit.record(actor=actor, verb="spreadsheets.import.report_download", target=job, org_path=job.org_path)
    return stored_path(job.report_name)
