from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    MEMBERS = "members", _("党员花名册")
    ORGS = "orgs", _("党组织名册")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    ANALYZING = "analyzing", _("解析校验中")
    PREVIEW = "preview", _("待确认")
    COMMITTING = "committing", _("写入中")
    COMMITTED = "committed", _("已导入")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


RUNNING_STATES = frozenset({JobState.QUEUED, JobState.ANALYZING, JobState.COMMITTING})


class CommitMode(models.TextChoices):
    ALL = "all", _("全部导入（有错误行则不导入）")
    VALID_ONLY = "valid_only", _("只导入正确的行")


class RowOutcome(models.TextChoices):
    NEW = "new", _("新增")
    CHANGED = "changed", _("变更")
    UNCHANGED = "unchanged", _("无变化")
    REJECTED = "rejected", _("有错误")


class ExportKind(models.TextChoices):
    ROSTER = "roster", _("党员花名册")
    ORGS = "orgs", _("党组织名册")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    READY = "ready", _("可下载")
    FAILED = "failed", _("失败")
