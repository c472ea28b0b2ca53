"""Background work for dashboards. Writes mark their county stale; one rebuild task coalesces them."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from grassroots.dashboards.models import RollupState
from grassroots.dashboards.services import rollups_rebuild

STALE_RETRY = dt.timedelta(minutes=10)  # a county stale for longer gets another rebuild queued


@task()
def rollups_refresh(tenant: str) -> dict | None:
    """Idempotent: rebuilds only if the county went stale since its last build."""
    state = RollupState.objects.filter(tenant=tenant).first()
    if state is not None and state.stale_since is None and state.built_at is not None:
        return None
    result = rollups_rebuild(tenant)
    if RollupState.objects.filter(tenant=tenant, stale_since__isnull=False).exists():
        transaction.on_commit(lambda: rollups_refresh.enqueue(tenant))  # written to during the build
    return result


def mark_stale(tenant: str) -> None:
    """Called on commit of a write. Enqueues a rebuild only when the county was fresh, so a burst of writes
    leads to one rebuild."""
    with transaction.atomic():
        updated = RollupState.objects.filter(tenant=tenant, stale_since__isnull=True).update(stale_since=timezone.now())
        if not updated:
            _, created = RollupState.objects.get_or_create(tenant=tenant, defaults={"stale_since": timezone.now()})
            if not created and not RollupState.objects.filter(
                tenant=tenant, stale_since__lt=timezone.now() - STALE_RETRY
            ).exists():
                return  # already stale and recently: a rebuild is queued
    rollups_refresh.enqueue(tenant)
