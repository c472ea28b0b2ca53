"""Services of the access app: 三权分立 (SECURITY.md B3), subtree scope (B1), audit rows (C1)."""

import datetime as dt

import pytest
from django.utils import timezone

from grassroots.access import services
from grassroots.access.models import ApiToken, RoleGrant, User
from grassroots.access.roles import SEPARATED_ADMIN_ROLES, Role
from grassroots.access.scoping import active_grants
from grassroots.core.errors import DomainError, NotFoundOrForbidden, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditEvent, AuditOutcome
from grassroots.core.testing.factories import make_user

pytestmark = pytest.mark.django_db


def only_event(verb: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(verb=verb))
    assert len(events) == 1, [e.verb for e in AuditEvent.objects.all()]
    event = events[0]
    assert event.occurred_at is not None and event.actor_name and event.outcome == AuditOutcome.SUCCESS
    return event


# --- user_create -----------------------------------------------------------------------------------------------

def test_system_admin_creates_a_user_without_roles_and_a_temporary_password(tree, sys_admin_a):
    user, password = services.user_create(actor=sys_admin_a, username="li_si", org=tree.village_a1,
                                          display_name="李四")
    assert user.check_password(password) and user.password_changed_at is None
    assert not RoleGrant.objects.filter(user=user).exists()
    event = only_event("access.user.create")
    assert (event.actor_id, event.target_id, event.org_path) == (sys_admin_a.pk, user.pk, tree.village_a1.path)
    assert event.actor_roles == Role.SYSTEM_ADMIN
    assert password not in str(event.changes)
    assert services.password_change_due(user, is_admin=False)


def test_user_create_outside_the_subtree_is_refused(tree, sys_admin_a):
    with pytest.raises(PermissionRefused):
        services.user_create(actor=sys_admin_a, username="li_si", org=tree.village_b1)
    assert not User.objects.filter(username="li_si").exists()


@pytest.mark.parametrize("fixture", ["sec_admin_county", "audit_admin_county", "org_admin"])
def test_only_the_system_admin_creates_users(request, tree, fixture):
    actor = request.getfixturevalue(fixture)
    with pytest.raises(PermissionRefused):
        services.user_create(actor=actor, username="li_si", org=tree.town_a)


@pytest.mark.parametrize("username", ["", "sys_a", "SYS_A", "has space", "x" * 151])
def test_user_create_validates_the_username(tree, sys_admin_a, username):
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=sys_admin_a, username=username, org=tree.town_a)
    assert "username" in exc.value.errors


# --- user_deactivate, user_reset_password ----------------------------------------------------------------------

@pytest.fixture
def clerk_a1(tree):
    return make_user("clerk_a1", Role.CLERK, tree.village_a1)


def test_deactivate_is_audited_and_revokes_tokens(tree, sys_admin_a, clerk_a1):
    token, _key = services.api_token_create(actor=clerk_a1, name="脚本")
    services.user_deactivate(actor=sys_admin_a, user=clerk_a1, reason="离职")
    clerk_a1.refresh_from_db()
    token.refresh_from_db()
    assert not clerk_a1.is_active and token.revoked
    event = only_event("access.user.deactivate")
    assert (event.actor_id, event.target_id, event.reason) == (sys_admin_a.pk, clerk_a1.pk, "离职")
    assert event.org_path == tree.village_a1.path


def test_deactivate_outside_the_subtree_is_not_found(sys_admin_a, clerk_b):
    with pytest.raises(NotFoundOrForbidden):
        services.user_deactivate(actor=sys_admin_a, user=clerk_b)
    assert User.objects.get(pk=clerk_b.pk).is_active


def test_user_with_grants_outside_the_subtree_needs_a_higher_admin(tree, sys_admin_a, sys_admin_county, clerk_a1):
    RoleGrant.objects.create(user=clerk_a1, role=Role.CLERK, org=tree.village_b1)
    with pytest.raises(PermissionRefused):
        services.user_deactivate(actor=sys_admin_a, user=clerk_a1)
    services.user_deactivate(actor=sys_admin_county, user=clerk_a1)


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_system_admin_cannot_touch_the_other_two_admins(tree, sys_admin_county, role):
    other = make_user("other_admin", role, tree.town_a)
    for service in (services.user_deactivate, services.user_reset_password):
        with pytest.raises(PermissionRefused):
            service(actor=sys_admin_county, user=other)


