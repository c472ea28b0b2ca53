"""Member pages: the roster list with filters, detail with reveal and history, create, edit, exit, export,
and the member's own record."""


from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.scoping import can, has_perm_anywhere
from grassroots.core.errors import DomainError
from grassroots.core.htmx import render_page_or_partial
from grassroots.core.selectors import history_for
from grassroots.core.views import add_domain_error, clean_text, scoped_view
from grassroots.dashboards.selectors import subtree_member_total
from grassroots.lifecycle.permissions import LifecyclePerm
from grassroots.members import selectors, services
from grassroots.members.choices import MemberState
from grassroots.members.forms import ExitForm, MemberFilterForm, MemberForm, RevealForm
from grassroots.members.models import Member
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.models import PartyGroup
from grassroots.orgs.permissions import OrgPerm
from grassroots.orgs.selectors import org_get

PAGE_SIZE = 50


def _filters(request) -> tuple[MemberFilterForm, selectors.MemberFilters, object]:
    form = MemberFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    org = None
    if data.get("org"):
        org = org_get(request.user, data["org"], perm=MemberPerm.VIEW)
    state = data.get("state") or MemberState.ACTIVE
    filters = selectors.MemberFilters(
        org_path=org.path if org else None, q=data.get("q", ""), status=data.get("status", ""),
        gender=data.get("gender", ""), age_band=data.get("age_band", ""), education=data.get("education", ""),
        occupation=data.get("occupation", ""), flag=data.get("flag", ""), state="" if state == "all" else state,
    )
    return form, filters, org


@scoped_view
def member_list(request):
    if not has_perm_anywhere(request.user, MemberPerm.VIEW):
        if has_perm_anywhere(request.user, MemberPerm.VIEW_SELF):
            return redirect("members:member_self")
        raise Http404
    form, filters, org = _filters(request)
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    unfiltered = filters == selectors.MemberFilters(org_path=filters.org_path)
    known_total = subtree_member_total(request.user, filters.org_path) if unfiltered else None
    page = selectors.member_list(
        request.user, filters, page_size=PAGE_SIZE, after=request.GET.get("after"), before=request.GET.get("before"),
        page=page_number, with_count=known_total is None,
    )
    if known_total is not None:
        page.total = known_total
    query = request.GET.copy()
    for key in ("after", "before", "page"):
        query.pop(key, None)
    context = {
        "page_title": f"党员花名册 · {org.name}" if org else "党员花名册",
        "form": form, "page": page, "org": org, "query": query.urlencode(),
        "can_export": has_perm_anywhere(request.user, MemberPerm.EXPORT),
        "can_reveal": has_perm_anywhere(request.user, MemberPerm.REVEAL),
        "can_create": org is not None and org.is_branch and can(request.user, MemberPerm.CREATE, org.path),
    }
    return render_page_or_partial(request, "members/member_list.html", "members/partials/member_rows.html", context)


@scoped_view
def member_detail(request, pk: int):
    member = selectors.member_get(request.user, pk)
    return render(request, "members/member_detail.html", _detail_context(request, member))


def _detail_context(request, member: Member, **extra) -> dict:
    user = request.user
    own = member.user_id == user.pk
    return {
        "page_title": member.name,
        "member": member,
        "history": history_for(member),
        "exits": list(member.exits.select_related("approved_by_org")),
        "can_change": member.state == MemberState.ACTIVE and can(user, MemberPerm.CHANGE, member.org_path),
        "can_exit": member.state == MemberState.ACTIVE and can(user, MemberPerm.EXIT, member.org_path),
        "can_reveal": own or can(user, MemberPerm.REVEAL, member.org_path),
        "reveal_form": RevealForm(),
        "can_lifecycle": can(user, LifecyclePerm.VIEW, member.org_path),
        "can_view_org": can(user, OrgPerm.VIEW, member.org_path),  # a member on their own page may not see the org's
        **extra,
    }


@scoped_view
def member_self(request):
    try:
        member = Member.objects.visible_to(request.user, MemberPerm.VIEW).select_related("org").get(user=request.user)
    except Member.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "members/member_detail.html", _detail_context(request, member))


