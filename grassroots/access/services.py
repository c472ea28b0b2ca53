"""Every write to accounts, role grants and API tokens. Each checks scope, applies the rules, saves, audits.

三权分立 (SECURITY.md B3): the system administrator (AccessPerm.MANAGE_USERS) creates, deactivates and resets
accounts but grants nothing; the security administrator (AccessPerm.MANAGE_GRANTS) grants and revokes roles
and unlocks accounts; the audit administrator only reads the log. Nobody administers their own account, and
one person never holds two of the three administrator roles.
"""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grassroots.access import selectors
from grassroots.access.models import ApiToken, RoleGrant, User
from grassroots.access.permissions import AccessPerm
from grassroots.access.roles import ADMIN_ROLES, SEPARATED_ADMIN_ROLES, Role
from grassroots.access.scoping import active_grants, forget_grants, orgs_for, path_filter, require
from grassroots.core import audit
from grassroots.core.errors import DomainError, NotFoundOrForbidden, PermissionRefused, ValidationFailed
from grassroots.core.models import AuditOutcome

PASSWORD_MAX_AGE_DAYS = 90  # SECURITY.md A1: administrators change their password every 90 days
TOKEN_LIFETIMES_DAYS = (30, 90, 180, 365)
USERNAME_MAX_LENGTH = 150
OPERATOR = "manage.py"  # actor_name of audit rows written by operators' commands


class AccessErrors:
    SELF_ADMINISTRATION = "access_self_administration"
    SEPARATION = "access_grant_separation"
    GRANT_DUPLICATE = "access_grant_duplicate"
    ORG_INACTIVE = "access_grant_org_inactive"
    USER_INACTIVE = "access_user_inactive"
    OTHER_ADMIN = "access_other_admin"
    OUTSIDE_SUBTREE = "access_user_outside_subtree"


class SelfAdministration(PermissionRefused):
    code = AccessErrors.SELF_ADMINISTRATION
    default_message = gettext_lazy("不能对本人账户执行此操作（不得自我授权）")


# --- passwords -------------------------------------------------------------------------------------------------

_PASSWORD_ALPHABETS = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#%+=@!?")


