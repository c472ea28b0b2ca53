import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.access.roles import Role


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def is_locked(self, now=None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class RoleGrant(models.Model):
    """A role held at an organization; it covers the organization's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="grants", verbose_name=_("组织"))
    valid_from = models.DateField(_("生效日期"), default=timezone.localdate)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [models.UniqueConstraint(fields=["user", "role", "org"], name="grant_unique_user_role_org")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.org_id}"


class ApiToken(models.Model):
    """Bearer tokens for the API. Only a SHA-256 of the token is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "gr_" + secrets.token_urlsafe(32)
