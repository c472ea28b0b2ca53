from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.committees.choices import (
    CadreStatus,
    ElectionMethod,
    ExclusionReason,
    MajorityBase,
    PostEndReason,
    TermChangeKind,
)
from grassroots.committees.models import COMMITTEE_POST_CHOICES
from grassroots.core.forms import TablerFormMixin
from grassroots.members.choices import Education, Gender

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER = forms.NumberInput(attrs={"inputmode": "numeric"})


def _member_field(label, members, required=True):
    return forms.TypedChoiceField(label=label, coerce=int, required=required,
                                  choices=[("", "—")] + [(m.pk, m.name) for m in members])


class PostForm(TablerFormMixin, forms.Form):
    post = forms.ChoiceField(label=_("职务"), choices=COMMITTEE_POST_CHOICES)
    started_on = forms.DateField(label=_("任职日期"), widget=DATE)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"member": _member_field(_("党员"), members), **self.fields}
        self.fields["member"].widget.attrs["class"] = "form-select"


class PostEndForm(TablerFormMixin, forms.Form):
    ended_on = forms.DateField(label=_("离任日期"), widget=DATE)
    reason = forms.ChoiceField(label=_("离任原因"), choices=PostEndReason.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class TermChangeForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=TermChangeKind.choices)
    new_ends_on = forms.DateField(label=_("调整后换届日期"), widget=DATE, help_text=_("延长或者提前期限一般不超过1年"))
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    decision_ref = forms.CharField(label=_("批准文号"), max_length=100, required=False)


class ElectionForm(TablerFormMixin, forms.Form):
    title = forms.CharField(label=_("名称"), max_length=120)
    method = forms.ChoiceField(label=_("推荐方式"), choices=ElectionMethod.choices)
    seats = forms.IntegerField(label=_("应选委员名额"), min_value=1, max_value=99, widget=NUMBER)
    planned_on = forms.DateField(label=_("计划选举日期"), widget=DATE)
    margin_percent = forms.DecimalField(label=_("差额比例（%）"), min_value=0, max_value=100, decimal_places=2,
                                        initial=20, help_text=_("默认不少于20%，按应选人数向上取整"))
    majority_base = forms.ChoiceField(label=_("当选票数基数"), choices=MajorityBase.choices,
                                      help_text=_("赞成票超过该人数的半数始得当选"))
    plan = forms.CharField(label=_("选举工作方案"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TransitionForm(TablerFormMixin, forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由/意见"), max_length=500, required=False)
    decision_ref = forms.CharField(label=_("文号"), max_length=100, required=False)
    filed_on = forms.DateField(label=_("备案日期"), required=False, widget=DATE)


class NominationRoundForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("推荐轮次"), max_length=60, help_text=_("如 党员推荐、群众推荐"))
    weight = forms.DecimalField(label=_("权重（%）"), min_value=0, max_value=100, decimal_places=2)
    participants = forms.IntegerField(label=_("参加推荐人数"), min_value=1, widget=NUMBER)
    held_on = forms.DateField(label=_("推荐日期"), widget=DATE)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {m.pk: m for m in members}
        for member in members:
            self.fields[f"votes_{member.pk}"] = forms.IntegerField(
                label=member.name, required=False, min_value=0, widget=forms.NumberInput(attrs={"class": "form-control"}))

    def votes(self) -> dict:
        return {m: self.cleaned_data[f"votes_{pk}"] for pk, m in self.members.items()
                if self.cleaned_data.get(f"votes_{pk}") is not None}


class CandidateForm(TablerFormMixin, forms.Form):
    pledge = forms.CharField(label=_("承诺"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 1, "placeholder": _("候选人承诺（可选）")}))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"member": _member_field(_("候选人"), members), **self.fields}
        self.fields["member"].widget.attrs["class"] = "form-select"


class ExclusionForm(TablerFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("情形"), choices=ExclusionReason.choices)
    detail = forms.CharField(label=_("具体说明"), max_length=300, widget=forms.TextInput(attrs={"placeholder": _("具体说明")}))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"member": _member_field(_("党员"), members), **self.fields}
        self.fields["member"].widget.attrs["class"] = "form-select"


class MeetingForm(TablerFormMixin, forms.Form):
    meeting_on = forms.DateField(label=_("选举大会日期"), widget=DATE)
    present_count = forms.IntegerField(label=_("实到会有选举权党员"), min_value=0, widget=NUMBER)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RoundForm(TablerFormMixin, forms.Form):
    ballots_issued = forms.IntegerField(label=_("发出选票"), min_value=0, widget=NUMBER)
    ballots_returned = forms.IntegerField(label=_("收回选票"), min_value=0, widget=NUMBER)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for candidate in self.candidates:
            self.fields[f"yes_{candidate.pk}"] = forms.IntegerField(
                label=_("%(n)s 赞成票") % {"n": candidate.member.name}, min_value=0,
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}))

    def votes(self) -> dict:
        return {c.pk: self.cleaned_data[f"yes_{c.pk}"] for c in self.candidates}


class PostsAssignForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, elected=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.elected = list(elected)
        for candidate in self.elected:
            self.fields[f"post_{candidate.pk}"] = forms.ChoiceField(
                label=candidate.member.name, choices=[("", "—"), *COMMITTEE_POST_CHOICES], required=False,
                initial=candidate.post, widget=forms.Select(attrs={"class": "form-select"}))

    def posts(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"post_{c.pk}", "") for c in self.elected}


class FirstSecretaryForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.CharField(label=_("派出单位"), max_length=120)
    started_on = forms.DateField(label=_("到村日期"), widget=DATE)
    username = forms.CharField(label=_("系统账户（可选）"), max_length=150, required=False,
                               help_text=_("填写后，第一书记可用本人账户记工作纪实"))
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FirstSecretaryEndForm(TablerFormMixin, forms.Form):
    ended_on = forms.DateField(label=_("离村日期"), widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)


class WorkLogForm(TablerFormMixin, forms.Form):
    occurred_on = forms.DateField(label=_("日期"), widget=DATE)
    content = forms.CharField(label=_("工作内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class CadreForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("出生日期"), widget=DATE)
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices)
    position = forms.CharField(label=_("现任职务或岗位"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=CadreStatus.choices)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("name", "gender", "birth_date", "education", "position", "status", "notes")


class TrainingForm(TablerFormMixin, forms.Form):
    occurred_on = forms.DateField(label=_("培训日期"), widget=DATE)
    title = forms.CharField(label=_("培训内容"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("培训内容")}))
    hours = forms.DecimalField(label=_("学时"), min_value=0, max_value=1000, decimal_places=1, initial=0,
                               widget=forms.NumberInput(attrs={"placeholder": _("学时"), "step": "0.5"}))
    organizer = forms.CharField(label=_("主办单位"), max_length=120, required=False,
                                widget=forms.TextInput(attrs={"placeholder": _("主办单位")}))
