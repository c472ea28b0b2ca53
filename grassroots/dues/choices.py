from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """Member categories of the 2008 rules (RULES.md §1, 第二条 to 第六条)."""

    ON_THE_JOB = "on_job", _("在职（按月领取工资）")
    ANNUAL_SALARY = "annual_salary", _("年薪制人员")
    SELF_EMPLOYED = "self_employed", _("个体经营等不按月取得收入")
    RETIRED = "retired", _("离退休")
    FARMER = "farmer", _("农民")
    STUDENT = "student", _("学生")
    UNEMPLOYED = "unemployed", _("下岗失业")
    RELIEF = "relief", _("依靠抚恤、救济或领取低保")


class BandKind(models.TextChoices):
    RATE = "rate", _("按基数比例")
    FIXED = "fixed", _("固定金额")
    DECLARED = "declared", _("支部确定的固定金额（限额内）")


class ReductionKind(models.TextChoices):
    REDUCE = "reduce", _("少交")
    WAIVE = "waive", _("免交")


class ReductionState(models.TextChoices):
    PENDING = "pending", _("待上级党委批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class PayerKind(models.TextChoices):
    SELF = "self", _("本人")
    RELATIVE = "relative", _("亲属代交")
    MEMBER = "member", _("其他党员代交")


class PayMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("银行转账")
    ONLINE = "online", _("网上交纳")


class RunState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class RemittanceState(models.TextChoices):
    SUBMITTED = "submitted", _("待上级批准")
    APPROVED = "approved", _("已批准上缴")
