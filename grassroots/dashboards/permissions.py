from enum import StrEnum


class DashboardPerm(StrEnum):
    VIEW = "dashboards.view"
