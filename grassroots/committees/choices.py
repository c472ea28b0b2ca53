from django.db import models
from django.utils.translation import gettext_lazy as _


class ElectionStage(models.TextChoices):
    DRAFT = "draft", _("筹备")
    PLAN_SUBMITTED = "plan_submitted", _("方案已报批")
    PLAN_APPROVED = "plan_approved", _("方案已批准（推荐提名）")
    CANDIDATES_SET = "candidates_set", _("候选人已确定")
    VOTED = "voted", _("已选举")
    RESULT_SUBMITTED = "result_submitted", _("结果已报批")
    RESULT_APPROVED = "result_approved", _("结果已批准")
    FILED = "filed", _("已备案")


class ElectionMethod(models.TextChoices):
    TWO_RECOMMEND = "two_recommend", _("两推一选")
    PUBLIC_DIRECT = "public_direct", _("公推直选")
    MEETING = "meeting", _("党员大会直接选举")


class MajorityBase(models.TextChoices):
    EXPECTED = "expected", _("应到会有选举权人数")
    PRESENT = "present", _("实到会有选举权人数")


class ExclusionReason(models.TextChoices):
    """不计入应到会人数的情形 (RULES.md §5, 中组部; 须上级同意并经党员大会通过)."""

    MENTAL = "mental", _("患有精神疾病或因智力障碍不能表达本人意志")
    ABROAD = "abroad", _("自费出国半年以上")
    SERVING_SENTENCE = "serving_sentence", _("正在服刑")
    INFIRM = "infirm", _("年老体弱卧床不起或长期生病生活不能自理")
    AWAY = "away", _("工作调动、下派、外出学习或工作半年以上，应转未转组织关系")


class TermChangeKind(models.TextChoices):
    POSTPONE = "postpone", _("延期换届")
    ADVANCE = "advance", _("提前换届")


class PostEndReason(models.TextChoices):
    TERM_CHANGE = "term_change", _("换届")
    RESIGNED = "resigned", _("辞职")
    REMOVED = "removed", _("免职")
    TRANSFERRED = "transferred", _("调离")
    OTHER = "other", _("其他")


class CadreStatus(models.TextChoices):
    CANDIDATE = "candidate", _("储备中")
    TRAINING = "training", _("培养中")
    PROMOTED = "promoted", _("已使用（进入村两委）")
    REMOVED = "removed", _("已调整出库")
