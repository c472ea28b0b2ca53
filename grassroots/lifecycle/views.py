"""Lifecycle pages for branch secretaries (mobile-first): transfers and letters, mobile and unreachable
members, decisions awaiting approval, the self-withdrawal review list, and one member's lifecycle page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can, has_perm_anywhere
from grassroots.core.errors import DomainError
from grassroots.core.pagination import keyset_page
from grassroots.core.selectors import history_for
from grassroots.core.views import add_domain_error, scoped_view
from grassroots.lifecycle import forms, selectors, services
from grassroots.lifecycle.choices import DecisionStatus, TransferKind, TransferStatus
from grassroots.lifecycle.models import Whereabouts
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.lifecycle.rules import age_days
from grassroots.orgs.models import Organization
from grassroots.orgs.selectors import org_get

PAGE_SIZE = 50


def _require_view(request):
    if not has_perm_anywhere(request.user, LifecyclePerm.VIEW):
        raise Http404


def _org(request, perm=LifecyclePerm.VIEW):
    """The ?org= narrowing, in scope (404 outside)."""
    raw = request.GET.get("org") or request.POST.get("org")
    if not raw:
        return None
    try:
        return org_get(request.user, int(raw), perm=perm)
    except ValueError as exc:
        raise Http404 from exc


def _page(request, qs, key=("id", "id")):
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    return keyset_page(qs, key_fields=key, page_size=PAGE_SIZE, page=number)


def _query(request, drop=("page",)) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


@scoped_view
def index(request):
    _require_view(request)
    org = _org(request)
    today = timezone.localdate()
    counts = selectors.lifecycle_counts(request.user, today, org.path if org else None)
    return render(request, "lifecycle/index.html", {"page_title": "党员管理", "org": org, "counts": counts})


# Transfers -------------------------------------------------------------------------------------------------

@scoped_view
def transfer_list(request):
    _require_view(request)
    org = _org(request)
    direction = request.GET.get("dir", "") if request.GET.get("dir") in ("in", "out") else ""
    status = request.GET.get("status", TransferStatus.PENDING)
    status = status if status in TransferStatus.values else ""
    qs = selectors.transfer_queryset(request.user, prefix=org.path if org else None, direction=direction,
                                     status=status).select_related("from_org", "to_org")
    page = _page(request, qs)
    today = timezone.localdate()
    for t in page.items:
        t.age = age_days(t.issued_on, t.decided_on or today)
        t.expired = t.status == TransferStatus.PENDING and t.valid_until is not None and today > t.valid_until
    return render(request, "lifecycle/transfer_list.html", {
        "page_title": "组织关系转接", "page": page, "org": org, "direction": direction, "status": status,
        "statuses": TransferStatus.choices, "query": _query(request),
        "can_inbound": org is not None and org.is_branch and can(request.user, LifecyclePerm.TRANSFER, org.path),
    })


def _transfer_context(request, transfer, **extra):
    sides = selectors.transfer_sides(request.user, transfer)
    pending = transfer.status == TransferStatus.PENDING
    today = timezone.localdate()
    return {
        "page_title": f"组织关系转接 · {transfer.person_name}", "transfer": transfer, "sides": sides,
        "age": age_days(transfer.issued_on, transfer.decided_on or today),
        "expired": pending and transfer.valid_until is not None and today > transfer.valid_until,
        "pending": pending, "internal": transfer.kind == TransferKind.INTERNAL,
        "accept_form": forms.AcceptForm(initial={"on": today, "version": transfer.version}),
        "reason_form": forms.ReasonForm(initial={"version": transfer.version}),
        "renew_form": forms.RenewForm(initial={"version": transfer.version}),
        "receipt_form": forms.ReceiptForm(initial={"receipt_on": today, "version": transfer.version}),
        "can_see_member": transfer.member_id and can(request.user, LifecyclePerm.VIEW,
                                                      transfer.member.org_path if transfer.member_id else "~"),
        **extra,
    }


@scoped_view
def transfer_detail(request, pk: int):
    transfer = selectors.transfer_get(request.user, pk)
    return render(request, "lifecycle/transfer_detail.html", _transfer_context(request, transfer))


ACTIONS = {
    "accept": (forms.AcceptForm, lambda actor, t, d: services.transfer_accept(actor=actor, transfer=t, **d), "已接收，党员已转入"),
    "return": (forms.ReasonForm, lambda actor, t, d: services.transfer_return(actor=actor, transfer=t, **d), "已退回"),
    "cancel": (forms.ReasonForm, lambda actor, t, d: services.transfer_cancel(actor=actor, transfer=t, **d), "已撤回"),
    "renew": (forms.RenewForm, lambda actor, t, d: services.letter_renew(actor=actor, transfer=t, **d), "已凭支部证明重开"),
    "receipt": (forms.ReceiptForm, lambda actor, t, d: services.letter_receipt(actor=actor, transfer=t, **d), "已登记回执"),
}


@scoped_view
@require_POST
def transfer_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    transfer = selectors.transfer_get(request.user, pk)
    form_class, call, done = ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(request.user, transfer, form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("lifecycle:transfer_detail", pk=transfer.pk)
    key = {"accept": "accept_form", "return": "reason_form", "cancel": "reason_form", "renew": "renew_form",
           "receipt": "receipt_form"}[action]
    return render(request, "lifecycle/transfer_detail.html", _transfer_context(request, transfer, **{key: form}),
                  status=400)


@scoped_view
@require_http_methods(["GET", "POST"])
def transfer_issue(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=LifecyclePerm.TRANSFER)
    today = timezone.localdate()
    form = forms.TransferIssueForm(request.POST or None, member=member,
                                   initial={"on": today, "version": member.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["mode"] == "internal":
                transfer = services.transfer_issue(
                    actor=request.user, member=member, version=data["version"], to_org=data["to_org"], on=data["on"],
                    reason=data["reason"], dues_paid_through=data["dues_paid_through"] or None)
            else:
                transfer = services.letter_issue(
                    actor=request.user, member=member, version=data["version"], destination=data["destination"],
                    letter_no=data["letter_no"], on=data["on"], valid_until=data["valid_until"],
                    reason=data["reason"], dues_paid_through=data["dues_paid_through"] or None)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已办理转出，待接收方办结")
            return redirect("lifecycle:transfer_detail", pk=transfer.pk)
    return render(request, "lifecycle/transfer_issue.html", {"page_title": f"转出 · {member.name}", "form": form,
                                                             "member": member}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def letter_inbound(request):
    org = _org(request, perm=LifecyclePerm.TRANSFER)
    if org is None:
        raise Http404
    form = forms.InboundLetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.letter_inbound_record(actor=request.user, to_org=org, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记转入介绍信")
            return redirect("lifecycle:transfer_detail", pk=transfer.pk)
    return render(request, "lifecycle/letter_inbound.html", {"page_title": f"登记转入介绍信 · {org.name}",
                                                             "form": form, "org": org},
                  status=400 if form.errors else 200)


# Mobile and unreachable ------------------------------------------------------------------------------------

@scoped_view
def mobile_list(request):
    _require_view(request)
    org = _org(request)
    prefix = org.path if org else None
    today = timezone.localdate()
    show = request.GET.get("show", "")
    qs = (selectors.mobile_transfer_due(request.user, today, prefix) if show == "due"
          else selectors.hosted_members(request.user, prefix) if show == "hosted"
          else selectors.open_whereabouts(request.user, prefix))
    page = _page(request, qs.select_related("member", "member__org", "host_org"))
    due_cutoff = services.rules.cutoff("mobile_transfer", today)
    for w in page.items:
        w.months_away = age_days(w.left_on, today) // 30
        w.transfer_due = w.fixed_place and w.left_on <= due_cutoff
    return render(request, "lifecycle/mobile_list.html", {
        "page_title": "流动党员", "page": page, "org": org, "show": show, "query": _query(request),
        "gatherings": selectors.mobile_gatherings(request.user, prefix),
    })


@scoped_view
def unreachable_list(request):
    _require_view(request)
    org = _org(request)
    prefix = org.path if org else None
    today = timezone.localdate()
    show = request.GET.get("show", "suspend")
    if show == "remove":
        qs = selectors.removal_candidates(request.user, today, prefix)
    elif show == "attempts":
        qs = selectors.unreachable_without_attempts(request.user, prefix)
    else:
        show, qs = "suspend", selectors.suspension_candidates(request.user, today, prefix)
    page = _page(request, qs, key=("org_path", "id"))
    return render(request, "lifecycle/unreachable_list.html", {
        "page_title": "失联党员", "page": page, "org": org, "show": show, "query": _query(request),
        "since_label": _("失联起始日期"),
    })


# One member ------------------------------------------------------------------------------------------------

def _member_context(request, member, **extra):
    user = request.user
    today = timezone.localdate()
    return {
        "page_title": f"{member.name} · 流动、失联与处置", "member": member,
        **selectors.member_lifecycle(user, member),
        "can_record": can(user, LifecyclePerm.RECORD, member.org_path),
        "can_transfer": can(user, LifecyclePerm.TRANSFER, member.org_path) and member.state == "active",
        "can_decide": can(user, LifecyclePerm.DECIDE, member.org_path),
        "whereabouts_form": forms.WhereaboutsForm(member=member, initial={"left_on": today, "fixed_place": True}),
        "contact_form": forms.ContactForm(initial={"on": today}),
        "decision_form": forms.DecisionForm(initial={"occurred_on": today, "meeting_on": today}),
        "returned_form": forms.ReturnedForm(initial={"returned_on": today}),
        **extra,
    }


@scoped_view
def member_lifecycle(request, pk: int):
    member = selectors.member_get(request.user, pk)
    return render(request, "lifecycle/member_lifecycle.html", _member_context(request, member))


def _member_post(request, pk, perm, form_factory, call, context_key, done):
    member = selectors.member_get(request.user, pk, perm=perm)
    form = form_factory(request.POST, member)
    if form.is_valid():
        try:
            call(member, form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("lifecycle:member_lifecycle", pk=member.pk)
    return render(request, "lifecycle/member_lifecycle.html", _member_context(request, member, **{context_key: form}),
                  status=400)


@scoped_view
@require_POST
def whereabouts_add(request, pk: int):
    return _member_post(
        request, pk, LifecyclePerm.RECORD, lambda data, m: forms.WhereaboutsForm(data, member=m),
        lambda m, d: services.whereabouts_record(actor=request.user, member=m, **d), "whereabouts_form",
        "已登记外出情况")


@scoped_view
@require_POST
def whereabouts_returned(request, pk: int, wid: int):
    member = selectors.member_get(request.user, pk, perm=LifecyclePerm.RECORD)
    try:
        row = Whereabouts.objects.visible_to(request.user, LifecyclePerm.RECORD).get(pk=wid, member=member)
    except Whereabouts.DoesNotExist as exc:
        raise Http404 from exc
    form = forms.ReturnedForm(request.POST)
    if form.is_valid():
        try:
            services.whereabouts_return(actor=request.user, whereabouts=row, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记返回")
            return redirect("lifecycle:member_lifecycle", pk=member.pk)
    return render(request, "lifecycle/member_lifecycle.html",
                  _member_context(request, member, returned_form=form), status=400)


@scoped_view
@require_POST
def contact_add(request, pk: int):
    return _member_post(
        request, pk, LifecyclePerm.RECORD, lambda data, m: forms.ContactForm(data),
        lambda m, d: services.contact_record(actor=request.user, member=m, **d), "contact_form", "已登记联系情况")


@scoped_view
@require_POST
def decision_add(request, pk: int):
    return _member_post(
        request, pk, LifecyclePerm.DECIDE, lambda data, m: forms.DecisionForm(data),
        lambda m, d: services.decision_record(actor=request.user, member=m, **d), "decision_form",
        "已登记处置决定")


# Decisions -------------------------------------------------------------------------------------------------

@scoped_view
def decision_list(request):
    _require_view(request)
    org = _org(request)
    prefix = org.path if org else None
    to_approve = list(selectors.decisions_to_approve(request.user, prefix)[:PAGE_SIZE])
    today = timezone.localdate()
    for d in to_approve:
        d.form = forms.ApproveForm(initial={"approved_on": today, "version": d.version}, prefix=f"d{d.pk}")
    page = _page(request, selectors.decision_list(request.user, prefix=prefix).exclude(status=DecisionStatus.PROPOSED)
                 .select_related(None).select_related("member", "approved_by_org", "org"))
    page.items.sort(key=lambda d: (d.occurred_on, d.pk), reverse=True)
    own_pending = selectors.decision_list(request.user, prefix=prefix, status=DecisionStatus.PROPOSED)
    return render(request, "lifecycle/decision_list.html", {
        "page_title": "党籍处置决定", "org": org, "to_approve": to_approve, "page": page, "query": _query(request),
        "own_pending": list(own_pending.exclude(pk__in=[d.pk for d in to_approve])[:PAGE_SIZE]),
    })


@scoped_view
@require_POST
def decision_approve(request, pk: int):
    decision = selectors.decision_get(request.user, pk)
    form = forms.ApproveForm(request.POST, prefix=f"d{decision.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_approve(actor=request.user, decision=decision, version=data["version"],
                                      approve=data["approve"] == "1", approved_on=data["approved_on"],
                                      note=data["note"])
        except DomainError as exc:
            if exc.code == "forbidden":
                raise
            messages.error(request, "；".join(m for ms in getattr(exc, "errors", {}).values() for m in ms)
                           or str(exc.message))
        else:
            messages.success(request, "已办理")
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()
                                         if k in form.fields) or "输入有误")
    return redirect("lifecycle:decision_list")


# Self-withdrawal review ------------------------------------------------------------------------------------

@scoped_view
def review_list(request):
    _require_view(request)
    org = _org(request)
    today = timezone.localdate()
    rows = selectors.review_rows(request.user, today, org.path if org else None)
    from grassroots.lifecycle import review as review_plug

    labels = {g.key: g.label for g in review_plug.grounds()}
    start = 0
    try:
        start = max(0, (int(request.GET.get("page", "1")) - 1) * PAGE_SIZE)
    except ValueError:
        pass
    shown = rows[start:start + PAGE_SIZE]
    for row in shown:
        row.can_decide = can(request.user, LifecyclePerm.DECIDE, row.member.org_path)
        row.form = forms.ReviewOutcomeForm(initial={"member": row.member.pk, "decided_on": today}, prefix=f"m{row.member.pk}")
    return render(request, "lifecycle/review_list.html", {
        "page_title": "自行脱党审查", "org": org, "rows": shown, "total": len(rows), "labels": labels,
        "grounds": review_plug.grounds(), "has_next": start + PAGE_SIZE < len(rows),
        "page_number": start // PAGE_SIZE + 1, "query": _query(request),
    })


@scoped_view
@require_POST
def review_record(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=LifecyclePerm.DECIDE)
    form = forms.ReviewOutcomeForm(request.POST, prefix=f"m{member.pk}")
    today = timezone.localdate()
    cases = [c for c in services.review.review_cases(member.org_path, today) if c.member_id == member.pk]
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_outcome_record(
                actor=request.user, member=member, outcome=data["outcome"], decided_on=data["decided_on"],
                grounds=[c.ground for c in cases], evidence="；".join(c.evidence for c in cases),
                meeting=data["meeting"], meeting_on=data["meeting_on"], note=data["note"])
        except DomainError as exc:
            if exc.code == "forbidden":
                raise
            messages.error(request, "；".join(m for ms in getattr(exc, "errors", {}).values() for m in ms)
                           or str(exc.message))
        else:
            messages.success(request, f"已登记 {member.name} 的审查结果")
    else:
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()
                                         if k in form.fields) or "输入有误")
    return redirect("lifecycle:review_list")


# Work assigned by the branch -------------------------------------------------------------------------------

@scoped_view
def work_list(request):
    """A branch's (or subtree's) assigned work, with the months since the last work report; tasks idle for the
    self-withdrawal period are flagged (they feed the review list)."""
    _require_view(request)
    org = _org(request)
    status = request.GET.get("status", "open")
    status = status if status in ("open", "done", "") else "open"
    page = _page(request, selectors.work_list(request.user, prefix=org.path if org else None, status=status),
                 key=("org_path", "id"))
    selectors.work_annotate(page.items, timezone.localdate())
    return render(request, "lifecycle/work_list.html", {
        "page_title": "党员工作任务", "page": page, "org": org, "status": status, "query": _query(request),
        "can_assign": org is not None and org.is_branch and can(request.user, LifecyclePerm.RECORD, org.path),
        "threshold": services.rules.THRESHOLDS["self_withdrawal"],
    })


@scoped_view
@require_http_methods(["GET", "POST"])
def work_create(request):
    org = _org(request, perm=LifecyclePerm.RECORD)
    if org is None or not org.is_branch:
        raise Http404
    members = list(selectors.branch_members(request.user, org, LifecyclePerm.RECORD))
    form = forms.WorkAssignForm(request.POST or None, members=members,
                                initial={"assigned_on": timezone.localdate(), "member": request.GET.get("member")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = selectors.member_get(request.user, data.pop("member"), perm=LifecyclePerm.RECORD)
        try:
            row = services.work_assign(actor=request.user, member=member, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已为 {member.name} 分配工作任务")
            return redirect("lifecycle:work_detail", pk=row.pk)
    return render(request, "lifecycle/work_form.html", {"page_title": f"分配工作任务 · {org.name}", "form": form,
                                                        "org": org}, status=400 if form.errors else 200)


def _work_context(request, row, **extra):
    today = timezone.localdate()
    selectors.work_annotate([row], today)
    return {
        "page_title": f"工作任务 · {row.member.name}", "work": row, "reports": selectors.work_reports(row),
        "history": history_for(row),
        "can_record": row.done_on is None and can(request.user, LifecyclePerm.RECORD, row.org_path),
        "report_form": forms.WorkReportForm(initial={"on": today}),
        "close_form": forms.WorkCloseForm(initial={"done_on": today, "version": row.version}),
        "threshold": services.rules.THRESHOLDS["self_withdrawal"],
        **extra,
    }


@scoped_view
def work_detail(request, pk: int):
    row = selectors.work_get(request.user, pk)
    return render(request, "lifecycle/work_detail.html", _work_context(request, row))


def _work_post(request, pk, form_class, call, key, done):
    row = selectors.work_get(request.user, pk, perm=LifecyclePerm.RECORD)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(row, form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("lifecycle:work_detail", pk=row.pk)
    return render(request, "lifecycle/work_detail.html", _work_context(request, row, **{key: form}), status=400)


@scoped_view
@require_POST
def work_report(request, pk: int):
    return _work_post(request, pk, forms.WorkReportForm,
                      lambda row, d: services.work_report_record(actor=request.user, assignment=row, **d),
                      "report_form", "已登记工作记录")


@scoped_view
@require_POST
def work_close(request, pk: int):
    return _work_post(request, pk, forms.WorkCloseForm,
                      lambda row, d: services.work_close(actor=request.user, assignment=row, **d),
                      "close_form", "工作任务已结束")


# Dashboard panel -------------------------------------------------------------------------------------------

def dashboard_panel(actor, org: Organization) -> str | None:
    """The reminders of due and overdue lifecycle steps on an organization's dashboard. The dashboard keeps its
    constant query budget: this places a fragment that loads itself (HTMX) from `panel` below."""
    if not can(actor, LifecyclePerm.VIEW, org.path):
        return None
    return render_to_string("lifecycle/partials/dashboard_panel_loader.html", {"org": org})


@scoped_view
def panel(request):
    """The dashboard panel's content for ?org=: the counts of the lists, or nothing when all are zero."""
    org = _org(request)
    if org is None:
        raise Http404
    counts = selectors.lifecycle_counts(request.user, timezone.localdate(), org.path)
    if not any(counts.values()):
        return HttpResponse("")
    return render(request, "lifecycle/partials/dashboard_panel.html", {"counts": counts, "org": org})
