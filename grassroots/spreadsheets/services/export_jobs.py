"""Exports: small ones at once, large ones as background jobs."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import audit
from grassroots.core.errors import DomainError
from grassroots.spreadsheets import rules
from grassroots.spreadsheets.choices import ExportState
from grassroots.spreadsheets.models import ExportJob
from grassroots.spreadsheets.services.storage import stored_path

log = logging.getLogger(__package__)  # the logger of the former single module


def _export_spec(job_or_params, actor):
    """The register an export job names, rebuilt from its stored parameters (scoped to the actor again)."""
    from grassroots.spreadsheets.selectors import export_spec

    return export_spec(actor, job_or_params.kind, job_or_params.params, reveal=job_or_params.reveal)


def export_request(*, actor, kind: str, params: dict, reveal: bool = False, reason: str = "", title: str = "",
                   org_path: str = "") -> tuple[bytes | None, int, ExportJob | None]:
    """Small exports are returned at once as bytes; above EXPORT_INLINE_MAX_ROWS an export job is queued and
    the file is downloaded from its page when ready. Either way gated, watermarked and audited."""
    from grassroots.spreadsheets.exports import check_gates, export_bytes
    from grassroots.spreadsheets.selectors import export_size, export_spec

    spec = export_spec(actor, kind, params, reveal=reveal)
    check_gates(actor, spec, reveal=reveal, reason=reason)
    if export_size(actor, kind, params, reveal=reveal) <= rules.EXPORT_INLINE_MAX_ROWS:
        content, count = export_bytes(actor, spec, reveal=reveal, reason=reason, title=title, org_path=org_path,
                                      filters=params)
        return content, count, None
    return None, 0, export_queue(actor=actor, kind=kind, params=params, reveal=reveal, reason=reason, title=title,
                                 org_path=org_path)


def export_queue(*, actor, kind: str, params: dict, reveal: bool = False, reason: str = "", title: str = "",
                 org_path: str = "") -> ExportJob:
    """An export as a background job (the API always uses this; pages do above the inline limit)."""
    from grassroots.spreadsheets.exports import check_gates
    from grassroots.spreadsheets.selectors import export_spec

    check_gates(actor, export_spec(actor, kind, params, reveal=reveal), reveal=reveal, reason=reason)
    with transaction.atomic():
        job = ExportJob.objects.create(kind=kind, org_path=org_path, params=params, reveal=reveal, reason=reason[:200],
                                       title=title[:200], created_by=actor)
        audit.record(actor=actor, verb="spreadsheets.export.queued", target=job, org_path=org_path,
                     changes={"kind": kind, "revealed": reveal, "filters": params}, reason=reason)
        transaction.on_commit(lambda: _enqueue_export(job.pk))
    return job


def _enqueue_export(job_id: int) -> None:
    from grassroots.spreadsheets.tasks import export_task

    export_task.enqueue(job_id)


def export_run(job_id: int) -> ExportJob | None:
    from grassroots.spreadsheets.exports import export_register

    job = ExportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.state not in (ExportState.QUEUED, ExportState.RUNNING):
        return job
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING)
    name = f"exports/{job.pk}-{uuid.uuid4().hex}.xlsx"
    path = stored_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        spec = _export_spec(job, job.created_by)
        count = export_register(job.created_by, spec, path, reveal=job.reveal, reason=job.reason, title=job.title,
                                org_path=job.org_path, filters=job.params)
    except DomainError as exc:
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(state=ExportState.FAILED, message=str(exc.message)[:500])
    except Exception:
        path.unlink(missing_ok=True)
        log.exception("export job %s failed", job_id)
        ExportJob.objects.filter(pk=job.pk).update(state=ExportState.FAILED, message=_("生成文件时出错，已记录"))
    else:
        ExportJob.objects.filter(pk=job.pk).update(state=ExportState.READY, stored_name=name, row_count=count,
                                                   finished_at=timezone.now())
    job.refresh_from_db()
    return job


def export_download(*, actor, job: ExportJob) -> Path:
    """Only the user who asked for the export downloads it; each download is audited."""
    if job.created_by_id != actor.pk or job.state != ExportState.READY or not stored_path(job.stored_name).exists():
        raise DomainError(_("文件不存在或尚未生成"), code="spreadsheet_export_not_ready")
    with transaction.atomic():
        audit.record(actor=actor, verb="spreadsheets.export.download", target=job, org_path=job.org_path,
                     changes={"rows": job.row_count, "revealed": job.reveal})
    return stored_path(job.stored_name)
