from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from grassroots.core.modules import NavItem


class CommitteesConfig(AppConfig):
    name = "grassroots.committees"
    label = "committees"
    verbose_name = "班子与换届"
    nav_items = [NavItem(_("班子与换届"), "committees:term_list", "committees.view")]
    dashboard_panels = ["grassroots.committees.views.dashboard_panel"]
