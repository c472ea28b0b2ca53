from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.core.forms import TablerFormMixin
from grassroots.members.choices import (
    AgeBand,
    Education,
    Ethnicity,
    ExitKind,
    Gender,
    MemberState,
    MemberStatus,
    Occupation,
    Post,
)
from grassroots.members.selectors import FLAG_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(TablerFormMixin, forms.Form):
    org = forms.IntegerField(label=_("所在党支部"), widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=30,
                                help_text=_("18位，最后一位可为X；出生日期和性别须与号码一致"))
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=Ethnicity.choices, initial="汉族")
    birth_date = forms.DateField(label=_("出生日期"), widget=DATE)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices)
    occupation = forms.ChoiceField(label=_("工作岗位"), choices=Occupation.choices)
    status = forms.ChoiceField(label=_("党员类别"), choices=MemberStatus.choices, initial=MemberStatus.FULL)
    joined_on = forms.DateField(label=_("入党日期"), widget=DATE)
    confirmed_on = forms.DateField(label=_("转正日期"), required=False, widget=DATE)
    party_group = forms.TypedChoiceField(label=_("党小组"), required=False, coerce=int, empty_value=None)
    posts = forms.MultipleChoiceField(label=_("党内职务"), choices=Post.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    is_mobile = forms.BooleanField(label=_("流动党员"), required=False)
    is_unreachable = forms.BooleanField(label=_("失联党员"), required=False)
    household_plaque = forms.BooleanField(label=_("共产党员户"), required=False)
    household_hub = forms.BooleanField(label=_("党员中心户"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    SERVICE_FIELDS = (
        "name", "id_number", "gender", "ethnicity", "birth_date", "phone", "address", "education", "occupation",
        "status", "joined_on", "confirmed_on", "posts", "is_mobile", "is_unreachable", "household_plaque",
        "household_hub", "notes",
    )

    SECRET_FIELDS = ("id_number", "phone", "address")

    def __init__(self, *args, party_groups=(), editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.party_groups = {g.pk: g for g in party_groups}
        if editing is not None:
            self.fields["id_number"].required = False
            for name, masked in (("id_number", editing.id_number_masked), ("phone", editing.phone_masked),
                                 ("address", editing.address_masked)):
                self.fields[name].widget.attrs["placeholder"] = f"{masked}（不修改请留空）" if masked else ""
        self.fields["party_group"].choices = [("", "—")] + [(g.pk, g.name) for g in party_groups]

    def service_values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}
        values["party_group"] = self.party_groups.get(self.cleaned_data.get("party_group"))
        for key in ("phone", "address", "notes"):
            values[key] = values[key] or ""
        if self.editing is not None:  # blank personal identifiers keep the stored values
            for key in self.SECRET_FIELDS:
                if not values[key]:
                    values.pop(key)
        return values


class ExitKindField(forms.ChoiceField):
    """Offers only the exits recorded here (lifecycle.rules.DIRECT_EXIT_KINDS); any other known kind goes on to
    the service, whose field error says where that exit is recorded."""

    def valid_value(self, value):
        return value in ExitKind.values


def _direct_exit_choices():
    from grassroots.lifecycle.rules import DIRECT_EXIT_KINDS

    return [(value, label) for value, label in ExitKind.choices if value in DIRECT_EXIT_KINDS]


class ExitForm(TablerFormMixin, forms.Form):
    kind = ExitKindField(label=_("出党方式"), choices=_direct_exit_choices)
    occurred_on = forms.DateField(label=_("日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=500)
    decided_by = forms.CharField(label=_("决定机关/会议"), max_length=200, required=False)
    meeting_on = forms.DateField(label=_("会议日期"), widget=DATE, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RevealForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=200)


class MemberFilterForm(TablerFormMixin, forms.Form):
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("姓名或拼音首字母"), required=False)
    status = forms.ChoiceField(label=_("党员类别"), required=False, choices=[("", _("全部类别")), *MemberStatus.choices])
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=[("", _("全部性别")), *Gender.choices])
    age_band = forms.ChoiceField(label=_("年龄段"), required=False, choices=[("", _("全部年龄")), *AgeBand.choices])
    education = forms.ChoiceField(label=_("学历"), required=False, choices=[("", _("全部学历")), *Education.choices])
    occupation = forms.ChoiceField(label=_("工作岗位"), required=False,
                                   choices=[("", _("全部岗位")), *Occupation.choices])
    flag = forms.ChoiceField(label=_("标记"), required=False, choices=[("", _("全部"))] + [
        (name, label) for name, label in zip(
            FLAG_FIELDS, (_("流动党员"), _("失联党员"), _("共产党员户"), _("党员中心户")), strict=True)
    ])
    state = forms.ChoiceField(label=_("在册状态"), required=False,
                              choices=[(MemberState.ACTIVE, _("在册")), (MemberState.SUSPENDED, _("停止党籍")),
                                       (MemberState.LEFT, _("已出党/转出")), ("all", _("全部"))])
