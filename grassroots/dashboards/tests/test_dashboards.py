import datetime as dt

import pytest
from django.urls import reverse

from grassroots.core.testing.factories import TEST_PASSWORD, make_member
from grassroots.dashboards.models import OrgRollup, OrgWarning
from grassroots.dashboards.services import rollups_rebuild
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)


def test_rollups_sum_the_whole_subtree(tree, org_admin):
    make_member(tree.village_a1, actor=org_admin, gender="F", birth_date=dt.date(1995, 1, 1),
                joined_on=dt.date(2020, 7, 1), confirmed_on=dt.date(2021, 7, 1))
    make_member(tree.village_a1, actor=org_admin, birth_date=dt.date(1950, 1, 1))
    make_member(tree.village_b1, actor=org_admin, status="probationary", confirmed_on=None, joined_on=dt.date(2026, 3, 1))
    rollups_rebuild(tree.county.path, today=TODAY)
    county = OrgRollup.objects.get(org=tree.county).figures
    assert county["total"] == 3 and county["full"] == 2 and county["probationary"] == 1
    assert county["gender_F"] == 1 and county["age_le35"] == 1 and county["age_gt60"] == 1
    assert county["new_this_year"] == 1 and county["orgs_branch"] == 3 and county["orgs_committee"] == 3
    assert OrgRollup.objects.get(org=tree.town_a).figures["total"] == 2


def test_rebuild_agrees_with_a_direct_count_and_is_idempotent(tree, org_admin):
    for org in (tree.village_a1, tree.village_a2, tree.village_b1):
        make_member(org, actor=org_admin)
    rollups_rebuild(tree.county.path, today=TODAY)
    first = {r.org_id: r.figures for r in OrgRollup.objects.all()}
    rollups_rebuild(tree.county.path, today=TODAY)
    assert first == {r.org_id: r.figures for r in OrgRollup.objects.all()}
    for rollup in OrgRollup.objects.all():
        assert rollup.members_total == Member.objects.filter(org_path__startswith=rollup.path, state="active").count()


def test_writes_refresh_the_rollups_after_commit(tree, org_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_member(tree.village_a1, actor=org_admin)
    assert OrgRollup.objects.get(org=tree.county).members_total == 1


def test_warnings_are_listed_for_the_subtree(tree, org_admin):
    make_member(tree.village_a1, actor=org_admin)
    rollups_rebuild(tree.county.path, today=TODAY)
    assert set(OrgWarning.objects.filter(path__startswith=tree.town_a.path).values_list("code", flat=True)) >= {
        "too_few_full_members"}


@pytest.mark.parametrize("members", [2, 12])
def test_dashboard_query_count_is_constant(client, tree, org_admin, members, django_assert_max_num_queries):
    for _ in range(members):
        make_member(tree.village_a1, actor=org_admin)
    rollups_rebuild(tree.county.path, today=TODAY)
    client.login(username=org_admin.username, password=TEST_PASSWORD)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboards:org_dashboard", args=[tree.county.pk]))
    assert response.status_code == 200
    assert response.context["data"].figures["total"] == members


def test_dashboard_out_of_scope_is_404(client, tree, secretary_a1):
    client.login(username=secretary_a1.username, password=TEST_PASSWORD)
    assert client.get(reverse("dashboards:org_dashboard", args=[tree.town_b.pk])).status_code == 404
    assert client.get(reverse("dashboards:org_dashboard", args=[tree.village_a1.pk])).status_code == 200


def test_home_sends_each_user_to_their_dashboard(client, tree, secretary_a1):
    client.login(username=secretary_a1.username, password=TEST_PASSWORD)
    response = client.get(reverse("dashboards:home"))
    assert response.url == reverse("dashboards:org_dashboard", args=[tree.village_a1.pk])


def test_dashboard_summarises_warnings_by_rule(client, tree, org_admin):
    make_member(tree.village_a1, actor=org_admin)
    rollups_rebuild(tree.county.path, today=TODAY)
    client.login(username=org_admin.username, password=TEST_PASSWORD)
    data = client.get(reverse("dashboards:org_dashboard", args=[tree.county.pk])).context["data"]
    summary = {code: count for code, _title, count in data.warning_summary}
    assert summary["too_few_full_members"] == 3
    assert all(w.level in ("danger", "warning") for w in data.warnings)


def test_a_write_during_a_rebuild_keeps_the_county_stale(tree, org_admin, monkeypatch):
    """The build reads at time T; a write marked after T must not be cleared by the build's end."""
    import datetime as real_dt

    from django.utils import timezone

    from grassroots.dashboards import services
    from grassroots.dashboards.models import RollupState

    build_time = timezone.now()
    monkeypatch.setattr(services.timezone, "now", lambda: build_time)
    RollupState.objects.create(tenant=tree.county.path, stale_since=build_time + real_dt.timedelta(seconds=1))
    rollups_rebuild(tree.county.path, today=TODAY)
    assert RollupState.objects.get(tenant=tree.county.path).stale_since is not None
    RollupState.objects.filter(tenant=tree.county.path).update(stale_since=build_time - real_dt.timedelta(seconds=1))
    rollups_rebuild(tree.county.path, today=TODAY)
    assert RollupState.objects.get(tenant=tree.county.path).stale_since is None


def test_committee_and_secretary_are_counted_from_posts_in_sql(tree, org_admin):
    for posts in (["deputy_secretary"], ["organization_officer", "group_leader"], ["group_leader"]):
        make_member(tree.village_a1, actor=org_admin, posts=posts)
    rollups_rebuild(tree.county.path, today=TODAY)
    figures = OrgRollup.objects.get(org=tree.village_a1).figures
    assert figures["committee"] == 2 and "secretary" not in figures
    assert OrgWarning.objects.filter(org=tree.village_a1, code="no_secretary").exists()
    make_member(tree.village_a1, actor=org_admin, posts=["secretary"])
    rollups_rebuild(tree.county.path, today=TODAY)
    assert not OrgWarning.objects.filter(org=tree.village_a1, code="no_secretary").exists()
