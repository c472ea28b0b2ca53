"""Reads of the development pipeline. Every one starts from visible_to(actor, perm); counts are SQL aggregates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from grassroots.access.scoping import get_scoped_or_404
from grassroots.core.pagination import Page, capped_count, keyset_page
from grassroots.core.paths import subtree_q
from grassroots.development import rules
from grassroots.development.choices import OPEN_STAGES, NoticeStatus, RecommendationMethod, ReviewResult, Stage
from grassroots.development.models import (
    AdmissionPlan,
    Applicant,
    Notice,
    Objection,
    RightsSuspension,
    Step,
    Vote,
)
from grassroots.development.permissions import DevelopmentPerm
from grassroots.orgs.models import PATH_STEP, Organization

LIST_COLUMNS = ("id", "org_id", "org_path", "name", "gender", "stage", "applied_on", "activist_on", "candidate_on",
                "admitted_on", "probation_ends_on", "next_step", "next_due_on", "next_due_deadline", "version",
                "id_number_masked", "phone_masked")


def applicant_queryset(actor, *, org_path: str | None = None, stage: str = "", q: str = "", perm=DevelopmentPerm.VIEW):
    qs = Applicant.objects.filter(subtree_q("org_path", org_path)) if org_path else Applicant.objects.all()
    qs = qs.visible_to(actor, perm)
    if stage == "open":
        qs = qs.filter(stage__in=OPEN_STAGES)
    elif stage == "overdue":
        qs = qs.filter(stage__in=OPEN_STAGES, next_due_deadline=True, next_due_on__lt=timezone.localdate())
    elif stage:
        qs = qs.filter(stage=stage)
    term = (q or "").strip()
    if term:
        qs = qs.filter(name__contains=term)
    return qs


def applicant_list(actor, *, org_path=None, stage="", q="", page_size=50, after=None, before=None, page=None) -> Page:
    qs = applicant_queryset(actor, org_path=org_path, stage=stage, q=q).select_related("org").only(*LIST_COLUMNS, "org__name")
    result = keyset_page(qs, key_fields=("org_path", "id"), page_size=page_size, after=after, before=before, page=page)
    result.total, result.total_capped = capped_count(applicant_queryset(actor, org_path=org_path, stage=stage, q=q))
    return result


def applicant_get(actor, pk: int, perm=DevelopmentPerm.VIEW) -> Applicant:
    return get_scoped_or_404(Applicant.objects.select_related("org", "member"), actor, perm, pk=pk)


def step_get(actor, applicant_id: int, pk: int, perm=DevelopmentPerm.VIEW) -> Step:
    """One recorded step of a person's file (404 outside the actor's subtree, as for the file)."""
    return get_scoped_or_404(Step.objects.select_related("applicant"), actor, perm, pk=pk, applicant_id=applicant_id)


@dataclass
class StepRow:
    step: rules.StepDef
    records: list = field(default_factory=list)
    done: bool = False
    next: bool = False
    open: bool = False  # a record may be added now (the next step, or a repeatable step still running)


def applicant_timeline(applicant: Applicant) -> list[StepRow]:
    """The 25 steps with what was recorded for each (two queries: steps and votes)."""
    rows = {step.code: StepRow(step) for step in rules.STEPS}
    labels = {step.code: {e.name: e.label for e in step.evidence} for step in rules.STEPS}
    for record in applicant.steps.order_by("number", "occurred_on", "id"):
        row = rows[record.code]
        record.display = [(labels[record.code].get(k, k), _display(v)) for k, v in record.evidence.items()
                          if v not in (None, "", []) and k not in ("done_by", "outcome")]
        row.records.append(record)
        row.done = row.done or record.completed
    ordered = list(rows.values())
    first_pending = next((r for r in ordered if not r.done), None)
    if first_pending is not None and applicant.stage in (*OPEN_STAGES, Stage.FULL):
        first_pending.next = first_pending.open = True
        previous = ordered[first_pending.step.number - 2] if first_pending.step.number > 1 else None
        if previous is not None and previous.step.repeatable:
            previous.open = True
    return ordered


def _display(value) -> str:
    if isinstance(value, list):
        return "、".join(str(v.get("name", v)) if isinstance(v, dict) else str(v) for v in value)
    choices_map = {**dict(ReviewResult.choices), **dict(RecommendationMethod.choices)}
    return str(choices_map.get(value, value))


def applicant_votes(applicant: Applicant) -> list[Vote]:
    return list(applicant.votes.order_by("meeting_on", "id"))


def applicant_notices(applicant: Applicant) -> list[Notice]:
    notices = list(applicant.notices.order_by("published_on", "id"))
    objections: dict[int, list[Objection]] = {}
    for row in Objection.objects.filter(notice__in=notices).order_by("received_on", "id"):
        objections.setdefault(row.notice_id, []).append(row)
    for notice in notices:
        notice.objection_list = objections.get(notice.pk, [])
    return notices


def notice_get(actor, pk: int, perm=DevelopmentPerm.VIEW) -> Notice:
    return get_scoped_or_404(Notice.objects.select_related("applicant"), actor, perm, pk=pk)


def objection_get(actor, pk: int, perm=DevelopmentPerm.VIEW) -> Objection:
    return get_scoped_or_404(Objection.objects.select_related("notice__applicant"), actor, perm, pk=pk)


def public_notice_get(pk: int, today: dt.date | None = None) -> Notice | None:
    """A notice as the notice board shows it: only while published (not withdrawn, not in the future)."""
    today = today or timezone.localdate()
    return (Notice.objects.filter(pk=pk, status=NoticeStatus.PUBLISHED, published_on__lte=today)
            .only("id", "stage", "public_name", "public_org", "published_on", "ends_on", "working_days", "contact")
            .first())


def public_notice_list(org_path: str, today: dt.date | None = None) -> list[Notice]:
    today = today or timezone.localdate()
    return list(Notice.objects.filter(subtree_q("org_path", org_path), status=NoticeStatus.PUBLISHED,
                                      published_on__lte=today, ends_on__gte=today)
                .only("id", "stage", "public_name", "public_org", "published_on", "ends_on").order_by("-published_on")[:100])


# --- the pipeline board -------------------------------------------------------------------------------------------
@dataclass
class BoardRow:
    org: Organization | None
    counts: dict
    overdue: int = 0
    admitted: int = 0
    planned: int | None = None


@dataclass
class Board:
    org: Organization
    year: int
    total: BoardRow
    children: list[BoardRow]
    due: list[Applicant]


def _stage_counts(qs, group: str | None = None):
    fields = ["stage"] if group is None else [group, "stage"]
    return qs.values(*fields).annotate(n=Count("id")).order_by()


def pipeline_board(actor, org: Organization, today: dt.date | None = None, due_limit: int = 20) -> Board:
    """People per stage, overdue items and this year's admissions against plan, for the org and each child:
    a handful of grouped queries whatever the subtree's size."""
    today = today or timezone.localdate()
    year = today.year
    base = Applicant.objects.filter(subtree_q("org_path", org.path)).visible_to(actor, DevelopmentPerm.VIEW)
    child_len = len(org.path) + PATH_STEP
    children = list(Organization.objects.filter(parent=org, status="active").order_by("path").only("id", "path", "name"))
    total = BoardRow(org, {s: 0 for s in Stage.values})
    per_child = {c.path: BoardRow(c, {s: 0 for s in Stage.values}) for c in children}
    grouped = base.annotate(child=Substr("org_path", 1, child_len))
    for row in _stage_counts(grouped, "child"):
        total.counts[row["stage"]] += row["n"]
        if row["child"] in per_child:
            per_child[row["child"]].counts[row["stage"]] += row["n"]
    overdue = (grouped.filter(stage__in=OPEN_STAGES, next_due_deadline=True, next_due_on__lt=today)
               .values("child").annotate(n=Count("id")).order_by())
    admitted = (grouped.filter(admitted_on__gte=dt.date(year, 1, 1), admitted_on__lte=dt.date(year, 12, 31))
                .values("child").annotate(n=Count("id")).order_by())
    for source, attr in ((overdue, "overdue"), (admitted, "admitted")):
        for row in source:
            setattr(total, attr, getattr(total, attr) + row["n"])
            if row["child"] in per_child:
                setattr(per_child[row["child"]], attr, row["n"])
    plans = dict(AdmissionPlan.objects.filter(org__in=[org, *children], year=year).values_list("org_id", "planned"))
    total.planned = plans.get(org.pk)
    for row in per_child.values():
        row.planned = plans.get(row.org.pk)
    if total.planned is None and any(r.planned is not None for r in per_child.values()):
        total.planned = sum(r.planned or 0 for r in per_child.values())
    due = list(base.filter(stage__in=OPEN_STAGES, next_due_on__lte=today + dt.timedelta(days=rules.configured(rules.REMINDER_DAYS)))
               .select_related("org").only(*LIST_COLUMNS, "org__name").order_by("next_due_on", "id")[:due_limit])
    return Board(org=org, year=year, total=total, children=list(per_child.values()), due=due)


