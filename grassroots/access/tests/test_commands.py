"""Operators' commands: create_user, audit_accounts (SECURITY.md A5)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from grassroots.access.models import ApiToken, RoleGrant, User
from grassroots.access.roles import Role
from grassroots.core.models import AuditEvent
from grassroots.core.testing.factories import make_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_user_with_a_role(tree):
    out = run("create_user", "wang", "--password", "Strong#Pass2026x", "--role", Role.SYSTEM_ADMIN,
              "--org-path", tree.county.path, "--display-name", "王某")
    user = User.objects.get(username="wang")
    assert "已创建用户 wang" in out and "临时密码" not in out
    assert user.check_password("Strong#Pass2026x") and user.display_name == "王某"
    assert user.password_changed_at is None  # must change at first login
    assert list(RoleGrant.objects.filter(user=user).values_list("role", "org_id")) == [
        (Role.SYSTEM_ADMIN, tree.county.pk)]
    events = AuditEvent.objects.filter(target_type="access.user", target_id=user.pk)
    verbs = set(events.values_list("verb", "actor_name"))
    assert verbs == {("access.user.create", "manage.py"), ("access.grant.create", "manage.py")}


def test_create_user_generates_a_temporary_password(tree):
    out = run("create_user", "li", "--no-change-required")
    password = out.split("临时密码（只显示一次）：")[1].strip()
    user = User.objects.get(username="li")
    assert user.check_password(password) and user.password_changed_at is not None


@pytest.mark.parametrize(("args", "message"), [
    (["--password", "Short#1"], "password"),
    (["--password", "Strong#Pa26", "--role", Role.AUDIT_ADMIN, "--org-path", "0001"], "password"),  # < 12
    (["--password", "Strong#Pass2026x", "--role", Role.AUDIT_ADMIN], "--org-path"),
    (["--password", "Strong#Pass2026x", "--org-path", "ZZZZ"], "ZZZZ"),
])
def test_create_user_refusals(tree, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_user", "bad_user", *args)
    assert not User.objects.filter(username="bad_user").exists()


def test_create_user_refuses_a_taken_name(tree):
    make_user("taken")
    with pytest.raises(CommandError, match="已被使用"):
        run("create_user", "Taken", "--password", "Strong#Pass2026x")


def _age(user, days, *, logged_in=True):
    then = timezone.now() - dt.timedelta(days=days)
    User.objects.filter(pk=user.pk).update(last_login=then if logged_in else None, date_joined=then)


def test_audit_accounts_lists_inactive_accounts_and_fails(tree):
    stale = make_user("stale")
    never = make_user("never_used")
    fresh = make_user("fresh")
    _age(stale, 91)
    _age(never, 120, logged_in=False)
    _age(fresh, 10)
    gone = make_user("gone")
    _age(gone, 200)
    User.objects.filter(pk=gone.pk).update(is_active=False)

    out = run("audit_accounts")  # without --fail: report only
    assert "stale" in out and "never_used" in out and "fresh" not in out and "gone" not in out
    with pytest.raises(CommandError, match="2"):
        run("audit_accounts", "--fail")


def test_audit_accounts_flags_default_names(tree):
    make_user("admin")
    with pytest.raises(CommandError):
        run("audit_accounts", "--fail")


def test_audit_accounts_passes_when_clean(tree):
    _age(make_user("fresh"), 1)
    assert "未发现问题账户" in run("audit_accounts", "--fail")


def test_audit_accounts_disable(tree):
    stale = make_user("stale")
    _age(stale, 100)
    token = ApiToken.objects.create(user=stale, name="t", key_hash="x" * 64, prefix="gr_x")
    out = run("audit_accounts", "--disable", "--fail")
    assert "已停用 stale" in out
    stale.refresh_from_db()
    token.refresh_from_db()
    assert not stale.is_active and token.revoked
    event = AuditEvent.objects.get(verb="access.user.deactivate")
    assert event.target_id == stale.pk and event.actor_name == "manage.py" and "90" in event.reason


def test_audit_accounts_days_option(tree):
    _age(make_user("month_old"), 31)
    assert "month_old" in run("audit_accounts", "--days", "30")
    assert "month_old" not in run("audit_accounts")