def test_nobody_administers_their_own_account(sys_admin_a, sec_admin_a):
    with pytest.raises(PermissionRefused):
        services.user_deactivate(actor=sys_admin_a, user=sys_admin_a)
    with pytest.raises(PermissionRefused):
        services.user_reset_password(actor=sys_admin_a, user=sys_admin_a)
    with pytest.raises(PermissionRefused):
        services.user_unlock(actor=sec_admin_a, user=sec_admin_a)


def test_reset_password_gives_a_new_temporary_password(sys_admin_a, clerk_a1):
    password = services.user_reset_password(actor=sys_admin_a, user=clerk_a1)
    clerk_a1.refresh_from_db()
    assert clerk_a1.check_password(password) and clerk_a1.password_changed_at is None
    event = only_event("access.user.reset_password")
    assert event.actor_id == sys_admin_a.pk and event.target_id == clerk_a1.pk
    assert password not in str(event.changes) + event.reason


def test_security_admin_cannot_deactivate_or_reset(sec_admin_county, clerk_a1):
    with pytest.raises(PermissionRefused):
        services.user_deactivate(actor=sec_admin_county, user=clerk_a1)
    with pytest.raises(PermissionRefused):
        services.user_reset_password(actor=sec_admin_county, user=clerk_a1)


# --- user_unlock -----------------------------------------------------------------------------------------------

def test_security_admin_unlocks(sec_admin_a, clerk_a1):
    User.objects.filter(pk=clerk_a1.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=20), failed_logins=3)
    services.user_unlock(actor=sec_admin_a, user=clerk_a1)
    clerk_a1.refresh_from_db()
    assert clerk_a1.locked_until is None and clerk_a1.failed_logins == 0 and not clerk_a1.is_locked()
    event = only_event("access.user.unlock")
    assert event.actor_id == sec_admin_a.pk and event.target_id == clerk_a1.pk


def test_system_admin_cannot_unlock(sys_admin_county, clerk_a1):
    with pytest.raises(PermissionRefused):
        services.user_unlock(actor=sys_admin_county, user=clerk_a1)


def test_unlock_outside_the_subtree_is_not_found(sec_admin_a, clerk_b):
    with pytest.raises(NotFoundOrForbidden):
        services.user_unlock(actor=sec_admin_a, user=clerk_b)


# --- grant_create, grant_revoke --------------------------------------------------------------------------------

def test_security_admin_grants_inside_the_subtree(tree, sec_admin_a, clerk_a1):
    grant = services.grant_create(actor=sec_admin_a, user=clerk_a1, role=Role.SECRETARY, org=tree.village_a2)
    assert grant.granted_by == sec_admin_a and grant.valid_from == timezone.localdate()
    assert {(g.role, g.org_id) for g in active_grants(clerk_a1)} == {
        (Role.CLERK, tree.village_a1.pk), (Role.SECRETARY, tree.village_a2.pk)}
    event = only_event("access.grant.create")
    assert (event.actor_id, event.target_id, event.org_path) == (sec_admin_a.pk, clerk_a1.pk, tree.village_a2.path)
    assert event.changes["role"] == [None, "党组织书记"]


def test_security_admin_in_town_a_cannot_grant_in_town_b(tree, sec_admin_a, clerk_a1):
    with pytest.raises(PermissionRefused):
        services.grant_create(actor=sec_admin_a, user=clerk_a1, role=Role.CLERK, org=tree.village_b1)
    with pytest.raises(PermissionRefused):
        services.grant_create(actor=sec_admin_a, user=clerk_a1, role=Role.CLERK, org=tree.county)
    assert not AuditEvent.objects.filter(verb="access.grant.create").exists()


def test_grant_to_a_user_outside_the_subtree_is_not_found(tree, sec_admin_a, clerk_b):
    with pytest.raises(NotFoundOrForbidden):
        services.grant_create(actor=sec_admin_a, user=clerk_b, role=Role.CLERK, org=tree.village_a1)


