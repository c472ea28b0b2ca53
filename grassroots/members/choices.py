from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


class MemberState(models.TextChoices):
    ACTIVE = "active", _("在册")
    LEFT = "left", _("已出党/转出")
    SUSPENDED = "suspended", _("停止党籍")  # 党员教育管理工作条例 第二十四条: on record, counted apart


class ExitKind(models.TextChoices):
    DEATH = "death", _("死亡")
    WITHDRAWAL = "withdrawal", _("退党")
    ADVISED_WITHDRAWAL = "advised_withdrawal", _("劝退")
    REMOVAL = "removal", _("除名")
    EXPULSION = "expulsion", _("开除党籍")
    TRANSFER_OUT = "transfer_out", _("转出本系统")
    PROBATION_CANCELLED = "probation_cancelled", _("取消预备党员资格")  # 发展党员工作细则 第三十五条


class Education(models.TextChoices):
    """学历 as the Party statistics count it."""

    DOCTORATE = "doctorate", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中专")
    HIGH_SCHOOL = "high_school", _("高中")
    JUNIOR_HIGH = "junior_high", _("初中")
    PRIMARY = "primary", _("小学及以下")


class Occupation(models.TextChoices):
    """职业 categories of the Party statistics (党内统计公报)."""

    WORKER = "worker", _("工人")
    FARMER = "farmer", _("农牧渔民")
    ENTERPRISE_MANAGER = "enterprise_manager", _("企事业单位管理人员")
    PROFESSIONAL = "professional", _("专业技术人员")
    OFFICIAL = "official", _("党政机关工作人员")
    STUDENT = "student", _("学生")
    MILITARY = "military", _("军人、武警")
    RETIRED = "retired", _("离退休人员")
    OTHER = "other", _("其他职业人员")


class Post(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION_OFFICER = "organization_officer", _("组织委员")
    PUBLICITY_OFFICER = "publicity_officer", _("宣传委员")
    DISCIPLINE_OFFICER = "discipline_officer", _("纪检委员")
    COMMITTEE_MEMBER = "committee_member", _("委员")
    GROUP_LEADER = "group_leader", _("党小组组长")


COMMITTEE_POSTS = frozenset(
    {Post.SECRETARY, Post.DEPUTY_SECRETARY, Post.ORGANIZATION_OFFICER, Post.PUBLICITY_OFFICER,
     Post.DISCIPLINE_OFFICER, Post.COMMITTEE_MEMBER}
)


class AgeBand(models.TextChoices):
    UP_TO_35 = "le35", _("35岁及以下")
    FROM_36_TO_45 = "36_45", _("36–45岁")
    FROM_46_TO_60 = "46_60", _("46–60岁")
    OVER_60 = "gt60", _("60岁以上")


ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族",
    "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族",
    "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族",
    "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族",
    "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族",
    "门巴族", "珞巴族", "基诺族",
]
assert len(ETHNICITIES) == 56
Ethnicity = models.TextChoices("Ethnicity", [(name, name) for name in ETHNICITIES])