@scoped_view
@require_POST
def member_reveal(request, pk: int):
    member = selectors.member_get(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "members/partials/member_reveal.html", {"member": member, "reveal_form": form}, status=400)
    secrets = services.member_reveal(actor=request.user, member=member, reason=form.cleaned_data["reason"])
    return render(request, "members/partials/member_reveal.html", {"member": member, "secrets": secrets})


def _party_groups(org):
    return list(PartyGroup.objects.filter(org=org).order_by("name")) if org else []


@scoped_view
@require_http_methods(["GET", "POST"])
def member_create(request):
    org_id = request.POST.get("org") or request.GET.get("org")
    try:
        org = org_get(request.user, int(org_id), perm=MemberPerm.CREATE) if org_id else None
    except ValueError as exc:
        raise Http404 from exc
    if org is None:
        return redirect("orgs:org_tree")
    form = MemberForm(request.POST or None, initial={"org": org.pk}, party_groups=_party_groups(org))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(actor=request.user, org=org, **form.service_values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已添加党员 {member.name}")
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html", {"page_title": f"添加党员 · {org.name}", "form": form, "org": org},
                  status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=MemberPerm.CHANGE)
    if member.state != MemberState.ACTIVE:
        messages.error(request, "该党员已不在册，记录只读")
        return redirect("members:member_detail", pk=member.pk)
    # Personal identifiers are never prefilled (that would be an unaudited reveal): blank keeps the stored value.
    initial = {name: getattr(member, name, None) for name in MemberForm.SERVICE_FIELDS if hasattr(member, name)}
    initial.update(org=member.org_id, version=member.version, party_group=member.party_group_id)
    form = MemberForm(request.POST or None, initial=initial, party_groups=_party_groups(member.org), editing=member)
    if request.method == "POST" and form.is_valid():
        target = member.org
        if form.cleaned_data["org"] != member.org_id:
            target = org_get(request.user, form.cleaned_data["org"], perm=MemberPerm.CHANGE)
        try:
            services.member_update(actor=request.user, member=member, version=form.cleaned_data["version"] or 0,
                                   org=target, **form.service_values())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_form.html",
                  {"page_title": f"编辑 {member.name}", "form": form, "org": member.org, "member": member},
                  status=400 if form.errors else 200)


@scoped_view
@require_http_methods(["GET", "POST"])
def member_exit(request, pk: int):
    member = selectors.member_get(request.user, pk, perm=MemberPerm.EXIT)
    form = ExitForm(request.POST or None, initial={"version": member.version, "occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.member_exit_direct(actor=request.user, member=member, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记 {member.name} 出党/转出")
            return redirect("members:member_detail", pk=member.pk)
    return render(request, "members/member_exit.html", {"page_title": f"出党/转出登记 · {member.name}", "form": form,
                                                         "member": member, "decision_url": reverse(
                                                             "lifecycle:member_lifecycle", args=[member.pk])},
                  status=400 if form.errors else 200)


@scoped_view
def member_export(request):
    """GET shows the export options; POST streams the xlsx (masked unless revealed with a reason)."""
    _form, filters, org = _filters(request)
    if request.method != "POST":
        return render(request, "members/member_export.html", {
            "page_title": "导出花名册", "org": org, "query": request.GET.urlencode(),
            "can_reveal": has_perm_anywhere(request.user, MemberPerm.REVEAL),
        })
    from grassroots.spreadsheets.views import export_response

    reveal = request.POST.get("reveal") == "1"
    try:
        return export_response(
            request, kind="roster", params={k: v for k, v in vars(filters).items() if v}, reveal=reveal,
            reason=clean_text(request.POST.get("reason", ""), 200), title=f"{org.name if org else ''}党员花名册",
            org_path=filters.org_path or "",
        )
    except DomainError as exc:
        if exc.code == "forbidden":
            raise
        errors = [m for messages_ in getattr(exc, "errors", {}).values() for m in messages_]
        messages.error(request, "；".join(errors) or str(exc.message))
        return redirect(f"{request.path}?{request.GET.urlencode()}")
