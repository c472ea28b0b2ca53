import pytest
from django.urls import reverse

from grassroots.core.testing.factories import TEST_PASSWORD, make_member
from grassroots.orgs.models import Organization

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_tree_shows_roots_and_lazy_children(client, tree, org_admin):
    login(client, org_admin)
    html = client.get(reverse("orgs:org_tree")).content.decode()
    assert "测试县委" in html and "甲镇党委" not in html
    html = client.get(reverse("orgs:org_children", args=[tree.county.pk])).content.decode()
    assert "甲镇党委" in html and "乙镇党委" in html


def test_search_by_name_is_scoped(client, tree, secretary_a1):
    login(client, secretary_a1)
    html = client.get(reverse("orgs:org_tree"), {"q": "村"}).content.decode()
    assert "甲一村党支部" in html and "乙一村党支部" not in html


def test_detail_shows_warnings_with_sources(client, tree, org_admin):
    make_member(tree.village_a1, actor=org_admin)
    html = login(client, org_admin).get(reverse("orgs:org_detail", args=[tree.village_a1.pk])).content.decode()
    assert 'data-warning="too_few_full_members"' in html
    assert "第四条" in html


def test_detail_out_of_scope_is_404(client, tree, secretary_a1):
    login(client, secretary_a1)
    assert client.get(reverse("orgs:org_detail", args=[tree.village_b1.pk])).status_code == 404
    assert client.get(reverse("orgs:org_children", args=[tree.town_b.pk])).status_code == 404


def test_secretary_may_not_open_create_or_move(client, tree, secretary_a1):
    login(client, secretary_a1)
    assert client.get(reverse("orgs:org_create", args=[tree.village_a1.pk])).status_code == 404
    assert client.get(reverse("orgs:org_move", args=[tree.village_a1.pk])).status_code == 404


def test_create_edit_and_history(client, tree, org_admin):
    login(client, org_admin)
    response = client.post(reverse("orgs:org_create", args=[tree.town_a.pk]), {
        "name": "甲三村党支部", "kind": "branch", "sector": "village", "form": "regular"})
    org = Organization.objects.get(name="甲三村党支部")
    assert response.status_code == 302
    response = client.post(reverse("orgs:org_edit", args=[org.pk]), {
        "name": "甲三村党总支", "kind": "general_branch", "sector": "village", "form": "regular", "version": org.version})
    assert response.status_code == 302
    html = client.get(reverse("orgs:org_detail", args=[org.pk])).content.decode()
    assert "甲三村党支部" in html and "甲三村党总支" in html  # the history shows old → new


def test_edit_on_stale_version_is_refused_with_message(client, tree, org_admin):
    login(client, org_admin)
    Organization.objects.filter(pk=tree.village_a1.pk).update(version=5)
    response = client.post(reverse("orgs:org_edit", args=[tree.village_a1.pk]), {
        "name": "新名", "kind": "branch", "sector": "village", "form": "regular", "version": 1})
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()


def test_move_and_dissolve_pages(client, tree, org_admin):
    login(client, org_admin)
    response = client.post(reverse("orgs:org_move", args=[tree.village_a2.pk]),
                           {"new_parent": tree.town_b.pk, "version": tree.village_a2.version})
    assert response.status_code == 302
    assert Organization.objects.get(pk=tree.village_a2.pk).parent_id == tree.town_b.pk
    response = client.post(reverse("orgs:org_dissolve", args=[tree.village_a2.pk]),
                           {"dissolved_on": "2026-01-01", "reason": "撤并", "version": 2})
    assert response.status_code == 302
    assert Organization.objects.get(pk=tree.village_a2.pk).status == "dissolved"


def test_party_groups_are_set_up_on_the_branch_page(client, tree, org_admin, secretary_a1):
    login(client, secretary_a1)
    response = client.post(reverse("orgs:party_group_create", args=[tree.village_a1.pk]), {"name": "第一党小组"})
    assert response.status_code == 302
    html = client.get(reverse("orgs:org_detail", args=[tree.village_a1.pk])).content.decode()
    assert "第一党小组" in html
    client.post(reverse("orgs:party_group_create", args=[tree.village_a1.pk]), {"name": "第一党小组"})
    assert tree.village_a1.party_groups.count() == 1
    assert client.post(reverse("orgs:party_group_create", args=[tree.village_b1.pk]), {"name": "x"}).status_code == 404


def test_tree_expansion_says_when_it_shows_only_the_first_children(client, tree, org_admin, monkeypatch):
    from grassroots.orgs import views

    monkeypatch.setattr(views, "TREE_CHILDREN_LIMIT", 1)
    login(client, org_admin)
    html = client.get(reverse("orgs:org_children", args=[tree.county.pk])).content.decode()
    assert "甲镇党委" in html and "乙镇党委" not in html and "只显示前 1 个" in html


def test_detail_links_only_to_what_the_user_may_open(client, tree, org_admin):
    """The system administrator sees the tree but no roster, dashboard or committee (三权分立): the page must not
    offer those links (each would be a 404 for them); the organization administrator gets them all."""
    from grassroots.access.roles import Role
    from grassroots.core.testing.factories import make_user

    roster = f'{reverse("members:member_list")}?org={tree.village_a1.pk}'
    links = (roster, reverse("dashboards:org_dashboard", args=[tree.village_a1.pk]),
             reverse("committees:org_panel", args=[tree.village_a1.pk]))
    page = login(client, org_admin).get(reverse("orgs:org_detail", args=[tree.village_a1.pk])).content.decode()
    assert all(link in page for link in links)
    client.logout()
    admin = make_user("sysadmin_links", Role.SYSTEM_ADMIN, tree.county)
    response = login(client, admin).get(reverse("orgs:org_detail", args=[tree.village_a1.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert not any(link in page for link in links)
    assert all(client.get(link).status_code == 404 for link in links)
