"""Background work: meeting writes mark their county's year stale; one rebuild task coalesces a burst of them
(the pattern of grassroots/dashboards/tasks.py)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from grassroots.orglife.models import ComplianceBuild
from grassroots.orglife.services import compliance_rebuild_year

STALE_RETRY = dt.timedelta(minutes=10)


@task()
def compliance_refresh(tenant: str, year: int) -> dict | None:
    """Idempotent: rebuilds the county's year only if it went stale since its last build."""
    build = ComplianceBuild.objects.filter(tenant=tenant, year=year).first()
    if build is not None and build.stale_since is None and build.built_at is not None:
        return None
    ComplianceBuild.objects.filter(tenant=tenant, year=year).update(stale_since=None)
    result = compliance_rebuild_year(tenant, year)
    if ComplianceBuild.objects.filter(tenant=tenant, year=year, stale_since__isnull=False).exists():
        transaction.on_commit(lambda: compliance_refresh.enqueue(tenant, year))  # written to during the build
    return result


def mark_stale(tenant: str, year: int) -> None:
    """Called on commit of a meeting write. Enqueues a rebuild only when the county's year was fresh."""
    with transaction.atomic():
        updated = ComplianceBuild.objects.filter(tenant=tenant, year=year, stale_since__isnull=True).update(
            stale_since=timezone.now())
        if not updated:
            _, created = ComplianceBuild.objects.get_or_create(tenant=tenant, year=year,
                                                               defaults={"stale_since": timezone.now()})
            if not created and not ComplianceBuild.objects.filter(
                    tenant=tenant, year=year, stale_since__lt=timezone.now() - STALE_RETRY).exists():
                return  # already stale and recently: a rebuild is queued
    compliance_refresh.enqueue(tenant, year)