def temporary_password(length: int = 16) -> str:
    """Random, meets every validator (all four character classes, ≥12), shown once and never stored."""
    chars = [secrets.choice(alphabet) for alphabet in _PASSWORD_ALPHABETS]
    pool = "".join(_PASSWORD_ALPHABETS)
    chars += [secrets.choice(pool) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def holds_admin_role(user) -> bool:
    return any(g.role in ADMIN_ROLES for g in active_grants(user))


def password_change_due(user, *, is_admin: bool, now: dt.datetime | None = None) -> bool:
    """A temporary password (never changed by its owner) is always due; an administrator's after 90 days."""
    if user.password_changed_at is None:
        return True
    now = now or timezone.now()
    return is_admin and user.password_changed_at < now - dt.timedelta(days=PASSWORD_MAX_AGE_DAYS)


def _password_errors(password: str, user) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def user_password_change(*, actor: User, old_password: str, new_password: str) -> User:
    """The signed-in user changes their own password (SECURITY.md A1)."""
    if not actor.check_password(old_password):
        with transaction.atomic():
            audit.record(actor=actor, verb="access.user.password_change", target=actor,
                         outcome=AuditOutcome.FAILURE, reason="wrong old password")
        raise ValidationFailed({"old_password": [_("原密码不正确")]})
    if new_password == old_password:
        raise ValidationFailed({"new_password1": [_("新密码不能与原密码相同")]})
    errors = _password_errors(new_password, actor)
    if errors:
        raise ValidationFailed({"new_password1": errors})
    with transaction.atomic():
        actor.set_password(new_password)
        actor.password_changed_at = timezone.now()
        actor.save(update_fields=["password", "password_changed_at"])
        audit.record(actor=actor, verb="access.user.password_change", target=actor,
                     org_path=selectors.user_home_path(actor))
    return actor


# --- sessions --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionFacts:
    is_admin_role: bool
    must_change_password: bool


def session_start(*, actor: User) -> SessionFacts:
    """Called right after a successful login: audits it and says what the session must enforce."""
    is_admin = holds_admin_role(actor)
    with transaction.atomic():
        audit.record(actor=actor, verb="access.login.success", target=actor)
    return SessionFacts(is_admin_role=is_admin, must_change_password=password_change_due(actor, is_admin=is_admin))


def session_end(*, actor: User, reason: str = "") -> None:
    if actor is None or not actor.is_authenticated:
        return
    with transaction.atomic():
        audit.record(actor=actor, verb="access.logout", target=actor, reason=reason)


# --- accounts --------------------------------------------------------------------------------------------------

def _clean_username(username: str) -> str:
    username = (username or "").strip()
    errors = []
    if not username:
        errors.append(_("请填写用户名"))
    else:
        if len(username) > USERNAME_MAX_LENGTH:
            errors.append(_("用户名不能超过%(n)d个字符") % {"n": USERNAME_MAX_LENGTH})
        try:
            User.username_validator(username)
        except ValidationError as exc:
            errors.extend(exc.messages)
        # Lower() rather than iexact: SQLite runs with case_sensitive_like=ON, which makes iexact case-sensitive.
        if User.objects.annotate(lowered=Lower("username")).filter(lowered=username.lower()).exists():
            errors.append(_("该用户名已被使用"))
    if errors:
        raise ValidationFailed({"username": errors})
    return username


def _require_manageable(actor, perm: str, user: User, *, whole_account: bool = True) -> None:
    """The account is visible to the actor (else the same answer as missing) and is not the actor's own.
    With whole_account (changes that could hand the account to the actor or shut it out everywhere): every
    grant it holds also lies in the actor's subtree, and it holds no other administrator power."""
    if not orgs_for(actor, perm):
        raise PermissionRefused()
    if not selectors.users_visible_to(actor, perm).filter(pk=user.pk).exists():
        raise NotFoundOrForbidden()
    if user.pk == actor.pk:
        raise SelfAdministration()
    if not whole_account:
        return
    outside = RoleGrant.objects.filter(user=user).exclude(path_filter("org__path", orgs_for(actor, perm)))
    if outside.exists():
        raise PermissionRefused(_("该账户在您管辖范围以外也有授权，请由上级管理员处理"),
                                code=AccessErrors.OUTSIDE_SUBTREE)
    own_role = Role.SYSTEM_ADMIN if perm == AccessPerm.MANAGE_USERS else Role.SECURITY_ADMIN
    other_powers = SEPARATED_ADMIN_ROLES - {own_role}
    if RoleGrant.objects.filter(user=user, role__in=list(other_powers)).exists():
        raise PermissionRefused(_("不能管理其他类别管理员的账户（三权分立）"), code=AccessErrors.OTHER_ADMIN)


def user_create(*, actor, username: str, org, display_name: str = "", email: str = "") -> tuple[User, str]:
    """A system administrator opens an account under an organization of their subtree. The account holds no
    role (roles come from the security administrator) and gets a temporary password, returned once, that
    must be changed at the first login."""
    require(actor, AccessPerm.MANAGE_USERS, org)
    username = _clean_username(username)
    password = temporary_password()
    try:
        with transaction.atomic():
            user = User(username=username, display_name=(display_name or "").strip()[:50], email=email or "")
            user.set_password(password)
            user.password_changed_at = None
            user.save()
            audit.record(actor=actor, verb="access.user.create", target=user, org_path=org.path,
                         changes={"username": [None, username], "display_name": [None, user.display_name],
                                  "org": [None, org.name]})
    except IntegrityError as exc:
        raise ValidationFailed({"username": [_("该用户名已被使用")]}) from exc
    return user, password


def user_deactivate(*, actor, user: User, reason: str = "") -> User:
    _require_manageable(actor, AccessPerm.MANAGE_USERS, user)
    with transaction.atomic():
        if not user.is_active:
            return user
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
        audit.record(actor=actor, verb="access.user.deactivate", target=user,
                     org_path=selectors.user_home_path(user), changes={"is_active": [True, False]}, reason=reason)
    return user


def user_reset_password(*, actor, user: User) -> str:
    """A new temporary password (returned once) that the owner must change at the next login. Existing
    sessions of the account end, because the session hash depends on the password."""
    _require_manageable(actor, AccessPerm.MANAGE_USERS, user)
    if not user.is_active:
        raise DomainError(_("账户已停用"), code=AccessErrors.USER_INACTIVE)
    password = temporary_password()
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = None
        user.save(update_fields=["password", "password_changed_at"])
        ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)  # the old password's tokens go too
        audit.record(actor=actor, verb="access.user.reset_password", target=user,
                     org_path=selectors.user_home_path(user))
    return password


