"""Import and export pages: upload, the job page (progress polled with HTMX, preview, commit), the error report,
import history per organization, the organization-list export and the download page of large exports."""

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can, get_scoped_or_404, has_perm_anywhere
from grassroots.core.errors import DomainError
from grassroots.core.views import add_domain_error, clean_text, scoped_view
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.models import Organization
from grassroots.spreadsheets import selectors, services
from grassroots.spreadsheets.choices import RUNNING_STATES, ExportKind, ExportState, JobState, RowOutcome
from grassroots.spreadsheets.exports import XLSX_CONTENT_TYPE
from grassroots.spreadsheets.forms import CommitForm, ExportForm, UploadForm
from grassroots.spreadsheets.permissions import SpreadsheetPerm


def _require_view(user):
    if not has_perm_anywhere(user, SpreadsheetPerm.VIEW):
        raise Http404


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@scoped_view
def import_list(request):
    """Import history: everything the user may see, or one organization's imports (?org=)."""
    _require_view(request.user)
    org = None
    if request.GET.get("org"):
        try:
            org = get_scoped_or_404(Organization, request.user, SpreadsheetPerm.VIEW, pk=int(request.GET["org"]))
        except ValueError as exc:
            raise Http404 from exc
    context = {
        "page_title": f"导入记录 · {org.name}" if org else "导入记录",
        "org": org, "jobs": selectors.import_jobs(request.user, org=org),
        "can_import": has_perm_anywhere(request.user, SpreadsheetPerm.IMPORT),
        "can_export": has_perm_anywhere(request.user, MemberPerm.EXPORT),
        "exports": selectors.export_jobs(request.user),
    }
    return render(request, "spreadsheets/import_list.html", context)


