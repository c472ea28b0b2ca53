"""The yearly admissions plan (发展党员计划)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from grassroots.access.scoping import require
from grassroots.core import audit
from grassroots.core.concurrency import update_versioned
from grassroots.core.errors import ValidationFailed
from grassroots.development.models import AdmissionPlan
from grassroots.development.permissions import DevelopmentPerm
from grassroots.orgs.models import Organization


def plan_set(*, actor, org: Organization, year: int, planned: int) -> AdmissionPlan:
    require(actor, DevelopmentPerm.RECORD, org)
    errors = {}
    if not (2000 <= (year or 0) <= 2100):
        errors["year"] = [_("年度应在2000至2100之间")]
    if planned is None or planned < 0 or planned > 100000:
        errors["planned"] = [_("计划人数应为0至100000之间的整数")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        plan, created = AdmissionPlan.objects.select_for_update().get_or_create(
            org=org, year=year, defaults={"org_path": org.path, "planned": planned, "created_by": actor})
        old = None if created else plan.planned
        if not created and plan.planned != planned:
            update_versioned(plan, plan.version, {"planned": planned})
        audit.record(actor=actor, verb="development.plan.set", target=plan, org_path=org.path,
                     changes={"planned": [old, planned], "year": [None, year]})
    return plan
