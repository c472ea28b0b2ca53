"""The committees demo records agree with the demo county's members and leave a published election."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from grassroots.committees.models import CommitteePost, Election, FirstSecretary, ReserveCadre, WorkLogEntry
from grassroots.committees.selectors import public_notice_get
from grassroots.members.choices import COMMITTEE_POSTS
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def test_demo_committees_are_consistent_and_reset_cleanly():
    call_command("demo", "--members", "1500", "--seed", "7", "--today", TODAY.isoformat(), stdout=io.StringIO())
    held = {(m.pk, p) for m in Member.objects.exclude(posts=[]) for p in m.posts if p in COMMITTEE_POSTS}
    current = set(CommitteePost.objects.current().values_list("member_id", "post"))
    assert held and held == current
    election = Election.objects.get()
    shown, elected = public_notice_get(election.pk)
    assert {c.member_id for c in elected} == set(
        CommitteePost.objects.current().filter(org=election.org).values_list("member_id", flat=True))
    assert election.org.term_started_on == election.meeting_on
    assert FirstSecretary.objects.exists() and WorkLogEntry.objects.exists() and ReserveCadre.objects.exists()
    for entry in WorkLogEntry.objects.select_related("first_secretary"):
        assert entry.first_secretary.started_on <= entry.occurred_on <= TODAY
    call_command("demo", "--members", "1500", "--seed", "7", "--today", TODAY.isoformat(), "--reset", "--force",
                 stdout=io.StringIO())
    assert Election.objects.count() == 1 and shown.title
