"""What the committee pages share: paging, error messages flashed with their field labels, the organization
chosen by ?org=, an organization's full members, the one form page (form_page) and the inline forms of the
detail pages (inline_post)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render

from grassroots.access.scoping import orgs_for
from grassroots.committees import selectors
from grassroots.committees.permissions import CommitteePerm
from grassroots.core.errors import DomainError, NotFoundOrForbidden, PermissionRefused, ValidationFailed
from grassroots.core.views import add_domain_error
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


def form_page(request, form, *, title: str, back: tuple, done: str, action, intro: str = ""):
    """A committee form page (committees/form.html): on a valid POST `action(cleaned_data)` calls the service
    and returns the redirect; then `done` is flashed. A service's error goes onto the form (a refusal is raised
    again, to become 403/404), and the form is shown again with status 400."""
    if request.method == "POST" and form.is_valid():
        try:
            response = action(form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return response
    context = {"page_title": title, "form": form, "back": back, **({"intro": intro} if intro else {})}
    return render(request, "committees/form.html", context, status=400 if form.errors else 200)


def inline_post(request, form, action, *, invalid: str | None = None, done=None) -> None:
    """An inline form of a detail page, whose outcome is flashed on the page the view redirects back to. A valid
    form runs `action(cleaned_data)` (the service call); then `done` is flashed: a success message, or a function
    of the action's result returning (message level, text). A service's error is flashed with its field labels (a
    refusal is raised again, to become 403/404). An invalid form flashes `invalid`, or, without it, each field's
    error with its label."""
    if not form.is_valid():
        if invalid is not None:
            messages.error(request, invalid)
        else:
            for field, errors in form.errors.items():
                for error in errors:
                    messages.error(request, f"{FIELD_LABELS.get(field, field)}：{error}")
        return
    try:
        result = action(form.cleaned_data)
    except DomainError as exc:
        _flash_error(request, exc)
        return
    if done is not None:
        level, text = done(result) if callable(done) else (messages.SUCCESS, done)
        messages.add_message(request, level, text)


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
    """A service's error as messages, with field labels; a refusal is raised again (403/404), as in
    core.views.add_domain_error."""
    if isinstance(exc, PermissionRefused | NotFoundOrForbidden):
        raise exc
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
