"""Branch committees (dated posts), term changes, term elections through their stages, first secretaries with
their work logs, and reserve cadres. Every record is owned by an organization and scoped by its path."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.committees.choices import (
    CadreStatus,
    ElectionMethod,
    ElectionStage,
    ExclusionReason,
    MajorityBase,
    PostEndReason,
    TermChangeKind,
)
from grassroots.core.models import BaseModel
from grassroots.members.choices import Education, Gender, Post

COMMITTEE_POST_CHOICES = [(p.value, p.label) for p in Post if p != Post.GROUP_LEADER]
USER = settings.AUTH_USER_MODEL


class CommitteePostQuerySet(ScopedQuerySet):
    def current(self, on=None):
        if on is None:
            return self.filter(ended_on__isnull=True)
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))


class CommitteePost(BaseModel):
    """One member holding one committee post from a date (to a date). The source of truth for Member.posts."""

    scope_field = "org__path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="committee_posts",
                            verbose_name=_("党组织"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="committee_posts",
                               verbose_name=_("党员"))
    post = models.CharField(_("职务"), max_length=24, choices=COMMITTEE_POST_CHOICES)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    end_reason = models.CharField(_("离任原因"), max_length=16, choices=PostEndReason.choices, blank=True)
    election = models.ForeignKey("Election", null=True, blank=True, on_delete=models.SET_NULL, related_name="posts",
                                 verbose_name=_("选举"))

    objects = CommitteePostQuerySet.as_manager()

    class Meta:
        verbose_name = _("委员会职务")
        verbose_name_plural = _("委员会职务")
        indexes = [models.Index(fields=["org", "ended_on"], name="cpost_org_current_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                                   name="cpost_end_after_start"),
            models.UniqueConstraint(fields=["org", "member", "post"], condition=Q(ended_on__isnull=True),
                                    name="cpost_one_current_per_member_post"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.post}"


class TermChange(BaseModel):
    """A changeover postponed or brought forward, approved by the level above (选举工作条例 第三条)."""

    scope_field = "org__path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="term_changes",
                            verbose_name=_("党组织"))
    kind = models.CharField(_("类别"), max_length=10, choices=TermChangeKind.choices)
    term_started_on = models.DateField(_("本届选举日期"))
    original_ends_on = models.DateField(_("原届满日期"))
    new_ends_on = models.DateField(_("调整后换届日期"))
    reason = models.CharField(_("理由"), max_length=500)
    decision_ref = models.CharField(_("批准文号"), max_length=100, blank=True)
    approver_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("批准组织"))
    approved_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_on = models.DateField(_("批准日期"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("延期或提前换届")
        verbose_name_plural = _("延期或提前换届")
        indexes = [models.Index(fields=["org", "term_started_on", "-id"], name="termchange_org_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.kind} {self.new_ends_on}"


class Election(BaseModel):
    """A term election (换届选举) through its stages, from the plan to the filing and the public notice."""

    scope_field = "org__path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="elections",
                            verbose_name=_("党组织"))
    title = models.CharField(_("名称"), max_length=120)
    stage = models.CharField(_("阶段"), max_length=20, choices=ElectionStage.choices, default=ElectionStage.DRAFT)
    method = models.CharField(_("推荐方式"), max_length=20, choices=ElectionMethod.choices,
                              default=ElectionMethod.TWO_RECOMMEND)
    seats = models.PositiveSmallIntegerField(_("应选委员名额"))
    margin_percent = models.DecimalField(_("差额比例（%）"), max_digits=5, decimal_places=2, default=Decimal("20"))
    majority_base = models.CharField(_("当选票数基数"), max_length=10, choices=MajorityBase.choices,
                                     default=MajorityBase.EXPECTED)
    planned_on = models.DateField(_("计划选举日期"))
    plan = models.TextField(_("选举工作方案"), blank=True)
    plan_approved_on = models.DateField(_("方案批准日期"), null=True, blank=True)
    plan_approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    plan_approver_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("方案批准组织"))
    meeting_on = models.DateField(_("选举大会日期"), null=True, blank=True)
    eligible_count = models.PositiveIntegerField(_("应到会有选举权党员"), null=True, blank=True)
    present_count = models.PositiveIntegerField(_("实到会有选举权党员"), null=True, blank=True)
    result_approved_on = models.DateField(_("结果批准日期"), null=True, blank=True)
    result_approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    result_approver_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="+", verbose_name=_("结果批准组织"))
    result_decision_ref = models.CharField(_("批复文号"), max_length=100, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    filing_ref = models.CharField(_("备案文号"), max_length=100, blank=True)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        indexes = [models.Index(fields=["org", "-id"], name="election_org_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="election_seats_positive"),
            models.CheckConstraint(condition=Q(margin_percent__gte=0) & Q(margin_percent__lte=100),
                                   name="election_margin_range"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class NominationRound(models.Model):
    """One round of recommendation (党员推荐, 群众推荐, …) with its weight in the combined score."""

    scope_field = "election__org__path"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="nomination_rounds")
    name = models.CharField(_("推荐轮次"), max_length=60)
    weight = models.DecimalField(_("权重（%）"), max_digits=5, decimal_places=2)
    participants = models.PositiveIntegerField(_("参加推荐人数"))
    held_on = models.DateField(_("推荐日期"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("推荐轮次")
        verbose_name_plural = _("推荐轮次")
        constraints = [models.UniqueConstraint(fields=["election", "name"], name="nomround_unique_name")]

    def __str__(self) -> str:
        return self.name


class Nomination(models.Model):
    scope_field = "round__election__org__path"

    round = models.ForeignKey(NominationRound, on_delete=models.CASCADE, related_name="nominations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    votes = models.PositiveIntegerField(_("推荐票数"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="nomination_unique_member")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.votes}"


class Candidate(models.Model):
    scope_field = "election__org__path"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("候选人"))
    pledge = models.TextField(_("承诺"), blank=True)
    elected_in_round = models.PositiveSmallIntegerField(_("当选轮次"), null=True, blank=True)
    post = models.CharField(_("分工"), max_length=24, choices=COMMITTEE_POST_CHOICES, blank=True)
    extra_posts = models.JSONField(_("兼任"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("候选人")
        verbose_name_plural = _("候选人")
        constraints = [models.UniqueConstraint(fields=["election", "member"], name="candidate_unique_member")]

    def __str__(self) -> str:
        return str(self.member_id)

    @property
    def elected(self) -> bool:
        return self.elected_in_round is not None


class VoterExclusion(BaseModel):
    """A member lawfully left out of 应到会, with the reason and the level above's consent."""

    scope_field = "election__org__path"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="exclusions")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    reason = models.CharField(_("情形"), max_length=20, choices=ExclusionReason.choices)
    detail = models.CharField(_("具体说明"), max_length=300)
    approved_on = models.DateField(_("上级同意日期"), null=True, blank=True)
    approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("不计入应到会人数")
        verbose_name_plural = _("不计入应到会人数")
        constraints = [models.UniqueConstraint(fields=["election", "member"], name="exclusion_unique_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.reason}"


class ElectionRound(models.Model):
    """One vote at the election meeting: ballots issued and returned, and the votes per candidate."""

    scope_field = "election__org__path"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    seats = models.PositiveSmallIntegerField(_("本轮应选"))
    ballots_issued = models.PositiveIntegerField(_("发出选票"))
    ballots_returned = models.PositiveIntegerField(_("收回选票"))
    void = models.BooleanField(_("选举无效"), default=False)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["election", "number"], name="round_unique_number")]

    def __str__(self) -> str:
        return f"{self.election_id} #{self.number}"


