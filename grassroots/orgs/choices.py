from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")


class OrgSector(models.TextChoices):
    COUNTY_COMMITTEE = "county_committee", _("县（市、区）委")
    COUNTY_AGENCY = "county_agency", _("县直机关单位")
    TOWNSHIP = "township", _("乡镇（街道）")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    PRIVATE_ENTERPRISE = "private_enterprise", _("非公企业")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医院")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    RETIREES = "retirees", _("离退休")
    OTHER = "other", _("其他")


class OrgForm(models.TextChoices):
    REGULAR = "regular", _("单独组建")
    JOINT = "joint", _("联合组建")
    MOBILE = "mobile", _("流动党员党支部")
    ONLINE = "online", _("网络党支部")
    PROJECT = "project", _("项目党支部")
    TEMPORARY = "temporary", _("临时党支部")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DISSOLVED = "dissolved", _("已撤销")


# Sectors whose branch committees serve 5-year terms (支部工作条例 第二十一条; 农村基层组织工作条例).
VILLAGE_SECTORS = frozenset({OrgSector.VILLAGE, OrgSector.COMMUNITY})
