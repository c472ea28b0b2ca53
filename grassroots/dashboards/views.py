from django.shortcuts import redirect, render

from grassroots.access.scoping import has_perm_anywhere, orgs_for
from grassroots.core.modules import dashboard_panels
from grassroots.core.views import scoped_view
from grassroots.dashboards.permissions import DashboardPerm
from grassroots.dashboards.selectors import dashboard_data
from grassroots.members.permissions import MemberPerm
from grassroots.orgs.models import Organization


@scoped_view
def home(request):
    """Each user lands where their work is: the dashboard of their top organization, or their own record."""
    prefixes = orgs_for(request.user, DashboardPerm.VIEW)
    if prefixes:
        org_id = Organization.objects.filter(path=prefixes[0]).values_list("id", flat=True).first()
        if org_id:
            return redirect("dashboards:org_dashboard", pk=org_id)
    if has_perm_anywhere(request.user, MemberPerm.VIEW_SELF):
        return redirect("members:member_self")
    return render(request, "dashboards/home.html", {"page_title": "欢迎"})


@scoped_view
def org_dashboard(request, pk: int):
    data = dashboard_data(request.user, pk)
    panels = dashboard_panels(request.user, data.org)  # each module's reminders (grassroots/core/modules.py)
    return render(request, "dashboards/org_dashboard.html",
                  {"page_title": f"{data.org.name} · 看板", "data": data, "panels": panels})
