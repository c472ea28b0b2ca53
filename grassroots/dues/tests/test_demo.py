"""The demo county's dues: every member declared, eight months assessed, most paid, a few in long arrears."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from grassroots.dues import selectors
from grassroots.dues.models import Assessment, Declaration, Payment
from grassroots.dues.tests.factories import ensure_schedule
from grassroots.members.models import Member
from grassroots.orgs.models import Organization

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def test_demo_dues_have_payments_and_realistic_arrears():
    ensure_schedule()
    call_command("demo", "--members", "1500", "--seed", "7", "--today", TODAY.isoformat(), stdout=io.StringIO())
    root = Organization.objects.get(depth=1)
    assert Declaration.objects.count() == Member.objects.filter(state="active").count()
    months = sorted(set(Assessment.objects.values_list("month", flat=True)))
    assert months[0] == dt.date(2025, 11, 1) and months[-1] == dt.date(2026, 6, 1)
    paid = Assessment.objects.filter(payment__isnull=False).count()
    total = Assessment.objects.count()
    assert 0.75 * total < paid < total
    assert Payment.objects.count() == paid
    arrears = selectors.arrears(root.path, TODAY, min_months=1, limit=None)
    assert any(3 <= a.count < 6 for a in arrears) and any(a.count >= 6 for a in arrears)
