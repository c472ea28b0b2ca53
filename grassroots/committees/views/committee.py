"""Committee pages: the committee of an organization and its posts, terms due and their changes, the module's
home and the dashboard's changeover reminders."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from grassroots.access.scoping import can, can_above, has_perm_anywhere
from grassroots.committees import rules, selectors, services
from grassroots.committees.forms import (
    PostEndForm,
    PostForm,
    TermChangeForm,
)
from grassroots.committees.models import CommitteePost
from grassroots.committees.permissions import CommitteePerm
from grassroots.committees.views.common import (
    PAGE_SIZE,
    _full_members,
    _page_number,
    _query,
    _top_org,
    form_page,
)
from grassroots.core.errors import ValidationFailed
from grassroots.core.views import scoped_view
from grassroots.members.models import Member

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

    def action(data):
        member = Member.objects.filter(selectors.members_q(org), pk=data["member"]).first()
        if member is None:
            raise ValidationFailed({"member": ["请选择本组织党员"]})
        services.committee_post_add(actor=request.user, org=org, member=member, post=data["post"],
                                    started_on=data["started_on"])
        return redirect("committees:committee_detail", pk=org.pk)

    return form_page(request, form, title=f"登记任职 · {org.name}", back=("committees:committee_detail", org.pk),
                     done="已登记任职", action=action)


@scoped_view
@require_http_methods(["GET", "POST"])
def post_end(request, pk: int):
    from grassroots.access.scoping import get_scoped_or_404

    post = get_scoped_or_404(CommitteePost.objects.select_related("org", "member"), request.user,
                             CommitteePerm.MANAGE, pk=pk)
    form = PostEndForm(request.POST or None, initial={"version": post.version, "ended_on": timezone.localdate()})

    def action(data):
        services.committee_post_end(actor=request.user, post=post, **data)
        return redirect("committees:committee_detail", pk=post.org_id)

    return form_page(request, form, title=f"登记离任 · {post.member.name} {post.get_post_display()}",
                     back=("committees:committee_detail", post.org_id), done="已登记离任", action=action)


@scoped_view
@require_http_methods(["GET", "POST"])
def term_change_create(request, pk: int):
    org = selectors.org_for(request.user, pk)
    form = TermChangeForm(request.POST or None)
    info = selectors.term_info(org)

    def action(data):  # approving at one's own level is a PermissionRefused (NOT_ABOVE): a 403, not a form error
        services.term_change_approve(actor=request.user, org=org, **data)
        return redirect("committees:committee_detail", pk=org.pk)

    return form_page(request, form, title=f"批准延期或提前换届 · {org.name}", back=("committees:committee_detail", org.pk),
                     done="已登记批准的延期/提前换届", action=action,
                     intro=f"本届 {info.started_on or '—'} 选举，任期{info.years}年，法定届满 {info.statutory_ends_on or '—'}。"
                           f"依据：{rules.TERM_CHANGE_MAX_YEARS.source}")


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