@pytest.mark.parametrize("fixture", ["sys_admin_county", "audit_admin_county", "org_admin"])
def test_only_the_security_admin_grants(request, tree, clerk_a1, fixture):
    actor = request.getfixturevalue(fixture)
    with pytest.raises(PermissionRefused):
        services.grant_create(actor=actor, user=clerk_a1, role=Role.SECRETARY, org=tree.village_a1)


@pytest.mark.parametrize("role", list(Role))
def test_no_self_elevation(tree, sec_admin_county, role):
    with pytest.raises(PermissionRefused):
        services.grant_create(actor=sec_admin_county, user=sec_admin_county, role=role, org=tree.village_a1)
    assert RoleGrant.objects.filter(user=sec_admin_county).count() == 1


PAIRS = [(a, b) for a in sorted(SEPARATED_ADMIN_ROLES) for b in sorted(SEPARATED_ADMIN_ROLES) if a != b]


@pytest.mark.parametrize(("held", "wanted"), PAIRS)
def test_one_person_never_holds_two_of_the_three_admin_roles(tree, sec_admin_county, held, wanted):
    person = make_user("person", held, tree.town_b)
    with pytest.raises(DomainError) as exc:
        services.grant_create(actor=sec_admin_county, user=person, role=wanted, org=tree.town_a)
    assert exc.value.code == services.AccessErrors.SEPARATION
    assert list(RoleGrant.objects.filter(user=person).values_list("role", flat=True)) == [held]


def test_system_admin_plus_audit_admin_is_refused_even_at_other_orgs(tree, sec_admin_county):
    from grassroots.core.testing.factories import make_user

    person = make_user("sys_only", Role.SYSTEM_ADMIN, tree.town_a)
    with pytest.raises(DomainError):
        services.grant_create(actor=sec_admin_county, user=person, role=Role.AUDIT_ADMIN, org=tree.town_b)
    # the same admin role at a second organization is fine
    services.grant_create(actor=sec_admin_county, user=person, role=Role.SYSTEM_ADMIN, org=tree.town_b)


@pytest.mark.parametrize(("first", "second"), [(Role.SYSTEM_ADMIN, Role.ORG_ADMIN), (Role.AUDIT_ADMIN, Role.SECRETARY),
                                               (Role.CLERK, Role.SECURITY_ADMIN), (Role.ORG_ADMIN, Role.AUDIT_ADMIN)])
def test_separated_administrators_hold_no_member_data_role(tree, sec_admin_county, first, second):
    from grassroots.core.testing.factories import make_user

    person = make_user(f"p_{first}_{second}", first, tree.town_a)
    with pytest.raises(DomainError) as exc:
        services.grant_create(actor=sec_admin_county, user=person, role=second, org=tree.town_a)
    assert exc.value.code == services.AccessErrors.SEPARATION


def test_duplicate_grant_is_refused(tree, sec_admin_a, clerk_a1):
    with pytest.raises(DomainError) as exc:
        services.grant_create(actor=sec_admin_a, user=clerk_a1, role=Role.CLERK, org=tree.village_a1)
    assert exc.value.code == services.AccessErrors.GRANT_DUPLICATE


def test_grant_to_a_deactivated_user_is_refused(tree, sys_admin_a, sec_admin_a, clerk_a1):
    services.user_deactivate(actor=sys_admin_a, user=clerk_a1)
    with pytest.raises(DomainError) as exc:
        services.grant_create(actor=sec_admin_a, user=clerk_a1, role=Role.SECRETARY, org=tree.village_a1)
    assert exc.value.code == services.AccessErrors.USER_INACTIVE


def test_grant_at_a_dissolved_org_is_refused(tree, sec_admin_a, clerk_a1):
    from grassroots.orgs.models import Organization

    Organization.objects.filter(pk=tree.village_a2.pk).update(status="dissolved")
    tree.village_a2.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.grant_create(actor=sec_admin_a, user=clerk_a1, role=Role.SECRETARY, org=tree.village_a2)
    assert exc.value.code == services.AccessErrors.ORG_INACTIVE


