from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.core.models import BaseModel
from grassroots.core.paths import PathField
from grassroots.spreadsheets.choices import CommitMode, ExportKind, ExportState, ImportKind, JobState, RowOutcome


class ImportJob(BaseModel):
    """One uploaded file and what became of it: parsed and checked in the background (progress rows_done /
    total_rows), previewed with counts, then committed in one transaction. The upload itself is kept outside
    the database (spreadsheets.storage) until the job is committed or cancelled; its SHA-256 stays."""

    scope_field = "org_path"

    kind = models.CharField(_("导入内容"), max_length=12, choices=ImportKind.choices)
    state = models.CharField(_("状态"), max_length=12, choices=JobState.choices, default=JobState.QUEUED)
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("导入到"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    file_format = models.CharField(_("文件格式"), max_length=8)
    stored_name = models.CharField(max_length=255, blank=True, editable=False)
    # The analysis' prepared rows, replayed by the commit (services.staging); the file's SHA-256.
    staged_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    include_hidden = models.BooleanField(_("允许隐藏工作表"), default=False)
    header_row = models.PositiveIntegerField(_("表头所在行"), null=True, blank=True)
    columns = models.JSONField(_("识别的列"), default=dict, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    count_new = models.PositiveIntegerField(_("新增"), default=0)
    count_changed = models.PositiveIntegerField(_("变更"), default=0)
    count_unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    count_rejected = models.PositiveIntegerField(_("有错误"), default=0)
    commit_mode = models.CharField(_("导入方式"), max_length=12, choices=CommitMode.choices, blank=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    written = models.JSONField(_("写入结果"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    report_name = models.CharField(max_length=255, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        indexes = [models.Index(fields=["org_path", "id"], name="import_job_org_path_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.state in (JobState.PREVIEW, JobState.COMMITTED) else 0
        return min(100, round(self.rows_done * 100 / self.total_rows))


class ImportRow(models.Model):
    """A row of the preview worth showing: a rejected row (row number, column, reason) or a changed record
    (old → new, personal fields masked). New and unchanged rows are only counted."""

    scope_field = "job__org_path"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("行号"))
    outcome = models.CharField(_("结果"), max_length=12, choices=RowOutcome.choices)
    label = models.CharField(_("姓名/名称"), max_length=120, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)  # [{"column": 表头, "message": 原因}]
    changes = models.JSONField(_("变更"), default=dict, blank=True)  # {field: [old, new]}, masked
    target_id = models.BigIntegerField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        indexes = [models.Index(fields=["job", "outcome", "row_number"], name="import_row_job_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.outcome}"


class ExportJob(BaseModel):
    """A large export run as a background task; the file is kept outside the database and downloaded by the
    user who asked for it."""

    scope_field = "org_path"

    kind = models.CharField(_("导出内容"), max_length=12, choices=ExportKind.choices)
    state = models.CharField(_("状态"), max_length=12, choices=ExportState.choices, default=ExportState.QUEUED)
    org_path = PathField(_("组织路径"), max_length=255, blank=True)
    params = models.JSONField(_("条件"), default=dict, blank=True)
    reveal = models.BooleanField(_("含完整个人信息"), default=False)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    stored_name = models.CharField(max_length=255, blank=True, editable=False)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
