"""Development pages (mobile-first, for branch secretaries): the pipeline board, the list of people, a person's
25-step file with the step, vote, notice and objection forms, probation decisions, yearly plans, and the public
notice page (no login; only what a notice board shows)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can, orgs_for
from grassroots.core.errors import DomainError, PermissionRefused
from grassroots.core.htmx import render_page_or_partial
from grassroots.core.pagination import keyset_page
from grassroots.core.selectors import history_for
from grassroots.core.views import add_domain_error, clean_text, scoped_view
from grassroots.development import rules, selectors, services
from grassroots.development.choices import OPEN_STAGES, NoticeStatus, Stage, VoteKind
from grassroots.development.forms import (
    EXCLUSION_CHOICES,
    ApplicantEditForm,
    ApplicantForm,
    CancelForm,
    CloseForm,
    ExtendForm,
    NoticeForm,
    ObjectionForm,
    PlanForm,
    ResolveForm,
    RevealForm,
    StepCorrectForm,
    StepForm,
    SuspensionEndForm,
    SuspensionForm,
    VoteForm,
    WithdrawNoticeForm,
)
from grassroots.development.permissions import DevelopmentPerm
from grassroots.members.choices import MemberState, MemberStatus
from grassroots.members.models import Member
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.models import Organization
from grassroots.orgs.selectors import org_get

PAGE_SIZE = 50


def _org_from_query(request, perm=DevelopmentPerm.VIEW):
    """The ?org= organization (scoped: 404 outside), or the top of the user's scope."""
    raw = request.GET.get("org") or request.POST.get("org")
    if raw:
        try:
            return org_get(request.user, int(raw), perm=perm)
        except ValueError as exc:
            raise Http404 from exc
    prefixes = orgs_for(request.user, perm)
    if not prefixes:
        raise Http404
    return Organization.objects.get(path=prefixes[0])


@scoped_view
def board(request):
    org = _org_from_query(request)
    data = selectors.pipeline_board(request.user, org)
    return render(request, "development/board.html", {
        "page_title": f"发展党员 · {org.name}", "org": org, "board": data, "stages": Stage.choices,
        "today": timezone.localdate(), "can_plan": can(request.user, DevelopmentPerm.RECORD, org.path),
        "can_create": org.is_branch and can(request.user, DevelopmentPerm.RECORD, org.path),
    })


@scoped_view
def applicant_list(request):
    org = _org_from_query(request)
    stage = clean_text(request.GET.get("stage", ""), 20)
    if stage and stage not in (*Stage.values, "open", "overdue"):
        stage = ""
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    page = selectors.applicant_list(request.user, org_path=org.path, stage=stage, q=clean_text(request.GET.get("q", "")),
                                    page_size=PAGE_SIZE, after=request.GET.get("after"), before=request.GET.get("before"),
                                    page=page_number)
    query = request.GET.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    return render_page_or_partial(request, "development/applicant_list.html", "development/partials/applicant_rows.html", {
        "page_title": f"发展党员名册 · {org.name}", "org": org, "page": page, "stage": stage, "stages": Stage.choices,
        "q": request.GET.get("q", ""), "query": query.urlencode(), "today": timezone.localdate(),
        "can_create": org.is_branch and can(request.user, DevelopmentPerm.RECORD, org.path),
    })


