import datetime as dt

import pytest
from django.urls import reverse

from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import TEST_PASSWORD, id_number_for, make_member
from grassroots.members.models import Member

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def form_data(org, **overrides):
    birth = dt.date(1985, 3, 9)
    data = {
        "org": org.pk, "name": "王小明", "id_number": id_number_for(birth, "M"), "gender": "M", "ethnicity": "汉族",
        "birth_date": "1985-03-09", "phone": "13712345678", "education": "bachelor", "occupation": "farmer",
        "status": "full", "joined_on": "2010-07-01", "confirmed_on": "2011-07-01", "version": "",
    }
    data.update(overrides)
    return data


def test_list_is_scoped_and_masked(client, tree, org_admin, secretary_a1):
    inside = make_member(tree.village_a1, actor=org_admin, name="支部内")
    make_member(tree.village_b1, actor=org_admin, name="支部外")
    html = login(client, secretary_a1).get(reverse("members:member_list")).content.decode()
    assert "支部内" in html and "支部外" not in html
    assert inside.id_number_masked in html
    assert Member.objects.get(pk=inside.pk).id_number_masked.replace("*", "") not in html.replace(inside.id_number_masked, "")


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow_with_rows(client, tree, org_admin, rows, django_assert_max_num_queries):
    for _ in range(rows):
        make_member(tree.village_a1, actor=org_admin)
    login(client, org_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:member_list"), {"org": tree.county.pk})
    assert response.status_code == 200


def test_filters_and_pinyin_search(client, tree, org_admin):
    make_member(tree.village_a1, actor=org_admin, name="张三")
    make_member(tree.village_a1, actor=org_admin, name="李四", status="probationary", confirmed_on=None,
                joined_on=dt.date(2026, 1, 5))
    login(client, org_admin)
    html = client.get(reverse("members:member_list"), {"q": "zs"}).content.decode()
    assert "张三" in html and "李四" not in html
    html = client.get(reverse("members:member_list"), {"status": "probationary"}).content.decode()
    assert "李四" in html and "张三" not in html


def test_keyset_pages_cover_everything_once(client, tree, org_admin):
    from grassroots.members import views

    names = {make_member(tree.village_a1, actor=org_admin).name for _ in range(7)}
    login(client, org_admin)
    views.PAGE_SIZE, old = 3, views.PAGE_SIZE
    try:
        seen, params = [], {}
        for _ in range(5):
            page = client.get(reverse("members:member_list"), params).context["page"]
            seen += [m.name for m in page.items]
            if not page.has_next:
                break
            params = {"after": page.next_cursor}
    finally:
        views.PAGE_SIZE = old
    assert sorted(seen) == sorted(names)


def test_out_of_scope_detail_is_404(client, tree, org_admin, secretary_a1):
    outside = make_member(tree.village_b1, actor=org_admin)
    login(client, secretary_a1)
    assert client.get(reverse("members:member_detail", args=[outside.pk])).status_code == 404
    assert client.get(reverse("members:member_edit", args=[outside.pk])).status_code == 404
    assert client.post(reverse("members:member_reveal", args=[outside.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("members:member_detail", args=[999999])).status_code == 404


def test_create_shows_field_error_for_bad_check_digit_then_saves(client, tree, secretary_a1):
    login(client, secretary_a1)
    good = form_data(tree.village_a1)
    bad_number = good["id_number"][:-1] + ("1" if good["id_number"][-1] != "1" else "2")
    response = client.post(reverse("members:member_create"), form_data(tree.village_a1, id_number=bad_number))
    assert response.status_code == 400
    assert "校验位" in response.context["form"].errors["id_number"][0]
    assert not Member.objects.exists()
    response = client.post(reverse("members:member_create"), good)
    member = Member.objects.get()
    assert response.status_code == 302 and response.url == reverse("members:member_detail", args=[member.pk])


def test_edit_with_stale_version_shows_message(client, tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin)
    login(client, org_admin)
    stale = form_data(tree.village_a1, id_number="", name=member.name, birth_date=member.birth_date.isoformat(),
                      version=member.version, notes="mine")
    Member.objects.filter(pk=member.pk).update(version=member.version + 1)
    response = client.post(reverse("members:member_edit", args=[member.pk]), stale)
    assert "已被他人修改" in response.content.decode()
    assert Member.objects.get(pk=member.pk).notes == ""


def test_edit_form_never_shows_full_identifiers(client, tree, org_admin, clerk_a):
    from grassroots.members.services import member_secrets

    member = make_member(tree.village_a1, actor=org_admin)
    html = login(client, clerk_a).get(reverse("members:member_edit", args=[member.pk])).content.decode()
    assert member_secrets(member)["id_number"] not in html
    assert member.id_number_masked in html


def test_reveal_shows_full_values_and_audits(client, tree, org_admin):
    member = make_member(tree.village_a1, actor=org_admin)
    login(client, org_admin)
    response = client.post(reverse("members:member_reveal", args=[member.pk]), {"reason": "核对"})
    from grassroots.members.services import member_secrets

    assert member_secrets(member)["id_number"] in response.content.decode()
    assert AuditEvent.objects.filter(verb="members.member.reveal", target_id=member.pk).count() == 1


def test_export_downloads_xlsx(client, tree, org_admin, secretary_a1):
    make_member(tree.village_a1, actor=org_admin)
    login(client, secretary_a1)
    response = client.post(reverse("members:member_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_pages_are_not_cached(client, tree, org_admin):
    response = login(client, org_admin).get(reverse("members:member_list"))
    assert response["Cache-Control"] == "no-store"


def test_unfiltered_roster_total_comes_from_the_rollups(client, tree, org_admin):
    from grassroots.dashboards.services import rollups_rebuild

    for _ in range(3):
        make_member(tree.village_a1, actor=org_admin)
    rollups_rebuild(tree.county.path)
    login(client, org_admin)
    assert client.get(reverse("members:member_list")).context["page"].total == 3
    assert client.get(reverse("members:member_list"), {"org": tree.town_b.pk}).context["page"].total == 0
    assert client.get(reverse("members:member_list"), {"q": "zzz"}).context["page"].total == 0


def test_next_pages_keep_the_query_budget(client, tree, org_admin, django_assert_max_num_queries):
    from grassroots.members import views

    for _ in range(8):
        make_member(tree.village_a1, actor=org_admin)
    login(client, org_admin)
    views.PAGE_SIZE, old = 3, views.PAGE_SIZE
    try:
        first = client.get(reverse("members:member_list"), {"org": tree.county.pk}).context["page"]
        with django_assert_max_num_queries(12):
            second = client.get(reverse("members:member_list"), {"org": tree.county.pk, "after": first.next_cursor})
        with django_assert_max_num_queries(12):
            back = client.get(reverse("members:member_list"), {"org": tree.county.pk, "before": second.context["page"].prev_cursor})
    finally:
        views.PAGE_SIZE = old
    assert [m.pk for m in back.context["page"].items] == [m.pk for m in first.items]


def test_exit_page_offers_only_exits_needing_no_approval_above(client, tree, org_admin, secretary_a1):
    member = make_member(tree.village_a1, actor=org_admin)
    login(client, secretary_a1)
    page = client.get(reverse("members:member_exit", args=[member.pk]))
    kinds = [value for value, _label in page.context["form"].fields["kind"].choices]
    assert kinds == ["death", "withdrawal"]

    data = {"kind": "removal", "occurred_on": "2025-06-30", "reason": "连续6个月不交党费", "version": member.version}
    refused = client.post(reverse("members:member_exit", args=[member.pk]), data)

    assert refused.status_code == 400
    assert "处置决定" in refused.context["form"].errors["kind"][0]
    assert reverse("lifecycle:member_lifecycle", args=[member.pk]).encode() in refused.content
    member.refresh_from_db()
    assert member.state == "active"

    done = client.post(reverse("members:member_exit", args=[member.pk]), {**data, "kind": "death", "reason": "病故"})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.state == "left" and member.exits.get().kind == "death"


def test_own_record_names_the_branch_without_linking_to_a_page_the_member_cannot_open(client, tree, org_admin):
    from grassroots.access.roles import Role
    from grassroots.core.testing.factories import make_user

    own = make_user(role=Role.MEMBER, org=tree.village_a1)
    member = make_member(tree.village_a1, actor=org_admin, name="本人")
    Member.objects.filter(pk=member.pk).update(user=own)
    org_url = reverse("orgs:org_detail", args=[tree.village_a1.pk])

    page = login(client, own).get(reverse("members:member_self")).content.decode()
    assert tree.village_a1.name in page
    assert f'href="{org_url}"' not in page
    assert client.get(org_url).status_code == 404

    client.logout()
    page = login(client, org_admin).get(reverse("members:member_detail", args=[member.pk])).content.decode()
    assert f'href="{org_url}"' in page
