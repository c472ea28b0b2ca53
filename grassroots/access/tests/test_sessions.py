"""SECURITY.md A3: idle timeout 30 minutes (15 for administrator roles), absolute limit 12 hours."""

import pytest
from django.conf import settings
from django.urls import reverse

from grassroots.access.roles import Role
from grassroots.access.tests.factories import login, password_changed
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

PAGE = "access:token_list"


@pytest.fixture
def clerk(tree):
    return password_changed(make_user("clerk_s", Role.CLERK, tree.village_a1))


def _goes_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("access:login"))


def test_session_settings():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_SECONDS <= 12 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert "grassroots.access.middleware.SessionLimitsMiddleware" in settings.MIDDLEWARE


def test_requests_within_thirty_minutes_keep_the_session(client, clerk, clock):
    login(client, clerk, TEST_PASSWORD)
    for _ in range(4):  # two hours of activity, 29 minutes apart
        clock.advance(minutes=29)
        assert client.get(reverse(PAGE)).status_code == 200


def test_thirty_one_minutes_idle_goes_to_login(client, clerk, clock):
    login(client, clerk, TEST_PASSWORD)
    assert client.get(reverse(PAGE)).status_code == 200
    clock.advance(minutes=31)
    assert _goes_to_login(client.get(reverse(PAGE)))
    assert "_auth_user_id" not in client.session


def test_idle_limit_is_enforced_by_the_middleware_itself(client, clerk):
    """Even if the stored session outlived its cookie age, the middleware's own clock logs out (and audits)."""
    login(client, clerk, TEST_PASSWORD)
    session = client.session
    session["last_seen"] -= 31 * 60
    session.save()
    assert _goes_to_login(client.get(reverse(PAGE)))
    assert AuditEvent.objects.filter(verb="access.logout", actor_id=clerk.pk, reason="idle timeout").exists()


def test_admin_sessions_idle_out_after_fifteen_minutes(client, sec_admin_a, clock):
    login(client, sec_admin_a)
    clock.advance(minutes=14)
    assert client.get(reverse(PAGE)).status_code == 200
    clock.advance(minutes=16)
    assert _goes_to_login(client.get(reverse(PAGE)))


def test_non_admin_is_not_cut_at_sixteen_minutes(client, clerk, clock):
    login(client, clerk, TEST_PASSWORD)
    clock.advance(minutes=16)
    assert client.get(reverse(PAGE)).status_code == 200


def test_absolute_limit_of_twelve_hours(client, clerk, clock):
    login(client, clerk, TEST_PASSWORD)
    minutes = 0
    while client.get(reverse(PAGE)).status_code == 200:  # active every 20 minutes
        clock.advance(minutes=20)
        minutes += 20
        assert minutes <= 13 * 60
    assert 12 * 60 <= minutes <= 12 * 60 + 20
    event = AuditEvent.objects.filter(verb="access.logout", actor_id=clerk.pk).latest("id")
    assert event.reason == "absolute limit"


def test_absolute_limit_edited_session(client, clerk):
    login(client, clerk, TEST_PASSWORD)
    session = client.session
    session["auth_started"] -= settings.SESSION_ABSOLUTE_SECONDS + 1
    session.save()
    assert _goes_to_login(client.get(reverse(PAGE)))


def test_api_calls_get_json_while_a_password_change_is_due(client, tree):
    from grassroots.core.testing.factories import make_user

    user = make_user("temp_pw_user", "clerk", tree.town_a)
    type(user).objects.filter(pk=user.pk).update(password_changed_at=None)
    client.post("/accounts/login/", {"username": "temp_pw_user", "password": "Grassroots#2026pw"})
    response = client.get("/api/members/")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
    assert client.get("/members/").status_code == 302
