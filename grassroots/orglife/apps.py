from django.apps import AppConfig

from grassroots.core.modules import NavItem


class OrgLifeConfig(AppConfig):
    name = "grassroots.orglife"
    label = "orglife"
    verbose_name = "组织生活"
    nav_items = [NavItem("组织生活", "orglife:home", "orglife.view")]
    dashboard_panels = ["grassroots.orglife.views.dashboard_panel"]

    def ready(self):
        from grassroots.lifecycle.review import register_review_provider
        from grassroots.orglife.selectors import absence_review_cases

        register_review_provider("org_life", "连续6个月不参加党的组织生活", absence_review_cases)
