from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.core.models import BaseModel
from grassroots.core.paths import PathField
from grassroots.members.choices import (
    Education,
    Ethnicity,
    ExitKind,
    Gender,
    MemberState,
    MemberStatus,
    Occupation,
    Post,
)
from grassroots.members.permissions import MemberPerm


class MemberQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(state=MemberState.ACTIVE)


class Member(BaseModel):
    """花名册 entry. Personal identifiers are stored encrypted (SM4-GCM) with an HMAC-SM3 blind index for
    lookup and uniqueness, plus a masked copy for lists. Members are never deleted."""

    scope_field = "org_path"
    scope_self_field = "user"
    scope_self_perms = {MemberPerm.VIEW: MemberPerm.VIEW_SELF}

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name=_("所在党组织"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    tenant = models.CharField(_("县级单位"), max_length=8, editable=False, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="member",
        verbose_name=_("登录账户"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=10, choices=Ethnicity.choices, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("公民身份号码"), max_length=18, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    address_enc = models.TextField(blank=True, editable=False)
    address_masked = models.CharField(_("家庭住址"), max_length=20, blank=True, editable=False)
    education = models.CharField(_("学历"), max_length=24, choices=Education.choices)
    occupation = models.CharField(_("工作岗位"), max_length=24, choices=Occupation.choices)
    joined_on = models.DateField(_("入党日期"))
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    status = models.CharField(_("党员类别"), max_length=16, choices=MemberStatus.choices)
    party_group = models.ForeignKey(
        "orgs.PartyGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name=_("党小组")
    )
    posts = models.JSONField(_("党内职务"), default=list, blank=True)
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    is_unreachable = models.BooleanField(_("失联党员"), default=False)
    unreachable_since = models.DateField(_("失联起始日期"), null=True, blank=True)
    household_plaque = models.BooleanField(_("共产党员户"), default=False)
    household_hub = models.BooleanField(_("党员中心户"), default=False)
    notes = models.TextField(_("备注"), blank=True)
    state = models.CharField(_("在册状态"), max_length=10, choices=MemberState.choices, default=MemberState.ACTIVE)
    left_on = models.DateField(_("出党/转出日期"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [
            models.Index(fields=["org_path", "id"], name="member_org_path_idx"),
            models.Index(fields=["org", "state", "status"], name="member_org_state_idx"),
            models.Index(fields=["name_initials"], name="member_initials_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="member_name_idx", opclasses=["varchar_pattern_ops"]),
            # The lifecycle lists (mobile, unreachable, suspended) over a subtree: small partial ranges.
            models.Index(fields=["org_path", "id"], condition=models.Q(is_mobile=True), name="member_mobile_idx"),
            models.Index(fields=["org_path", "id"], condition=models.Q(is_unreachable=True),
                         name="member_unreachable_idx"),
            models.Index(fields=["org_path", "id"], condition=models.Q(state="suspended"), name="member_suspended_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="probationary") | models.Q(confirmed_on__isnull=False),
                name="member_full_has_confirmation",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=("active", "suspended"), left_on__isnull=True)
                | models.Q(state="left", left_on__isnull=False),
                name="member_left_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def post_labels(self) -> list[str]:
        labels = dict(Post.choices)
        return [str(labels.get(p, p)) for p in self.posts]


class MemberExit(models.Model):
    """Leaving the roster is a dated event with its reason; the member record stays readable."""

    scope_field = "member__org_path"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="exits")
    kind = models.CharField(_("出党方式"), max_length=24, choices=ExitKind.choices)
    occurred_on = models.DateField(_("日期"))
    reason = models.CharField(_("原因"), max_length=500)
    decided_by = models.CharField(_("决定机关/会议"), max_length=200, blank=True)
    meeting_on = models.DateField(_("会议日期"), null=True, blank=True)
    approved_by_org = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("批准机关")
    )
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("批准人"))
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("原所在党组织"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("出党记录")
        verbose_name_plural = _("出党记录")

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.occurred_on}"
