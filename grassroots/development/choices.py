from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The five stages of 发展党员 (RULES.md §3), plus full membership and a closed file."""

    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")
    CLOSED = "closed", _("已终止")


OPEN_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)


class NoticeStage(models.TextChoices):
    ACTIVIST = "activist", _("入党积极分子公示")
    CANDIDATE = "candidate", _("发展对象公示")
    ADMISSION = "admission", _("拟接收预备党员公示")
    CONFIRMATION = "confirmation", _("预备党员转正公示")


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", _("公示中/已公示")
    WITHDRAWN = "withdrawn", _("已撤回")


class VoteKind(models.TextChoices):
    ADMISSION = "admission", _("接收预备党员")
    CONFIRMATION = "confirmation", _("预备党员转正")


class VoteOutcome(models.TextChoices):
    PASSED = "passed", _("通过")
    REJECTED = "rejected", _("未通过")
    INVALID = "invalid", _("表决无效（到会人数不足）")


class ClosedReason(models.TextChoices):
    PROBATION_CANCELLED = "probation_cancelled", _("取消预备党员资格")
    WITHDRAWN = "withdrawn", _("本人撤回申请或不再列为培养对象")


class SuspensionKind(models.TextChoices):
    PROBATION_DISCIPLINE = "probation_discipline", _("受留党察看处分，尚未恢复党员权利")
    DETAINED = "detained", _("被依法留置、逮捕，中止表决权")


class ReviewResult(models.TextChoices):
    QUALIFIED = "qualified", _("合格")
    UNQUALIFIED = "unqualified", _("不合格")


class RecommendationMethod(models.TextChoices):
    MEMBER = "member", _("党员推荐")
    MASS_ORG = "mass_org", _("群团组织推优")
    BOTH = "both", _("党员推荐和群团组织推优")
