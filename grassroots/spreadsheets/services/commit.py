"""The background commit (one transaction per file), cancel and re-queue."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.orgs.models import PATH_STEP
from grassroots.spreadsheets import rules
from grassroots.spreadsheets.choices import CommitMode, ImportKind, JobState, RowOutcome
from grassroots.spreadsheets.models import ImportJob, ImportRow
from grassroots.spreadsheets.permissions import SpreadsheetPerm
from grassroots.spreadsheets.services.analysis import _bounded_sqlite_cache, _collector_paused
from grassroots.spreadsheets.services.rows import ImportErrors, _Abort, _chunks, _engine, _open
from grassroots.spreadsheets.services.staging import StagingUnusable, open_staging, staged_name
from grassroots.spreadsheets.services.storage import (
    _delete_stored,
    _progress_name,
    read_progress,
    stored_path,
    write_progress,
)
from grassroots.spreadsheets.services.upload import _enqueue_analyze, _enqueue_commit

log = logging.getLogger(__package__)  # the logger of the former single module


def import_commit(*, actor, job: ImportJob, mode: str) -> ImportJob:
    """Queue the commit of a previewed job: all rows (refused when any row is rejected) or the valid rows."""
    require(actor, SpreadsheetPerm.IMPORT, job.org_path)
    if mode not in CommitMode.values:
        raise ValidationFailed({"mode": [_("请选择导入方式")]})
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != JobState.PREVIEW:
            raise DomainError(_("该导入任务当前状态为“%(s)s”，不能提交") % {"s": locked.get_state_display()},
                              code=ImportErrors.WRONG_STATE)
        if mode == CommitMode.ALL and locked.count_rejected:
            raise DomainError(_("有%(n)d行存在错误，不能全部导入；请改正后重新上传，或选择“只导入正确的行”")
                              % {"n": locked.count_rejected}, code=ImportErrors.HAS_REJECTED, field="mode")
        ImportJob.objects.filter(pk=job.pk).update(state=JobState.COMMITTING, commit_mode=mode, committed_by=actor,
                                                   heartbeat_at=timezone.now(), rows_done=0, message="")
        audit.record(actor=actor, verb="spreadsheets.import.commit_requested", target=locked, org_path=locked.org_path,
                     changes={"mode": mode})
        transaction.on_commit(lambda: _enqueue_commit(job.pk))
    job.refresh_from_db()
    return job


@_collector_paused()
@_bounded_sqlite_cache()
def import_commit_run(job_id: int) -> ImportJob | None:
    """The background commit: one transaction for the whole file, the job's new state inside it. A worker
    killed midway leaves no rows and the job `committing`, which may be re-queued."""
    job = ImportJob.objects.select_related("org", "committed_by", "created_by").filter(pk=job_id).first()
    if job is None or job.state != JobState.COMMITTING:
        return job
    actor = job.committed_by or job.created_by
    skip = frozenset()
    if job.commit_mode == CommitMode.VALID_ONLY:
        skip = frozenset(ImportRow.objects.filter(job=job, outcome=RowOutcome.REJECTED).values_list("row_number", flat=True))
    try:
        with transaction.atomic():
            engine = _replayed(job, actor, skip) or _processed(job, actor, skip)
            counts = engine.counts
            written = dict(engine.written)
            summary = {
                "file_name": job.file_name, "sha256": job.file_sha256, "mode": job.commit_mode, "kind": job.kind,
                "new": counts[RowOutcome.NEW], "changed": counts[RowOutcome.CHANGED],
                "unchanged": counts[RowOutcome.UNCHANGED], "rejected": counts[RowOutcome.REJECTED], "written": written,
            }
            ImportJob.objects.filter(pk=job.pk).update(
                state=JobState.COMMITTED, committed_at=timezone.now(), written=written, rows_done=job.total_rows,
                count_new=counts[RowOutcome.NEW], count_changed=counts[RowOutcome.CHANGED],
                count_unchanged=counts[RowOutcome.UNCHANGED], count_rejected=counts[RowOutcome.REJECTED],
            )
            audit.record(actor=actor, verb="spreadsheets.import.commit", target=job, org_path=job.org_path,
                         changes=summary)
            if written.get("created") or written.get("updated") or written.get("moved"):
                tenant = job.org_path[:PATH_STEP]
                transaction.on_commit(lambda: _mark_stale(tenant))
            transaction.on_commit(lambda: _delete_stored(job.stored_name, _progress_name(job), staged_name(job)))
    except _Abort as abort:
        rows = abort.args[0]
        ImportJob.objects.filter(pk=job.pk).update(
            state=JobState.PREVIEW,
            message=_("提交时发现%(n)d行不能导入（第%(r)s行等，数据可能已被他人修改），未写入任何数据；请重新上传校验")
            % {"n": len(rows), "r": "、".join(str(r.row_number) for r in rows[:5])})
    except DomainError as exc:
        ImportJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, message=str(exc.message)[:500])
    except Exception:
        log.exception("import commit of job %s failed", job_id)
        ImportJob.objects.filter(pk=job.pk).update(
            state=JobState.FAILED, message=_("写入时出错，已全部撤销，未写入任何数据；可重新排队"))
    job.refresh_from_db()
    return job


def _replayed(job: ImportJob, actor, skip: frozenset):
    """The commit from the analysis' staged rows (services.staging), in a savepoint: the engine, or None when the
    staging is missing or anything it relied on has changed (then nothing of it is left)."""
    if job.kind != ImportKind.MEMBERS:
        return None
    engine = _engine(job, actor, write=True, skip_rows=skip)
    try:
        chunks = open_staging(job, today=engine.today, orgs=engine.orgs.fingerprint)
    except StagingUnusable as exc:
        log.info("import %s: full commit (%s)", job.pk, exc)
        return None
    try:
        with transaction.atomic():
            for entries in chunks:
                engine.replay(entries)
                write_progress(job, min(entries[-1][0] - job.header_row, job.total_rows))
    except StagingUnusable as exc:
        log.info("import %s: full commit (%s)", job.pk, exc)
        return None
    except (LookupError, TypeError, ValueError, AttributeError):
        # A well-formed file whose entries this code reads otherwise (staged by another release): the
        # savepoint has undone the replay, and the full path does the work.
        log.warning("import %s: staged rows not replayable, full commit", job.pk, exc_info=True)
        return None
    finally:
        chunks.close()
    engine.counts = Counter({RowOutcome.NEW: job.count_new, RowOutcome.CHANGED: job.count_changed,
                             RowOutcome.UNCHANGED: job.count_unchanged, RowOutcome.REJECTED: job.count_rejected})
    return engine


def _processed(job: ImportJob, actor, skip: frozenset):
    """The commit reading and checking the file again, row by row, as the analysis did."""
    table = _open(job)
    engine = _engine(job, actor, write=True, skip_rows=skip)
    for chunk in _chunks(table):
        results = engine.process(chunk)
        fresh = [r for r in results if r.outcome == RowOutcome.REJECTED and r.row_number not in skip]
        if fresh and job.commit_mode == CommitMode.ALL:
            raise _Abort(fresh)
        write_progress(job, min(chunk[-1][0] - table.header_row_number, table.total_rows))
    if engine.late_rejections and job.commit_mode == CommitMode.ALL:
        raise _Abort(engine.late_rejections)
    return engine


def _mark_stale(tenant: str) -> None:
    from grassroots.dashboards.tasks import mark_stale

    mark_stale(tenant)


def import_cancel(*, actor, job: ImportJob) -> ImportJob:
    require(actor, SpreadsheetPerm.IMPORT, job.org_path)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state not in (JobState.PREVIEW, JobState.FAILED, JobState.QUEUED):
            raise DomainError(_("该导入任务当前状态为“%(s)s”，不能取消") % {"s": locked.get_state_display()},
                              code=ImportErrors.WRONG_STATE)
        ImportJob.objects.filter(pk=job.pk).update(state=JobState.CANCELLED)
        audit.record(actor=actor, verb="spreadsheets.import.cancel", target=locked, org_path=locked.org_path)
        transaction.on_commit(lambda: _delete_stored(locked.stored_name, staged_name(locked)))
    job.refresh_from_db()
    return job


def job_is_stale(job: ImportJob, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    beat = job.heartbeat_at
    if job.state == JobState.COMMITTING:
        _done, mtime = read_progress(job)
        beat = max(filter(None, (beat, mtime)), default=None)
    return beat is None or now - beat > rules.STALE_AFTER


def import_requeue(*, actor, job: ImportJob, now: dt.datetime | None = None) -> ImportJob:
    """A job whose worker died (no progress for STALE_AFTER) or that failed for a server-side reason is queued
    again; the commit transaction of a killed worker has left nothing behind."""
    require(actor, SpreadsheetPerm.IMPORT, job.org_path)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        resumable = (locked.state in (JobState.QUEUED, JobState.ANALYZING, JobState.COMMITTING)
                     and job_is_stale(locked, now)) or (locked.state == JobState.FAILED and locked.stored_name
                                                        and stored_path(locked.stored_name).exists())
        if not resumable:
            raise DomainError(_("该任务仍在处理中或无法重新排队"), code=ImportErrors.NOT_STALE)
        committing = locked.state == JobState.COMMITTING or (locked.state == JobState.FAILED and locked.commit_mode)
        state = JobState.COMMITTING if committing else JobState.QUEUED
        ImportJob.objects.filter(pk=job.pk).update(state=state, heartbeat_at=timezone.now(), message="")
        audit.record(actor=actor, verb="spreadsheets.import.requeue", target=locked, org_path=locked.org_path,
                     changes={"state": [locked.state, state]})
        transaction.on_commit(lambda: (_enqueue_commit if committing else _enqueue_analyze)(job.pk))
    job.refresh_from_db()
    return job