@scoped_view
@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not has_perm_anywhere(request.user, SpreadsheetPerm.IMPORT):
        raise Http404
    chosen = request.POST.get("org") or request.GET.get("org")
    try:  # the organization is checked first: out of scope is 404 whatever else the form holds
        org = get_scoped_or_404(Organization, request.user, SpreadsheetPerm.IMPORT, pk=int(chosen)) if chosen else None
    except ValueError as exc:
        raise Http404 from exc
    initial = {"org": org.pk if org else None, "kind": request.GET.get("kind") or "members"}
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_upload(
                actor=request.user, org=org, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                sheet_name=clean_text(form.cleaned_data["sheet_name"], 100),
                include_hidden=form.cleaned_data["include_hidden"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("spreadsheets:import_detail", pk=job.pk)
    return render(request, "spreadsheets/import_upload.html", {"page_title": "导入Excel", "form": form},
                  status=400 if form.errors else 200)


def _job_context(request, job, **extra) -> dict:
    done, total, percent = selectors.job_progress(job)
    tab = request.GET.get("tab") if request.GET.get("tab") in (RowOutcome.REJECTED, RowOutcome.CHANGED) else (
        RowOutcome.REJECTED if job.count_rejected else RowOutcome.CHANGED)
    show_rows = job.state in (JobState.PREVIEW, JobState.COMMITTED, JobState.COMMITTING)
    can_import = can(request.user, SpreadsheetPerm.IMPORT, job.org_path)
    return {
        "page_title": f"导入 · {job.file_name}", "job": job, "done": done, "total": total, "percent": percent,
        "running": job.state in RUNNING_STATES, "tab": tab,
        "rows": selectors.import_rows(job, tab, _page_number(request)) if show_rows else None,
        "can_import": can_import, "commit_form": extra.pop("commit_form", None) or CommitForm(
            initial={"mode": "valid_only" if job.count_rejected else "all"}),
        "stale": job.state in RUNNING_STATES and services.job_is_stale(job),
        "earlier": list(services.same_file_imports(job)[:3]) if job.state == JobState.PREVIEW else [],
        **extra,
    }


@scoped_view
def import_detail(request, pk: int):
    job = selectors.import_job_get(request.user, pk)
    return render(request, "spreadsheets/import_detail.html", _job_context(request, job))


@scoped_view
def import_progress(request, pk: int):
    """The HTMX poll: a progress bar while the job runs; once it has finished, the whole page reloads."""
    job = selectors.import_job_get(request.user, pk)
    context = _job_context(request, job)
    response = render(request, "spreadsheets/partials/import_progress.html", context)
    if not context["running"] and request.GET.get("was") == "running":
        response["HX-Refresh"] = "true"
    return response


@scoped_view
def import_rows(request, pk: int):
    job = selectors.import_job_get(request.user, pk)
    return render(request, "spreadsheets/partials/import_rows.html", _job_context(request, job))


@scoped_view
@require_POST
def import_commit(request, pk: int):
    job = selectors.import_job_get(request.user, pk, perm=SpreadsheetPerm.IMPORT)
    form = CommitForm(request.POST)
    if form.is_valid():
        try:
            services.import_commit(actor=request.user, job=job, mode=form.cleaned_data["mode"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已开始写入，完成后本页自动刷新")
            return redirect("spreadsheets:import_detail", pk=job.pk)
    return render(request, "spreadsheets/import_detail.html", _job_context(request, job, commit_form=form), status=400)


@scoped_view
@require_POST
def import_cancel(request, pk: int):
    job = selectors.import_job_get(request.user, pk, perm=SpreadsheetPerm.IMPORT)
    try:
        services.import_cancel(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("spreadsheets:import_detail", pk=job.pk)


@scoped_view
@require_POST
def import_requeue(request, pk: int):
    job = selectors.import_job_get(request.user, pk, perm=SpreadsheetPerm.IMPORT)
    try:
        services.import_requeue(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, "已重新排队")
    return redirect("spreadsheets:import_detail", pk=job.pk)


@scoped_view
def import_report(request, pk: int):
    job = selectors.import_job_get(request.user, pk)
    try:
        path = services.import_report_download(actor=request.user, job=job)
    except DomainError as exc:
        raise Http404 from exc
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"errors-{job.pk}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


# --- exports ------------------------------------------------------------------------------------------------


def export_response(request, *, kind: str, params: dict, reveal: bool, reason: str, title: str, org_path: str):
    """Small exports download at once; large ones become a job and the user is sent to its page."""
    content, _count, job = services.export_request(actor=request.user, kind=kind, params=params, reveal=reveal,
                                                   reason=reason, title=title, org_path=org_path)
    if job is not None:
        messages.info(request, "数据较多，已转为后台生成；生成后可在本页下载")
        return redirect("spreadsheets:export_detail", pk=job.pk)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind}-{dt.datetime.now():%Y%m%d%H%M}.xlsx"'
    return response


@scoped_view
@require_http_methods(["GET", "POST"])
def export_orgs(request):
    """The organization list (党组织名册) of the user's scope or of one organization's subtree."""
    if not has_perm_anywhere(request.user, MemberPerm.EXPORT):
        raise Http404
    org = None
    if request.GET.get("org"):
        try:
            org = get_scoped_or_404(Organization, request.user, MemberPerm.EXPORT, pk=int(request.GET["org"]))
        except ValueError as exc:
            raise Http404 from exc
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return export_response(
                request, kind=ExportKind.ORGS, params={"org_path": org.path if org else ""},
                reveal=form.cleaned_data["reveal"], reason=clean_text(form.cleaned_data["reason"], 200),
                title=f"{org.name if org else ''}党组织名册", org_path=org.path if org else "",
            )
        except DomainError as exc:
            add_domain_error(form, exc)
    return render(request, "spreadsheets/export_orgs.html", {
        "page_title": "导出党组织名册", "form": form, "org": org,
        "can_reveal": has_perm_anywhere(request.user, MemberPerm.REVEAL),
    }, status=400 if form.errors else 200)


@scoped_view
def export_detail(request, pk: int):
    job = selectors.export_job_get(request.user, pk)
    context = {"page_title": "导出文件", "job": job, "running": job.state in (ExportState.QUEUED, ExportState.RUNNING)}
    if request.htmx:
        response = render(request, "spreadsheets/partials/export_status.html", context)
        if not context["running"]:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "spreadsheets/export_detail.html", context)


@scoped_view
def export_download(request, pk: int):
    job = selectors.export_job_get(request.user, pk)
    try:
        path = services.export_download(actor=request.user, job=job)
    except DomainError as exc:
        raise Http404 from exc
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"{job.kind}-{job.pk}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)