def user_unlock(*, actor, user: User) -> User:
    """The security administrator lifts a lockout before the 30 minutes are over (SECURITY.md A2). This gives
    nobody access to the account, so it also serves the system and audit administrators."""
    _require_manageable(actor, AccessPerm.MANAGE_GRANTS, user, whole_account=False)
    with transaction.atomic():
        before = user.locked_until
        User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=0)
        user.locked_until, user.failed_logins = None, 0
        audit.record(actor=actor, verb="access.user.unlock", target=user, org_path=selectors.user_home_path(user),
                     changes={"locked_until": [before.isoformat() if before else None, None]})
    return user


def user_create_operator(*, username: str, password: str, role: str | None = None, org=None,
                         display_name: str = "", must_change: bool = True) -> User:
    """For operators (`manage.py create_user`): no actor, so no scope check; still validated and audited."""
    username = _clean_username(username)
    if role and role not in Role.values:
        raise ValidationFailed({"role": [_("未知角色")]})
    if role and org is None:
        raise ValidationFailed({"org": [_("授予角色时必须指定组织")]})
    probe = User(username=username, display_name=display_name)
    probe._intended_admin = role in ADMIN_ROLES
    errors = _password_errors(password, probe)
    if errors:
        raise ValidationFailed({"password": errors})
    with transaction.atomic():
        user = User(username=username, display_name=(display_name or "")[:50])
        user.set_password(password)
        user.password_changed_at = None if must_change else timezone.now()
        user.save()
        audit.record(actor=None, actor_name=OPERATOR, verb="access.user.create", target=user,
                     org_path=org.path if org is not None else "",
                     changes={"username": [None, username], "org": [None, org.name if org else None]})
        if role:
            RoleGrant.objects.create(user=user, role=role, org=org)
            audit.record(actor=None, actor_name=OPERATOR, verb="access.grant.create", target=user,
                         org_path=org.path, changes={"role": [None, _role_label(role)], "org": [None, org.name]})
    return user


# --- role grants -----------------------------------------------------------------------------------------------

def _role_label(role: str) -> str:
    return str(Role(role).label)


def grant_create(*, actor, user: User, role: str, org, valid_to: dt.date | None = None) -> RoleGrant:
    """The security administrator grants a role at an organization of their subtree (covering its subtree)."""
    require(actor, AccessPerm.MANAGE_GRANTS, org)
    if user.pk == actor.pk:
        raise SelfAdministration()
    if not selectors.users_visible_to(actor, AccessPerm.MANAGE_GRANTS).filter(pk=user.pk).exists():
        raise NotFoundOrForbidden()
    if role not in Role.values:
        raise ValidationFailed({"role": [_("未知角色")]})
    if not org.is_active:
        raise DomainError(_("该组织已撤销，不能在其上授权"), field="org", code=AccessErrors.ORG_INACTIVE)
    today = timezone.localdate()
    if valid_to is not None and valid_to < today:
        raise ValidationFailed({"valid_to": [_("失效日期不能早于今天")]})
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)  # serializes concurrent grants to one user
            if not locked.is_active:
                raise DomainError(_("账户已停用"), code=AccessErrors.USER_INACTIVE)
            # 三权分立: an administrator of one of the three kinds holds no other role at all (no member data,
            # no second administrator role), and nobody with another role becomes one of them.
            held = set(RoleGrant.objects.filter(user=locked).exclude(role=role).values_list("role", flat=True))
            if (role in SEPARATED_ADMIN_ROLES and held) or (held & SEPARATED_ADMIN_ROLES):
                raise DomainError(
                    _("系统管理员、安全管理员、审计管理员不得兼任其他角色（三权分立）"),
                    field="role", code=AccessErrors.SEPARATION,
                )
            first_admin_role = role in ADMIN_ROLES and not RoleGrant.objects.filter(
                user=locked, role__in=list(ADMIN_ROLES)).exists()
            grant = RoleGrant.objects.create(user=locked, role=role, org=org, valid_from=today, valid_to=valid_to,
                                             granted_by=actor)
            if first_admin_role:
                # An administrator needs a 12-character password (SECURITY.md A1): change it at the next login.
                User.objects.filter(pk=locked.pk).update(password_changed_at=None)
            audit.record(actor=actor, verb="access.grant.create", target=locked, org_path=org.path,
                         changes={"grant": [None, grant.pk], "role": [None, _role_label(role)], "org": [None, org.name],
                                  "valid_to": [None, valid_to.isoformat() if valid_to else None]})
    except IntegrityError as exc:
        raise DomainError(_("该用户在此组织已有这一角色"), field="role", code=AccessErrors.GRANT_DUPLICATE) from exc
    forget_grants(user)
    return grant


