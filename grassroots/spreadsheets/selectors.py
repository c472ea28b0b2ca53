"""Reads of the spreadsheets module: import jobs and their preview rows, export jobs, and the registers the
export service writes (the roster through members, the organization list here). All start from visible_to."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from grassroots.access.scoping import get_scoped_or_404
from grassroots.core.masking import mask_phone
from grassroots.core.paths import subtree_q
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.choices import OrgForm, OrgKind, OrgSector, OrgStatus
from grassroots.orgs.models import Organization
from grassroots.spreadsheets import rules
from grassroots.spreadsheets.choices import ExportKind, JobState, RowOutcome
from grassroots.spreadsheets.exports import ExportColumn, ExportSpec
from grassroots.spreadsheets.models import ExportJob, ImportJob, ImportRow
from grassroots.spreadsheets.permissions import SpreadsheetPerm


def import_jobs(actor, *, org: Organization | None = None, limit: int = 100) -> list[ImportJob]:
    """Import history: the actor's visible jobs, or those of one organization (newest first)."""
    qs = ImportJob.objects.visible_to(actor, SpreadsheetPerm.VIEW).select_related("org", "created_by", "committed_by")
    if org is not None:
        qs = qs.filter(org=org)
    return list(qs.order_by("-id")[:limit])


def import_job_get(actor, pk: int, perm: str = SpreadsheetPerm.VIEW) -> ImportJob:
    return get_scoped_or_404(ImportJob.objects.select_related("org", "created_by", "committed_by"), actor, perm, pk=pk)


@dataclass
class RowPage:
    items: list[ImportRow]
    number: int
    has_next: bool
    has_prev: bool


def import_rows(job: ImportJob, outcome: str, page: int = 1, page_size: int = rules.PREVIEW_PAGE_SIZE) -> RowPage:
    """Rejected or changed rows of a job in row order (the caller has checked access to the job)."""
    page = max(1, min(page, 100_000))
    offset = (page - 1) * page_size
    rows = list(ImportRow.objects.filter(job=job, outcome=outcome).order_by("row_number", "id")
                [offset: offset + page_size + 1])
    return RowPage(rows[:page_size], page, len(rows) > page_size, page > 1)


def job_progress(job: ImportJob) -> tuple[int, int, int]:
    """(rows done, total, percent). The commit phase reports through its progress file."""
    from grassroots.spreadsheets.services import read_progress

    done = job.rows_done
    if job.state == JobState.COMMITTING:
        done, _mtime = read_progress(job)
    total = job.total_rows
    if job.state in (JobState.PREVIEW, JobState.COMMITTED):
        done = total
    percent = 100 if not total and job.state in (JobState.PREVIEW, JobState.COMMITTED) else (
        min(100, round(done * 100 / total)) if total else 0)
    return done, total, percent


def export_job_get(actor, pk: int) -> ExportJob:
    """Only the user who asked for an export sees its job (its file may hold revealed personal data)."""
    job = ExportJob.objects.filter(pk=pk, created_by=actor).first() if actor.is_authenticated else None
    if job is None:
        raise Http404
    return job


def export_jobs(actor, limit: int = 20) -> list[ExportJob]:
    return list(ExportJob.objects.filter(created_by=actor).order_by("-id")[:limit])


# --- registers ----------------------------------------------------------------------------------------------

ORG_EXPORT_COLUMNS = (*tuple(ExportColumn(c.header, 24 if c.field in ("name", "parent", "address") else 12) for c in rules.ORG_COLUMNS), ExportColumn("状态", 8))
_ORG_LABELS = {name: {code: str(label) for code, label in choices.choices}
               for name, choices in (("kind", OrgKind), ("sector", OrgSector), ("form", OrgForm),
                                     ("status", OrgStatus))}


def org_list_queryset(actor, root_path: str | None):
    qs = Organization.objects.visible_to(actor, MemberPerm.EXPORT)
    if root_path:
        qs = qs.filter(subtree_q("path", root_path))
    return qs


def org_list_rows(qs, *, reveal: bool):
    """The organization list in tree order (a parent before its children, so the file imports back)."""
    fields = ("name", "code", "parent__name", "kind", "sector", "form", "founded_on", "term_started_on",
              "contact_name", "contact_phone", "address", "status")
    for index, row in enumerate(qs.order_by("path").values_list(*fields).iterator(chunk_size=2000), 1):
        r = dict(zip(fields, row, strict=True))
        yield [index, r["name"], r["code"], r["parent__name"], _ORG_LABELS["kind"].get(r["kind"], ""),
               _ORG_LABELS["sector"].get(r["sector"], ""), _ORG_LABELS["form"].get(r["form"], ""), r["founded_on"],
               r["term_started_on"], r["contact_name"], r["contact_phone"] if reveal else mask_phone(r["contact_phone"]),
               r["address"], _ORG_LABELS["status"].get(r["status"], "")]


def export_spec(actor, kind: str, params: dict, *, reveal: bool) -> ExportSpec:
    if kind == ExportKind.ROSTER:
        from grassroots.members.exports import roster_spec
        from grassroots.members.selectors import MemberFilters
        from grassroots.members.services import member_roster_queryset

        filters = MemberFilters(**{k: v for k, v in params.items() if k in MemberFilters.__dataclass_fields__})
        return roster_spec(member_roster_queryset(actor=actor, filters=filters, reveal=reveal))
    if kind == ExportKind.ORGS:
        qs = org_list_queryset(actor, params.get("org_path"))
        return ExportSpec(verb="orgs.list.export", sheet_name="党组织名册", columns=ORG_EXPORT_COLUMNS,
                          rows=lambda reveal_: org_list_rows(qs, reveal=reveal_), export_perm=MemberPerm.EXPORT,
                          reveal_perm=MemberPerm.REVEAL)
    raise Http404


def export_size(actor, kind: str, params: dict, *, reveal: bool) -> int:
    """Rows an export would hold, counted only up to the inline limit (no COUNT(*) over millions)."""
    cap = rules.EXPORT_INLINE_MAX_ROWS + 1
    if kind == ExportKind.ROSTER:
        from grassroots.members.selectors import MemberFilters
        from grassroots.members.services import member_roster_queryset

        filters = MemberFilters(**{k: v for k, v in params.items() if k in MemberFilters.__dataclass_fields__})
        return member_roster_queryset(actor=actor, filters=filters, reveal=reveal).order_by()[:cap].count()
    return org_list_queryset(actor, params.get("org_path")).order_by()[:cap].count()



OUTCOME_TABS = (RowOutcome.REJECTED, RowOutcome.CHANGED)
