from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("系统内转接")
    OUTBOUND = "outbound", _("转出本系统（介绍信）")
    INBOUND = "inbound", _("从系统外转入（介绍信）")
    DIRECT = "direct", _("直接调整")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤回")
    CLOSED = "closed", _("已回执")
    COMPLETED = "completed", _("已完成")


class TransferSource(models.TextChoices):
    MANUAL = "manual", _("手工")
    IMPORT = "import", _("表格导入")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    MESSAGE = "message", _("短信/微信")
    VISIT = "visit", _("上门走访")
    RELATIVES = "relatives", _("询问亲属")
    EMPLOYER = "employer", _("联系工作单位")
    HOST_ORG = "host_org", _("联系流入地党组织")
    OTHER = "other", _("其他")


class DecisionKind(models.TextChoices):
    SUSPENSION = "suspension", _("停止党籍")
    RESTORATION = "restoration", _("恢复党籍")
    DEATH = "death", _("死亡")
    WITHDRAWAL = "withdrawal", _("退党")
    ADVISED_WITHDRAWAL = "advised_withdrawal", _("劝退")
    REMOVAL = "removal", _("除名")
    EXPULSION = "expulsion", _("开除党籍")


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("待上级批准")
    APPROVED = "approved", _("已批准生效")
    REJECTED = "rejected", _("未批准")


class ReviewOutcomeKind(models.TextChoices):
    JUSTIFIED = "justified", _("有正当理由，不作处置")
    EDUCATED = "educated", _("批评教育，限期改正")
    ADVISED = "advised", _("劝其退党")
    REMOVAL = "removal", _("按自行脱党除名")
