"""Dues pages: the collection board of an organization, a member's dues (declare, pay, reductions, quarterly
consent), receipts, the arrears list, the assessment run with its progress, the register (登记簿) printable and
as xlsx, the annual statement to publish, the remittance, and a member's own dues. Amounts are masked unless the
viewer reveals them with a reason (audited) or they are the member's own."""

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can, can_above, has_perm_anywhere, orgs_for
from grassroots.core.errors import DomainError, PermissionRefused
from grassroots.core.views import add_domain_error, scoped_view
from grassroots.dues import rules, selectors, services
from grassroots.dues.choices import RunState
from grassroots.dues.forms import (
    BandFormSet,
    ConsentForm,
    DecideForm,
    DeclarationForm,
    PaymentForm,
    ReductionForm,
    RevealForm,
    RunForm,
    ScheduleForm,
)
from grassroots.dues.models import Remittance
from grassroots.dues.permissions import DuesPerm
from grassroots.members.models import Member
from grassroots.orgs.choices import OrgKind
from grassroots.orgs.models import Organization
from grassroots.orgs.selectors import org_get


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _org(request, perm: str = DuesPerm.VIEW) -> Organization:
    """?org= in the actor's scope (404 otherwise), or the top organization of the actor's grants."""
    org_id = _int(request.GET.get("org") or request.POST.get("org"))
    if org_id is not None:
        return org_get(request.user, org_id, perm=perm)
    prefixes = orgs_for(request.user, perm)
    org = Organization.objects.filter(path=prefixes[0]).first() if prefixes else None
    if org is None:
        raise Http404
    return org


def _period(request) -> tuple[str, int, int, dt.date, dt.date, str]:
    today = timezone.localdate()
    kind = request.GET.get("period") if request.GET.get("period") in ("month", "quarter", "year") else "month"
    year = _int(request.GET.get("year"), today.year)
    year = year if 2000 <= year <= today.year + 1 else today.year
    default = today.month if kind == "month" else (today.month - 1) // 3 + 1
    number = _int(request.GET.get("n"), default)
    number = number if 1 <= number <= (12 if kind == "month" else 4) else default
    start, end = selectors.period_bounds(kind, year, number)
    label = {"month": f"{year}年{number}月", "quarter": f"{year}年第{number}季度", "year": f"{year}年"}[kind]
    return kind, year, number, start, end, label


def _above(actor, path: str) -> bool:
    return can_above(actor, DuesPerm.APPROVE, path)


@scoped_view
def board(request):
    if not has_perm_anywhere(request.user, DuesPerm.VIEW):
        raise Http404  # a member's own dues are at /dues/me/ (the menu links there)
    org = _org(request)
    kind, year, number, start, end, label = _period(request)
    report = selectors.collection_report(org, start, end)
    today = timezone.localdate()
    user = request.user
    context = {
        "page_title": f"党费收缴 · {org.name}", "org": org, "report": report, "period": kind, "year": year,
        "number": number, "label": label,
        "arrears": selectors.arrears(org.path, today, limit=20),
        "pending": [r for r in selectors.pending_reductions(org.path) if _above(user, r.member.org_path)],
        "members": selectors.branch_members(org, rules.month_start(today)) if org.is_branch else [],
        "can_collect": can(user, DuesPerm.COLLECT, org.path),
        "can_export": can(user, DuesPerm.EXPORT, org.path) and can(user, DuesPerm.REVEAL, org.path),
        "runs": list(selectors.AssessmentRun.objects.filter(org=org).order_by("-id")[:5]),
        "months": range(1, 13), "quarters": range(1, 5),
    }
    return render(request, "dues/board.html", context)


def dashboard_panel(actor, org) -> str | None:
    """The org dashboard's dues panel. It costs the dashboard no query: the figures load by HTMX from
    `panel` (this month's collection rate, members 3+ and 6+ months in arrears)."""
    if not can(actor, DuesPerm.VIEW, org.path):
        return None
    return render_to_string("dues/partials/dashboard_panel_slot.html", {"org": org})


@scoped_view
def panel(request, pk: int):
    org = org_get(request.user, pk, perm=DuesPerm.VIEW)
    today = timezone.localdate()
    start, end = selectors.period_bounds("month", today.year, today.month)
    report = selectors.collection_report(org, start, end)
    counts = selectors.arrears_counts(org.path, today)
    return render(request, "dues/partials/dashboard_panel.html",
                  {"org": org, "total": report.total, "counts": counts, "today": today})


