from django.apps import AppConfig

from grassroots.core.modules import NavItem
from grassroots.lifecycle.permissions import LifecyclePerm


class LifecycleConfig(AppConfig):
    name = "grassroots.lifecycle"
    label = "lifecycle"
    verbose_name = "党员管理"
    nav_items = [NavItem("党员管理", "lifecycle:index", LifecyclePerm.VIEW)]
    dashboard_panels = ["grassroots.lifecycle.views.dashboard_panel"]
