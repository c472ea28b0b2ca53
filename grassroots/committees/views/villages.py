"""Village (community) pages: first secretaries with work logs, reserve cadres with training."""

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.access.models import User
from grassroots.access.scoping import can
from grassroots.committees import selectors, services
from grassroots.committees.choices import CadreStatus
from grassroots.committees.forms import (
    CadreForm,
    FirstSecretaryEndForm,
    FirstSecretaryForm,
    TrainingForm,
    WorkLogForm,
)
from grassroots.committees.permissions import CommitteePerm
from grassroots.committees.views.common import (
    PAGE_SIZE,
    _page_number,
    _query,
    _top_org,
    form_page,
    inline_post,
)
from grassroots.core.errors import ValidationFailed
from grassroots.core.selectors import history_for
from grassroots.core.views import scoped_view

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

    def action(data):
        data = dict(data)
        username = data.pop("username")
        user = User.objects.filter(username=username, is_active=True).first() if username else None
        if username and user is None:
            raise ValidationFailed({"username": ["未找到该系统账户"]})
        row = services.first_secretary_assign(actor=request.user, org=org, user=user, **data)
        return redirect("committees:first_secretary_detail", pk=row.pk)

    return form_page(request, form, title=f"派驻第一书记 · {org.name}", back=("committees:committee_detail", org.pk),
                     done="已登记第一书记", action=action)


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
    inline_post(request, WorkLogForm(request.POST),
                lambda data: services.work_log_add(actor=request.user, first_secretary=row, **data),
                invalid="请填写日期和工作内容", done="已记录")
    return redirect("committees:first_secretary_detail", pk=row.pk)


@scoped_view
@require_POST
def first_secretary_end(request, pk: int):
    row = selectors.first_secretary_get(request.user, pk, CommitteePerm.MANAGE)
    inline_post(request, FirstSecretaryEndForm(request.POST),
                lambda data: services.first_secretary_end(actor=request.user, first_secretary=row, **data),
                invalid="请填写离村日期")
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

    def action(data):
        cadre = services.reserve_cadre_add(actor=request.user, org=org, **{k: data[k] for k in CadreForm.FIELDS})
        return redirect("committees:cadre_detail", pk=cadre.pk)

    return form_page(request, form, title=f"登记后备干部 · {org.name}", back=("committees:committee_detail", org.pk),
                     done="已登记后备干部", action=action)


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

    def action(data):
        services.reserve_cadre_update(actor=request.user, cadre=cadre, version=data["version"] or 0,
                                      **{k: data[k] for k in CadreForm.FIELDS})
        return redirect("committees:cadre_detail", pk=cadre.pk)

    return form_page(request, form, title=f"编辑 · {cadre.name}", back=("committees:cadre_detail", cadre.pk),
                     done="已保存", action=action)


@scoped_view
@require_POST
def training_create(request, pk: int):
    cadre = selectors.cadre_get(request.user, pk, CommitteePerm.MANAGE)
    inline_post(request, TrainingForm(request.POST),
                lambda data: services.cadre_training_add(actor=request.user, cadre=cadre, **data),
                invalid="请填写培训日期、内容和学时", done="已记录培训")
    return redirect("committees:cadre_detail", pk=cadre.pk)
