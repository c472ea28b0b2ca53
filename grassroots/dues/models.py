"""Dues facts, kept apart from the member registry and keyed by member.

Rate schedules and their bands are immutable data (a change is a new schedule); every assessment stores the
schedule it used. Assessments are one row per member and month (unique), written set-based by
services.assessments_generate. Money columns are DECIMAL(12, 2) in yuan.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.core.models import BaseModel
from grassroots.core.paths import PathField
from grassroots.dues.choices import (
    BandKind,
    Category,
    PayerKind,
    PayMethod,
    ReductionKind,
    ReductionState,
    RemittanceState,
    RunState,
)
from grassroots.dues.permissions import DuesPerm

MONEY = {"max_digits": 12, "decimal_places": 2}


class RateSchedule(models.Model):
    """党费交纳标准: national (scope_path "") or a province's or county's own, from a date. Never edited once
    an assessment used it; the most specific scope, then the latest effective_from, applies to a month."""

    name = models.CharField(_("名称"), max_length=120)
    scope_path = PathField(_("适用范围（组织路径）"), max_length=255, blank=True, default="")
    effective_from = models.DateField(_("生效日期"))
    decision_ref = models.CharField(_("依据文件"), max_length=200)
    approved_by = models.CharField(_("批准机关"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("党费交纳标准")
        verbose_name_plural = _("党费交纳标准")
        constraints = [models.UniqueConstraint(fields=["scope_path", "effective_from"], name="dues_schedule_once")]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"


class RateBand(models.Model):
    schedule = models.ForeignKey(RateSchedule, on_delete=models.PROTECT, related_name="bands")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(_("党员类别"), max_length=16, choices=Category.choices)
    kind = models.CharField(_("计算方式"), max_length=10, choices=BandKind.choices)
    lower = models.DecimalField(_("基数下限（不含）"), null=True, blank=True, **MONEY)
    upper = models.DecimalField(_("基数上限（含）"), null=True, blank=True, **MONEY)
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    fixed = models.DecimalField(_("固定金额"), null=True, blank=True, **MONEY)
    fixed_min = models.DecimalField(_("最低金额"), null=True, blank=True, **MONEY)
    fixed_max = models.DecimalField(_("最高金额"), null=True, blank=True, **MONEY)
    source = models.CharField(_("依据条款"), max_length=120)

    class Meta:
        ordering = ["schedule", "position"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.get_kind_display()}"


class DuesMove(models.Model):
    """A member's move between organizations as dues see it (from lifecycle.member_transferred): the month's
    owing branch is the one the member belonged to on the 1st of the month."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    moved_on = models.DateField()
    from_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    from_org_path = PathField(max_length=255)
    to_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["moved_on", "member"], name="dues_move_on_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.moved_on}"


class Declaration(BaseModel):
    """党费基数申报: a member's category and base from a month on (第十条: the month the new pay is first
    received). Append-only: a new declaration supersedes the old one from its month."""

    scope_field = "member__org_path"
    scope_self_field = "member__user"
    scope_self_perms = {DuesPerm.VIEW: DuesPerm.VIEW_SELF}

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_declarations")
    effective_month = models.DateField(_("生效月份"))
    # The first month of the next declaration (exclusive), kept by services.declaration_insert, so a month's
    # declaration is a plain range filter for the set-based assessment (no window over all declarations).
    until_month = models.DateField(_("截止月份（不含）"), null=True, blank=True, editable=False)
    category = models.CharField(_("党员类别"), max_length=16, choices=Category.choices)
    base = models.DecimalField(_("计算基数（税后月收入）"), null=True, blank=True, **MONEY)
    fixed_amount = models.DecimalField(_("支部确定的每月金额"), null=True, blank=True, **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费基数申报")
        verbose_name_plural = _("党费基数申报")
        indexes = [models.Index(fields=["member", "effective_month"], name="dues_decl_member_idx")]


    def __str__(self) -> str:
        return f"{self.member_id} {self.effective_month:%Y-%m}"

class Reduction(BaseModel):
    """第七条: reduced or waived dues, studied by the branch and approved by the committee above."""

    scope_field = "member__org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_reductions")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党支部"))
    kind = models.CharField(_("方式"), max_length=8, choices=ReductionKind.choices)
    amount = models.DecimalField(_("每月交纳金额（少交时）"), null=True, blank=True, **MONEY)
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("截止月份"))
    reason = models.CharField(_("困难情况"), max_length=500)
    studied_on = models.DateField(_("支部研究日期"))
    state = models.CharField(_("状态"), max_length=10, choices=ReductionState.choices, default=ReductionState.PENDING)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    approved_by_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("批准党委"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    decision_ref = models.CharField(_("批准文号/会议"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("少交免交")
        verbose_name_plural = _("少交免交")
        constraints = [
            models.CheckConstraint(condition=models.Q(from_month__lte=models.F("to_month")), name="dues_red_period"),
            models.CheckConstraint(condition=models.Q(kind="waive") | models.Q(amount__isnull=False),
                                   name="dues_red_amount"),
        ]


    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}"

class QuarterlyConsent(BaseModel):
    """第十二条: with the branch's consent a member may pay once a quarter."""

    scope_field = "member__org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_quarterly")
    consented_on = models.DateField(_("支部同意日期"))
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("截止月份"), null=True, blank=True)
    reason = models.CharField(_("特殊情况"), max_length=300)

    objects = ScopedQuerySet.as_manager()


    def __str__(self) -> str:
        return f"{self.member_id} {self.from_month:%Y-%m}"

