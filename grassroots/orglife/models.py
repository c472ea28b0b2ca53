from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from grassroots.access.scoping import ScopedQuerySet
from grassroots.core.models import BaseModel
from grassroots.core.paths import PathField
from grassroots.orglife.choices import AppraisalGrade, AttendanceStatus, MeetingKind, MeetingStatus


class AttachmentStorage(LazyObject):
    """Files outside the database and outside any public URL: ORGLIFE_ATTACHMENT_ROOT, else MEDIA_ROOT/orglife,
    else var/orglife. They are served only by the scoped download view."""

    def _setup(self):
        root = getattr(settings, "ORGLIFE_ATTACHMENT_ROOT", None)
        if not root:
            media = getattr(settings, "MEDIA_ROOT", "")
            root = Path(media) / "orglife" if media else Path(settings.VAR_DIR) / "orglife"
        self._wrapped = FileSystemStorage(location=str(root), base_url=None)


attachment_storage = AttachmentStorage()


def _storage():
    return attachment_storage


class Meeting(BaseModel):
    """One meeting of a branch (三会一课 and the rest), planned or held. 应到/实到 are computed from the roster
    by the service and stored with the record; they are never typed."""

    scope_field = "org_path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="meetings",
                            verbose_name=_("党支部"))
    org_path = PathField(_("组织路径"), max_length=255, editable=False)
    tenant = models.CharField(_("县级单位"), max_length=8, editable=False)
    kind = models.CharField(_("会议类型"), max_length=24, choices=MeetingKind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    party_group = models.ForeignKey("orgs.PartyGroup", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("党小组"))
    host = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("主持人"))
    recorder = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("记录人"))
    topic = models.CharField(_("主题"), max_length=200)
    agenda = models.TextField(_("议程"), blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    resolutions = models.TextField(_("决议事项"), blank=True)
    expected_count = models.PositiveIntegerField(_("应到人数"), default=0, editable=False)
    present_count = models.PositiveIntegerField(_("实到人数"), default=0, editable=False)
    voting_expected = models.PositiveIntegerField(_("应到会有表决权人数"), default=0, editable=False)
    voting_present = models.PositiveIntegerField(_("实到有表决权人数"), default=0, editable=False)
    guest_count = models.PositiveIntegerField(_("列席流动党员"), default=0, editable=False)
    vote_subject = models.CharField(_("表决事项"), max_length=200, blank=True)
    vote_yes = models.PositiveIntegerField(_("赞成"), null=True, blank=True)
    vote_no = models.PositiveIntegerField(_("反对"), null=True, blank=True)
    vote_abstain = models.PositiveIntegerField(_("弃权"), null=True, blank=True)
    vote_adopted = models.BooleanField(_("表决通过"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织生活会议")
        verbose_name_plural = _("组织生活会议")
        indexes = [
            models.Index(fields=["org_path", "date"], name="meeting_path_date_idx"),
            models.Index(fields=["tenant", "kind", "status", "date"], name="meeting_scan_idx"),
            models.Index(fields=["org", "date"], name="meeting_org_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="group_meeting") | models.Q(party_group__isnull=False),
                name="meeting_group_has_party_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.topic}"


class Attendance(models.Model):
    """One member at one meeting. Guests are mobile members of another branch: no vote here, and their
    attendance counts for their home branch (member_org_path)."""

    scope_field = "org_path"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    org_path = PathField(max_length=255, editable=False)  # the meeting's organization
    member_org_path = PathField(max_length=255, editable=False)  # the member's own branch (credited)
    held_on = models.DateField(editable=False)
    status = models.CharField(_("出席情况"), max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField(_("缺席/请假原因"), max_length=200, blank=True)
    is_guest = models.BooleanField(_("列席（流动党员）"), default=False)
    has_vote = models.BooleanField(_("有表决权"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")]
        indexes = [
            models.Index(fields=["member", "held_on"], name="attendance_member_idx"),
            models.Index(fields=["member_org_path", "held_on"], name="attendance_home_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.member_id} {self.status}"


class Attachment(models.Model):
    scope_field = "org_path"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    org_path = PathField(max_length=255, editable=False)
    name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    file = models.FileField(storage=_storage, upload_to="meetings/%Y/%m", max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")

    def __str__(self) -> str:
        return self.name


class Appraisal(BaseModel):
    """A member's yearly grade in 民主评议党员, recorded with the appraisal meeting."""

    scope_field = "org_path"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    org_path = PathField(max_length=255, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="appraisals",
                                verbose_name=_("评议会议"))
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("评议等次"), max_length=24, choices=AppraisalGrade.choices)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("民主评议结果")
        verbose_name_plural = _("民主评议结果")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="appraisal_once_a_year")]
        indexes = [models.Index(fields=["org_path", "year"], name="appraisal_path_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.member_id} {self.grade}"


class ComplianceStatus(models.Model):
    """Pre-aggregated, one row per branch and month: for every rule slot (rules.RULE_SLOTS) its state as one
    character (M met, O open, X missed, - not applicable) and the meetings held and required in the rule's
    period up to the month's end. Rebuilt set-based per county and month by one INSERT … SELECT (services)."""

    scope_field = "org_path"

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = PathField(max_length=255)
    tenant = models.CharField(max_length=8)
    month = models.DateField()
    states = models.CharField(max_length=16)
    held = models.CharField(max_length=80)
    required = models.CharField(max_length=80)
    missing = models.PositiveSmallIntegerField()  # rules open or missed
    missed = models.PositiveSmallIntegerField()
    # Per slot, the months of the year up to this one in which the rule was missed, one digit of YTD_DIGITS
    # each (0–12): the board's year totals read this month's rows only. Built from the previous month's row.
    missed_ytd = models.CharField(max_length=16, default="")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织生活合规状态")
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="compliance_once")]
        indexes = [
            models.Index(fields=["month", "org_path"], name="compliance_month_path_idx"),
            models.Index(fields=["tenant", "month"], name="compliance_tenant_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.org_path} {self.month:%Y-%m} {self.states}"


class MeetingTally(models.Model):
    """Held meetings per branch, month, kind (and party group for group meetings; 0 otherwise). Folded by every
    meeting write in its transaction (services.tally_fold); services.tally_rebuild recomputes it set-based from
    the meetings and must agree exactly. The compliance scan reads these rows, never the meetings."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    tenant = models.CharField(max_length=8)  # the meeting's county key, as Meeting.tenant
    month = models.DateField()  # first day of the month
    kind = models.CharField(max_length=24, choices=MeetingKind.choices)
    group_key = models.IntegerField(default=0)  # the party group of a group meeting, else 0
    held = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("组织生活会议月计数")
        constraints = [models.UniqueConstraint(fields=["org", "month", "kind", "group_key"], name="meeting_tally_once")]
        # The scan's range per rule; every column it reads is in the key, so PostgreSQL answers from the index.
        indexes = [models.Index(fields=["tenant", "kind", "month", "org", "group_key", "held"],
                                name="meeting_tally_scan_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} {self.kind}/{self.group_key}: {self.held}"


class ComplianceBuild(models.Model):
    """Per county and year: stale since when, built when (coalesces rebuilds after meeting writes)."""

    tenant = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    stale_since = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    build_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "year"], name="compliance_build_once")]

    def __str__(self) -> str:
        return f"{self.tenant} {self.year}"