def _member_context(request, member: Member, *, revealed: bool = False, **extra) -> dict:
    user = request.user
    own = member.user_id is not None and member.user_id == user.pk
    today = timezone.localdate()
    dues = selectors.member_dues(member, today)
    return {
        "page_title": f"党费 · {member.name}", "member": member, "dues": dues, "own": own,
        "show_amounts": own or revealed, "today": today,
        "can_reveal": not own and can(user, DuesPerm.REVEAL, member.org_path),
        "can_collect": can(user, DuesPerm.COLLECT, member.org_path) and member.state == "active",
        "can_approve": _above(user, member.org_path), "reveal_form": RevealForm(), **extra,
    }


@scoped_view
def member_dues(request, pk: int):
    member = selectors.member_get(request.user, pk)
    return render(request, "dues/member_dues.html", _member_context(request, member))


@scoped_view
@require_POST
def member_reveal(request, pk: int):
    member = selectors.member_get(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "dues/member_dues.html", _member_context(request, member, reveal_form=form), status=400)
    services.amounts_reveal(actor=request.user, org_path=member.org_path, reason=form.cleaned_data["reason"],
                            member=member)
    return render(request, "dues/member_dues.html", _member_context(request, member, revealed=True))


@scoped_view
def self_dues(request):
    member = Member.objects.filter(user=request.user).select_related("org").first()
    if member is None or not has_perm_anywhere(request.user, DuesPerm.VIEW_SELF):
        raise Http404
    return render(request, "dues/member_dues.html", _member_context(request, member))


def _form_page(request, template: str, title: str, form, member: Member, status_ok: int = 200, **extra):
    return render(request, template, {"page_title": title, "form": form, "member": member, **extra},
                  status=400 if form.errors else status_ok)


