"""The upload: store the file, check what it really is, create the job and queue its analysis."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.errors import ValidationFailed
from grassroots.core.models import AuditOutcome
from grassroots.orgs.models import Organization
from grassroots.spreadsheets import parsing, rules
from grassroots.spreadsheets.choices import ImportKind, JobState
from grassroots.spreadsheets.models import ImportJob
from grassroots.spreadsheets.permissions import SpreadsheetPerm
from grassroots.spreadsheets.services.storage import stored_path


def import_upload(*, actor, org: Organization, kind: str, upload, sheet_name: str = "",
                  include_hidden: bool = False) -> ImportJob:
    """Store the file (chunked, hashed), check what it really is, create the job and queue its analysis.
    A refused file is audited and deleted; the error names the reason in Chinese."""
    require(actor, SpreadsheetPerm.IMPORT, org)
    if kind not in ImportKind.values:
        raise ValidationFailed({"kind": [_("请选择导入内容")]})
    file_name = Path(getattr(upload, "name", "") or "upload").name[:200]
    size = getattr(upload, "size", None)
    if size is not None and size > rules.MAX_FILE_BYTES:
        _refuse(actor, org, file_name, _("文件太大（%(s).1f MB），上限为 %(m)d MB；请拆分后分批导入")
                % {"s": size / 1048576, "m": rules.MAX_FILE_BYTES // 1048576})
    name = f"imports/{uuid.uuid4().hex}.upload"
    path = stored_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    try:
        with open(path, "wb") as out:
            for block in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
                written += len(block)
                if written > rules.MAX_FILE_BYTES:
                    raise parsing.FileRejected(_("文件太大，上限为 %(m)d MB；请拆分后分批导入")
                                               % {"m": rules.MAX_FILE_BYTES // 1048576})
                digest.update(block)
                out.write(block)
        fmt = parsing.sniff(path, file_name)
        sheets = parsing.list_sheets(path, fmt)
        chosen = [s for s in sheets if s.name == sheet_name]
        if sheet_name and not chosen:
            raise parsing.FileRejected(_("文件中没有名为“%(n)s”的工作表") % {"n": sheet_name})
        if chosen and not chosen[0].visible and not include_hidden:
            raise parsing.FileRejected(_("工作表“%(n)s”是隐藏的；如确需导入，请勾选“允许导入隐藏工作表”") % {"n": sheet_name})
    except parsing.FileRejected as exc:
        path.unlink(missing_ok=True)
        _refuse(actor, org, file_name, str(exc.message))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    sha = digest.hexdigest()
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, org=org, org_path=org.path, file_name=file_name, file_sha256=sha, file_size=written,
            file_format=fmt, stored_name=name, sheet_name=sheet_name, include_hidden=include_hidden,
            created_by=actor, heartbeat_at=timezone.now(),
        )
        audit.record(actor=actor, verb="spreadsheets.import.upload", target=job, org_path=org.path,
                     changes={"file_name": file_name, "sha256": sha, "size": written, "kind": kind})
        transaction.on_commit(lambda: _enqueue_analyze(job.pk))
    return job


def _refuse(actor, org, file_name: str, message: str):
    with transaction.atomic():
        audit.record(actor=actor, verb="spreadsheets.import.upload", org_path=org.path, outcome=AuditOutcome.FAILURE,
                     changes={"file_name": file_name}, reason=message)
    raise parsing.FileRejected(message, field="file")


def _enqueue_analyze(job_id: int) -> None:
    from grassroots.spreadsheets.tasks import import_analyze_task

    import_analyze_task.enqueue(job_id)


def _enqueue_commit(job_id: int) -> None:
    from grassroots.spreadsheets.tasks import import_commit_task

    import_commit_task.enqueue(job_id)


def same_file_imports(job: ImportJob):
    """Earlier committed imports of the same file (same SHA-256) into the same organization."""
    return ImportJob.objects.filter(file_sha256=job.file_sha256, org=job.org, state=JobState.COMMITTED).exclude(pk=job.pk)
