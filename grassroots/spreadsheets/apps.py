from django.apps import AppConfig

from grassroots.core.modules import NavItem


class SpreadsheetsConfig(AppConfig):
    name = "grassroots.spreadsheets"
    label = "spreadsheets"
    verbose_name = "导入导出"
    nav_items = [NavItem("导入导出", "spreadsheets:import_list", "spreadsheets.view")]
