from django.apps import AppConfig

from grassroots.core.modules import NavItem


class DevelopmentConfig(AppConfig):
    name = "grassroots.development"
    label = "development"
    verbose_name = "发展党员"
    nav_items = [NavItem("发展党员", "development:board", "development.view")]
    dashboard_panels = ["grassroots.development.views.due_panel"]

    def ready(self):
        from grassroots.development.services import follow_transfer
        from grassroots.lifecycle.signals import member_transferred

        member_transferred.connect(follow_transfer, dispatch_uid="development.follow_transfer")
