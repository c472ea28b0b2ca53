from django.apps import AppConfig

from grassroots.core.modules import NavItem
from grassroots.lifecycle.permissions import LifecyclePerm


class LifecycleConfig(AppConfig):
    name = "grassroots.lifecycle"
    label = "lifecycle"
    verbose_name = "党员管理"
    nav_items = [NavItem("党员管理", "lifecycle:index", LifecyclePerm.VIEW)]
    dashboard_panels = ["grassroots.lifecycle.views.dashboard_panel"]

    def ready(self) -> None:
        from grassroots.lifecycle.review import register_review_provider
        from grassroots.lifecycle.selectors import work_review_cases

        register_review_provider("work", "连续6个月不做党所分配的工作", work_review_cases)

        from grassroots.lifecycle.services import end_work_on_exit
        from grassroots.members.signals import member_exited

        member_exited.connect(end_work_on_exit, dispatch_uid="lifecycle.end_work_on_exit")
