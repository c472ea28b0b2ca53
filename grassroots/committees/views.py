"""Committee pages: the committee of an organization, terms due, elections through their stages, the public
notice, first secretaries with work logs, reserve cadres. Thin adapters over selectors and services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.models import User
from grassroots.access.scoping import can, can_above, has_perm_anywhere, orgs_for
from grassroots.committees import rules, selectors, services
from grassroots.committees.choices import CadreStatus, ElectionStage
from grassroots.committees.forms import (
    CadreForm,
    CandidateForm,
    ElectionForm,
    ExclusionForm,
    FirstSecretaryEndForm,
    FirstSecretaryForm,
    MeetingForm,
    NominationRoundForm,
    PostEndForm,
    PostForm,
    PostsAssignForm,
    RoundForm,
    TermChangeForm,
    TrainingForm,
    TransitionForm,
    WorkLogForm,
)
from grassroots.committees.models import Candidate, CommitteePost, VoterExclusion
from grassroots.committees.permissions import CommitteePerm
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.selectors import history_for
from grassroots.core.views import add_domain_error, scoped_view
from grassroots.members.choices import MemberState, MemberStatus
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

PAGE_SIZE = 50

FIELD_LABELS = {
    "present_count": "实到人数", "meeting_on": "选举大会日期", "ballots_issued": "发出选票", "ballots_returned": "收回选票",
    "votes": "得票", "candidates": "候选人", "nominations": "推荐", "posts": "分工", "reason": "理由",
    "filed_on": "备案日期", "plan": "选举工作方案", "member": "党员", "detail": "具体说明", "name": "名称",
    "weight": "权重", "participants": "参加推荐人数", "content": "工作内容", "occurred_on": "日期", "ended_on": "日期",
    "title": "培训内容", "hours": "学时",
}


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _query(request) -> str:
    query = request.GET.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    return query.urlencode()


def _flash_error(request, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for field, errors in exc.errors.items():
            label = FIELD_LABELS.get(field, "")
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
    else:
        messages.error(request, str(exc.message))


def _top_org(request, perm=CommitteePerm.VIEW) -> Organization:
    """?org=<id> in the caller's scope, or the caller's top organization."""
    org_id = request.GET.get("org")
    if org_id:
        try:
            return selectors.org_for(request.user, int(org_id), perm)
        except ValueError as exc:
            raise Http404 from exc
    prefixes = orgs_for(request.user, perm)
    org = Organization.objects.filter(path__in=prefixes[:1]).first()
    if org is None:
        raise Http404
    return org


def _full_members(org):
    return list(Member.objects.filter(selectors.members_q(org), state=MemberState.ACTIVE, status=MemberStatus.FULL)
                .only("id", "name").order_by("name"))


# ---------------------------------------------------------------- committees and terms

@scoped_view
def term_list(request):
    org = _top_org(request)
    due = request.GET.get("due", selectors.DUE_OVERDUE)
    if due not in (selectors.DUE_OVERDUE, selectors.DUE_ENDING):
        due = selectors.DUE_OVERDUE
    today = timezone.localdate()
    changes = selectors.current_term_changes(org)
    counts = selectors.terms_due_counts(request.user, org, today, changes)
    page = selectors.terms_due(request.user, org, due, page_size=PAGE_SIZE, after=request.GET.get("after"),
                               before=request.GET.get("before"), page=_page_number(request), today=today,
                               changes=changes, with_count=False)
    page.total = counts[due]
    return render(request, "committees/term_list.html", {
        "page_title": f"换届提醒 · {org.name}", "org": org, "due": due, "page": page, "query": _query(request),
        "counts": counts,
        "reminder_months": rules.TERM_REMINDER_MONTHS.value,
    })


@scoped_view
def committee_detail(request, pk: int):
    org = selectors.org_for(request.user, pk)
    facts, warnings = selectors.committee_warnings(org)
    least, usual, most = rules.committee_size_range(facts.full_members)
    can_manage = can(request.user, CommitteePerm.MANAGE, org.path) and org.is_active
    return render(request, "committees/committee_detail.html", {
        "page_title": f"{org.name} · 班子", "org": org, "facts": facts, "warnings": warnings,
        "size_range": (least, usual, most),
        "current": selectors.committee_current(org), "past": selectors.committee_past(org),
        "term": selectors.term_info(org), "elections": selectors.election_list(request.user, org, page_size=10).items,
        "can_manage": can_manage,
        "can_approve_above": can_above(request.user, CommitteePerm.APPROVE, org.path),
        "history": selectors.committee_history(org),
    })


@scoped_view
def org_panel(request, pk: int):
    """The committee summary shown on the organization's own page (loaded there with HTMX)."""
    org = selectors.org_for(request.user, pk)
    return render(request, "committees/partials/org_panel.html", {
        "org": org, "current": selectors.committee_current(org), "term": selectors.term_info(org)})


