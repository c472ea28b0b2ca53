from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.core.forms import TablerFormMixin
from grassroots.orglife.choices import MeetingKind
from grassroots.orglife.rules import MAX_ATTACHMENT_BYTES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _GroupMixin:
    def __init__(self, *args, party_groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_group"].choices = [("", "—")] + [(g.pk, g.name) for g in party_groups]


class PlanForm(_GroupMixin, TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    date = forms.DateField(label=_("计划日期"), widget=DATE)
    party_group = forms.TypedChoiceField(label=_("党小组（党小组会）"), required=False, coerce=int, empty_value=None)
    topic = forms.CharField(label=_("主题"), max_length=200)
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    agenda = forms.CharField(label=_("议程"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RecordStartForm(_GroupMixin, TablerFormMixin, forms.Form):
    """Step 1: the kind, day and group decide the roster (应到)."""

    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    date = forms.DateField(label=_("召开日期"), widget=DATE)
    party_group = forms.TypedChoiceField(label=_("党小组（党小组会）"), required=False, coerce=int, empty_value=None)


class RecordForm(TablerFormMixin, forms.Form):
    """Step 2: the record itself. Attendance comes as att_<member id> / reason_<member id> fields."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    topic = forms.CharField(label=_("主题"), max_length=200)
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    host = forms.TypedChoiceField(label=_("主持人"), required=False, coerce=int, empty_value=None)
    recorder = forms.TypedChoiceField(label=_("记录人"), required=False, coerce=int, empty_value=None)
    agenda = forms.CharField(label=_("议程"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(label=_("会议记录"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    resolutions = forms.CharField(label=_("决议事项"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    vote_subject = forms.CharField(label=_("表决事项"), max_length=200, required=False)
    vote_yes = forms.IntegerField(label=_("赞成"), required=False, min_value=0, max_value=100000)
    vote_no = forms.IntegerField(label=_("反对"), required=False, min_value=0, max_value=100000)
    vote_abstain = forms.IntegerField(label=_("弃权"), required=False, min_value=0, max_value=100000)
    expected_count = forms.IntegerField(label=_("应到人数（核对用，可不填）"), required=False, min_value=0,
                                        max_value=100000)
    present_count = forms.IntegerField(label=_("实到人数（核对用，可不填）"), required=False, min_value=0,
                                       max_value=100000)
    guests = forms.CharField(label=_("列席的流动党员（党员编号，逗号分隔）"), required=False, max_length=500)
    attendance = forms.CharField(required=False, widget=forms.HiddenInput)  # errors land here

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(p.id, p.name) for p in people]
        self.fields["host"].choices = choices
        self.fields["recorder"].choices = choices

    def clean_guests(self):
        raw = self.cleaned_data.get("guests", "").replace("，", ",")
        ids = set()
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or len(part) > 18:
                raise forms.ValidationError(_("请填写党员编号（数字），用逗号分隔"))
            ids.add(int(part))
        return ids


class CancelForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class AttachmentForm(TablerFormMixin, forms.Form):
    file = forms.FileField(label=_("照片或扫描件（JPG/PNG/PDF）"),
                           help_text=_("不超过 %(mb)s MB") % {"mb": MAX_ATTACHMENT_BYTES // 1048576})
