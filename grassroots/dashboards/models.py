from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.core.paths import PathField


class OrgRollup(models.Model):
    """Pre-summed figures for an organization's whole subtree: a dashboard reads its own row and its
    children's rows, so its cost grows with the number of children, not of members (PERFORMANCE.md)."""

    scope_field = "path"

    org = models.OneToOneField("orgs.Organization", on_delete=models.CASCADE, primary_key=True, related_name="rollup")
    path = PathField(max_length=255)
    tenant = models.CharField(max_length=8, db_index=True)
    members_total = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织汇总")
        indexes = [models.Index(fields=["path"], name="rollup_path_idx")]

    def __str__(self) -> str:
        return f"{self.path}: {self.members_total}"


class OrgWarning(models.Model):
    """A rule warning found for one organization by the last rebuild, for subtree lists."""

    scope_field = "path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="warnings")
    path = PathField(max_length=255)
    tenant = models.CharField(max_length=8, db_index=True)
    code = models.CharField(max_length=40)
    level = models.CharField(max_length=10)
    message = models.CharField(max_length=300)
    source = models.CharField(max_length=200)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("规则提示")
        indexes = [models.Index(fields=["path", "id"], name="warning_path_idx")]

    def __str__(self) -> str:
        return f"{self.path} {self.code}"


class RollupState(models.Model):
    """Per county: when its figures went stale and when they were last rebuilt (coalesces rebuilds)."""

    tenant = models.CharField(max_length=8, primary_key=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.tenant} built {self.built_at}"