def grant_revoke(*, actor, grant: RoleGrant) -> None:
    require(actor, AccessPerm.MANAGE_GRANTS, grant.org)
    if grant.user_id == actor.pk:
        raise SelfAdministration()
    with transaction.atomic():
        user, org, role, pk = grant.user, grant.org, grant.role, grant.pk
        grant.delete()
        audit.record(actor=actor, verb="access.grant.revoke", target=user, org_path=org.path,
                     changes={"grant": [pk, None], "role": [_role_label(role), None], "org": [org.name, None]})
    forget_grants(user)


# The names used in the design brief.
grant_role = grant_create
revoke_grant = grant_revoke


# --- API tokens ------------------------------------------------------------------------------------------------

def api_token_create(*, actor, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """A token for the actor's own use. The key is returned once; only its SHA-256 is stored."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionRefused()
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("请填写令牌名称")]})
    if days not in TOKEN_LIFETIMES_DAYS:
        raise ValidationFailed({"days": [_("有效期不在可选范围内")]})
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(user=actor, name=name[:100], key_hash=ApiToken.hash_key(key), prefix=key[:8],
                                        expires_at=timezone.now() + dt.timedelta(days=days))
        audit.record(actor=actor, verb="access.token.create", target=token,
                     target_label=f"{token.name} ({token.prefix}…)",
                     changes={"expires_at": [None, token.expires_at.isoformat()]})
    return token, key


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if actor is None or not actor.is_authenticated or token.user_id != actor.pk:
        raise NotFoundOrForbidden()
    with transaction.atomic():
        if token.revoked:
            return token
        token.revoked = True
        token.save(update_fields=["revoked"])
        audit.record(actor=actor, verb="access.token.revoke", target=token,
                     target_label=f"{token.name} ({token.prefix}…)")
    return token


# --- operators' jobs -------------------------------------------------------------------------------------------

def accounts_disable_inactive(*, days: int = 90, now: dt.datetime | None = None) -> list[str]:
    """SECURITY.md A5: accounts unused for `days` days are deactivated (run from cron via audit_accounts)."""
    disabled = []
    for user in selectors.accounts_inactive(days, now):
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_active=False)
            ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
            audit.record(actor=None, actor_name=OPERATOR, verb="access.user.deactivate", target=user,
                         org_path=selectors.user_home_path(user), changes={"is_active": [True, False]},
                         reason=f"inactive ≥{days} days")
        disabled.append(user.username)
    return disabled


# --- the audit log ---------------------------------------------------------------------------------------------

def audit_query_record(*, actor, filters: dict) -> None:
    """Reading the audit log is itself audited (SECURITY.md C1)."""
    require_any = orgs_for(actor, AccessPerm.VIEW_AUDIT)
    if not require_any:
        raise PermissionRefused()
    described = {key: str(value) for key, value in filters.items() if value not in (None, "")}
    with transaction.atomic():
        audit.record(actor=actor, verb="access.audit.query", org_path=require_any[0],
                     changes={key: [None, value] for key, value in described.items()})
