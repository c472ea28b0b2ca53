from django.apps import AppConfig

from grassroots.core.modules import NavItem
from grassroots.dues.permissions import DuesPerm


class DuesConfig(AppConfig):
    name = "grassroots.dues"
    label = "dues"
    verbose_name = "党费"
    nav_items = [NavItem("党费", "dues:board", DuesPerm.VIEW), NavItem("我的党费", "dues:self", DuesPerm.VIEW_SELF)]
    dashboard_panels = ["grassroots.dues.views.dashboard_panel"]

    def ready(self) -> None:
        from grassroots.dues import receivers, selectors
        from grassroots.lifecycle.review import register_review_provider, register_transfer_facts
        from grassroots.lifecycle.signals import member_transferred

        register_review_provider("dues", "连续6个月不交纳党费", selectors.review_cases_for)
        register_transfer_facts(selectors.transfer_facts)
        member_transferred.connect(receivers.follow_transfer, dispatch_uid="dues.follow_transfer")
