from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.core.paths import PathField


class BaseModel(models.Model):
    """Timestamps, creator and an optimistic-lock version for every domain record."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")


class AuditEvent(models.Model):
    """Append-only log of every write, reveal, export, login and privilege change (SECURITY.md C1).

    Database triggers (migration 0002) refuse UPDATE and DELETE on both SQLite and PostgreSQL.
    """

    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_roles = models.CharField(_("角色"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("来源IP"), null=True, blank=True)
    verb = models.CharField(_("事件"), max_length=80, db_index=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS)
    target_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    target_id = models.BigIntegerField(_("对象ID"), null=True, blank=True)
    target_label = models.CharField(_("对象"), max_length=200, blank=True)
    org_path = PathField(_("组织路径"), max_length=255, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    reason = models.CharField(_("事由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [
            models.Index(fields=["target_type", "target_id", "-id"], name="audit_target_idx"),
            models.Index(fields=["org_path", "id"], name="audit_org_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_name} {self.verb}"