@scoped_view
@require_http_methods(["GET", "POST"])
def post_create(request, pk: int):
    org = selectors.org_for(request.user, pk, CommitteePerm.MANAGE)
    form = PostForm(request.POST or None, members=_full_members(org), initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        member = Member.objects.filter(selectors.members_q(org), pk=form.cleaned_data["member"]).first()
        try:
            if member is None:
                raise ValidationFailed({"member": ["请选择本组织党员"]})
            services.committee_post_add(actor=request.user, org=org, member=member, post=form.cleaned_data["post"],
                                        started_on=form.cleaned_data["started_on"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记任职")
            return redirect("committees:committee_detail", pk=org.pk)
    return render(request, "committees/form.html", {"page_title": f"登记任职 · {org.name}", "form": form,
                                                    "back": ("committees:committee_detail", org.pk)},
                  status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def post_end(request, pk: int):
    from grassroots.access.scoping import get_scoped_or_404

    post = get_scoped_or_404(CommitteePost.objects.select_related("org", "member"), request.user,
                             CommitteePerm.MANAGE, pk=pk)
    form = PostEndForm(request.POST or None, initial={"version": post.version, "ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_post_end(actor=request.user, post=post, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记离任")
            return redirect("committees:committee_detail", pk=post.org_id)
    return render(request, "committees/form.html", {
        "page_title": f"登记离任 · {post.member.name} {post.get_post_display()}", "form": form,
        "back": ("committees:committee_detail", post.org_id)}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def term_change_create(request, pk: int):
    org = selectors.org_for(request.user, pk)
    form = TermChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_change_approve(actor=request.user, org=org, **form.cleaned_data)
        except DomainError as exc:
            if exc.code == "forbidden" or exc.code == services.CommitteeErrors.NOT_ABOVE:
                raise
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记批准的延期/提前换届")
            return redirect("committees:committee_detail", pk=org.pk)
    info = selectors.term_info(org)
    return render(request, "committees/form.html", {
        "page_title": f"批准延期或提前换届 · {org.name}", "form": form, "back": ("committees:committee_detail", org.pk),
        "intro": f"本届 {info.started_on or '—'} 选举，任期{info.years}年，法定届满 {info.statutory_ends_on or '—'}。"
                 f"依据：{rules.TERM_CHANGE_MAX_YEARS.source}",
    }, status=400 if form.errors else 200)


# ---------------------------------------------------------------- elections

@scoped_view
def election_list(request):
    org = _top_org(request)
    page = selectors.election_list(request.user, org, page_size=PAGE_SIZE, page=_page_number(request))
    return render(request, "committees/election_list.html", {"page_title": f"换届选举 · {org.name}", "org": org,
                                                             "page": page, "query": _query(request)})


@scoped_view
@require_http_methods(["GET", "POST"])
def election_create(request, pk: int):
    org = selectors.org_for(request.user, pk, CommitteePerm.MANAGE)
    full = len(_full_members(org))
    least, usual, _most = rules.committee_size_range(full)
    form = ElectionForm(request.POST or None, initial={
        "title": f"{org.name}换届选举", "seats": min(max(least, 3 if full >= 7 else 1), usual), "margin_percent": 20,
        "majority_base": "expected"})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            election = services.election_create(actor=request.user, org=org, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已建立换届选举")
            return redirect("committees:election_detail", pk=election.pk)
    return render(request, "committees/form.html", {
        "page_title": f"换届选举 · {org.name}", "form": form, "back": ("committees:committee_detail", org.pk),
        "intro": f"本支部正式党员{full}名：应选 {least}–{_most} 名（支部工作条例第二十条）。"}, status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def election_edit(request, pk: int):
    election = selectors.election_get(request.user, pk, CommitteePerm.MANAGE)
    initial = {k: getattr(election, k) for k in services.ELECTION_FIELDS}
    form = ElectionForm(request.POST or None, initial={**initial, "version": election.version})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or 0
        try:
            services.election_update(actor=request.user, election=election, version=version, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("committees:election_detail", pk=election.pk)
    return render(request, "committees/form.html", {"page_title": f"编辑 · {election.title}", "form": form,
                                                    "back": ("committees:election_detail", election.pk)},
                  status=400 if form.errors else 200)


@scoped_view
def election_detail(request, pk: int):
    election = selectors.election_get(request.user, pk)
    view = selectors.election_overview(election)
    user = request.user
    can_manage = can(user, CommitteePerm.MANAGE, election.org.path)
    can_approve = can_above(user, CommitteePerm.APPROVE, election.org.path)
    transitions = [t for t in rules.next_stages(election.stage)
                   if t.to != ElectionStage.VOTED or election.stage != ElectionStage.CANDIDATES_SET]
    transitions = [t for t in transitions if (can_approve if t.perm == CommitteePerm.APPROVE else can_manage)]
    running, seats_left = services.running_candidates(election)
    elected = [c for c in view.candidates if c.elected]
    context = {
        "page_title": election.title, "election": election, "view": view, "org": election.org,
        "can_manage": can_manage, "can_approve": can_approve, "transitions": transitions,
        "running": running, "elected": elected,
        "seats_left": seats_left,
        "least_present": rules.least_present(view.eligible_now) if view.eligible_now else None,
        "candidate_form": CandidateForm(members=[m for m in view.voters
                                                 if m.pk not in {c.member_id for c in view.candidates}]),
        "exclusion_form": ExclusionForm(members=view.voters),
        "meeting_form": MeetingForm(initial={"version": election.version, "meeting_on": election.planned_on,
                                             "present_count": election.present_count}),
        "round_form": RoundForm(candidates=running, initial={"version": election.version}),
        "posts_form": PostsAssignForm(elected=elected, initial={"version": election.version}),
        "history": history_for(election),
        "sources": {"quorum": rules.QUORUM.source, "margin": rules.DEFAULT_MARGIN.source,
                    "majority": rules.MAJORITY.source, "ballots": rules.BALLOTS_SOURCE, "ties": rules.TIE_SOURCE,
                    "exclusions": rules.EXCLUSION_SOURCE, "leaders": rules.LEADERS_APPROVAL.source},
    }
    return render(request, "committees/election_detail.html", context)


def _back(election):
    return redirect("committees:election_detail", pk=election.pk)


@scoped_view
@require_POST
def election_transition(request, pk: int):
    election = selectors.election_get(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求无效，请刷新后重试")
        return _back(election)
    data = form.cleaned_data
    try:
        services.election_transition(actor=request.user, election=election, version=data["version"], to=data["to"],
                                     reason=data["reason"], decision_ref=data["decision_ref"],
                                     filed_on=data["filed_on"])
    except DomainError as exc:
        if exc.code in ("forbidden", services.CommitteeErrors.NOT_ABOVE):
            raise
        _flash_error(request, exc)
    else:
        messages.success(request, f"已完成：{election.get_stage_display()}")
    return _back(election)


def _election_action(request, pk: int, perm=CommitteePerm.MANAGE):
    return selectors.election_get(request.user, pk, perm)


@scoped_view
@require_http_methods(["GET", "POST"])
def nomination_create(request, pk: int):
    election = _election_action(request, pk)
    members = _full_members(election.org)
    form = NominationRoundForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("name", "weight", "participants", "held_on")}
        try:
            services.nomination_round_add(actor=request.user, election=election, votes=form.votes(), **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记推荐结果")
            return _back(election)
    return render(request, "committees/form.html", {
        "page_title": f"登记推荐 · {election.title}", "form": form, "back": ("committees:election_detail", election.pk),
        "intro": "各轮推荐的权重合计应为100%；每名党员填写所得推荐票数（未获推荐可留空）。"},
        status=400 if form.errors else 200)


@scoped_view
@require_POST
def candidate_create(request, pk: int):
    election = _election_action(request, pk)
    form = CandidateForm(request.POST, members=_full_members(election.org))
    if form.is_valid():
        member = Member.objects.filter(selectors.members_q(election.org), pk=form.cleaned_data["member"]).first()
        try:
            if member is None:
                raise ValidationFailed({"member": ["请选择本组织党员"]})
            services.candidate_add(actor=request.user, election=election, member=member,
                                   pledge=form.cleaned_data["pledge"])
        except DomainError as exc:
            _flash_error(request, exc)
    else:
        messages.error(request, "候选人：请选择本组织党员")
    return _back(election)


@scoped_view
@require_POST
def candidate_delete(request, pk: int, candidate_pk: int):
    election = _election_action(request, pk)
    candidate = Candidate.objects.filter(election=election, pk=candidate_pk).select_related("member", "election").first()
    if candidate is None:
        raise Http404
    try:
        services.candidate_remove(actor=request.user, candidate=candidate)
    except DomainError as exc:
        _flash_error(request, exc)
    return _back(election)


@scoped_view
@require_POST
def exclusion_create(request, pk: int):
    election = _election_action(request, pk)
    form = ExclusionForm(request.POST, members=_full_members(election.org))
    if form.is_valid():
        member = Member.objects.filter(selectors.members_q(election.org), pk=form.cleaned_data["member"]).first()
        try:
            if member is None:
                raise ValidationFailed({"member": ["请选择本组织党员"]})
            services.exclusion_add(actor=request.user, election=election, member=member,
                                   reason=form.cleaned_data["reason"], detail=form.cleaned_data["detail"])
        except DomainError as exc:
            _flash_error(request, exc)
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{FIELD_LABELS.get(field, field)}：{error}")
    return _back(election)


@scoped_view
@require_POST
def exclusion_approve(request, pk: int, exclusion_pk: int):
    election = selectors.election_get(request.user, pk)
    exclusion = VoterExclusion.objects.filter(election=election, pk=exclusion_pk).select_related("member").first()
    if exclusion is None:
        raise Http404
    exclusion.election = election
    try:
        services.exclusion_approve(actor=request.user, exclusion=exclusion)
    except DomainError as exc:
        if exc.code in ("forbidden", services.CommitteeErrors.NOT_ABOVE):
            raise
        _flash_error(request, exc)
    return _back(election)


@scoped_view
@require_POST
def meeting_record(request, pk: int):
    election = _election_action(request, pk)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.election_meeting_record(actor=request.user, election=election, **form.cleaned_data)
        except DomainError as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, "已登记选举大会，会议有效")
    else:
        messages.error(request, "请填写选举大会日期和实到人数")
    return _back(election)


@scoped_view
@require_POST
def round_record(request, pk: int):
    election = _election_action(request, pk)
    running, _seats = services.running_candidates(election)
    form = RoundForm(request.POST, candidates=running)
    if form.is_valid():
        try:
            row = services.election_round_record(
                actor=request.user, election=election, version=form.cleaned_data["version"],
                ballots_issued=form.cleaned_data["ballots_issued"],
                ballots_returned=form.cleaned_data["ballots_returned"], votes=form.votes())
        except DomainError as exc:
            _flash_error(request, exc)
        else:
            if row.void:
                messages.warning(request, "收回选票多于发出选票，本轮选举无效，请重新投票")
            elif row.tally.complete:
                messages.success(request, "全部名额已选出，请确定分工")
            else:
                messages.warning(request, f"本轮尚有{row.tally.unfilled}个名额未选出（得票未过半数或票数相等），请另行投票")
    else:
        messages.error(request, "请填写发出、收回选票和每位候选人的赞成票")
    return _back(election)


@scoped_view
@require_POST
def posts_assign(request, pk: int):
    election = _election_action(request, pk)
    elected = list(election.candidates.filter(elected_in_round__isnull=False).select_related("member"))
    form = PostsAssignForm(request.POST, elected=elected)
    if form.is_valid():
        try:
            services.election_posts_assign(actor=request.user, election=election,
                                           version=form.cleaned_data["version"], posts=form.posts())
        except DomainError as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, "已保存分工")
    else:
        messages.error(request, "分工：请选择有效的职务")
    return _back(election)


@scoped_view
@require_POST
def election_publish(request, pk: int):
    election = _election_action(request, pk)
    try:
        services.election_publish(actor=request.user, election=election,
                                  version=int(request.POST.get("version") or 0))
    except (DomainError, ValueError) as exc:
        _flash_error(request, exc if isinstance(exc, DomainError) else DomainError())
    else:
        messages.success(request, "已公示选举结果")
    return _back(election)


def election_notice(request, pk: int):
    """Public: the approved and published result, names and posts only."""
    election, elected = selectors.public_notice_get(pk)
    return render(request, "committees/election_notice.html", {
        "page_title": f"{election.org.name}换届选举结果公告", "election": election, "elected": elected})


# ---------------------------------------------------------------- first secretaries

@scoped_view
def first_secretary_list(request):
    org = _top_org(request)
    current_only = request.GET.get("current") == "1"
    page = selectors.first_secretary_list(request.user, org, current_only=current_only, page_size=PAGE_SIZE,
                                          page=_page_number(request))
    return render(request, "committees/first_secretary_list.html", {
        "page_title": f"驻村第一书记 · {org.name}", "org": org, "page": page, "current_only": current_only,
        "query": _query(request),
        "can_add": org.sector in ("village", "community") and can(request.user, CommitteePerm.MANAGE, org.path)})


@scoped_view
@require_http_methods(["GET", "POST"])
def first_secretary_create(request, pk: int):
    org = selectors.org_for(request.user, pk, CommitteePerm.MANAGE)
    form = FirstSecretaryForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        username = data.pop("username")
        user = User.objects.filter(username=username, is_active=True).first() if username else None
        try:
            if username and user is None:
                raise ValidationFailed({"username": ["未找到该系统账户"]})
            row = services.first_secretary_assign(actor=request.user, org=org, user=user, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记第一书记")
            return redirect("committees:first_secretary_detail", pk=row.pk)
    return render(request, "committees/form.html", {"page_title": f"派驻第一书记 · {org.name}", "form": form,
                                                    "back": ("committees:committee_detail", org.pk)},
                  status=400 if form.errors else 200)


@scoped_view
def first_secretary_detail(request, pk: int):
    row = selectors.first_secretary_get(request.user, pk)
    can_manage = can(request.user, CommitteePerm.MANAGE, row.org.path)
    own = row.user_id is not None and row.user_id == request.user.pk
    return render(request, "committees/first_secretary_detail.html", {
        "page_title": f"第一书记 · {row.name}", "fs": row, "entries": list(row.log_entries.order_by("-occurred_on", "-id")[:200]),
        "can_log": can_manage or own, "can_manage": can_manage and row.ended_on is None,
        "log_form": WorkLogForm(initial={"occurred_on": timezone.localdate()}),
        "end_form": FirstSecretaryEndForm(initial={"version": row.version, "ended_on": timezone.localdate()}),
        "history": history_for(row),
    })


@scoped_view
@require_POST
def work_log_create(request, pk: int):
    row = selectors.first_secretary_get(request.user, pk)
    form = WorkLogForm(request.POST)
    if form.is_valid():
        try:
            services.work_log_add(actor=request.user, first_secretary=row, **form.cleaned_data)
        except DomainError as exc:
            if exc.code == "forbidden":
                raise
            _flash_error(request, exc)
        else:
            messages.success(request, "已记录")
    else:
        messages.error(request, "请填写日期和工作内容")
    return redirect("committees:first_secretary_detail", pk=row.pk)


@scoped_view
@require_POST
def first_secretary_end(request, pk: int):
    row = selectors.first_secretary_get(request.user, pk, CommitteePerm.MANAGE)
    form = FirstSecretaryEndForm(request.POST)
    if form.is_valid():
        try:
            services.first_secretary_end(actor=request.user, first_secretary=row, **form.cleaned_data)
        except DomainError as exc:
            _flash_error(request, exc)
    else:
        messages.error(request, "请填写离村日期")
    return redirect("committees:first_secretary_detail", pk=row.pk)


# ---------------------------------------------------------------- reserve cadres

@scoped_view
def cadre_list(request):
    org = _top_org(request)
    status = request.GET.get("status", "")
    if status not in CadreStatus.values:
        status = ""
    page = selectors.cadre_list(request.user, org, status=status, page_size=PAGE_SIZE, page=_page_number(request))
    return render(request, "committees/cadre_list.html", {
        "page_title": f"村级后备干部 · {org.name}", "org": org, "page": page, "status": status,
        "query": _query(request),
        "statuses": CadreStatus.choices,
        "can_add": org.sector in ("village", "community") and can(request.user, CommitteePerm.MANAGE, org.path)})


@scoped_view
@require_http_methods(["GET", "POST"])
def cadre_create(request, pk: int):
    org = selectors.org_for(request.user, pk, CommitteePerm.MANAGE)
    form = CadreForm(request.POST or None, initial={"status": CadreStatus.CANDIDATE})
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in CadreForm.FIELDS}
        try:
            cadre = services.reserve_cadre_add(actor=request.user, org=org, **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已登记后备干部")
            return redirect("committees:cadre_detail", pk=cadre.pk)
    return render(request, "committees/form.html", {"page_title": f"登记后备干部 · {org.name}", "form": form,
                                                    "back": ("committees:committee_detail", org.pk)},
                  status=400 if form.errors else 200)


@scoped_view
def cadre_detail(request, pk: int):
    cadre = selectors.cadre_get(request.user, pk)
    return render(request, "committees/cadre_detail.html", {
        "page_title": f"后备干部 · {cadre.name}", "cadre": cadre,
        "trainings": list(cadre.trainings.order_by("-occurred_on", "-id")),
        "can_manage": can(request.user, CommitteePerm.MANAGE, cadre.org.path),
        "training_form": TrainingForm(initial={"occurred_on": timezone.localdate()}),
        "history": history_for(cadre),
    })


@scoped_view
@require_http_methods(["GET", "POST"])
def cadre_edit(request, pk: int):
    cadre = selectors.cadre_get(request.user, pk, CommitteePerm.MANAGE)
    initial = {k: getattr(cadre, k) for k in CadreForm.FIELDS}
    form = CadreForm(request.POST or None, initial={**initial, "version": cadre.version})
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in CadreForm.FIELDS}
        try:
            services.reserve_cadre_update(actor=request.user, cadre=cadre, version=form.cleaned_data["version"] or 0,
                                          **data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("committees:cadre_detail", pk=cadre.pk)
    return render(request, "committees/form.html", {"page_title": f"编辑 · {cadre.name}", "form": form,
                                                    "back": ("committees:cadre_detail", cadre.pk)},
                  status=400 if form.errors else 200)


@scoped_view
@require_POST
def training_create(request, pk: int):
    cadre = selectors.cadre_get(request.user, pk, CommitteePerm.MANAGE)
    form = TrainingForm(request.POST)
    if form.is_valid():
        try:
            services.cadre_training_add(actor=request.user, cadre=cadre, **form.cleaned_data)
        except DomainError as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, "已记录培训")
    else:
        messages.error(request, "请填写培训日期、内容和学时")
    return redirect("committees:cadre_detail", pk=cadre.pk)


@scoped_view
def home(request):
    if not has_perm_anywhere(request.user, CommitteePerm.VIEW):
        raise Http404
    return redirect("committees:term_list")


def dashboard_panel(actor, org) -> str | None:
    """The organization dashboard's changeover reminders (grassroots/core/modules.py). The dashboard keeps its
    query budget: this returns a placeholder that loads the reminders with HTMX (no query here; the grants are
    cached on the actor)."""
    from django.urls import reverse
    from django.utils.html import format_html

    if not can(actor, CommitteePerm.VIEW, org.path):
        return None
    return format_html('<div id="committees-panel-slot" hx-get="{}" hx-trigger="load" hx-swap="outerHTML"></div>',
                       reverse("committees:dashboard_reminders", args=[org.pk]))


@scoped_view
def dashboard_reminders(request, pk: int):
    """The reminders card itself: overdue and ending terms in the subtree, first secretaries in post."""
    from django.http import HttpResponse

    org = selectors.org_for(request.user, pk)
    counts = selectors.terms_due_counts(request.user, org)
    first_secretaries = selectors.first_secretary_count(request.user, org)
    if not (counts["overdue"] or counts["ending"] or first_secretaries):
        return HttpResponse("")
    return render(request, "committees/partials/dashboard_panel.html",
                  {"org": org, "counts": counts, "first_secretaries": first_secretaries})
