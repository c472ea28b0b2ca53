"""Dues test builders on top of the shared factories."""

import datetime as dt
import uuid
from decimal import Decimal

from grassroots.dues import services
from grassroots.dues.choices import Category


def ensure_schedule() -> None:
    """The national schedule the data migration seeds (a transactional test's flush empties the table)."""
    import importlib

    from grassroots.dues.models import RateBand, RateSchedule

    if not RateSchedule.objects.filter(scope_path="").exists():
        importlib.import_module("grassroots.dues.migrations.0002_seed_schedule").seed_national(RateSchedule, RateBand)


def declare(member, base="3500.00", category=Category.ON_THE_JOB, month=dt.date(2026, 1, 1), fixed=None):
    """A declaration without the permission check (test setup)."""
    ensure_schedule()
    return services.declaration_insert(member=member, category=category, effective_month=month,
                                       base=Decimal(base) if base is not None else None,
                                       fixed_amount=Decimal(fixed) if fixed is not None else None)


def assess(path, *months):
    for month in months:
        services.assessments_generate(org_path=path, month=month)


def key() -> str:
    return uuid.uuid4().hex
