"""The access pages: refusal (403/404), scoping of lists and selects, anonymous access, CSRF, audit rows."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from grassroots.access import urls as access_urls
from grassroots.access.models import ApiToken, RoleGrant, User
from grassroots.access.roles import Role
from grassroots.core.models import AuditEvent, AuditOutcome
from grassroots.core.testing.factories import make_member, make_user

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def clerk_a1(tree):
    return make_user("clerk_a1", Role.CLERK, tree.village_a1)


# --- anonymous, CSRF -------------------------------------------------------------------------------------------

def _access_urls():
    for pattern in access_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name == "login":
            continue
        kwargs = {"pk": 1} if "<int:pk>" in str(pattern.pattern) else {}
        yield pattern.name, reverse(f"access:{pattern.name}", kwargs=kwargs)


def test_anonymous_is_sent_to_login_from_every_access_page(client, tree):
    urls = list(_access_urls())
    assert len(urls) >= 14
    for name, url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if name == "logout" and method == "get":
                assert response.status_code == 405
                continue
            assert response.status_code == 302, (name, method)
            assert response["Location"].startswith(reverse("access:login")), (name, method)


def test_csrf_is_required_for_every_state_change(tree, sec_admin_a, clerk_a1):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sec_admin_a)
    posts = [
        reverse("access:logout"),
        reverse("access:password_change"),
        reverse("access:grant_create", kwargs={"pk": clerk_a1.pk}),
        reverse("access:grant_revoke", kwargs={"pk": clerk_a1.grants.get().pk}),
        reverse("access:user_unlock", kwargs={"pk": clerk_a1.pk}),
        reverse("access:token_create"),
    ]
    for url in posts:
        assert client.post(url, {"role": Role.CLERK, "org": tree.village_a2.pk, "name": "x"}).status_code == 403, url
    assert RoleGrant.objects.filter(user=clerk_a1).count() == 1
    assert not ApiToken.objects.exists()


def test_posting_with_the_csrf_token_works(tree, sec_admin_a, clerk_a1):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sec_admin_a)
    html = client.get(reverse("access:user_detail", kwargs={"pk": clerk_a1.pk})).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(reverse("access:grant_create", kwargs={"pk": clerk_a1.pk}),
                           {"role": Role.SECRETARY, "org": tree.village_a2.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


# --- role × page matrix ----------------------------------------------------------------------------------------

PAGES = ["access:user_list", "access:user_create", "access:audit_list", "access:token_list",
         "access:password_change"]
MATRIX = {
    # fixture: pages answering 200 (the rest 403)
    "sys_admin_a": {"access:user_list", "access:user_create", "access:token_list", "access:password_change"},
    "sec_admin_a": {"access:user_list", "access:token_list", "access:password_change"},
    "audit_admin_a": {"access:audit_list", "access:token_list", "access:password_change"},
    "org_admin": {"access:token_list", "access:password_change"},
    "clerk_a1": {"access:token_list", "access:password_change"},
}


@pytest.mark.parametrize("fixture", sorted(MATRIX))
def test_role_page_matrix(request, client, fixture):
    as_user(client, request.getfixturevalue(fixture))
    for name in PAGES:
        expected = 200 if name in MATRIX[fixture] else 403
        assert client.get(reverse(name)).status_code == expected, name


def test_system_admin_cannot_view_the_audit_log(client, sys_admin_county):
    assert as_user(client, sys_admin_county).get(reverse("access:audit_list")).status_code == 403
    assert not AuditEvent.objects.filter(verb="access.audit.query").exists()


def test_audit_admin_cannot_view_members(client, tree, org_admin, audit_admin_county):
    from grassroots.members.models import Member
    from grassroots.members.permissions import MemberPerm

    make_member(tree.village_a1, actor=org_admin, name="党员甲")
    assert not Member.objects.visible_to(audit_admin_county, MemberPerm.VIEW).exists()
    as_user(client, audit_admin_county)
    response = client.get(reverse("members:member_list"))
    assert response.status_code in (403, 404)
    assert "党员甲" not in response.content.decode()


@pytest.mark.parametrize("fixture", ["sys_admin_county", "sec_admin_county", "audit_admin_county"])
def test_no_admin_reads_member_data(request, tree, org_admin, fixture):
    from grassroots.members.models import Member
    from grassroots.members.permissions import MemberPerm

    make_member(tree.village_a1, actor=org_admin)
    actor = request.getfixturevalue(fixture)
    for perm in MemberPerm:
        assert not Member.objects.visible_to(actor, perm).exists(), perm


# --- users -----------------------------------------------------------------------------------------------------

def test_user_list_is_scoped(client, tree, sec_admin_a, clerk_a1, clerk_b):
    def listed(html):
        ids = {int(pk) for pk in re.findall(r'href="/accounts/users/(\d+)/"', html)}
        return {u.username for u in User.objects.filter(pk__in=ids)}

    as_user(client, sec_admin_a)
    assert listed(client.get(reverse("access:user_list")).content.decode()) == {"sec_a", "clerk_a1"}
    assert listed(client.get(reverse("access:user_list"), {"q": "CLERK"}).content.decode()) == {"clerk_a1"}


def test_user_list_is_paginated(client, tree, sys_admin_county):
    from grassroots.access import views

    for i in range(views.USERS_PER_PAGE + 5):
        make_user(f"bulk{i:03d}", Role.CLERK, tree.village_a1)
    as_user(client, sys_admin_county)
    first = client.get(reverse("access:user_list")).content.decode()
    second = client.get(reverse("access:user_list"), {"page": 2}).content.decode()
    assert "bulk000" in first and "bulk054" not in first and "bulk054" in second
    assert "下一页" in first


def test_user_list_query_count_is_flat(client, tree, sys_admin_county, django_assert_max_num_queries):
    for i in range(30):
        make_user(f"many{i}", Role.CLERK, tree.village_a1)
    as_user(client, sys_admin_county)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("access:user_list")).status_code == 200


def test_user_detail_outside_the_subtree_is_404(client, sec_admin_a, sys_admin_a, clerk_b):
    for actor in (sec_admin_a, sys_admin_a):
        response = as_user(client, actor).get(reverse("access:user_detail", kwargs={"pk": clerk_b.pk}))
        assert response.status_code == 404
    assert client.get(reverse("access:user_detail", kwargs={"pk": 999999})).status_code == 404


def test_create_user_page_shows_the_temporary_password_once(client, tree, sys_admin_a):
    as_user(client, sys_admin_a)
    html = client.get(reverse("access:user_create")).content.decode()
    assert tree.village_a1.name in html and tree.village_b1.name not in html
    response = client.post(reverse("access:user_create"),
                           {"username": "wang_wu", "display_name": "王五", "org": tree.village_a1.pk})
    assert response.status_code == 200
    password = re.search(r'id="temporary-password"[^>]*|value="([^"]+)"[^>]*id="temporary-password"',
                         response.content.decode())
    user = User.objects.get(username="wang_wu")
    value = re.search(r'value="([^"]+)" aria-label="临时密码"', response.content.decode()).group(1)
    assert password and user.check_password(value.replace("&amp;", "&").replace("&#x27;", "'"))
    assert response["Cache-Control"] == "no-store"
    assert not RoleGrant.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(verb="access.user.create")
    assert event.actor_id == sys_admin_a.pk and event.outcome == AuditOutcome.SUCCESS
    # the new account now shows in the creator's list, and in the town's security admin's
    assert "wang_wu" in client.get(reverse("access:user_list")).content.decode()


def test_create_user_at_an_org_outside_the_subtree_is_404(client, tree, sys_admin_a):
    response = as_user(client, sys_admin_a).post(reverse("access:user_create"),
                                                  {"username": "wang_wu", "org": tree.village_b1.pk})
    assert response.status_code == 404
    assert not User.objects.filter(username="wang_wu").exists()


def test_create_user_duplicate_username_shows_a_form_error(client, tree, sys_admin_a, clerk_a1):
    response = as_user(client, sys_admin_a).post(reverse("access:user_create"),
                                                  {"username": "clerk_a1", "org": tree.village_a1.pk})
    assert response.status_code == 400 and "该用户名已被使用" in response.content.decode()


def test_deactivate_and_reset_buttons(client, tree, sys_admin_a, clerk_a1):
    as_user(client, sys_admin_a)
    html = client.get(reverse("access:user_detail", kwargs={"pk": clerk_a1.pk})).content.decode()
    assert "停用账户" in html and "重置密码" in html and "授予角色" not in html
    response = client.post(reverse("access:user_reset_password", kwargs={"pk": clerk_a1.pk}))
    assert response.status_code == 200 and "临时密码" in response.content.decode()
    response = client.post(reverse("access:user_deactivate", kwargs={"pk": clerk_a1.pk}), {"reason": "调离"})
    assert response.status_code == 302
    assert not User.objects.get(pk=clerk_a1.pk).is_active
    assert AuditEvent.objects.get(verb="access.user.deactivate").reason == "调离"


def test_deactivate_outside_the_subtree_is_404(client, sys_admin_a, clerk_b):
    response = as_user(client, sys_admin_a).post(reverse("access:user_deactivate", kwargs={"pk": clerk_b.pk}))
    assert response.status_code == 404
    assert User.objects.get(pk=clerk_b.pk).is_active


def test_system_admin_cannot_deactivate_the_security_admin(client, sys_admin_county, sec_admin_a):
    response = as_user(client, sys_admin_county).post(
        reverse("access:user_deactivate", kwargs={"pk": sec_admin_a.pk}))
    assert response.status_code == 403
    assert User.objects.get(pk=sec_admin_a.pk).is_active


def test_security_admin_cannot_use_system_admin_buttons(client, sec_admin_county, clerk_a1):
    as_user(client, sec_admin_county)
    for name in ("access:user_deactivate", "access:user_reset_password"):
        assert client.post(reverse(name, kwargs={"pk": clerk_a1.pk})).status_code == 403


def test_unlock_button(client, tree, sec_admin_a, clerk_a1):
    import datetime as dt

    from django.utils import timezone

    User.objects.filter(pk=clerk_a1.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=10))
    as_user(client, sec_admin_a)
    html = client.get(reverse("access:user_detail", kwargs={"pk": clerk_a1.pk})).content.decode()
    assert "解除锁定" in html
    assert client.post(reverse("access:user_unlock", kwargs={"pk": clerk_a1.pk})).status_code == 302
    assert not User.objects.get(pk=clerk_a1.pk).is_locked()
    assert AuditEvent.objects.get(verb="access.user.unlock").actor_id == sec_admin_a.pk


# --- grants ----------------------------------------------------------------------------------------------------

def test_grant_form_lists_only_orgs_in_the_subtree(client, tree, sec_admin_a, clerk_a1):
    html = as_user(client, sec_admin_a).get(reverse("access:user_detail", kwargs={"pk": clerk_a1.pk})).content.decode()
    assert "授予角色" in html
    options = re.findall(r'<option value="(\d+)"', html)
    assert {int(o) for o in options} == {tree.town_a.pk, tree.village_a1.pk, tree.village_a2.pk}
    html = client.get(reverse("access:user_detail", kwargs={"pk": clerk_a1.pk}), {"org_q": "甲二"}).content.decode()
    assert {int(o) for o in re.findall(r'<option value="(\d+)"', html)} == {tree.village_a2.pk}


def test_grant_through_the_page(client, tree, sec_admin_a, clerk_a1):
    as_user(client, sec_admin_a)
    response = client.post(reverse("access:grant_create", kwargs={"pk": clerk_a1.pk}),
                           {"role": Role.SECRETARY, "org": tree.village_a2.pk})
    assert response.status_code == 302
    assert RoleGrant.objects.filter(user=clerk_a1, role=Role.SECRETARY, org=tree.village_a2).exists()
    event = AuditEvent.objects.get(verb="access.grant.create")
    assert (event.actor_id, event.target_id, event.outcome) == (sec_admin_a.pk, clerk_a1.pk, AuditOutcome.SUCCESS)


def test_security_admin_in_town_a_cannot_grant_at_an_org_in_town_b(client, tree, sec_admin_a, clerk_a1):
    response = as_user(client, sec_admin_a).post(reverse("access:grant_create", kwargs={"pk": clerk_a1.pk}),
                                                 {"role": Role.CLERK, "org": tree.village_b1.pk})
    assert response.status_code in (403, 404)
    assert not RoleGrant.objects.filter(org=tree.village_b1, user=clerk_a1).exists()


def test_grant_to_oneself_is_refused(client, tree, sec_admin_county):
    response = as_user(client, sec_admin_county).post(
        reverse("access:grant_create", kwargs={"pk": sec_admin_county.pk}),
        {"role": Role.ORG_ADMIN, "org": tree.county.pk})
    assert response.status_code == 403
    assert RoleGrant.objects.filter(user=sec_admin_county).count() == 1


def test_separation_error_is_shown_on_the_form(client, tree, sec_admin_county, sys_admin_a):
    response = as_user(client, sec_admin_county).post(reverse("access:grant_create", kwargs={"pk": sys_admin_a.pk}),
                                                      {"role": Role.AUDIT_ADMIN, "org": tree.town_a.pk})
    assert response.status_code == 400 and "三权分立" in response.content.decode()
    assert not RoleGrant.objects.filter(user=sys_admin_a, role=Role.AUDIT_ADMIN).exists()


def test_system_admin_cannot_grant(client, tree, sys_admin_county, clerk_a1):
    response = as_user(client, sys_admin_county).post(reverse("access:grant_create", kwargs={"pk": clerk_a1.pk}),
                                                      {"role": Role.ORG_ADMIN, "org": tree.town_a.pk})
    assert response.status_code == 403


def test_revoke_button(client, tree, sec_admin_a, clerk_a1):
    grant = clerk_a1.grants.get()
    as_user(client, sec_admin_a)
    response = client.post(reverse("access:grant_revoke", kwargs={"pk": grant.pk}))
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.get(verb="access.grant.revoke").actor_id == sec_admin_a.pk


def test_revoke_outside_the_subtree_is_404(client, sec_admin_a, clerk_b):
    grant = clerk_b.grants.get()
    response = as_user(client, sec_admin_a).post(reverse("access:grant_revoke", kwargs={"pk": grant.pk}))
    assert response.status_code == 404
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


# --- tokens ----------------------------------------------------------------------------------------------------

def test_token_pages(client, clerk_a1, clerk_b):
    as_user(client, clerk_a1)
    response = client.post(reverse("access:token_create"), {"name": "报表脚本", "days": 30})
    assert response.status_code == 200
    key = re.search(r'value="(gr_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=clerk_a1)
    assert token.key_hash == ApiToken.hash_key(key)
    html = client.get(reverse("access:token_list")).content.decode()
    assert "报表脚本" in html and key not in html  # shown once
    assert AuditEvent.objects.get(verb="access.token.create").actor_id == clerk_a1.pk

    other = as_user(Client(), clerk_b)
    assert other.post(reverse("access:token_revoke", kwargs={"pk": token.pk})).status_code == 404
    assert "报表脚本" not in other.get(reverse("access:token_list")).content.decode()

    assert client.post(reverse("access:token_revoke", kwargs={"pk": token.pk})).status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert AuditEvent.objects.get(verb="access.token.revoke").actor_id == clerk_a1.pk


def test_token_create_form_errors(client, clerk_a1):
    response = as_user(client, clerk_a1).post(reverse("access:token_create"), {"name": "", "days": 30})
    assert response.status_code == 400 and not ApiToken.objects.exists()


# --- every action leaves exactly one complete audit row (SECURITY.md C1) ---------------------------------------

def _grant_pk(user):
    return user.grants.get().pk


ACTIONS = [
    # (actor fixture, url name, kwargs from (tree, clerk_a1), POST data from tree, verb, org path attribute)
    ("sys_admin_a", "access:user_create", lambda t, u: {}, lambda t: {"username": "n1", "org": t.village_a1.pk},
     "access.user.create", "village_a1"),
    ("sys_admin_a", "access:user_deactivate", lambda t, u: {"pk": u.pk}, lambda t: {"reason": "调离"},
     "access.user.deactivate", "village_a1"),
    ("sys_admin_a", "access:user_reset_password", lambda t, u: {"pk": u.pk}, lambda t: {},
     "access.user.reset_password", "village_a1"),
    ("sec_admin_a", "access:user_unlock", lambda t, u: {"pk": u.pk}, lambda t: {}, "access.user.unlock", "village_a1"),
    ("sec_admin_a", "access:grant_create", lambda t, u: {"pk": u.pk},
     lambda t: {"role": Role.SECRETARY, "org": t.village_a2.pk}, "access.grant.create", "village_a2"),
    ("sec_admin_a", "access:grant_revoke", lambda t, u: {"pk": _grant_pk(u)}, lambda t: {}, "access.grant.revoke",
     "village_a1"),
    ("clerk_a1", "access:token_create", lambda t, u: {}, lambda t: {"name": "t", "days": 90}, "access.token.create",
     None),
    ("audit_admin_a", "access:audit_list", lambda t, u: {}, None, "access.audit.query", "town_a"),
    ("clerk_a1", "access:logout", lambda t, u: {}, lambda t: {}, "access.logout", None),
]


@pytest.mark.parametrize(("fixture", "name", "kwargs", "data", "verb", "org"), ACTIONS, ids=[a[4] for a in ACTIONS])
def test_each_action_writes_one_complete_audit_row(request, client, tree, clerk_a1, fixture, name, kwargs, data,
                                                   verb, org):
    actor = request.getfixturevalue(fixture)
    as_user(client, actor)
    url = reverse(name, kwargs=kwargs(tree, clerk_a1))
    response = client.get(url) if data is None else client.post(url, data(tree))
    assert response.status_code in (200, 302)
    rows = list(AuditEvent.objects.filter(verb=verb))
    assert len(rows) == 1
    row = rows[0]
    assert row.actor_id == actor.pk and row.actor_name == actor.username and row.actor_roles
    assert row.ip == "127.0.0.1" and row.outcome == AuditOutcome.SUCCESS and row.occurred_at is not None
    if org:
        assert row.org_path == getattr(tree, org).path
