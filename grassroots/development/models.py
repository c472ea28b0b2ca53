from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.core.models import BaseModel
from grassroots.core.paths import PathField
from grassroots.development.choices import (
    ClosedReason,
    NoticeStage,
    NoticeStatus,
    Stage,
    SuspensionKind,
    VoteKind,
    VoteOutcome,
)
from grassroots.development.rules import STEP_CHOICES
from grassroots.members.choices import Education, Ethnicity, Gender, Occupation


class Applicant(BaseModel):
    """A person in the development pipeline (入党申请人 → 积极分子 → 发展对象 → 预备党员 → 正式党员). Not a member
    until admitted; then linked to the Member record. Identifiers are encrypted as for members."""

    scope_field = "org_path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党支部"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    tenant = models.CharField(_("县级单位"), max_length=8, editable=False, db_index=True)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=10, choices=Ethnicity.choices, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    address_enc = models.TextField(blank=True, editable=False)
    address_masked = models.CharField(_("家庭住址"), max_length=20, blank=True, editable=False)
    education = models.CharField(_("学历"), max_length=24, choices=Education.choices)
    occupation = models.CharField(_("工作岗位"), max_length=24, choices=Occupation.choices)
    stage = models.CharField(_("所处阶段"), max_length=16, choices=Stage.choices, default=Stage.APPLICANT)
    applied_on = models.DateField(_("递交入党申请书日期"))
    activist_on = models.DateField(_("确定为入党积极分子日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True)
    admitted_on = models.DateField(_("支部大会接收日期"), null=True, blank=True)
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("延长预备期次数"), default=0)
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    closed_reason = models.CharField(_("终止原因"), max_length=24, choices=ClosedReason.choices, blank=True)
    closed_on = models.DateField(_("终止日期"), null=True, blank=True)
    member = models.OneToOneField("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="development", verbose_name=_("党员档案"))
    next_step = models.CharField(_("下一步"), max_length=32, choices=STEP_CHOICES, blank=True)
    next_due_on = models.DateField(_("下一步日期"), null=True, blank=True)
    next_due_deadline = models.BooleanField(_("是否时限"), default=False)
    notes = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展党员档案")
        verbose_name_plural = _("发展党员档案")
        indexes = [
            models.Index(fields=["org_path", "id"], name="dev_applicant_path_idx"),
            models.Index(fields=["org_path", "stage"], name="dev_applicant_stage_idx"),
            models.Index(fields=["next_due_on", "org_path"], name="dev_applicant_due_idx"),
            models.Index(fields=["admitted_on", "org_path"], name="dev_applicant_admitted_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~Q(stage="closed"),
                                    name="dev_applicant_one_open_file"),
        ]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """One of the 25 steps, as done: its date, who did it, its evidence. A finding that blocks (a failed
    political review) is kept with completed=False."""

    scope_field = "org_path"

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="steps")
    org_path = PathField(max_length=255, editable=False)
    code = models.CharField(_("步骤"), max_length=32, choices=STEP_CHOICES)
    number = models.PositiveSmallIntegerField(_("序号"))
    occurred_on = models.DateField(_("日期"))
    done_by = models.CharField(_("经办人"), max_length=200, blank=True)
    evidence = models.JSONField(_("材料"), default=dict, blank=True)
    completed = models.BooleanField(_("已完成"), default=True)
    late = models.BooleanField(_("超时办理"), default=False)
    late_note = models.CharField(_("超时说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        indexes = [models.Index(fields=["applicant", "number"], name="dev_step_applicant_idx")]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.code} {self.occurred_on}"


class Vote(models.Model):
    """A 支部大会 vote on admission or confirmation, with the roster it was computed from."""

    scope_field = "org_path"

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="votes")
    org_path = PathField(max_length=255, editable=False)
    kind = models.CharField(_("表决事项"), max_length=16, choices=VoteKind.choices)
    meeting_on = models.DateField(_("支部大会日期"))
    roster_full = models.PositiveIntegerField(_("本支部正式党员数"))
    exclusions = models.JSONField(_("不计入应到会人数"), default=list, blank=True)
    eligible = models.PositiveIntegerField(_("应到会有表决权人数"))
    present = models.PositiveIntegerField(_("实到会有表决权人数"))
    yes = models.PositiveIntegerField(_("赞成"))
    no = models.PositiveIntegerField(_("反对"))
    abstain = models.PositiveIntegerField(_("弃权"))
    written_yes = models.PositiveIntegerField(_("书面意见赞成"), default=0)
    written_no = models.PositiveIntegerField(_("书面意见反对"), default=0)
    written_abstain = models.PositiveIntegerField(_("书面意见弃权"), default=0)
    outcome = models.CharField(_("结果"), max_length=10, choices=VoteOutcome.choices)
    explanation = models.TextField(_("说明"))
    step = models.OneToOneField(Step, null=True, blank=True, on_delete=models.PROTECT, related_name="vote")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("支部大会表决")
        verbose_name_plural = _("支部大会表决")

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.kind} {self.meeting_on} {self.outcome}"


class Notice(models.Model):
    """A public notice (公示). The public page shows only name, branch, stage and dates, copied here at publication."""

    scope_field = "org_path"

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="notices")
    org_path = PathField(max_length=255, editable=False)
    stage = models.CharField(_("公示事项"), max_length=16, choices=NoticeStage.choices)
    public_name = models.CharField(_("姓名"), max_length=50)
    public_org = models.CharField(_("党支部"), max_length=120)
    published_on = models.DateField(_("公示开始日期"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    ends_on = models.DateField(_("公示截止日期"))
    contact = models.CharField(_("意见受理方式"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        indexes = [models.Index(fields=["org_path", "published_on"], name="dev_notice_path_idx")]

    def __str__(self) -> str:
        return f"{self.public_name} {self.stage} {self.published_on}"


class Objection(models.Model):
    """An objection received during a notice; it blocks the next step until resolved."""

    scope_field = "org_path"

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    org_path = PathField(max_length=255, editable=False)
    received_on = models.DateField(_("收到日期"))
    summary = models.TextField(_("异议内容"))
    resolved_on = models.DateField(_("处理日期"), null=True, blank=True)
    resolution = models.TextField(_("核查处理结果"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.notice_id} {self.received_on}"


class RightsSuspension(models.Model):
    """A member whose rights are suspended (停止党员权利: 受留党察看处分, or 留置/逮捕): no vote, cannot be a sponsor.
    Current while `ends_on` is empty or later than today; ended by a dated record with its decision (`end_ref`)."""

    scope_field = "org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    org_path = PathField(max_length=255, editable=False)
    kind = models.CharField(_("类别"), max_length=24, choices=SuspensionKind.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("恢复权利日期"), null=True, blank=True)
    reason = models.CharField(_("依据/决定文号"), max_length=300)
    end_ref = models.CharField(_("恢复权利的决定文号或依据"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员权利中止")
        verbose_name_plural = _("党员权利中止")
        indexes = [models.Index(fields=["org_path", "id"], name="dev_suspension_path_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.starts_on}"


class AdmissionPlan(BaseModel):
    """The yearly plan of admissions (发展党员计划) for an organization's subtree."""

    scope_field = "org_path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织"))
    org_path = PathField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    planned = models.PositiveIntegerField(_("计划发展人数"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展党员计划")
        verbose_name_plural = _("发展党员计划")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="dev_plan_one_per_year")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.year} {self.planned}"
