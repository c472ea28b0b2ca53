"""Organizational-life pages for branch secretaries on phones and for the committees above them: the compliance
board, a branch's calendar and year, planning and recording meetings with attendance from the roster,
attachments, member appraisal, and the 三会一课 record book (print and xlsx)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can, get_scoped_or_404, orgs_for
from grassroots.core.errors import DomainError
from grassroots.core.selectors import history_for
from grassroots.core.views import add_domain_error, scoped_view
from grassroots.members.models import Member
from grassroots.orglife import rules, selectors, services
from grassroots.orglife.choices import AppraisalGrade, AttendanceStatus, MeetingKind, MeetingStatus
from grassroots.orglife.forms import AttachmentForm, CancelForm, PlanForm, RecordForm, RecordStartForm
from grassroots.orglife.models import Attachment
from grassroots.orglife.permissions import OrgLifePerm
from grassroots.orgs.models import Organization, PartyGroup
from grassroots.orgs.selectors import org_get


def _month(request) -> dt.date:
    raw = (request.GET.get("month") or "")[:7]
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return rules.month_start(timezone.localdate())


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 1921 <= year <= 2099 else timezone.localdate().year


def _branch(request, org_id: int, perm: str = OrgLifePerm.VIEW) -> Organization:
    org = org_get(request.user, org_id, perm=perm)
    if not org.is_branch:
        raise Http404
    return org


def _groups(org):
    return list(PartyGroup.objects.filter(org=org).order_by("name"))


@scoped_view
def home(request):
    prefixes = orgs_for(request.user, OrgLifePerm.VIEW)
    if not prefixes:
        raise Http404
    org = Organization.objects.filter(path=prefixes[0]).first()
    if org is None:
        raise Http404
    if org.is_branch:
        return redirect("orglife:branch_calendar", org_id=org.pk)
    return redirect("orglife:board", org_id=org.pk)


@scoped_view
def board(request, org_id: int):
    org = org_get(request.user, org_id, perm=OrgLifePerm.VIEW)
    month = _month(request)
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    data = selectors.compliance_board(request.user, org, month, limit=50, offset=(page - 1) * 50)
    summary = [(rule, data.month_counts.get(rule.code, {}), data.year_missed.get(rule.code, 0)) for rule in data.rules]
    return render(request, "orglife/compliance_board.html", {
        "page_title": f"组织生活合规 · {org.name}", "org": org, "board": data, "summary": summary, "page": page,
        "prev_month": rules.add_months(data.month, -1), "next_month": rules.add_months(data.month, 1),
    })


@scoped_view
def branch_calendar(request, org_id: int):
    org = _branch(request, org_id)
    month = _month(request)
    today = timezone.localdate()
    return render(request, "orglife/meeting_calendar.html", {
        "page_title": f"组织生活日历 · {org.name}", "org": org, "month": month, "today": today,
        "weeks": selectors.meeting_calendar(request.user, org, month),
        "meetings": selectors.meeting_list(request.user, org, start=month, end=rules.month_end(month)),
        "prev_month": rules.add_months(month, -1), "next_month": rules.add_months(month, 1),
        "can_record": can(request.user, OrgLifePerm.RECORD, org.path),
        "can_export": can(request.user, OrgLifePerm.EXPORT, org.path),
    })


@scoped_view
def branch_year(request, org_id: int):
    org = _branch(request, org_id)
    year = _year(request)
    grid = selectors.branch_year(request.user, org, year)
    table = [(rule, [grid.get(rule.code, {}).get(m) for m in range(1, 13)]) for rule in selectors.active_rules()]
    return render(request, "orglife/branch_year.html", {
        "page_title": f"{year}年组织生活 · {org.name}", "org": org, "year": year, "table": table,
        "rates": selectors.member_attendance(request.user, org, year), "months": range(1, 13),
    })


@scoped_view
@require_http_methods(["GET", "POST"])
def meeting_plan(request, org_id: int):
    org = _branch(request, org_id, OrgLifePerm.RECORD)
    groups = _groups(org)
    form = PlanForm(request.POST or None, party_groups=groups, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["party_group"] = next((g for g in groups if g.pk == data["party_group"]), None)
        try:
            meeting = services.meeting_plan(actor=request.user, org=org, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已列入计划，到期前会在首页提醒")
            return redirect("orglife:meeting_detail", pk=meeting.pk)
    return render(request, "orglife/meeting_plan.html", {"page_title": f"计划会议 · {org.name}", "org": org,
                                                         "form": form}, status=400 if form.errors else 200)


def _attendance_from_post(post, roster, guests: set[int]) -> list[rules.AttendanceEntry]:
    entries = []
    for person in roster:
        status = post.get(f"att_{person.id}", "")
        entries.append(rules.AttendanceEntry(person.id, status, post.get(f"reason_{person.id}", "")[:200]))
    entries += [rules.AttendanceEntry(pk, AttendanceStatus.PRESENT) for pk in sorted(guests)]
    return entries


def _record_page(request, org, *, meeting=None):
    groups = _groups(org)
    source = request.POST if request.method == "POST" else request.GET
    initial = {"date": timezone.localdate()}
    if meeting is not None:
        initial = {"kind": meeting.kind, "date": min(meeting.date, timezone.localdate()),
                   "party_group": meeting.party_group_id}
    start = RecordStartForm(source if "kind" in source else None, party_groups=groups, initial=initial)
    if not start.is_bound or not start.is_valid():
        return render(request, "orglife/meeting_record.html", {
            "page_title": f"登记会议 · {org.name}", "org": org, "start": start, "meeting": meeting,
            "step": 1}, status=400 if start.is_bound else 200)
    kind, day = start.cleaned_data["kind"], start.cleaned_data["date"]
    group = next((g for g in groups if g.pk == start.cleaned_data["party_group"]), None)
    roster = selectors.roster_on(org, kind, day, group)
    people = selectors.roster_on(org, MeetingKind.GENERAL_MEETING, day)
    record_initial = {}
    marks = {}
    if meeting is not None:
        record_initial = {name: getattr(meeting, name) for name in (
            "topic", "place", "agenda", "minutes", "resolutions", "vote_subject", "vote_yes", "vote_no",
            "vote_abstain")}
        record_initial.update(version=meeting.version, host=meeting.host_id, recorder=meeting.recorder_id)
        marks = {a.member_id: a for a in meeting.attendance.all()}
        record_initial["guests"] = ",".join(str(pk) for pk, a in marks.items() if a.is_guest)
    form = RecordForm(request.POST if request.method == "POST" and "topic" in request.POST else None,
                      people=people, initial=record_initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        guests = data["guests"]
        by_id = {p.pk: p for p in Member.objects.filter(pk__in=[x for x in (data["host"], data["recorder"]) if x])}
        try:
            saved = services.meeting_record(
                actor=request.user, org=org, meeting=meeting, version=data["version"],
                attendance=_attendance_from_post(request.POST, roster, guests), guests=guests,
                typed_counts={"expected_count": data["expected_count"], "present_count": data["present_count"]},
                kind=kind, date=day, party_group=group, host=by_id.get(data["host"]),
                recorder=by_id.get(data["recorder"]), topic=data["topic"], place=data["place"],
                agenda=data["agenda"], minutes=data["minutes"], resolutions=data["resolutions"],
                vote_subject=data["vote_subject"], vote_yes=data["vote_yes"], vote_no=data["vote_no"],
                vote_abstain=data["vote_abstain"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记：应到 {saved.expected_count} 人，实到 {saved.present_count} 人")
            return redirect("orglife:meeting_detail", pk=saved.pk)
    rows = []
    for person in roster:
        mark = marks.get(person.id)
        status = request.POST.get(f"att_{person.id}") if form.is_bound else (
            mark.status if mark else AttendanceStatus.PRESENT)
        reason = request.POST.get(f"reason_{person.id}", "") if form.is_bound else (mark.reason if mark else "")
        rows.append({"person": person, "status": status, "reason": reason})
    return render(request, "orglife/meeting_record.html", {
        "page_title": f"登记会议 · {org.name}", "org": org, "start": start, "form": form, "rows": rows,
        "meeting": meeting, "step": 2, "kind_label": MeetingKind(kind).label, "day": day, "group": group,
        "votes": kind in rules.VOTE_RULES, "statuses": AttendanceStatus.choices,
        "voting_expected": sum(p.has_vote for p in roster),
    }, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def meeting_record(request, org_id: int):
    org = _branch(request, org_id, OrgLifePerm.RECORD)
    return _record_page(request, org)


@scoped_view
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = selectors.meeting_get(request.user, pk, perm=OrgLifePerm.RECORD)
    if meeting.status == MeetingStatus.CANCELLED:
        messages.error(request, "已取消的会议不能登记")
        return redirect("orglife:meeting_detail", pk=meeting.pk)
    return _record_page(request, meeting.org, meeting=meeting)


@scoped_view
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_get(request.user, pk)
    can_record = can(request.user, OrgLifePerm.RECORD, meeting.org_path)
    return render(request, "orglife/meeting_detail.html", {
        "page_title": f"{meeting.get_kind_display()} · {meeting.date:%Y-%m-%d}", "meeting": meeting,
        "attendance": selectors.attendance_of(meeting), "attachments": list(meeting.attachments.order_by("id")),
        "history": history_for(meeting), "can_record": can_record,
        "attachment_form": AttachmentForm(), "cancel_form": CancelForm(initial={"version": meeting.version}),
        "quorum": meeting.kind in rules.VOTE_RULES and meeting.status == MeetingStatus.HELD and rules.quorum_met(
            meeting.kind, voting_present=meeting.voting_present, voting_expected=meeting.voting_expected),
        "is_appraisal": meeting.kind == MeetingKind.APPRAISAL and meeting.status == MeetingStatus.HELD,
    })


@scoped_view
@require_POST
def meeting_cancel(request, pk: int):
    meeting = selectors.meeting_get(request.user, pk, perm=OrgLifePerm.RECORD)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_cancel(actor=request.user, meeting=meeting, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message) if not hasattr(exc, "errors") else "；".join(
                m for ms in exc.errors.values() for m in ms))
        else:
            messages.success(request, "已取消该计划")
    else:
        messages.error(request, "请填写取消原因")
    return redirect("orglife:meeting_detail", pk=meeting.pk)


@scoped_view
@require_POST
def attachment_upload(request, pk: int):
    meeting = selectors.meeting_get(request.user, pk, perm=OrgLifePerm.RECORD)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, meeting=meeting, upload=form.cleaned_data["file"])
        except DomainError as exc:
            messages.error(request, "；".join(m for ms in getattr(exc, "errors", {}).values() for m in ms)
                           or str(exc.message))
        else:
            messages.success(request, "附件已上传")
    else:
        messages.error(request, "请选择文件")
    return redirect("orglife:meeting_detail", pk=meeting.pk)


@scoped_view
def attachment_download(request, pk: int):
    item = get_scoped_or_404(Attachment, request.user, OrgLifePerm.VIEW, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=item.content_type, as_attachment=item.content_type == "application/pdf",
                            filename=f"attachment-{item.pk}.{item.name.rsplit('.', 1)[-1]}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@scoped_view
@require_POST
def attachment_delete(request, pk: int):
    item = get_scoped_or_404(Attachment, request.user, OrgLifePerm.RECORD, pk=pk)
    meeting_id = item.meeting_id
    services.attachment_delete(actor=request.user, attachment=item)
    messages.success(request, "附件已删除")
    return redirect("orglife:meeting_detail", pk=meeting_id)


@scoped_view
@require_http_methods(["GET", "POST"])
def appraisal(request, pk: int):
    meeting = selectors.meeting_get(request.user, pk, perm=OrgLifePerm.RECORD)
    if meeting.kind != MeetingKind.APPRAISAL or meeting.status != MeetingStatus.HELD:
        raise Http404
    people = [a for a in selectors.attendance_of(meeting) if not a.is_guest]
    current = selectors.appraisals_of(meeting)
    errors: list[str] = []
    if request.method == "POST":
        grades = {a.member_id: request.POST.get(f"grade_{a.member_id}", "") for a in people}
        grades = {pk_: g for pk_, g in grades.items() if g}
        try:
            services.appraisal_record(actor=request.user, meeting=meeting, grades=grades)
        except DomainError as exc:
            errors = [m for ms in getattr(exc, "errors", {}).values() for m in ms] or [str(exc.message)]
            current = grades
        else:
            messages.success(request, "评议等次已保存")
            return redirect("orglife:meeting_detail", pk=meeting.pk)
    rows = [{"attendance": a, "grade": current.get(a.member_id, "")} for a in people]
    return render(request, "orglife/appraisal_form.html", {
        "page_title": f"{meeting.date.year}年民主评议党员 · {meeting.org.name}", "meeting": meeting, "rows": rows,
        "grades": AppraisalGrade.choices, "errors": errors, "quota": selectors.appraisal_quota(),
        "quota_rule": rules.APPRAISAL_QUOTAS[selectors.appraisal_quota()],
    }, status=400 if errors else 200)


@scoped_view
def book(request, org_id: int):
    org = _branch(request, org_id)
    year = _year(request)
    return render(request, "orglife/book_print.html", {
        "page_title": f"{org.name} {year}年三会一课记录本", "org": org, "year": year,
        "entries": selectors.book_meetings(request.user, org, year),
        "can_export": can(request.user, OrgLifePerm.EXPORT, org.path),
    })


@scoped_view
@require_POST
def book_export(request, org_id: int):
    org = _branch(request, org_id, OrgLifePerm.EXPORT)
    year = _year(request)
    content = services.book_export(actor=request.user, org=org, year=year)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="meeting-book-{org.pk}-{year}.xlsx"'
    return response


def dashboard_panel(actor, org) -> str | None:
    """A placeholder the dashboard renders without a query; HTMX then loads the panel itself (panel view), so
    the dashboard's own query count stays constant whatever the modules show."""
    if not can(actor, OrgLifePerm.VIEW, org.path):
        return None
    return render_to_string("orglife/partials/dashboard_panel_lazy.html", {"org": org})


@scoped_view
def panel(request, org_id: int):
    """Upcoming planned meetings (the reminder), planned meetings past their day without a record, and this
    month's missing items for the organization's subtree."""
    org = org_get(request.user, org_id, perm=OrgLifePerm.VIEW)
    today = timezone.localdate()
    upcoming, overdue = selectors.planned_reminders(request.user, org, today)
    board_data = selectors.compliance_board(request.user, org, today, limit=0, with_year=False)
    summary = [(rule, board_data.month_counts.get(rule.code, {})) for rule in board_data.rules]
    return render(request, "orglife/partials/dashboard_panel.html", {
        "org": org, "upcoming": upcoming, "overdue": overdue, "board": board_data, "summary": summary,
        "today": today})
