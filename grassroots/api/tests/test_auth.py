"""Who may call the API: session users (CSRF on writes) and bearer tokens (valid, revoked, expired, missing)."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from grassroots.access.models import ApiToken
from grassroots.api.tests.support import bearer, make_token, session_client

ROOTS = "/api/orgs/"


def test_request_without_credentials_is_refused_with_401(tree):
    response = Client().get(ROOTS)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_anonymous_write_gets_401_not_a_csrf_error(tree):
    response = Client(enforce_csrf_checks=True).post(f"/api/orgs/{tree.county.pk}/children", {"name": "新支部"},
                                                     content_type="application/json")

    assert response.status_code == 401


def test_valid_bearer_token_authenticates_and_records_last_use(secretary_a1):
    token, key = make_token(secretary_a1)

    response = Client().get(ROOTS, headers=bearer(key))

    assert response.status_code == 200
    assert [org["name"] for org in response.json()] == ["甲一村党支部"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(secretary_a1):
    token, key = make_token(secretary_a1)
    recent = timezone.now() - dt.timedelta(seconds=10)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)

    Client().get(ROOTS, headers=bearer(key))

    token.refresh_from_db()
    assert token.last_used_at == recent


def test_revoked_token_is_refused(secretary_a1):
    _, key = make_token(secretary_a1, revoked=True)

    response = Client().get(ROOTS, headers=bearer(key))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_expired_token_is_refused(secretary_a1):
    _, key = make_token(secretary_a1, expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = Client().get(ROOTS, headers=bearer(key))

    assert response.status_code == 401


def test_unknown_token_is_refused(tree):
    response = Client().get(ROOTS, headers=bearer(ApiToken.new_key()))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_empty_bearer_header_is_refused(tree):
    response = Client().get(ROOTS, headers={"Authorization": "Bearer "})

    assert response.status_code == 401


def test_token_of_inactive_user_is_refused(secretary_a1):
    _, key = make_token(secretary_a1)
    secretary_a1.is_active = False
    secretary_a1.save()

    response = Client().get(ROOTS, headers=bearer(key))

    assert response.status_code == 401


def test_token_of_locked_user_is_refused(secretary_a1):
    _, key = make_token(secretary_a1)
    secretary_a1.locked_until = timezone.now() + dt.timedelta(minutes=30)
    secretary_a1.save()

    response = Client().get(ROOTS, headers=bearer(key))

    assert response.status_code == 401


def test_invalid_token_does_not_fall_back_to_the_session(secretary_a1):
    client = session_client(secretary_a1)

    response = client.get(ROOTS, headers=bearer("gr_not-a-real-token"))

    assert response.status_code == 401


def test_only_the_hash_of_a_token_is_stored(secretary_a1):
    token, key = make_token(secretary_a1)

    assert token.key_hash == ApiToken.hash_key(key)
    assert not ApiToken.objects.filter(key_hash=key).exists()


def test_session_user_can_read(secretary_a1):
    response = session_client(secretary_a1).get(ROOTS)

    assert response.status_code == 200


def test_session_write_without_csrf_token_is_refused(org_admin, tree):
    client = session_client(org_admin, enforce_csrf=True)

    response = client.post(f"/api/orgs/{tree.town_a.pk}/children", {"name": "新支部"},
                           content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_session_write_with_csrf_token_is_accepted(org_admin, tree):
    client = session_client(org_admin, enforce_csrf=True)
    secret = "Csrf" * 8  # 32 characters: the unmasked form Django accepts in cookie and header
    client.cookies[settings.CSRF_COOKIE_NAME] = secret

    response = client.post(f"/api/orgs/{tree.town_a.pk}/children", {"name": "新支部"},
                           content_type="application/json", headers={"X-CSRFToken": secret})

    assert response.status_code == 201


def test_token_write_needs_no_csrf_token(org_admin, tree):
    _, key = make_token(org_admin)
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/api/orgs/{tree.town_a.pk}/children", {"name": "新支部"},
                           content_type="application/json", headers=bearer(key))

    assert response.status_code == 201


def test_token_responses_are_not_cached(secretary_a1):
    _, key = make_token(secretary_a1)

    response = Client().get(ROOTS, headers=bearer(key))

    assert response["Cache-Control"] == "no-store"


ENDPOINTS = [
    ("get", "/api/orgs/"), ("get", "/api/orgs/search?q=x"), ("get", "/api/orgs/1"), ("get", "/api/orgs/1/children"),
    ("get", "/api/orgs/1/subtree"), ("post", "/api/orgs/1/children"), ("patch", "/api/orgs/1"),
    ("post", "/api/orgs/1/move"), ("post", "/api/orgs/1/dissolve"), ("get", "/api/members/"),
    ("post", "/api/members/"), ("get", "/api/members/1"), ("patch", "/api/members/1"),
    ("post", "/api/members/1/reveal"), ("post", "/api/members/1/exit"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_anonymous_callers(tree, method, path):
    response = getattr(Client(), method)(path, {}, content_type="application/json")

    assert response.status_code == 401


def test_token_is_refused_while_a_password_change_is_due_and_revoked_by_a_reset(tree):
    from django.test import Client

    from grassroots.access import services as access_services
    from grassroots.access.models import ApiToken
    from grassroots.access.roles import Role
    from grassroots.core.testing.factories import make_user

    user = make_user("token_owner", Role.CLERK, tree.town_a)
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name="t", key_hash=ApiToken.hash_key(key), prefix=key[:8])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/members/").status_code == 200
    type(user).objects.filter(pk=user.pk).update(password_changed_at=None)
    assert client.get("/api/members/").status_code == 401
    sys_admin = make_user("sys_for_reset", Role.SYSTEM_ADMIN, tree.county)
    access_services.user_reset_password(actor=sys_admin, user=user)
    assert ApiToken.objects.get(user=user).revoked
