"""Organization pages: lazy tree, search, detail with rule warnings and history, create, edit, move, dissolve."""

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can
from grassroots.core.errors import DomainError
from grassroots.core.htmx import render_page_or_partial
from grassroots.core.selectors import history_for
from grassroots.core.views import add_domain_error, clean_text, scoped_view
from grassroots.dashboards.models import OrgRollup
from grassroots.orgs import selectors, services
from grassroots.orgs.forms import DissolveForm, MoveForm, OrganizationForm
from grassroots.orgs.permissions import OrgPerm
from grassroots.orgs.rules import org_warnings, term_ends_on

TREE_CHILDREN_LIMIT = 500  # one expansion of the tree; beyond it the user searches by name
PICKER_TARGET = re.compile(r"[A-Za-z0-9_-]{1,50}")


@scoped_view
def org_tree(request):
    term = clean_text(request.GET.get("q", ""))
    context = {
        "page_title": "党组织",
        "roots": selectors.org_roots(request.user),
        "q": term,
        "results": list(selectors.org_search(request.user, term)) if term else None,
    }
    return render_page_or_partial(request, "orgs/org_tree.html", "orgs/partials/org_search_results.html", context)


@scoped_view
def org_children(request, pk: int):
    parent = selectors.org_get(request.user, pk)
    children = list(selectors.org_children(request.user, parent)[: TREE_CHILDREN_LIMIT + 1])
    return render(request, "orgs/partials/org_children.html", {
        "parent": parent, "children": children[:TREE_CHILDREN_LIMIT], "more": len(children) > TREE_CHILDREN_LIMIT,
        "limit": TREE_CHILDREN_LIMIT,
    })


@scoped_view
def org_picker(request):
    """Search box results used by forms that pick an organization (move, member edit)."""
    perm = request.GET.get("perm", OrgPerm.VIEW)
    if perm not in set(OrgPerm) | {"members.create", "members.change"}:
        perm = OrgPerm.VIEW
    results = list(selectors.org_search(request.user, clean_text(request.GET.get("q", "")), perm=perm, limit=20))
    target = request.GET.get("target", "")
    if not PICKER_TARGET.fullmatch(target):  # it names an element id in the page: nothing else gets through
        target = ""
    return render(request, "orgs/partials/org_picker_results.html", {"results": results, "target": target})


@scoped_view
def org_detail(request, pk: int):
    org = selectors.org_get(request.user, pk)
    user = request.user
    facts = selectors.org_facts(org)
    context = {
        "page_title": org.name,
        "org": org,
        "ancestors": selectors.org_ancestors(user, org),
        "children": list(selectors.org_children(user, org)[:200]),
        "party_groups": selectors.party_groups_of(org) if org.is_branch else [],
        "facts": facts,
        "warnings": org_warnings(facts, timezone.localdate()),
        "term_ends_on": term_ends_on(org.kind, org.sector, org.term_started_on),
        "subtree_members": OrgRollup.objects.filter(org=org).values_list("members_total", flat=True).first(),
        "history": history_for(org),
        "can_change": can(user, OrgPerm.CHANGE, org.path),
        "can_create": can(user, OrgPerm.CREATE, org.path) and org.is_active,
        "can_move": can(user, OrgPerm.MOVE, org.path) and org.parent_id is not None,
        "can_dissolve": can(user, OrgPerm.DISSOLVE, org.path) and org.is_active,
        "can_add_member": can(user, "members.create", org.path) and org.is_branch and org.is_active,
        # Links only to what this user may open: the three administrators see the tree but no roster (三权分立).
        "can_view_members": can(user, "members.view", org.path),
        "can_view_dashboard": can(user, "dashboards.view", org.path),
        "can_view_committees": can(user, "committees.view", org.path),
    }
    return render(request, "orgs/org_detail.html", context)


@scoped_view
@require_http_methods(["GET", "POST"])
def org_create(request, pk: int):
    parent = selectors.org_get(request.user, pk, perm=OrgPerm.CREATE)
    form = OrganizationForm(request.POST or None, initial={"sector": parent.sector, "kind": "branch"})
    if request.method == "POST" and form.is_valid():
        try:
            org = services.org_create(actor=request.user, parent=parent, **form.service_values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已新建 {org.name}")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"page_title": f"在 {parent.name} 下新建组织", "form": form, "parent": parent})


@scoped_view
@require_http_methods(["GET", "POST"])
def org_edit(request, pk: int):
    org = selectors.org_get(request.user, pk, perm=OrgPerm.CHANGE)
    form = OrganizationForm(request.POST or None, initial=OrganizationForm.initial_from(org))
    if request.method == "POST" and form.is_valid():
        try:
            services.org_update(actor=request.user, org=org, version=form.cleaned_data["version"] or 0,
                                **form.service_values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"page_title": f"编辑 {org.name}", "form": form, "org": org},
                  status=400 if form.errors else 200)


@scoped_view
@require_POST
def party_group_create(request, pk: int):
    org = selectors.org_get(request.user, pk, perm=OrgPerm.CHANGE)
    try:
        group = services.party_group_create(actor=request.user, org=org, name=request.POST.get("name", ""))
    except DomainError as exc:
        errors = getattr(exc, "errors", {}).get("name") or [str(exc.message)]
        messages.error(request, "；".join(errors))
    else:
        messages.success(request, f"已设立党小组 {group.name}")
    return redirect("orgs:org_detail", pk=org.pk)


@scoped_view
@require_http_methods(["GET", "POST"])
def org_move(request, pk: int):
    org = selectors.org_get(request.user, pk, perm=OrgPerm.MOVE)
    form = MoveForm(request.POST or None, initial={"version": org.version})
    if request.method == "POST" and form.is_valid():
        new_parent = selectors.org_get(request.user, form.cleaned_data["new_parent"], perm=OrgPerm.CREATE)
        try:
            services.org_move(actor=request.user, org=org, new_parent=new_parent, version=form.cleaned_data["version"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已将 {org.name} 移至 {new_parent.name} 之下")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_move.html", {"page_title": f"移动 {org.name}", "form": form, "org": org})


@scoped_view
@require_http_methods(["GET", "POST"])
def org_dissolve(request, pk: int):
    org = selectors.org_get(request.user, pk, perm=OrgPerm.DISSOLVE)
    form = DissolveForm(request.POST or None, initial={"version": org.version, "dissolved_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.org_dissolve(actor=request.user, org=org, version=form.cleaned_data["version"],
                                  on=form.cleaned_data["dissolved_on"], reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已撤销 {org.name}")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_dissolve.html", {"page_title": f"撤销 {org.name}", "form": form, "org": org})
