"""Election pages: the list, an election through its stages, and the public notice."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can, can_above
from grassroots.committees import rules, selectors, services
from grassroots.committees.choices import ElectionStage
from grassroots.committees.forms import (
    CandidateForm,
    ElectionForm,
    ExclusionForm,
    MeetingForm,
    NominationRoundForm,
    PostsAssignForm,
    RoundForm,
    TransitionForm,
)
from grassroots.committees.models import Candidate, VoterExclusion
from grassroots.committees.permissions import CommitteePerm
from grassroots.committees.views.common import (
    PAGE_SIZE,
    _flash_error,
    _full_members,
    _page_number,
    _query,
    _top_org,
    form_page,
    inline_post,
)
from grassroots.core.errors import DomainError, ValidationFailed
from grassroots.core.selectors import history_for
from grassroots.core.views import scoped_view
from grassroots.members.models import Member


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

    def action(data):
        election = services.election_create(actor=request.user, org=org,
                                            **{k: v for k, v in data.items() if k != "version"})
        return redirect("committees:election_detail", pk=election.pk)

    return form_page(request, form, title=f"换届选举 · {org.name}", back=("committees:committee_detail", org.pk),
                     done="已建立换届选举", action=action,
                     intro=f"本支部正式党员{full}名：应选 {least}–{_most} 名（支部工作条例第二十条）。")


@scoped_view
@require_http_methods(["GET", "POST"])
def election_edit(request, pk: int):
    election = selectors.election_get(request.user, pk, CommitteePerm.MANAGE)
    initial = {k: getattr(election, k) for k in services.ELECTION_FIELDS}
    form = ElectionForm(request.POST or None, initial={**initial, "version": election.version})

    def action(data):
        data = dict(data)
        version = data.pop("version") or 0
        services.election_update(actor=request.user, election=election, version=version, **data)
        return redirect("committees:election_detail", pk=election.pk)

    return form_page(request, form, title=f"编辑 · {election.title}", back=("committees:election_detail", election.pk),
                     done="已保存", action=action)


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
    inline_post(request, TransitionForm(request.POST), lambda data: services.election_transition(
        actor=request.user, election=election, version=data["version"], to=data["to"], reason=data["reason"],
        decision_ref=data["decision_ref"], filed_on=data["filed_on"]),
        invalid="请求无效，请刷新后重试", done=lambda _result: (messages.SUCCESS, f"已完成：{election.get_stage_display()}"))
    return _back(election)


def _election_action(request, pk: int, perm=CommitteePerm.MANAGE):
    return selectors.election_get(request.user, pk, perm)


@scoped_view
@require_http_methods(["GET", "POST"])
def nomination_create(request, pk: int):
    election = _election_action(request, pk)
    members = _full_members(election.org)
    form = NominationRoundForm(request.POST or None, members=members)

    def action(data):
        services.nomination_round_add(actor=request.user, election=election, votes=form.votes(),
                                      **{k: data[k] for k in ("name", "weight", "participants", "held_on")})
        return _back(election)

    return form_page(request, form, title=f"登记推荐 · {election.title}",
                     back=("committees:election_detail", election.pk), done="已登记推荐结果", action=action,
                     intro="各轮推荐的权重合计应为100%；每名党员填写所得推荐票数（未获推荐可留空）。")


@scoped_view
@require_POST
def candidate_create(request, pk: int):
    election = _election_action(request, pk)
    inline_post(request, CandidateForm(request.POST, members=_full_members(election.org)),
                lambda data: services.candidate_add(actor=request.user, election=election,
                                                    member=_member_of(election, data), pledge=data["pledge"]),
                invalid="候选人：请选择本组织党员")
    return _back(election)


def _member_of(election, data) -> Member:
    """The form's member, who must be a member of the election's organization."""
    member = Member.objects.filter(selectors.members_q(election.org), pk=data["member"]).first()
    if member is None:
        raise ValidationFailed({"member": ["请选择本组织党员"]})
    return member


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
    inline_post(request, ExclusionForm(request.POST, members=_full_members(election.org)),
                lambda data: services.exclusion_add(actor=request.user, election=election,
                                                    member=_member_of(election, data), reason=data["reason"],
                                                    detail=data["detail"]))
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
        _flash_error(request, exc)
    return _back(election)


@scoped_view
@require_POST
def meeting_record(request, pk: int):
    election = _election_action(request, pk)
    inline_post(request, MeetingForm(request.POST),
                lambda data: services.election_meeting_record(actor=request.user, election=election, **data),
                invalid="请填写选举大会日期和实到人数", done="已登记选举大会，会议有效")
    return _back(election)


@scoped_view
@require_POST
def round_record(request, pk: int):
    election = _election_action(request, pk)
    running, _seats = services.running_candidates(election)
    form = RoundForm(request.POST, candidates=running)
    inline_post(request, form, lambda data: services.election_round_record(
        actor=request.user, election=election, version=data["version"], ballots_issued=data["ballots_issued"],
        ballots_returned=data["ballots_returned"], votes=form.votes()),
        invalid="请填写发出、收回选票和每位候选人的赞成票", done=_round_outcome)
    return _back(election)


def _round_outcome(row) -> tuple[int, str]:
    if row.void:
        return messages.WARNING, "收回选票多于发出选票，本轮选举无效，请重新投票"
    if row.tally.complete:
        return messages.SUCCESS, "全部名额已选出，请确定分工"
    return messages.WARNING, f"本轮尚有{row.tally.unfilled}个名额未选出（得票未过半数或票数相等），请另行投票"


@scoped_view
@require_POST
def posts_assign(request, pk: int):
    election = _election_action(request, pk)
    elected = list(election.candidates.filter(elected_in_round__isnull=False).select_related("member"))
    form = PostsAssignForm(request.POST, elected=elected)
    inline_post(request, form, lambda data: services.election_posts_assign(
        actor=request.user, election=election, version=data["version"], posts=form.posts()),
        invalid="分工：请选择有效的职务", done="已保存分工")
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
