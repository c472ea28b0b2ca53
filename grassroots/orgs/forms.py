from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.core.forms import TablerFormMixin
from grassroots.orgs.choices import OrgForm, OrgKind, OrgSector
from grassroots.orgs.services import EDITABLE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganizationForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("组织名称"), max_length=120)
    short_name = forms.CharField(label=_("简称"), max_length=60, required=False)
    code = forms.CharField(label=_("组织代码"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("组织类别"), choices=OrgKind.choices, initial=OrgKind.BRANCH)
    sector = forms.ChoiceField(label=_("所在领域"), choices=OrgSector.choices)
    form = forms.ChoiceField(label=_("组建形式"), choices=OrgForm.choices, initial=OrgForm.REGULAR)
    covered_units = forms.CharField(
        label=_("联合覆盖单位"), required=False, help_text=_("联合党支部填写，各单位用逗号或顿号分隔"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE)
    term_started_on = forms.DateField(label=_("本届委员会选举日期"), required=False, widget=DATE)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}

    @classmethod
    def initial_from(cls, org) -> dict:
        data = {name: getattr(org, name) for name in EDITABLE_FIELDS}
        data["covered_units"] = "、".join(org.covered_units or [])
        data["version"] = org.version
        return data


class MoveForm(forms.Form):
    new_parent = forms.IntegerField(label=_("新的上级组织"), widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DissolveForm(TablerFormMixin, forms.Form):
    dissolved_on = forms.DateField(label=_("撤销日期"), widget=DATE)
    reason = forms.CharField(label=_("撤销原因（批准文件）"), max_length=200, widget=forms.TextInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
