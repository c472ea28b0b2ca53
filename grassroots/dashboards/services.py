"""Rebuilding the subtree rollups of one county, set-based: a few GROUP BY queries over its members, then a
fold of per-organization figures up the materialized paths (work grows with organizations × depth, never with
a Python loop per member)."""

import datetime as dt
import time
from collections import Counter, defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation

from grassroots.core.bulk import bulk_insert
from grassroots.core.paths import subtree_q
from grassroots.dashboards.models import OrgRollup, OrgWarning, RollupState
from grassroots.members.choices import COMMITTEE_POSTS, MemberState, MemberStatus, Post
from grassroots.members.models import Member
from grassroots.members.rules import AGE_BANDS, birth_range_for_band
from grassroots.members.selectors import holds_post_q
from grassroots.orgs.choices import OrgStatus
from grassroots.orgs.models import PATH_STEP, Organization
from grassroots.orgs.rules import OrgFacts, org_warnings


def _ancestors_and_self(path: str) -> list[str]:
    return [path[:i] for i in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def _band_filters(today: dt.date) -> dict[str, Q]:
    filters = {}
    for band, _low, _high in AGE_BANDS:
        earliest, latest = birth_range_for_band(band, today)
        q = Q(birth_date__lte=latest)
        if earliest is not None:
            q &= Q(birth_date__gt=earliest)
        filters[f"age_{band}"] = q
    return filters


def direct_member_figures(tenant: str, today: dt.date) -> dict[int, Counter]:
    """Per organization: its own active members counted by status, gender, age band, education, occupation."""
    members = Member.objects.filter(tenant=tenant, state=MemberState.ACTIVE)
    year_start = today.replace(month=1, day=1)
    aggregates = {
        "total": Count("id"),
        "full": Count("id", filter=Q(status=MemberStatus.FULL)),
        "probationary": Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
        "gender_M": Count("id", filter=Q(gender="M")),
        "gender_F": Count("id", filter=Q(gender="F")),
        "new_this_year": Count("id", filter=Q(joined_on__gte=year_start)),
        "mobile": Count("id", filter=Q(is_mobile=True)),
        "unreachable": Count("id", filter=Q(is_unreachable=True)),
        # 预备党员 have no right to be elected (基层组织选举工作条例 第五条): only full members sit on a committee.
        "committee": Count("id", filter=holds_post_q(*COMMITTEE_POSTS) & Q(status=MemberStatus.FULL)),
        "secretary": Count("id", filter=holds_post_q(Post.SECRETARY) & Q(status=MemberStatus.FULL)),
        **{key: Count("id", filter=q) for key, q in _band_filters(today).items()},
    }
    figures: dict[int, Counter] = defaultdict(Counter)
    for row in members.order_by().values("org_id").annotate(**aggregates):
        org_id = row.pop("org_id")
        figures[org_id].update({k: v for k, v in row.items() if v})
    # 停止党籍: still on record, counted apart from the active total (党员教育管理工作条例 第二十四条).
    suspended = Member.objects.filter(tenant=tenant, state=MemberState.SUSPENDED).order_by()
    for org_id, n in suspended.values_list("org_id").annotate(n=Count("id")):
        figures[org_id]["suspended"] += n
    for column in ("education", "occupation"):
        for org_id, value, n in members.order_by().values_list("org_id", column).annotate(n=Count("id")):
            figures[org_id][f"{column}_{value}"] += n
    return figures


def rollups_rebuild(tenant: str, today: dt.date | None = None) -> dict:
    """Full rebuild of one county's rollups and warnings; also the consistency check for later delta folding.
    Stored warning texts are in the site language, whoever triggered the rebuild."""
    with translation.override(settings.LANGUAGE_CODE):
        return _rebuild(tenant, today)


def _rebuild(tenant: str, today: dt.date | None) -> dict:
    started = time.perf_counter()
    today = today or timezone.localdate()
    now = timezone.now()
    orgs = list(
        Organization.objects.filter(subtree_q("path", tenant)).values_list(
            "id", "path", "kind", "sector", "form", "covered_units", "term_started_on", "status"
        )
    )
    direct = direct_member_figures(tenant, today)
    id_by_path = {path: org_id for org_id, path, *_ in orgs}
    subtree: dict[str, Counter] = defaultdict(Counter)
    warnings: list[dict] = []
    for org_id, path, kind, sector, form, units, term_started_on, status in orgs:
        if status != OrgStatus.ACTIVE:
            continue
        own = direct.get(org_id, Counter())
        found = org_warnings(
            OrgFacts(kind=kind, sector=sector, form=form, covered_units=len(units or []),
                     full_members=own["full"], total_members=own["total"],
                     committee_size=own["committee"], has_secretary=own["secretary"] > 0,
                     term_started_on=term_started_on),
            today,
        )
        contribution = Counter(own)
        contribution[f"orgs_{kind}"] += 1
        for warning in found:
            contribution[f"warn_{warning.code}"] += 1
            contribution["warnings"] += 1
            warnings.append({"org_id": org_id, "path": path, "tenant": tenant, "code": warning.code,
                             "level": warning.level, "message": warning.message[:300], "source": warning.source[:200]})
        for ancestor in _ancestors_and_self(path):
            if ancestor in id_by_path:
                subtree[ancestor].update(contribution)
    rollups = [
        {"org_id": id_by_path[path], "path": path, "tenant": tenant, "members_total": figures["total"],
         "figures": dict(figures), "computed_at": now}
        for path, figures in subtree.items()
    ]
    with transaction.atomic():
        OrgRollup.objects.filter(tenant=tenant).delete()
        bulk_insert(OrgRollup, rollups)
        OrgWarning.objects.filter(tenant=tenant).delete()
        bulk_insert(OrgWarning, warnings)
        seconds = time.perf_counter() - started
        RollupState.objects.get_or_create(tenant=tenant)
        RollupState.objects.filter(tenant=tenant).update(built_at=now, build_seconds=seconds)
        # Only staleness from before this build's reads is cleared: a write that landed meanwhile keeps the
        # county stale, and the refresh task queues another build for it.
        RollupState.objects.filter(tenant=tenant, stale_since__lte=now).update(stale_since=None)
    if connection.vendor == "postgresql":  # fresh statistics, so dashboard reads keep their index plans
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {OrgRollup._meta.db_table}, {OrgWarning._meta.db_table}")
    return {"tenant": tenant, "orgs": len(orgs), "rollups": len(rollups), "warnings": len(warnings), "seconds": seconds}


def rollups_rebuild_all(today: dt.date | None = None) -> list[dict]:
    tenants = Organization.objects.filter(depth=1).values_list("path", flat=True)
    return [rollups_rebuild(tenant, today) for tenant in tenants]
