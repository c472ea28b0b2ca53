"""The demo county: deterministic, valid (ID numbers, dates, tree counts), with the planted rule warnings, and
logins that work."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from grassroots.access.models import RoleGrant, User
from grassroots.core import crypto
from grassroots.core.identity import parse_id_number
from grassroots.core.masking import mask_id_number
from grassroots.core.models import AuditEvent
from grassroots.dashboards.models import OrgRollup, OrgWarning
from grassroots.demo.generator import DEMO_PASSWORD, build_plan
from grassroots.demo.loader import DEMO_LOGINS
from grassroots.members.models import Member
from grassroots.members.rules import age_on, name_initials
from grassroots.members.services import id_number_index
from grassroots.orgs.models import Organization
from grassroots.orgs.rules import add_years

TODAY = dt.date(2026, 6, 30)
ARGS = ("--members", "600", "--seed", "7", "--today", TODAY.isoformat())


def run_demo(*extra: str) -> str:
    out = io.StringIO()
    call_command("demo", *ARGS, *extra, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list, list]:
    orgs = list(Organization.objects.order_by("path").values_list("path", "name", "kind", "numchild", "term_started_on"))
    members = list(
        Member.objects.order_by("org_path", "name", "birth_date")
        .values_list("org_path", "name", "gender", "birth_date", "id_number_hash", "status", "posts")
    )
    return orgs, members


def test_plan_is_deterministic_and_depends_on_the_seed():
    first, again, other = build_plan(600, 7, TODAY), build_plan(600, 7, TODAY), build_plan(600, 8, TODAY)
    layout = [(o.suffix, o.name, o.size, o.warn) for o in first.orgs]
    assert layout == [(o.suffix, o.name, o.size, o.warn) for o in again.orgs]
    assert layout != [(o.suffix, o.name, o.size, o.warn) for o in other.orgs]
    assert sum(o.size for o in first.branches) == 600
    assert all(o.size == 0 for o in first.orgs if o.kind != "branch")


@pytest.mark.django_db
def test_demo_builds_a_valid_county():
    output = run_demo()
    assert "600" in output
    members = list(Member.objects.select_related("org"))
    assert len(members) == 600
    assert len({m.id_number_hash for m in members}) == 600
    for m in members:
        number = crypto.decrypt(m.id_number_enc)
        info = parse_id_number(number, today=TODAY)
        assert (info.birth_date, info.gender) == (m.birth_date, m.gender)
        assert m.id_number_hash == id_number_index(number)
        assert m.id_number_masked == mask_id_number(number)
        assert m.name_initials == name_initials(m.name)
        assert (m.org_path, m.tenant) == (m.org.path, m.org.path[:4])
        assert m.org.kind == "branch"
        assert age_on(m.birth_date, m.joined_on) >= 18
        if m.status == "full":
            assert add_years(m.joined_on, 1) <= m.confirmed_on <= TODAY
        else:
            assert m.confirmed_on is None and (TODAY - m.joined_on).days < 366
    probationary = sum(m.status == "probationary" for m in members)
    assert 0 < probationary < 60
    assert any(m.ethnicity != "汉族" for m in members)

    for org in Organization.objects.annotate(children_count=Count("children")):
        assert org.numchild == org.children_count, org.name
    root = Organization.objects.get(depth=1)
    assert (root.kind, root.sector) == ("committee", "county_committee")
    assert Organization.objects.filter(form="joint").exclude(covered_units=[]).exists()
    assert Organization.objects.filter(form="mobile").exists()
    assert Organization.objects.filter(kind="general_branch").exists() or Organization.objects.filter(
        sector="village").count() > 3

    codes = set(OrgWarning.objects.values_list("code", flat=True))
    assert {"too_few_full_members", "branch_too_large", "committee_missing", "no_secretary", "term_expired"} <= codes
    assert OrgRollup.objects.get(org=root).members_total == 600
    batches = AuditEvent.objects.filter(verb="demo.load", changes__model="members.member").count()
    assert batches == 1  # one audit event per batch of 5,000, not one per member


@pytest.mark.django_db
def test_demo_is_deterministic_across_a_reset():
    run_demo()
    first = snapshot()
    with pytest.raises(CommandError):
        run_demo()  # data exists: refused without --reset
    with pytest.raises(CommandError):
        run_demo("--reset")  # tests run with DEBUG off: --reset needs --force
    run_demo("--reset", "--force")
    assert snapshot() == first
    assert User.objects.filter(username="county_admin").count() == 1


@pytest.mark.django_db
def test_if_empty_does_nothing_when_organizations_exist(tree):
    before = Organization.objects.count()
    out = io.StringIO()
    call_command("demo", *ARGS, "--if-empty", stdout=out)
    assert Organization.objects.count() == before
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_demo_logins_authenticate_and_are_listed(client):
    run_demo()
    for username, role, _place, _label in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert user.password_changed_at is not None
        assert RoleGrant.objects.filter(user=user, role=role).exists()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    member = Member.objects.get(user__username="member_demo")
    assert RoleGrant.objects.get(user__username="member_demo").org_id == member.org_id
    assert RoleGrant.objects.get(user__username="village_secretary").org_id == member.org_id

    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    listing = out.getvalue()
    for username, *_ in DEMO_LOGINS:
        assert username in listing
    assert DEMO_PASSWORD in listing