class Vote(models.Model):
    scope_field = "round__election__org__path"

    round = models.ForeignKey(ElectionRound, on_delete=models.CASCADE, related_name="votes")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="votes")
    yes = models.PositiveIntegerField(_("赞成票"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "candidate"], name="vote_unique_candidate")]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.yes}"


class FirstSecretary(BaseModel):
    """驻村第一书记: a person dispatched to a village, with dates; visible to the township and county above."""

    scope_field = "org__path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="first_secretaries",
                            verbose_name=_("派驻村"))
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("系统账户"))
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("派出单位"), max_length=120)
    started_on = models.DateField(_("到村日期"))
    ended_on = models.DateField(_("离村日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("第一书记")
        verbose_name_plural = _("第一书记")
        constraints = [
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                                   name="firstsec_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkLogEntry(BaseModel):
    scope_field = "first_secretary__org__path"

    first_secretary = models.ForeignKey(FirstSecretary, on_delete=models.CASCADE, related_name="log_entries")
    occurred_on = models.DateField(_("日期"))
    content = models.TextField(_("工作内容"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作纪实")
        verbose_name_plural = _("工作纪实")
        indexes = [models.Index(fields=["first_secretary", "-occurred_on"], name="worklog_fs_idx")]

    def __str__(self) -> str:
        return f"{self.first_secretary_id} {self.occurred_on}"


class ReserveCadre(BaseModel):
    """后备干部 of a village: who, born when, education, status; training records below."""

    scope_field = "org__path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="reserve_cadres",
                            verbose_name=_("所在村"))
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("党员"))
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("学历"), max_length=24, choices=Education.choices)
    position = models.CharField(_("现任职务或岗位"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=CadreStatus.choices, default=CadreStatus.CANDIDATE)
    notes = models.TextField(_("备注"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("后备干部")
        verbose_name_plural = _("后备干部")
        indexes = [models.Index(fields=["org", "status"], name="cadre_org_status_idx")]

    def __str__(self) -> str:
        return self.name


class CadreTraining(BaseModel):
    scope_field = "cadre__org__path"

    cadre = models.ForeignKey(ReserveCadre, on_delete=models.CASCADE, related_name="trainings")
    occurred_on = models.DateField(_("培训日期"))
    title = models.CharField(_("培训内容"), max_length=200)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, default=Decimal("0"))
    organizer = models.CharField(_("主办单位"), max_length=120, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        constraints = [models.CheckConstraint(condition=Q(hours__gte=0), name="training_hours_nonnegative")]

    def __str__(self) -> str:
        return self.title
