"""Dashboard reads: the organization's own rollup row, its children's rows and the first warnings of the
subtree. A constant number of queries whatever the size of the subtree (PERFORMANCE.md law 1)."""

from dataclasses import dataclass, field

from grassroots.access.scoping import get_scoped_or_404
from grassroots.core.paths import subtree_q
from grassroots.dashboards.models import OrgRollup, OrgWarning, RollupState
from grassroots.dashboards.permissions import DashboardPerm
from grassroots.members.choices import AgeBand, Education, Occupation
from grassroots.orgs.choices import OrgKind
from grassroots.orgs.models import Organization
from grassroots.orgs.rules import WARNING_TITLES

WARNING_PAGE = 50
CHILDREN_LIMIT = 1000


@dataclass
class DashboardData:
    org: Organization
    figures: dict
    computed_at: object
    stale: bool
    children: list = field(default_factory=list)  # [(org, members_total, figures)]
    warnings: list = field(default_factory=list)  # the first serious ones (danger, warning) of the subtree
    warning_summary: list = field(default_factory=list)  # [(code, title, count)] from the rollup
    charts: dict = field(default_factory=dict)


def _share(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def _charts(figures: dict) -> dict:
    total = figures.get("total", 0)
    return {
        "status": [{"name": "正式党员", "value": figures.get("full", 0)},
                   {"name": "预备党员", "value": figures.get("probationary", 0)}],
        "gender": [{"name": "男", "value": figures.get("gender_M", 0)}, {"name": "女", "value": figures.get("gender_F", 0)}],
        "age": [{"name": str(label), "value": figures.get(f"age_{code}", 0),
                 "share": _share(figures.get(f"age_{code}", 0), total)} for code, label in AgeBand.choices],
        "education": [{"name": str(label), "value": figures.get(f"education_{code}", 0)} for code, label in Education.choices],
        "occupation": [{"name": str(label), "value": figures.get(f"occupation_{code}", 0)}
                       for code, label in Occupation.choices],
        "orgs": [{"name": str(label), "value": figures.get(f"orgs_{code}", 0)} for code, label in OrgKind.choices],
    }


def dashboard_data(actor, org_id: int) -> DashboardData:
    org = get_scoped_or_404(Organization, actor, DashboardPerm.VIEW, pk=org_id)
    rollup = OrgRollup.objects.filter(org=org).first()
    figures = rollup.figures if rollup else {}
    children = [
        (row.org, row.members_total, row.figures)
        for row in OrgRollup.objects.filter(org__parent=org, org__status="active").select_related("org").order_by("path")[:CHILDREN_LIMIT]
    ]
    warnings = list(
        OrgWarning.objects.filter(subtree_q("path", org.path), level__in=("danger", "warning"))
        .select_related("org").order_by("path", "id")[:WARNING_PAGE]
    )
    state = RollupState.objects.filter(tenant=org.path[:4]).first()
    return DashboardData(
        org=org, figures=figures, computed_at=rollup.computed_at if rollup else None,
        stale=bool(state and state.stale_since), children=children, warnings=warnings, charts=_charts(figures),
        warning_summary=[(code, title, figures[f"warn_{code}"]) for code, title in WARNING_TITLES.items()
                         if figures.get(f"warn_{code}")],
    )


def subtree_member_total(actor, org_path: str | None) -> int | None:
    """Active members under one organization, or under all the actor's grants, from the rollups (no COUNT
    over the member table). None when the figures are not built yet."""
    from grassroots.access.scoping import orgs_for
    from grassroots.members.permissions import MemberPerm

    paths = [org_path] if org_path else orgs_for(actor, MemberPerm.VIEW)
    totals = list(OrgRollup.objects.filter(path__in=paths).values_list("members_total", flat=True))
    return sum(totals) if len(totals) == len(paths) and totals else None