@scoped_view
@require_http_methods(["GET", "POST"])
def applicant_create(request):
    org = _org_from_query(request, perm=DevelopmentPerm.RECORD)
    form = ApplicantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applicant = services.applicant_create(actor=request.user, org=org, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记 {applicant.name} 的入党申请")
            return redirect("development:applicant_detail", pk=applicant.pk)
    return render(request, "development/applicant_form.html", {"page_title": f"登记入党申请 · {org.name}", "form": form,
                                                               "org": org}, status=400 if form.errors else 200)


def _detail_context(request, applicant, **extra) -> dict:
    user = request.user
    record = can(user, DevelopmentPerm.RECORD, applicant.org_path)
    approve = services.approves_above(user, applicant.org_path)
    notices = selectors.applicant_notices(applicant)
    return {
        "page_title": f"{applicant.name} · {applicant.get_stage_display()}",
        "applicant": applicant,
        "timeline": selectors.applicant_timeline(applicant),
        "votes": selectors.applicant_votes(applicant),
        "notices": notices,
        "history": history_for(applicant),
        "can_record": record and applicant.stage != Stage.CLOSED,
        "can_approve": approve and applicant.stage != Stage.CLOSED,
        "can_reveal": can(user, DevelopmentPerm.REVEAL, applicant.org_path),
        "is_open": applicant.stage in OPEN_STAGES,
        "reveal_form": RevealForm(),
        "notice_stages": [s for s, after in rules.NOTICE_AFTER_STEP.items()
                          if any(r.code == after and r.completed for r in applicant.steps.all())
                          and not any(n.stage == s and n.status == NoticeStatus.PUBLISHED for n in notices)],
        "today": timezone.localdate(),
        **extra,
    }


@scoped_view
def applicant_detail(request, pk: int):
    applicant = selectors.applicant_get(request.user, pk)
    return render(request, "development/applicant_detail.html", _detail_context(request, applicant))


@scoped_view
@require_http_methods(["GET", "POST"])
def applicant_edit(request, pk: int):
    applicant = selectors.applicant_get(request.user, pk, perm=DevelopmentPerm.RECORD)
    initial = {name: getattr(applicant, name) for name in ("name", "ethnicity", "education", "occupation", "notes")}
    form = ApplicantEditForm(request.POST or None, initial={**initial, "version": applicant.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.applicant_update(actor=request.user, applicant=applicant, version=form.cleaned_data["version"],
                                      **form.service_values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("development:applicant_detail", pk=applicant.pk)
    return render(request, "development/simple_form.html", {"page_title": f"修改信息 · {applicant.name}", "form": form,
                                                            "applicant": applicant}, status=400 if form.errors else 200)


@scoped_view
@require_POST
def applicant_reveal(request, pk: int):
    applicant = selectors.applicant_get(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "development/partials/reveal.html", {"applicant": applicant, "reveal_form": form}, status=400)
    secrets = services.applicant_reveal(actor=request.user, applicant=applicant, reason=form.cleaned_data["reason"])
    return render(request, "development/partials/reveal.html", {"applicant": applicant, "secrets": secrets})


def _people_choices(applicant):
    """Full members of the branch (mentors and sponsors are usually from the person's own branch)."""
    rows = (Member.objects.filter(org_id=applicant.org_id, state=MemberState.ACTIVE, status=MemberStatus.FULL)
            .order_by("name").values_list("id", "name")[:500])
    return list(rows)


@scoped_view
@require_http_methods(["GET", "POST"])
def step_record(request, pk: int, code: str):
    step = rules.STEP_BY_CODE.get(code)
    if step is None or step.vote or code == "application":
        raise Http404
    perm = DevelopmentPerm.APPROVE if step.approve else DevelopmentPerm.RECORD
    applicant = selectors.applicant_get(request.user, pk, perm=perm)
    form = StepForm(request.POST or None, step=step, people_choices=_people_choices(applicant),
                    initial={"version": applicant.version, "occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.step_record(actor=request.user, applicant=applicant, version=form.cleaned_data["version"],
                                          code=code, occurred_on=form.cleaned_data["occurred_on"],
                                          evidence=form.evidence(), people=form.cleaned_data.get("people") or [])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if record.late:
                messages.warning(request, f"已登记「{step.title}」，但超时办理：{record.late_note}")
            elif not record.completed:
                messages.warning(request, f"已登记「{step.title}」，结论不合格，发展程序在此停止")
            else:
                messages.success(request, f"已登记「{step.title}」")
            return redirect("development:applicant_detail", pk=applicant.pk)
    return render(request, "development/step_form.html", {
        "page_title": f"{step.number}. {step.title} · {applicant.name}", "form": form, "step": step,
        "applicant": applicant}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def step_correct(request, pk: int, step_id: int):
    """Correct a recorded step's date or evidence, with the reason; the whole chain is checked again."""
    record = selectors.step_get(request.user, pk, step_id)
    step = rules.STEP_BY_CODE[record.code]
    if step.code in rules.UNCORRECTABLE:
        raise Http404
    applicant = selectors.applicant_get(request.user, pk, perm=DevelopmentPerm.APPROVE if step.approve
                                        else DevelopmentPerm.RECORD)
    if step.approve and not services.approves_above(request.user, applicant.org_path):
        raise PermissionRefused()
    form = StepCorrectForm(request.POST or None, step=step, people_choices=_people_choices(applicant), record=record)
    form.fields["version"].initial = applicant.version
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.step_correct(actor=request.user, step=record, version=data["version"], reason=data["reason"],
                                  occurred_on=data["occurred_on"], evidence=form.evidence(),
                                  people=data.get("people") if "people" in form.fields else None)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已更正「{step.title}」，原记录和更正原因已记入变更记录")
            return redirect("development:applicant_detail", pk=applicant.pk)
    return render(request, "development/step_form.html", {
        "page_title": f"更正 {step.number}. {step.title} · {applicant.name}", "form": form, "step": step,
        "applicant": applicant, "correcting": record}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def vote_record(request, pk: int, kind: str):
    if kind not in VoteKind.values:
        raise Http404
    applicant = selectors.applicant_get(request.user, pk, perm=DevelopmentPerm.RECORD)
    meeting_on = None
    form = VoteForm(request.POST or None, initial={"version": applicant.version})
    if request.method == "POST" and form.is_valid():
        meeting_on = form.cleaned_data["meeting_on"]
        exclusions = []
        for key, reason in request.POST.items():
            if key.startswith("exclude_") and reason:
                member_id = key.removeprefix("exclude_")
                if member_id.isdigit():
                    exclusions.append({"member_id": int(member_id), "reason": reason,
                                       "note": clean_text(request.POST.get(f"note_{member_id}", ""), 300)})
        try:
            vote = services.vote_record(actor=request.user, applicant=applicant, kind=kind, exclusions=exclusions,
                                        **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            level = messages.success if vote.outcome == "passed" else messages.warning
            level(request, f"表决结果：{vote.get_outcome_display()}。{vote.explanation}")
            return redirect("development:applicant_detail", pk=applicant.pk)
    day = meeting_on or timezone.localdate()
    if request.method == "GET" and request.GET.get("meeting_on"):
        try:
            import datetime as dt

            day = dt.date.fromisoformat(request.GET["meeting_on"])
        except ValueError:
            pass
    roster = list(services.branch_roster(applicant.org_id, day).order_by("name").values("id", "name"))
    return render(request, "development/vote_form.html", {
        "page_title": f"支部大会表决（{VoteKind(kind).label}）· {applicant.name}", "form": form, "applicant": applicant,
        "kind": kind, "roster": roster, "roster_day": day, "exclusion_choices": EXCLUSION_CHOICES,
        "posted": request.POST, "source": rules.VOTE_SOURCE}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def notice_create(request, pk: int):
    applicant = selectors.applicant_get(request.user, pk, perm=DevelopmentPerm.RECORD)
    form = NoticeForm(request.POST or None, initial={"stage": request.GET.get("stage"), "published_on": timezone.localdate(),
                                                      "working_days": rules.configured(rules.NOTICE_WORKING_DAYS)})
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(actor=request.user, applicant=applicant, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已发布公示，公示期至 {notice.ends_on:%Y-%m-%d}")
            return redirect("development:applicant_detail", pk=applicant.pk)
    return render(request, "development/simple_form.html", {
        "page_title": f"发布公示 · {applicant.name}", "form": form, "applicant": applicant,
        "hint": f"公示期按工作日计算（周末和法定节假日不计，调休上班日计入；{rules.HOLIDAY_SOURCE}）。{rules.NOTICE_SOURCE}"},
        status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def notice_withdraw(request, pk: int):
    notice = selectors.notice_get(request.user, pk, perm=DevelopmentPerm.RECORD)
    form = WithdrawNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_withdraw(actor=request.user, notice=notice, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "公示已撤回")
            return redirect("development:applicant_detail", pk=notice.applicant_id)
    return render(request, "development/simple_form.html", {"page_title": f"撤回公示 · {notice.public_name}", "form": form,
                                                            "applicant": notice.applicant}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def objection_create(request, pk: int):
    notice = selectors.notice_get(request.user, pk, perm=DevelopmentPerm.RECORD)
    form = ObjectionForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_record(actor=request.user, notice=notice, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.warning(request, "已登记异议；处理完毕前不能办理下一步")
            return redirect("development:applicant_detail", pk=notice.applicant_id)
    return render(request, "development/simple_form.html", {"page_title": f"登记公示异议 · {notice.public_name}",
                                                            "form": form, "applicant": notice.applicant},
                  status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def objection_resolve(request, pk: int):
    objection = selectors.objection_get(request.user, pk, perm=DevelopmentPerm.RECORD)
    form = ResolveForm(request.POST or None, initial={"version": objection.version, "resolved_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_resolve(actor=request.user, objection=objection, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "异议已处理")
            return redirect("development:applicant_detail", pk=objection.notice.applicant_id)
    return render(request, "development/simple_form.html", {"page_title": "处理公示异议", "form": form,
                                                            "applicant": objection.notice.applicant,
                                                            "hint": objection.summary}, status=400 if form.errors else 200)


def _decision(request, pk, *, form_class, service, perm, title, done):
    applicant = selectors.applicant_get(request.user, pk, perm=perm)
    form = form_class(request.POST or None, initial={"version": applicant.version})
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, applicant=applicant, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("development:applicant_detail", pk=applicant.pk)
    return render(request, "development/simple_form.html", {"page_title": f"{title} · {applicant.name}", "form": form,
                                                            "applicant": applicant}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def probation_extend(request, pk: int):
    return _decision(request, pk, form_class=ExtendForm, service=services.probation_extend, perm=DevelopmentPerm.APPROVE,
                     title="延长预备期", done="已延长预备期")


@scoped_view
@require_http_methods(["GET", "POST"])
def probation_cancel(request, pk: int):
    return _decision(request, pk, form_class=CancelForm, service=services.probation_cancel, perm=DevelopmentPerm.APPROVE,
                     title="取消预备党员资格", done="已取消预备党员资格")


@scoped_view
@require_http_methods(["GET", "POST"])
def applicant_close(request, pk: int):
    return _decision(request, pk, form_class=CloseForm, service=services.applicant_withdraw, perm=DevelopmentPerm.RECORD,
                     title="终止发展程序", done="已终止发展程序")


@scoped_view
@require_http_methods(["GET", "POST"])
def plan_edit(request):
    org = _org_from_query(request, perm=DevelopmentPerm.RECORD)
    year = timezone.localdate().year
    current = selectors.plan_total(request.user, org, year)
    form = PlanForm(request.POST or None, initial={"year": year, "planned": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_set(actor=request.user, org=org, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存发展计划")
            return redirect(f"/development/?org={org.pk}")
    return render(request, "development/simple_form.html", {"page_title": f"年度发展党员计划 · {org.name}", "form": form,
                                                            "org": org}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def suspension_create(request):
    org = _org_from_query(request, perm=DevelopmentPerm.RECORD)
    members = list(Member.objects.visible_to(request.user, MemberPerm.VIEW).filter(org=org, state=MemberState.ACTIVE)
                   .order_by("name").values_list("id", "name")[:500])
    form = SuspensionForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        member = Member.objects.visible_to(request.user, MemberPerm.VIEW).filter(pk=form.cleaned_data.pop("member")).first()
        if member is None:
            raise Http404
        try:
            services.suspension_record(actor=request.user, member=member, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记 {member.name} 的权利中止")
            return redirect(f"/development/suspensions/?org={org.pk}")
    return render(request, "development/simple_form.html", {
        "page_title": f"登记党员权利中止 · {org.name}", "form": form, "org": org,
        "hint": "受留党察看处分、尚未恢复党员权利的党员没有表决权，不能作入党介绍人（细则第十四条；选举工作条例第五条）。"},
        status=400 if form.errors else 200)


@scoped_view
def suspension_list(request):
    """The current rights suspensions (停止党员权利) of an organization and its subtree; ?all=1 adds ended ones."""
    org = _org_from_query(request)
    show_all = request.GET.get("all") == "1"
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    qs = selectors.suspension_list(request.user, org_path=org.path, current=not show_all)
    page = keyset_page(qs, key_fields=("org_path", "id"), page_size=PAGE_SIZE, page=number)
    today = timezone.localdate()
    for row in page.items:
        row.current = row.ends_on is None or row.ends_on > today
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "development/suspension_list.html", {
        "page_title": f"党员权利中止 · {org.name}", "org": org, "page": page, "show_all": show_all,
        "can_record": can(request.user, DevelopmentPerm.RECORD, org.path), "query": query.urlencode()})


@scoped_view
@require_http_methods(["GET", "POST"])
def suspension_end(request, pk: int):
    row = selectors.suspension_get(request.user, pk, perm=DevelopmentPerm.RECORD)
    form = SuspensionEndForm(request.POST or None, initial={"version": row.version, "ends_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.suspension_end(actor=request.user, suspension=row, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记 {row.member.name} 恢复党员权利")
            return redirect(f"/development/suspensions/?org={row.member.org_id}")
    return render(request, "development/simple_form.html", {
        "page_title": f"恢复党员权利 · {row.member.name}", "form": form,
        "hint": f"{row.get_kind_display()}，自{row.starts_on:%Y-%m-%d}起（{row.reason}）。恢复后可参加表决、作入党介绍人。"},
        status=400 if form.errors else 200)


def notice_public(request, pk: int):
    """The notice board: name, branch, stage and dates only; nothing for withdrawn or future notices."""
    notice = selectors.public_notice_get(pk)
    if notice is None:
        raise Http404
    return render(request, "development/notice_public.html", {"page_title": "公示", "notice": notice})


def due_panel(actor, org) -> str | None:
    """The dashboard panel: due and overdue steps in the org's subtree. It loads itself with HTMX, so the dashboard
    itself spends no query on it (the shared dashboard keeps a constant query budget)."""
    if not can(actor, DevelopmentPerm.VIEW, org.path):
        return None
    return render_to_string("development/partials/due_panel_loader.html", {"org": org})


@scoped_view
def due_panel_body(request):
    """The panel's content: empty when nothing is due within the reminder window."""
    org = _org_from_query(request)
    overdue, soon, items = selectors.due_summary(request.user, org)
    if not (overdue or soon):
        return HttpResponse("")
    return render(request, "development/partials/due_panel.html", {"org": org, "overdue": overdue, "soon": soon,
                                                                    "items": items, "today": timezone.localdate()})