def due_summary(actor, org: Organization, today: dt.date | None = None, limit: int = 8) -> tuple[int, int, list[Applicant]]:
    """(overdue, due soon, the first items) for the dashboard panel."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=rules.configured(rules.REMINDER_DAYS))
    qs = (Applicant.objects.filter(subtree_q("org_path", org.path)).visible_to(actor, DevelopmentPerm.VIEW)
          .filter(stage__in=OPEN_STAGES, next_due_on__lte=soon))
    counts = qs.aggregate(overdue=Count("id", filter=Q(next_due_deadline=True, next_due_on__lt=today)), all=Count("id"))
    items = list(qs.select_related("org").only(*LIST_COLUMNS, "org__name").order_by("next_due_on", "id")[:limit])
    return counts["overdue"], counts["all"] - counts["overdue"], items


def plan_total(actor, org: Organization, year: int) -> int | None:
    return AdmissionPlan.objects.visible_to(actor, DevelopmentPerm.VIEW).filter(org=org, year=year).aggregate(
        s=Sum("planned"))["s"]


# --- rights suspensions (停止党员权利) ------------------------------------------------------------------------------
def suspension_list(actor, *, org_path: str | None = None, current: bool = True, today: dt.date | None = None):
    """Rights suspensions of the actor's subtree (or of `org_path` in it): the current ones (not yet ended on
    `today`) or all, with the member and branch in the same query."""
    today = today or timezone.localdate()
    qs = RightsSuspension.objects.filter(subtree_q("org_path", org_path)) if org_path else RightsSuspension.objects.all()
    qs = qs.visible_to(actor, DevelopmentPerm.VIEW)
    if current:
        qs = qs.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today))
    return qs.select_related("member", "member__org").order_by("org_path", "id")


def suspension_get(actor, pk: int, perm=DevelopmentPerm.VIEW) -> RightsSuspension:
    return get_scoped_or_404(RightsSuspension.objects.select_related("member", "member__org"), actor, perm, pk=pk)