@scoped_view
@require_http_methods(["GET", "POST"])
def declare(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=DuesPerm.COLLECT)
    form = DeclarationForm(request.POST or None, initial={"effective_month": rules.month_start(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_create(actor=request.user, member=member, **form.service_values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记党费基数")
            return redirect("dues:member_dues", pk=member.pk)
    return _form_page(request, "dues/form.html", f"党费基数申报 · {member.name}", form, member)


@scoped_view
@require_http_methods(["GET", "POST"])
def pay(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=DuesPerm.COLLECT)
    if request.method == "POST":  # the same form sent again (a double click): show the payment it recorded
        done = selectors.payment_by_key(member, request.POST.get("idempotency_key", ""))
        if done is not None:
            return redirect("dues:receipt", pk=done.pk)
    dues = selectors.member_dues(member, timezone.localdate())
    choices = [(rules.month_label(m), rules.month_label(m)) for m in dues.unpaid_months]
    form = PaymentForm(request.POST or None, month_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payer = None
        if data.get("payer_member"):
            payer = Member.objects.visible_to(request.user, "members.view").filter(pk=data["payer_member"]).first()
        try:
            payment = services.payment_record(
                actor=request.user, member=member, idempotency_key=data["idempotency_key"],
                months=[rules.parse_month(m) for m in data["months"]], paid_on=data["paid_on"],
                extra_amount=data.get("extra_amount") or 0, method=data["method"], payer_kind=data["payer_kind"],
                payer_name=data.get("payer_name", ""), payer_member=payer,
                back_pay_reason=data.get("back_pay_reason", ""))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记交纳，收据号 {payment.receipt_no}")
            return redirect("dues:receipt", pk=payment.pk)
    return _form_page(request, "dues/pay.html", f"登记交纳党费 · {member.name}", form, member, dues=dues)


@scoped_view
@require_http_methods(["GET", "POST"])
def hosted_pay(request, wid: int):
    """The host organization collects a hosted mobile member's dues: the months owed to the home branch only."""
    stay = selectors.hosted_stay(request.user, wid)
    member = stay.member
    dues = selectors.member_dues(member, timezone.localdate())
    choices = [(rules.month_label(m), rules.month_label(m)) for m in dues.unpaid_months]
    form = PaymentForm(request.POST or None, month_choices=choices)
    for name in ("payer_kind", "payer_name", "payer_member"):
        form.fields.pop(name)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_record(
                actor=request.user, member=member, idempotency_key=data["idempotency_key"],
                months=[rules.parse_month(m) for m in data["months"]], paid_on=data["paid_on"],
                extra_amount=data.get("extra_amount") or 0, method=data["method"],
                back_pay_reason=data.get("back_pay_reason", ""), host_org=stay.host_org)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已代收 {member.name} 党费（{payment.month_labels}），收据号 {payment.receipt_no}")
            return redirect(f"{reverse('lifecycle:mobile_list')}?show=hosted")
    return _form_page(request, "dues/hosted_pay.html", f"代收党费 · {member.name}", form, member, stay=stay)


@scoped_view
@require_http_methods(["GET", "POST"])
def reduction_create(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=DuesPerm.COLLECT)
    month = rules.month_start(timezone.localdate())
    form = ReductionForm(request.POST or None, initial={"from_month": month, "to_month": rules.add_months(month, 11),
                                                        "studied_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.reduction_request(actor=request.user, member=member, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已报上级党委审批")
            return redirect("dues:member_dues", pk=member.pk)
    return _form_page(request, "dues/form.html", f"少交或免交党费 · {member.name}", form, member)


@scoped_view
@require_http_methods(["GET", "POST"])
def consent_create(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=DuesPerm.COLLECT)
    form = ConsentForm(request.POST or None, initial={"consented_on": timezone.localdate(),
                                                      "from_month": rules.month_start(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        try:
            services.quarterly_consent_record(actor=request.user, member=member, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已记录支部同意按季度交纳")
            return redirect("dues:member_dues", pk=member.pk)
    return _form_page(request, "dues/form.html", f"按季度交纳 · {member.name}", form, member)


@scoped_view
@require_POST
def reduction_decide(request, pk: int):
    reduction = selectors.reduction_get(request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            services.reduction_decide(actor=request.user, reduction=reduction, **form.cleaned_data)
        except DomainError as exc:
            if isinstance(exc, PermissionRefused):
                raise
            messages.error(request, "；".join(m for ms in getattr(exc, "errors", {}).values() for m in ms) or str(exc.message))
        else:
            messages.success(request, "已处理")
    return redirect("dues:member_dues", pk=reduction.member_id)


@scoped_view
def receipt(request, pk: int):
    payment = selectors.payment_get(request.user, pk)
    own = payment.member.user_id == request.user.pk
    return render(request, "dues/receipt.html", {"page_title": f"党费收据 {payment.receipt_no}", "payment": payment,
                                                 "months": list(payment.assessments.order_by("month")), "own": own})


@scoped_view
def arrears(request):
    org = _org(request)
    today = timezone.localdate()
    rows = selectors.arrears(org.path, today, limit=500)
    return render(request, "dues/arrears.html", {"page_title": f"欠交党费 · {org.name}", "org": org, "rows": rows,
                                                 "today": today})


@scoped_view
@require_http_methods(["GET", "POST"])
def run_create(request):
    org = _org(request, DuesPerm.COLLECT)
    form = RunForm(request.POST or None, initial={"month": rules.month_start(timezone.localdate())})
    if request.method == "POST" and form.is_valid():
        try:
            run = services.assessment_run_request(actor=request.user, org=org, month=form.cleaned_data["month"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("dues:run_detail", pk=run.pk)
    return render(request, "dues/run_form.html", {"page_title": f"核定月度党费 · {org.name}", "form": form, "org": org},
                  status=400 if form.errors else 200)


@scoped_view
def run_detail(request, pk: int):
    run = selectors.run_get(request.user, pk)
    busy = run.state in (RunState.QUEUED, RunState.RUNNING)
    template = "dues/partials/run_progress.html" if getattr(request, "htmx", False) else "dues/run_detail.html"
    return render(request, template, {"page_title": "核定进度", "run": run, "busy": busy})


def _year(request) -> int:
    today = timezone.localdate()
    year = _int(request.GET.get("year"), today.year)
    return year if 2000 <= year <= today.year else today.year


@scoped_view
def register(request):
    org = _org(request, DuesPerm.EXPORT)
    year = _year(request)
    if not org.is_branch:
        raise Http404
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "html"
    content, rows = services.register_export(actor=request.user, org=org, year=year, fmt=fmt)
    if fmt == "xlsx":
        response = HttpResponse(content,
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="dues-register-{year}.xlsx"'
        return response
    return render(request, "dues/register.html", {"page_title": f"{org.name} {year}年党费收缴登记簿", "org": org,
                                                  "year": year, "rows": rows, "months": range(1, 13)})


@scoped_view
def statement(request):
    org = _org(request, DuesPerm.EXPORT)
    year = _year(request)
    services.statement_view(actor=request.user, org=org, year=year)
    from grassroots.dues.exports import statement_rows

    rows, totals = statement_rows(org, year)
    return render(request, "dues/statement.html", {"page_title": f"{org.name} {year}年党费收缴情况公布", "org": org,
                                                   "year": year, "rows": rows, "totals": totals})


@scoped_view
@require_http_methods(["GET", "POST"])
def remittance(request):
    org = _org(request)
    year = _year(request) if request.method == "GET" else _int(request.POST.get("year"), 0)
    if request.method == "POST":
        try:
            services.remittance_submit(actor=request.user, org=org, year=year)
        except DomainError as exc:
            if isinstance(exc, PermissionRefused):
                raise
            messages.error(request, "；".join(m for ms in getattr(exc, "errors", {}).values() for m in ms) or str(exc.message))
        else:
            messages.success(request, "已提交上缴，待上级党委批准")
        return redirect(f"{request.path}?org={org.pk}&year={year}")
    totals = selectors.paid_in_year(org.path, year)
    share, one_offs = rules.remittance(totals["ordinary"], totals["centre_one_offs"])
    record = Remittance.objects.filter(org=org, year=year).first()
    return render(request, "dues/remittance.html", {
        "page_title": f"党费上缴 · {org.name} {year}年", "org": org, "year": year, "totals": totals, "share": share,
        "one_offs": one_offs, "record": record, "due": rules.remittance_due(year),
        "can_submit": can(request.user, DuesPerm.COLLECT, org.path) and record is None and year < timezone.localdate().year,
        "can_approve": record is not None and record.state == "submitted" and _above(request.user, org.path),
    })


@scoped_view
@require_POST
def remittance_approve(request, pk: int):
    record = selectors.remittance_get(request.user, pk)
    try:
        services.remittance_approve(actor=request.user, remittance=record, version=_int(request.POST.get("version"), 0))
    except DomainError as exc:
        if isinstance(exc, PermissionRefused):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, "已批准上缴")
    return redirect(f"/dues/remittance/?org={record.org_id}&year={record.year}")


# ---- rate schedules --------------------------------------------------------------------------------------------

@scoped_view
def schedules(request):
    """The schedules applying in the viewer's dues scope, with their bands, dates, scope and decision."""
    user = request.user
    if not (has_perm_anywhere(user, DuesPerm.VIEW) or has_perm_anywhere(user, DuesPerm.VIEW_SELF)):
        raise Http404
    today = timezone.localdate()
    committees = Organization.objects.filter(path__in=orgs_for(user, DuesPerm.APPROVE), kind=OrgKind.COMMITTEE)
    return render(request, "dues/schedules.html", {
        "page_title": "党费交纳标准", "schedules": selectors.schedules_visible(user, today),
        "committees": list(committees.order_by("path")), "today": today})


def _band_initial(org: Organization, month) -> list[dict]:
    """The create form starts from the bands in force for the organization (to be changed, not retyped)."""
    schedule = services.schedule_for(org.path, month)
    if schedule is None:
        return []
    return [{"category": b.category, "kind": b.kind, "lower": b.lower, "upper": b.upper, "rate": b.rate,
             "fixed": b.fixed, "fixed_min": b.fixed_min, "fixed_max": b.fixed_max, "source": b.source}
            for b in services.schedule_bands(schedule)]


def _bands_from(formset) -> tuple[list[rules.Band], list[int]]:
    """The filled, kept rows as bands, and each band's form index (to put the service's errors back)."""
    bands, index = [], []
    for i, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        bands.append(rules.Band(data["category"], data["kind"], data["source"], data.get("lower"), data.get("upper"),
                                data.get("rate"), data.get("fixed"), data.get("fixed_min"), data.get("fixed_max")))
        index.append(i)
    return bands, index


@scoped_view
@require_http_methods(["GET", "POST"])
def schedule_create(request):
    """A committee's own schedule from a month on (no edit: a later one supersedes it)."""
    org = _org(request, DuesPerm.APPROVE)
    if org.kind != OrgKind.COMMITTEE:
        raise PermissionRefused("只有党委可以制定本地区的党费交纳标准（党总支、党支部不能）")
    next_month = rules.add_months(rules.month_start(timezone.localdate()), 1)
    form = ScheduleForm(request.POST or None, initial={"effective_from": next_month})
    formset = BandFormSet(request.POST or None, prefix="bands", initial=_band_initial(org, next_month))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        bands, index = _bands_from(formset)
        data = form.cleaned_data
        try:
            schedule = services.schedule_create(
                actor=request.user, scope_org=org, name=data["name"], effective_from=data["effective_from"],
                decision_ref=data["decision_ref"], approved_by=data.get("approved_by", ""), bands=bands)
        except DomainError as exc:
            if isinstance(exc, PermissionRefused):
                raise
            for field, errors in getattr(exc, "errors", {}).items():
                parts = field.split(".")
                for message in errors:
                    if len(parts) == 3 and parts[0] == "bands" and parts[2] in BandFormSet.form.base_fields:
                        formset.forms[index[int(parts[1])]].add_error(parts[2], message)
                    else:
                        form.add_error(field if field in form.fields else None, message)
            if not getattr(exc, "errors", None):
                add_domain_error(form, exc)
        else:
            messages.success(request, f"已新增交纳标准，自{schedule.effective_from.year}年{schedule.effective_from.month}月起执行")
            return redirect(f"{reverse('dues:schedules')}#schedule-{schedule.pk}")
    invalid = request.method == "POST"
    return render(request, "dues/schedule_form.html", {
        "page_title": f"新增党费交纳标准 · {org.name}", "form": form, "formset": formset, "org": org},
        status=400 if invalid else 200)
