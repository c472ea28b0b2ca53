"""SECURITY.md A2 (login failures, lockout), A3 (session id, logout), A1 (forced password change)."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grassroots.access.models import User
from grassroots.access.roles import Role
from grassroots.access.tests.factories import ADMIN_PASSWORD, login, password_changed, temporary_password
from grassroots.core.models import AuditEvent, AuditOutcome
from grassroots.core.testing.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

SAME_MESSAGE = "用户名或密码错误，或账户已被锁定"


@pytest.fixture
def clerk(tree):
    return password_changed(make_user("clerk_x", Role.CLERK, tree.village_a1))


def test_login_page_is_chinese_and_mobile_friendly(client):
    response = client.get(reverse("access:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "账户登录" in html and 'name="viewport"' in html and "container-tight" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_successful_login_gets_a_new_session_id_and_is_audited(client, clerk):
    client.get(reverse("access:login"))
    client.session.save()
    before = client.session.session_key
    response = login(client, clerk, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.session["is_admin_role"] is False
    event = AuditEvent.objects.get(verb="access.login.success")
    assert (event.actor_id, event.outcome, event.target_id) == (clerk.pk, AuditOutcome.SUCCESS, clerk.pk)
    assert User.objects.get(pk=clerk.pk).last_login is not None


def test_admin_role_is_marked_on_the_session(client, sec_admin_a):
    assert login(client, sec_admin_a).status_code == 302
    assert client.session["is_admin_role"] is True
    assert client.session["must_change_password"] is False


@pytest.mark.parametrize("case", ["unknown user", "wrong password", "locked"])
def test_the_same_message_for_unknown_user_wrong_password_and_locked(client, clerk, case):
    username, password = clerk.username, "Wrong#Password1"
    if case == "unknown user":
        username = "nobody_here"
    if case == "locked":
        User.objects.filter(pk=clerk.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=10))
        password = TEST_PASSWORD
    response = client.post(reverse("access:login"), {"username": username, "password": password})
    assert response.status_code == 200
    assert SAME_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_for_thirty_minutes(client, clerk, clock):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert login(client, clerk, "Wrong#Password1").status_code == 200
    clerk.refresh_from_db()
    assert clerk.is_locked()

    response = login(client, clerk, TEST_PASSWORD)  # the sixth try, with the right password
    assert response.status_code == 200 and SAME_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session

    clock.advance(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1)
    assert login(client, clerk, TEST_PASSWORD).status_code == 200  # still locked

    clock.advance(minutes=2)
    assert login(client, clerk, TEST_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)

    verbs = list(AuditEvent.objects.filter(target_id=clerk.pk).order_by("id").values_list("verb", "outcome"))
    assert verbs.count(("access.login.fail", AuditOutcome.FAILURE)) == settings.LOGIN_FAILURE_LIMIT
    assert ("access.user.lock", AuditOutcome.SUCCESS) in verbs
    assert verbs.count(("access.login.locked", AuditOutcome.FAILURE)) == 2
    assert verbs[-1] == ("access.login.success", AuditOutcome.SUCCESS)


def test_unknown_user_failures_are_audited_without_the_password(client, db):
    client.post(reverse("access:login"), {"username": "ghost", "password": "Secret#Canary99"})
    event = AuditEvent.objects.get(verb="access.login.fail")
    assert event.actor_name == "ghost" and event.outcome == AuditOutcome.FAILURE
    assert not AuditEvent.objects.filter(reason__contains="Canary").exists()
    assert "Canary" not in str(list(AuditEvent.objects.values()))


def test_deactivated_account_cannot_log_in(client, clerk):
    User.objects.filter(pk=clerk.pk).update(is_active=False)
    response = login(client, clerk, TEST_PASSWORD)
    assert response.status_code == 200 and SAME_MESSAGE in response.content.decode()


def test_logout_is_audited_and_the_old_session_key_stops_working(client, clerk):
    login(client, clerk, TEST_PASSWORD)
    old_key = client.session.session_key
    response = client.post(reverse("access:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("access:login")
    assert not Session.objects.filter(session_key=old_key).exists()
    event = AuditEvent.objects.get(verb="access.logout")
    assert event.actor_id == clerk.pk and event.outcome == AuditOutcome.SUCCESS

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = replay.get(reverse("access:token_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("access:login"))


def test_logout_needs_post(client, clerk):
    login(client, clerk, TEST_PASSWORD)
    assert client.get(reverse("access:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_logout_without_csrf_token_is_refused(clerk):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(clerk)
    response = csrf_client.post(reverse("access:logout"))
    assert response.status_code == 403
    assert "_auth_user_id" in csrf_client.session
    assert not AuditEvent.objects.filter(verb="access.logout").exists()


def test_login_without_csrf_token_is_refused(clerk):
    response = login(Client(enforce_csrf_checks=True), clerk, TEST_PASSWORD)
    assert response.status_code == 403


def test_next_parameter_is_followed_but_not_off_site(client, clerk):
    response = client.post(reverse("access:login") + "?next=/accounts/tokens/",
                           {"username": clerk.username, "password": TEST_PASSWORD, "next": "/accounts/tokens/"})
    assert response["Location"] == "/accounts/tokens/"
    client.post(reverse("access:logout"))
    response = client.post(reverse("access:login"),
                           {"username": clerk.username, "password": TEST_PASSWORD, "next": "https://evil.example/"})
    assert "evil.example" not in response["Location"]


# --- forced password change (SECURITY.md A1) -------------------------------------------------------------------

def test_temporary_password_must_be_changed_at_first_login(client, tree):
    user = temporary_password(make_user("fresh", Role.CLERK, tree.village_a1))
    response = login(client, user, TEST_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("access:password_change")
    for name in ("access:token_list", "access:user_list", "dashboards:home"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("access:password_change"), name
    assert client.get(reverse("access:password_change")).status_code == 200


@pytest.mark.parametrize(("days", "redirected"), [(89, False), (91, True)])
def test_admin_password_older_than_90_days_redirects_every_page(client, sec_admin_a, days,
                                                                redirected):
    password_changed(sec_admin_a, days_ago=days)
    login(client, sec_admin_a)
    for name in ("access:token_list", "access:user_list", "dashboards:home"):
        response = client.get(reverse(name))
        is_redirect = response.status_code == 302 and response["Location"] == reverse("access:password_change")
        assert is_redirect is redirected, name


def test_admin_password_expiring_mid_session_redirects(client, sec_admin_a):
    password_changed(sec_admin_a, days_ago=89)
    login(client, sec_admin_a)
    assert client.get(reverse("access:token_list")).status_code == 200
    password_changed(sec_admin_a, days_ago=91)  # two days later, within the same session
    response = client.get(reverse("access:token_list"))
    assert response["Location"] == reverse("access:password_change")


def test_non_admin_with_an_old_password_is_not_forced(client, clerk):
    password_changed(clerk, days_ago=400)
    login(client, clerk, TEST_PASSWORD)
    assert client.get(reverse("access:token_list")).status_code == 200


def test_htmx_requests_get_an_hx_redirect(client, tree):
    user = temporary_password(make_user("fresh_hx", Role.CLERK, tree.village_a1))
    login(client, user, TEST_PASSWORD)
    response = client.get(reverse("access:token_list"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("access:password_change")


def test_changing_the_password_lifts_the_redirect(client, tree):
    user = temporary_password(make_user("fresh2", Role.CLERK, tree.village_a1))
    login(client, user, TEST_PASSWORD)
    response = client.post(reverse("access:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "Brand#New2026x", "new_password2": "Brand#New2026x",
    })
    assert response.status_code == 302
    assert "_auth_user_id" in client.session  # still signed in (session hash updated)
    assert client.get(reverse("access:token_list")).status_code == 200
    user.refresh_from_db()
    assert user.password_changed_at is not None and user.check_password("Brand#New2026x")


def test_granting_an_admin_role_forces_a_new_password_at_next_login(client, tree, sec_admin_county, clerk,):
    from grassroots.access.services import grant_create

    grant_create(actor=sec_admin_county, user=clerk, role=Role.ORG_ADMIN, org=tree.town_a)
    response = login(client, clerk, TEST_PASSWORD)
    assert response["Location"] == reverse("access:password_change")
    assert client.session["is_admin_role"] is True


def test_admin_password_constant_meets_admin_rules(sec_admin_a):
    from django.contrib.auth.password_validation import validate_password

    validate_password(ADMIN_PASSWORD, sec_admin_a)


def test_password_change_middleware_runs_right_after_the_session_limits(settings):
    from grassroots.access.tests.factories import PASSWORD_MIDDLEWARE, SESSION_MIDDLEWARE

    assert settings.MIDDLEWARE.index(PASSWORD_MIDDLEWARE) == settings.MIDDLEWARE.index(SESSION_MIDDLEWARE) + 1
