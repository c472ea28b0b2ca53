"""The audit log page (SECURITY.md C1, B3): audit administrators only, scoped to their subtree, and every
query is itself audited."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.access import views
from grassroots.core import audit
from grassroots.core.models import AuditEvent, AuditOutcome

pytestmark = pytest.mark.django_db


def shown(response) -> set[str]:
    """The `reason` column of the rows on the page (each seeded event carries a unique reason)."""
    return set(re.findall(r"seed:[\w-]+", response.content.decode()))


@pytest.fixture
def events(tree):
    audit.record(actor=None, actor_name="alice", verb="members.member.create", org_path=tree.village_a1.path,
                 reason="seed:a1")
    audit.record(actor=None, actor_name="bob", verb="members.member.update", org_path=tree.town_a.path,
                 reason="seed:a")
    audit.record(actor=None, actor_name="carol", verb="members.member.create", org_path=tree.village_b1.path,
                 reason="seed:b1")
    audit.record(actor=None, actor_name="Dave", verb="access.login.fail", outcome=AuditOutcome.FAILURE,
                 reason="seed:login")
    audit.record(actor=None, actor_name="erin", verb="orgs.organization.update", org_path=tree.county.path,
                 reason="seed:county")


def test_county_audit_admin_sees_everything_including_logins(client, events, audit_admin_county):
    client.force_login(audit_admin_county)
    response = client.get(reverse("access:audit_list"))
    assert response.status_code == 200
    assert shown(response) == {"seed:a1", "seed:a", "seed:b1", "seed:login", "seed:county"}


def test_town_audit_admin_sees_only_the_town(client, events, audit_admin_a):
    client.force_login(audit_admin_a)
    assert shown(client.get(reverse("access:audit_list"))) == {"seed:a1", "seed:a"}


def test_reading_the_log_is_audited(client, events, audit_admin_a, tree):
    client.force_login(audit_admin_a)
    client.get(reverse("access:audit_list"), {"verb": "members.", "outcome": "success"})
    event = AuditEvent.objects.get(verb="access.audit.query")
    assert event.actor_id == audit_admin_a.pk and event.outcome == AuditOutcome.SUCCESS
    assert event.org_path == tree.town_a.path
    assert event.changes["verb"] == [None, "members."]


@pytest.mark.parametrize(("params", "expected"), [
    ({"verb": "members.member."}, {"seed:a1", "seed:a", "seed:b1"}),
    ({"verb": "access.login"}, {"seed:login"}),
    ({"outcome": "failure"}, {"seed:login"}),
    ({"actor": "DAVE"}, {"seed:login"}),
    ({"actor": "o"}, {"seed:b1", "seed:a"}),
    ({"verb": "members.", "actor": "carol"}, {"seed:b1"}),
])
def test_filters(client, events, audit_admin_county, params, expected):
    client.force_login(audit_admin_county)
    assert shown(client.get(reverse("access:audit_list"), params)) == expected


def test_date_range(client, events, audit_admin_county):
    client.force_login(audit_admin_county)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert len(shown(client.get(reverse("access:audit_list"), {"date_from": today, "date_to": today}))) == 5
    assert shown(client.get(reverse("access:audit_list"), {"date_to": yesterday})) == set()
    assert shown(client.get(reverse("access:audit_list"), {"date_from": today + dt.timedelta(days=1)})) == set()


def test_pages_cover_every_event_once(client, tree, audit_admin_a):
    total = views.AUDIT_PER_PAGE + 7
    for i in range(total):
        audit.record(actor=None, actor_name="x", verb="members.member.update", org_path=tree.village_a2.path,
                     reason=f"seed:p{i}")
    client.force_login(audit_admin_a)
    seen: list[str] = []
    params = {"verb": "members."}
    while True:
        response = client.get(reverse("access:audit_list"), params)
        seen += re.findall(r"seed:[\w-]+", response.content.decode())
        more = re.search(r"&(?:amp;)?before=(\d+)\">更早的记录", response.content.decode())
        if not more:
            break
        params = {"verb": "members.", "before": more.group(1)}
    assert sorted(seen) == sorted(f"seed:p{i}" for i in range(total))
    assert AuditEvent.objects.filter(verb="access.audit.query").count() == 2


@pytest.mark.parametrize("fixture", ["sys_admin_county", "sec_admin_county", "org_admin"])
def test_other_roles_cannot_read_the_log(request, client, events, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(reverse("access:audit_list")).status_code == 403


def test_query_count_is_flat(client, tree, audit_admin_county, django_assert_max_num_queries):
    for i in range(40):
        audit.record(actor=None, actor_name="x", verb="members.member.update", org_path=tree.village_a2.path,
                     reason=f"seed:q{i}")
    client.force_login(audit_admin_county)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("access:audit_list")).status_code == 200
