"""Transfers (in the system, and letters to or from outside it), mobile members' whereabouts, contact attempts,
decisions on a member's standing, and self-withdrawal review outcomes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet, orgs_for, path_filter
from grassroots.core.models import BaseModel
from grassroots.core.paths import PathField
from grassroots.lifecycle.choices import (
    ContactMethod,
    DecisionKind,
    DecisionStatus,
    ReviewOutcomeKind,
    TransferKind,
    TransferSource,
    TransferStatus,
)


def _receiving_side(actor, perm):
    """The receiving organization's users see the transfer row (never the member's full record)."""
    return path_filter("to_path", orgs_for(actor, perm))


def _host_side(actor, perm):
    """The host organization of a mobile member sees the whereabouts row, to take them into its life."""
    return path_filter("host_path", orgs_for(actor, perm))


class Transfer(BaseModel):
    """组织关系转接. The member moves only on acceptance (or, for a letter out of the system, on the receipt);
    until then the sending organization remains responsible (党员教育管理工作条例 第二十五条)."""

    scope_field = "from_path"
    scope_extra = staticmethod(_receiving_side)

    kind = models.CharField(_("转接类别"), max_length=10, choices=TransferKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    source = models.CharField(_("来源"), max_length=8, choices=TransferSource.choices, default=TransferSource.MANUAL)
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="transfers", verbose_name=_("党员"))
    person_name = models.CharField(_("姓名"), max_length=50)
    from_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("转出党组织"))
    from_path = PathField(_("转出组织路径"), max_length=255, blank=True, editable=False)
    from_name = models.CharField(_("转出单位（系统外）"), max_length=120, blank=True)
    to_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("接收党组织"))
    to_path = PathField(_("接收组织路径"), max_length=255, blank=True, editable=False)
    to_name = models.CharField(_("去往单位（系统外）"), max_length=120, blank=True)
    issued_on = models.DateField(_("转出日期"))
    reason = models.CharField(_("转接原因"), max_length=300)
    dues_paid_through = models.CharField(_("党费交至"), max_length=7, blank=True)
    facts = models.JSONField(_("随转信息"), default=dict, blank=True)
    letter_no = models.CharField(_("介绍信编号"), max_length=40, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    certificate_ref = models.CharField(_("支部证明"), max_length=200, blank=True)
    renewed_on = models.DateField(_("重开日期"), null=True, blank=True)
    receipt_on = models.DateField(_("回执日期"), null=True, blank=True)
    receipt_ref = models.CharField(_("回执编号"), max_length=60, blank=True)
    decided_on = models.DateField(_("办结日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("办理人"))
    return_reason = models.CharField(_("退回/撤回原因"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        indexes = [
            models.Index(fields=["from_path", "status", "id"], name="transfer_from_idx"),
            models.Index(fields=["to_path", "status", "id"], name="transfer_to_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="pending"), name="transfer_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} {self.get_kind_display()}"

    @property
    def from_label(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_name

    @property
    def to_label(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_name


class Whereabouts(BaseModel):
    """A mobile member's stay away: where, with whom, since when, and the host organization holding their
    流动党员活动证 (they take part in its life and pay dues there, without a vote)."""

    scope_field = "member__org_path"
    scope_extra = staticmethod(_host_side)

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="whereabouts",
                               verbose_name=_("党员"))
    place = models.CharField(_("流入地"), max_length=120)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    left_on = models.DateField(_("外出日期"))
    returned_on = models.DateField(_("返回日期"), null=True, blank=True)
    fixed_place = models.BooleanField(_("地点相对固定"), default=True)
    contact_enc = models.TextField(blank=True, editable=False)
    contact_masked = models.CharField(_("外出联系方式"), max_length=40, blank=True, editable=False)
    host_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("流入地党组织"))
    host_path = PathField(_("流入地组织路径"), max_length=255, blank=True, editable=False)
    host_name = models.CharField(_("流入地党组织（系统外）"), max_length=120, blank=True)
    card_no = models.CharField(_("流动党员活动证编号"), max_length=40, blank=True)
    card_issued_on = models.DateField(_("活动证发放日期"), null=True, blank=True)
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员外出登记")
        verbose_name_plural = _("流动党员外出登记")
        indexes = [models.Index(fields=["host_path", "id"], name="whereabouts_host_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.place}"

    @property
    def host_label(self) -> str:
        return self.host_org.name if self.host_org_id else self.host_name


class ContactAttempt(models.Model):
    """One attempt to reach a member (a contact log entry), reached or not."""

    scope_field = "member__org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="contact_attempts",
                               verbose_name=_("党员"))
    on = models.DateField(_("联系日期"))
    method = models.CharField(_("联系方式"), max_length=10, choices=ContactMethod.choices)
    reached = models.BooleanField(_("取得联系"), default=False)
    note = models.CharField(_("情况"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        indexes = [models.Index(fields=["member", "on"], name="contact_member_on_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on} {self.method}"


class Decision(BaseModel):
    """A person's recorded decision on a member's standing: suspension, restoration, or an exit. The branch
    records it with its meeting; where the rules need it, the organization above approves before it takes
    effect. The system never decides."""

    scope_field = "org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="decisions",
                               verbose_name=_("党员"))
    kind = models.CharField(_("处置类别"), max_length=20, choices=DecisionKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED)
    occurred_on = models.DateField(_("决定日期"))
    reason = models.CharField(_("事实和理由"), max_length=500)
    meeting = models.CharField(_("决定会议"), max_length=200, blank=True)
    meeting_on = models.DateField(_("会议日期"), null=True, blank=True)
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("所在党组织"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    approved_by_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("批准机关"))
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("批准人"))
    approval_note = models.CharField(_("批准意见"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党籍处置决定")
        verbose_name_plural = _("党籍处置决定")
        indexes = [models.Index(fields=["org_path", "status", "id"], name="decision_path_idx")]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="proposed"), name="decision_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.get_kind_display()}"


class ReviewOutcome(models.Model):
    """The branch's recorded outcome of a self-withdrawal review (党章 第九条), with the grounds it reviewed."""

    scope_field = "org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="review_outcomes",
                               verbose_name=_("党员"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    grounds = models.JSONField(_("情形"), default=list)
    evidence = models.TextField(_("依据"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=ReviewOutcomeKind.choices)
    decided_on = models.DateField(_("处理日期"))
    meeting = models.CharField(_("会议"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("自行脱党审查结果")
        verbose_name_plural = _("自行脱党审查结果")
        indexes = [models.Index(fields=["org_path", "decided_on"], name="review_path_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.outcome}"


class WorkAssignment(BaseModel):
    """Work the branch assigned to a member (党所分配的工作, 党章 第九条): what, since when, until when, and whether
    it is done. Dated work reports show the member doing it; an assignment open 6 months without any report is
    listed for the self-withdrawal review (the "work" ground). Listing only: the branch decides."""

    scope_field = "org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="work_assignments",
                               verbose_name=_("党员"))
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("分配工作的党组织"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    title = models.CharField(_("工作任务"), max_length=120)
    description = models.TextField(_("任务说明"), blank=True)
    assigned_on = models.DateField(_("分配日期"))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    closing_note = models.CharField(_("完成情况"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员工作任务")
        verbose_name_plural = _("党员工作任务")
        indexes = [
            models.Index(fields=["org_path", "id"], name="work_path_idx"),
            models.Index(fields=["member", "assigned_on"], name="work_member_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("assigned_on")),
                                   name="work_ends_after_assigned"),
            models.CheckConstraint(condition=Q(done_on__isnull=True) | Q(done_on__gte=F("assigned_on")),
                                   name="work_done_after_assigned"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.done_on is None


class WorkReport(models.Model):
    """One dated entry of work done on an assignment (工作记录): the evidence that the member does the work."""

    scope_field = "org_path"

    assignment = models.ForeignKey(WorkAssignment, on_delete=models.PROTECT, related_name="reports",
                                   verbose_name=_("工作任务"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    on = models.DateField(_("日期"))
    note = models.CharField(_("完成的工作"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作记录")
        verbose_name_plural = _("工作记录")
        indexes = [models.Index(fields=["assignment", "on"], name="work_report_on_idx")]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.on}"