class AssessmentRun(models.Model):
    """One request to assess a month for a subtree, run by a task; its state is the progress shown."""

    scope_field = "org_path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(max_length=255)
    month = models.DateField(_("月份"))
    state = models.CharField(_("状态"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    created = models.PositiveIntegerField(_("新核定"), default=0)
    existing = models.PositiveIntegerField(_("已核定"), default=0)
    undeclared = models.PositiveIntegerField(_("未申报基数"), default=0)
    seconds = models.FloatField(default=0)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.org_path} {self.month:%Y-%m}"


class Payment(models.Model):
    """A payment and its receipt. Months paid point here from their assessments; extra is voluntary (第十一条)."""

    scope_field = "org_path"
    scope_self_field = "member__user"
    scope_self_perms = {DuesPerm.VIEW: DuesPerm.VIEW_SELF}

    idempotency_key = models.CharField(max_length=64, unique=True)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_payments")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("收缴党支部"))
    org_path = PathField(max_length=255)
    paid_on = models.DateField(_("交纳日期"))
    months_amount = models.DecimalField(_("应交党费"), **MONEY)
    extra_amount = models.DecimalField(_("自愿多交"), default=0, **MONEY)
    total = models.DecimalField(_("合计"), **MONEY)
    month_labels = models.CharField(_("所交月份"), max_length=400, blank=True)
    method = models.CharField(_("交纳方式"), max_length=10, choices=PayMethod.choices, default=PayMethod.CASH)
    payer_kind = models.CharField(_("交纳人"), max_length=10, choices=PayerKind.choices, default=PayerKind.SELF)
    payer_name = models.CharField(_("代交人姓名"), max_length=50, blank=True)
    payer_member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("代交党员"))
    quarterly = models.BooleanField(_("按季度交纳"), default=False)
    back_pay_reason = models.CharField(_("补交原因"), max_length=300, blank=True)
    centre_one_off = models.BooleanField(_("一次多交1000元以上，全额上缴中央"), default=False)
    collected_by_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("代收党组织（流入地）"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费交纳")
        verbose_name_plural = _("党费交纳")
        indexes = [
            models.Index(fields=["org_path", "paid_on"], name="dues_pay_path_idx"),
            models.Index(fields=["member", "paid_on"], name="dues_pay_member_idx"),
        ]

    def __str__(self) -> str:
        return self.receipt_no

    @property
    def receipt_no(self) -> str:
        return f"DF{self.paid_on:%Y}{self.pk:08d}"


class Assessment(models.Model):
    """One member's dues for one month, owed to one branch (org/org_path: the branch the member belonged to on
    the 1st of the month, 第九条). Written set-based; the foreign keys carry no database constraint so a month
    for a million members inserts without per-row trigger checks (the rows are copied from checked rows).
    On PostgreSQL the table is partitioned by month (partitions.py, migration 0004); the model is the same."""

    scope_field = "org_path"
    scope_self_field = "member__user"
    scope_self_perms = {DuesPerm.VIEW: DuesPerm.VIEW_SELF}

    member = models.ForeignKey("members.Member", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                               db_index=False)
    month = models.DateField(_("月份"))
    org = models.ForeignKey("orgs.Organization", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                            db_index=False)
    org_path = PathField(max_length=255)
    schedule = models.ForeignKey(RateSchedule, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                 db_index=False)
    run = models.ForeignKey(AssessmentRun, null=True, on_delete=models.DO_NOTHING, related_name="+",
                            db_constraint=False, db_index=False)
    category = models.CharField(max_length=16, choices=Category.choices)
    base = models.DecimalField(null=True, **MONEY)
    standard = models.DecimalField(_("按标准应交"), **MONEY)
    amount = models.DecimalField(_("应交"), **MONEY)
    reduction = models.ForeignKey(Reduction, null=True, on_delete=models.DO_NOTHING, related_name="+",
                                  db_constraint=False, db_index=False)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.DO_NOTHING, related_name="assessments",
                                db_constraint=False, db_index=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费核定")
        verbose_name_plural = _("党费核定")
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_assessment_once")]
        # month first: a run's anti-join and a month's reports read one month's range; subtrees are a range
        # on the second column within it.
        indexes = [models.Index(fields=["month", "org_path"], name="dues_assess_month_path_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m}"

    @property
    def settled(self) -> bool:
        return self.payment_id is not None or self.amount == 0


class Remittance(BaseModel):
    """第十五条: the year's 5% of dues paid, plus 第十一条 one-offs in full, remitted upward; approved above."""

    scope_field = "org_path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = PathField(max_length=255)
    year = models.PositiveSmallIntegerField(_("年度"))
    paid_total = models.DecimalField(_("实收党费"), **MONEY)
    share = models.DecimalField(_("按5%上缴"), **MONEY)
    centre_one_offs = models.DecimalField(_("一次多交1000元以上"), **MONEY)
    state = models.CharField(_("状态"), max_length=10, choices=RemittanceState.choices, default=RemittanceState.SUBMITTED)
    approved_on = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="dues_remittance_once")]

    def __str__(self) -> str:
        return f"{self.org_path} {self.year}"

    @property
    def total(self):
        return self.share + self.centre_one_offs
