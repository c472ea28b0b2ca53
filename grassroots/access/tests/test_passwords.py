"""SECURITY.md A1: the password rules of AUTH_PASSWORD_VALIDATORS, and the password-change page."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from grassroots.access.models import User
from grassroots.access.roles import ADMIN_ROLES, Role
from grassroots.access.services import temporary_password, user_password_change
from grassroots.core.errors import ValidationFailed
from grassroots.core.models import AuditEvent, AuditOutcome
from grassroots.core.testing.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

# (password, accepted for a plain user, accepted for an administrator, why)
CASES = [
    ("Hq7#vLp2", True, False, "8 characters, 4 classes: enough for a user, too short for an administrator"),
    ("Hq7vLp2w", True, False, "8 characters, 3 classes (upper, lower, digit)"),
    ("hq7#vlp2", True, False, "3 classes (lower, digit, symbol)"),
    ("Hq7#vLp2Xk9$", True, True, "12 characters, 4 classes"),
    ("Hq7#vLp2Xk9", True, False, "11 characters: one short for an administrator"),
    ("Hq7#vLp", False, False, "7 characters"),
    ("hq7vlp2wxk9m", False, False, "2 classes (lower, digit)"),
    ("HQ7VLP2WXK9M", False, False, "2 classes (upper, digit)"),
    ("Hqvlpwxkmnrt", False, False, "2 classes (upper, lower)"),
    ("#$%&hqvlpwxk", False, False, "2 classes (lower, symbol)"),
    ("381946275038", False, False, "digits only"),
    ("Password1", False, False, "3 classes but a common password"),
    ("P@ssw0rd", False, False, "3 classes but a common password"),
    ("Zhangwei#2024", False, False, "too similar to the username zhangwei2024"),
    ("长城#Great2024wall", True, True, "non-ASCII letters count as symbols"),
]


@pytest.fixture
def plain_user(tree):
    return make_user("zhangwei2024", Role.CLERK, tree.village_a1)


@pytest.fixture
def admin_user(tree):
    return make_user("zhangwei2024", Role.SECURITY_ADMIN, tree.town_a)


def _accepted(password, user) -> bool:
    try:
        validate_password(password, user)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(("password", "for_user", "for_admin", "why"), CASES, ids=[c[3] for c in CASES])
def test_password_rules(plain_user, password, for_user, for_admin, why):
    assert _accepted(password, plain_user) is for_user


@pytest.mark.parametrize(("password", "for_user", "for_admin", "why"), CASES, ids=[c[3] for c in CASES])
def test_password_rules_for_administrators(admin_user, password, for_user, for_admin, why):
    assert _accepted(password, admin_user) is for_admin


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_every_admin_role_needs_twelve_characters(tree, role):
    user = make_user(f"u_{role}", role, tree.county)
    assert not _accepted("Hq7#vLp2Xk9", user)
    assert _accepted("Hq7#vLp2Xk9$", user)


def test_validators_are_configured():
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert {"UserAttributeSimilarityValidator", "RoleAwareLengthValidator", "CharacterClassValidator",
            "CommonPasswordValidator"} <= set(names)


def test_slow_salted_hash_is_first_in_production_settings():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_temporary_passwords_meet_every_rule(tree):
    admin = make_user("tmp_admin", Role.SYSTEM_ADMIN, tree.county)
    passwords = {temporary_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        validate_password(password, admin)


# --- the service and the page ----------------------------------------------------------------------------------

def test_password_change_sets_the_date_and_is_audited(plain_user):
    user_password_change(actor=plain_user, old_password=TEST_PASSWORD, new_password="Fresh#Pass2026")
    plain_user.refresh_from_db()
    assert plain_user.check_password("Fresh#Pass2026") and plain_user.password_changed_at is not None
    event = AuditEvent.objects.get(verb="access.user.password_change")
    assert (event.actor_id, event.target_id, event.outcome) == (plain_user.pk, plain_user.pk, AuditOutcome.SUCCESS)
    assert event.org_path == plain_user.grants.get().org.path
    assert "Fresh#Pass2026" not in str(event.changes) + event.reason


@pytest.mark.parametrize(("old", "new", "field"), [
    ("Wrong#Old2026", "Fresh#Pass2026", "old_password"),
    (TEST_PASSWORD, TEST_PASSWORD, "new_password1"),
    (TEST_PASSWORD, "short1A", "new_password1"),
    (TEST_PASSWORD, "Password1", "new_password1"),
])
def test_password_change_refusals(plain_user, old, new, field):
    with pytest.raises(ValidationFailed) as exc:
        user_password_change(actor=plain_user, old_password=old, new_password=new)
    assert field in exc.value.errors
    assert User.objects.get(pk=plain_user.pk).check_password(TEST_PASSWORD)


def test_wrong_old_password_is_audited_as_a_failure(plain_user):
    with pytest.raises(ValidationFailed):
        user_password_change(actor=plain_user, old_password="Wrong#Old2026", new_password="Fresh#Pass2026")
    event = AuditEvent.objects.get(verb="access.user.password_change")
    assert event.outcome == AuditOutcome.FAILURE and event.actor_id == plain_user.pk


def test_password_change_page(client, plain_user):
    client.force_login(plain_user)
    html = client.get(reverse("access:password_change")).content.decode()
    assert "原密码" in html and "再次输入新密码" in html
    response = client.post(reverse("access:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "Fresh#Pass2026", "new_password2": "Other#Pass2026",
    })
    assert response.status_code == 400 and "两次输入的新密码不一致" in response.content.decode()
    response = client.post(reverse("access:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "abc", "new_password2": "abc",
    })
    assert response.status_code == 400 and "密码至少需要8个字符" in response.content.decode()
    response = client.post(reverse("access:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "Fresh#Pass2026", "new_password2": "Fresh#Pass2026",
    })
    assert response.status_code == 302
    assert client.get(reverse("access:token_list")).status_code == 200  # the session survives the change


def test_admin_needs_twelve_characters_on_the_page(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("access:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "Fresh#Pass2", "new_password2": "Fresh#Pass2",
    })
    assert response.status_code == 400 and "密码至少需要12个字符" in response.content.decode()
    response = client.post(reverse("access:password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": "Fresh#Pass26", "new_password2": "Fresh#Pass26",
    })
    assert response.status_code == 302
