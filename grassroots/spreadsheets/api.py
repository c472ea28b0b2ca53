"""The spreadsheets endpoints, mounted by grassroots/api/api.py at /api/spreadsheets/: upload, job status,
preview rows, commit, error report; background exports and their download. Thin adapters over services and
selectors; lookups are scoped (404 outside the caller's subtree)."""

import datetime as dt
from typing import Literal

from django.http import FileResponse, Http404
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from grassroots.access.scoping import get_scoped_or_404
from grassroots.api.schemas import ERROR_STATUSES, ErrorOut, Id, text
from grassroots.core.errors import DomainError
from grassroots.orgs.models import Organization
from grassroots.spreadsheets import selectors, services
from grassroots.spreadsheets.choices import CommitMode, ExportKind, ImportKind, RowOutcome
from grassroots.spreadsheets.exports import XLSX_CONTENT_TYPE
from grassroots.spreadsheets.permissions import SpreadsheetPerm

router = Router()
ERRORS = {ERROR_STATUSES: ErrorOut}


class ImportJobOut(Schema):
    id: int
    kind: str
    state: str
    org_id: int
    file_name: str
    file_sha256: str
    file_size: int
    sheet_name: str
    header_row: int | None
    total_rows: int
    rows_done: int
    percent: int
    count_new: int
    count_changed: int
    count_unchanged: int
    count_rejected: int
    commit_mode: str
    committed_at: dt.datetime | None
    written: dict
    message: str
    has_error_report: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_rows_done(obj) -> int:
        return selectors.job_progress(obj)[0]

    @staticmethod
    def resolve_percent(obj) -> int:
        return selectors.job_progress(obj)[2]

    @staticmethod
    def resolve_has_error_report(obj) -> bool:
        return bool(obj.report_name)


class RowErrorOut(Schema):
    column: str
    message: str


class ImportRowOut(Schema):
    row_number: int
    outcome: str
    label: str
    errors: list[RowErrorOut]
    changes: dict


class ImportRowsOut(Schema):
    items: list[ImportRowOut]
    page: int
    has_next: bool


class RowsQuery(Schema):
    outcome: Literal["rejected", "changed"] = RowOutcome.REJECTED
    page: int = Field(1, ge=1, le=100_000)


class CommitIn(Schema):
    mode: CommitMode


class ExportIn(Schema):
    kind: ExportKind
    org: Id | None = Field(None, description="党组织ID：导出该组织及其下级；省略则为全部管辖范围")
    reveal: bool = False
    reason: text(200, strip=True) = ""


class ExportJobOut(Schema):
    id: int
    kind: str
    state: str
    reveal: bool
    row_count: int
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class UploadIn(Schema):
    kind: ImportKind
    org: Id = Field(description="导入到的党组织ID")
    sheet_name: text(100, strip=True) = Field("", description="工作表名称；省略则用第一个可见工作表")
    include_hidden: bool = Field(False, description="允许导入隐藏工作表（须给出其名称）")


@router.post("/imports", response={201: ImportJobOut, **ERRORS}, url_name="import_upload",
             summary="上传Excel（党员或党组织），后台解析校验")
def import_upload(request, payload: Form[UploadIn], file: File[UploadedFile]):
    target = get_scoped_or_404(Organization, request.auth, SpreadsheetPerm.IMPORT, pk=payload.org)
    job = services.import_upload(actor=request.auth, org=target, kind=payload.kind, upload=file,
                                 sheet_name=payload.sheet_name, include_hidden=payload.include_hidden)
    return Status(201, job)


@router.get("/imports", response={200: list[ImportJobOut], **ERRORS}, url_name="import_list", summary="导入记录")
def import_list(request, org: Id | None = None):
    target = get_scoped_or_404(Organization, request.auth, SpreadsheetPerm.VIEW, pk=org) if org else None
    return selectors.import_jobs(request.auth, org=target)


@router.get("/imports/{job_id}", response={200: ImportJobOut, **ERRORS}, url_name="import_status",
            summary="导入任务状态与进度")
def import_status(request, job_id: int):
    return selectors.import_job_get(request.auth, job_id)


@router.get("/imports/{job_id}/rows", response={200: ImportRowsOut, **ERRORS}, url_name="import_preview",
            summary="预览：有错误的行或变更的记录（分页）")
def import_preview(request, job_id: int, query: Query[RowsQuery]):
    job = selectors.import_job_get(request.auth, job_id)
    page = selectors.import_rows(job, query.outcome, query.page)
    return {"items": page.items, "page": page.number, "has_next": page.has_next}


@router.post("/imports/{job_id}/commit", response={202: ImportJobOut, **ERRORS}, url_name="import_commit",
             summary="确认导入（all：全部，有错误行则拒绝；valid_only：只导入正确的行）")
def import_commit(request, job_id: int, payload: CommitIn):
    job = selectors.import_job_get(request.auth, job_id, perm=SpreadsheetPerm.IMPORT)
    return Status(202, services.import_commit(actor=request.auth, job=job, mode=payload.mode))


@router.get("/imports/{job_id}/report", response={200: None, **ERRORS}, url_name="import_report",
            summary="下载错误报告（原始行加错误原因列）")
def import_report(request, job_id: int):
    job = selectors.import_job_get(request.auth, job_id)
    try:
        path = services.import_report_download(actor=request.auth, job=job)
    except DomainError as exc:
        raise Http404 from exc
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"errors-{job.pk}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


@router.post("/exports", response={202: ExportJobOut, **ERRORS}, url_name="export_create",
             summary="后台导出花名册或党组织名册（脱敏，除非有权限并填写事由）")
def export_create(request, payload: ExportIn):
    actor = request.auth
    org = get_scoped_or_404(Organization, actor, "members.export", pk=payload.org) if payload.org else None
    params = {"org_path": org.path} if org else {}
    if payload.kind == ExportKind.ROSTER:
        params["state"] = "active"
    job = services.export_queue(actor=actor, kind=payload.kind, params=params, reveal=payload.reveal,
                                reason=payload.reason, title=f"{org.name if org else ''}{payload.kind.label}",
                                org_path=org.path if org else "")
    return Status(202, job)


@router.get("/exports/{job_id}", response={200: ExportJobOut, **ERRORS}, url_name="export_status",
            summary="导出任务状态")
def export_status(request, job_id: int):
    return selectors.export_job_get(request.auth, job_id)


@router.get("/exports/{job_id}/download", response={200: None, **ERRORS}, url_name="export_download",
            summary="下载导出文件（仅导出人本人）")
def export_download(request, job_id: int):
    job = selectors.export_job_get(request.auth, job_id)
    try:
        path = services.export_download(actor=request.auth, job=job)
    except DomainError as exc:
        raise Http404 from exc
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"{job.kind}-{job.pk}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)