def test_new_user_created_by_a_system_admin_can_be_granted_in_the_same_subtree(tree, sys_admin_a, sec_admin_a):
    user, _password = services.user_create(actor=sys_admin_a, username="new_a", org=tree.village_a1)
    services.grant_create(actor=sec_admin_a, user=user, role=Role.CLERK, org=tree.village_a1)
    other, _password = services.user_create(actor=sys_admin_a, username="new_a2", org=tree.town_a)
    town_b_admin = make_user("sec_b", Role.SECURITY_ADMIN, tree.town_b)
    with pytest.raises(NotFoundOrForbidden):
        services.grant_create(actor=town_b_admin, user=other, role=Role.CLERK, org=tree.village_b1)


def test_revoke_is_audited(tree, sec_admin_a, clerk_a1):
    grant = clerk_a1.grants.get()
    services.grant_revoke(actor=sec_admin_a, grant=grant)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert active_grants(clerk_a1) == []
    event = only_event("access.grant.revoke")
    assert (event.actor_id, event.target_id, event.org_path) == (sec_admin_a.pk, clerk_a1.pk, tree.village_a1.path)


def test_revoke_outside_the_subtree_and_own_grants_are_refused(sec_admin_a, sec_admin_county, clerk_b):
    with pytest.raises(PermissionRefused):
        services.grant_revoke(actor=sec_admin_a, grant=clerk_b.grants.get())
    with pytest.raises(PermissionRefused):
        services.grant_revoke(actor=sec_admin_county, grant=sec_admin_county.grants.get())
    with pytest.raises(PermissionRefused):
        services.grant_revoke(actor=sec_admin_a, grant=sec_admin_county.grants.get())


def test_brief_names_are_the_same_services():
    assert services.grant_role is services.grant_create and services.revoke_grant is services.grant_revoke


# --- API tokens ------------------------------------------------------------------------------------------------

def test_token_key_is_returned_once_and_only_its_hash_is_stored(clerk_a1):
    token, key = services.api_token_create(actor=clerk_a1, name="报表脚本", days=30)
    assert key.startswith("gr_") and token.key_hash == ApiToken.hash_key(key) and key.startswith(token.prefix)
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert key not in str(stored)
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)
    event = only_event("access.token.create")
    assert event.actor_id == clerk_a1.pk and event.target_id == token.pk and key not in event.target_label


def test_token_revoke_only_own(clerk_a1, clerk_b):
    token, _key = services.api_token_create(actor=clerk_a1, name="x")
    with pytest.raises(NotFoundOrForbidden):
        services.api_token_revoke(actor=clerk_b, token=token)
    services.api_token_revoke(actor=clerk_a1, token=token)
    token.refresh_from_db()
    assert token.revoked
    assert only_event("access.token.revoke").actor_id == clerk_a1.pk


@pytest.mark.parametrize(("name", "days"), [("", 90), ("x", 7)])
def test_token_create_validates(clerk_a1, name, days):
    with pytest.raises(ValidationFailed):
        services.api_token_create(actor=clerk_a1, name=name, days=days)


# --- fails closed (SECURITY.md C5) -----------------------------------------------------------------------------

def test_a_failing_audit_write_rolls_the_change_back(tree, sys_admin_a, sec_admin_a, clerk_a1, monkeypatch):
    from grassroots.core import audit

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.grant_create(actor=sec_admin_a, user=clerk_a1, role=Role.SECRETARY, org=tree.village_a1)
    assert not RoleGrant.objects.filter(user=clerk_a1, role=Role.SECRETARY).exists()
    with pytest.raises(RuntimeError):
        services.user_create(actor=sys_admin_a, username="ghost", org=tree.town_a)
    assert not User.objects.filter(username="ghost").exists()
    with pytest.raises(RuntimeError):
        services.user_deactivate(actor=sys_admin_a, user=clerk_a1)
    assert User.objects.get(pk=clerk_a1.pk).is_active


def test_security_admin_unlocks_the_other_admins(tree, sec_admin_county, sys_admin_a, audit_admin_a):
    for other in (sys_admin_a, audit_admin_a):
        User.objects.filter(pk=other.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=20))
        services.user_unlock(actor=sec_admin_county, user=other)
        assert not User.objects.get(pk=other.pk).is_locked()
