from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.core.forms import TablerFormMixin
from grassroots.development import choices, rules
from grassroots.members.choices import Education, Ethnicity, Gender, Occupation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApplicantForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=32)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "—"), *Gender.choices], required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=Ethnicity.choices, initial="汉族")
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)
    education = forms.ChoiceField(label=_("学历"), choices=[("", "—"), *Education.choices])
    occupation = forms.ChoiceField(label=_("工作岗位"), choices=[("", "—"), *Occupation.choices])
    applied_on = forms.DateField(label=_("递交入党申请书日期"), widget=DATE)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ApplicantEditForm(TablerFormMixin, forms.Form):
    """Corrections to the person's details. Identifiers are never prefilled (that would be an unaudited reveal):
    a blank ID number keeps the stored one; phone and address are replaced when typed."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("公民身份号码（不改请留空）"), max_length=32, required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=Ethnicity.choices)
    phone = forms.CharField(label=_("联系电话（不改请留空）"), max_length=30, required=False)
    address = forms.CharField(label=_("家庭住址（不改请留空）"), max_length=200, required=False)
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices)
    occupation = forms.ChoiceField(label=_("工作岗位"), choices=Occupation.choices)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def service_values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        for secret in ("id_number", "phone", "address"):
            if not data.get(secret):
                data.pop(secret, None)
        return data


class StepForm(TablerFormMixin, forms.Form):
    """The form of one step, built from its evidence list in rules.STEPS."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    occurred_on = forms.DateField(label=_("日期"), widget=DATE)

    def __init__(self, *args, step: rules.StepDef, people_choices=(), **kwargs):
        self.step = step
        super().__init__(*args, **kwargs)
        for item in step.evidence:
            if item.kind == "members":
                self.fields["people"] = forms.TypedMultipleChoiceField(
                    label=item.label, choices=people_choices, coerce=int, required=False,
                    widget=forms.CheckboxSelectMultiple)
            elif item.kind == "choice":
                options = getattr(choices, item.choices).choices
                self.fields[item.name] = forms.ChoiceField(label=item.label, choices=[("", "—"), *options], required=False)
            elif item.kind == "int":
                self.fields[item.name] = forms.IntegerField(label=item.label, required=False, min_value=0, max_value=10000)
            elif item.kind == "decimal":
                self.fields[item.name] = forms.DecimalField(label=item.label, required=False, min_value=0, max_value=1000,
                                                            decimal_places=1)
            elif item.name == "note":
                self.fields[item.name] = forms.CharField(label=item.label, required=False, max_length=2000,
                                                         widget=forms.Textarea(attrs={"rows": 3}))
            else:
                self.fields[item.name] = forms.CharField(label=item.label, required=False, max_length=200)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if css not in widget.attrs.get("class", ""):
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def evidence(self) -> dict:
        return {item.name: self.cleaned_data.get(item.name) for item in self.step.evidence if item.kind != "members"}


class StepCorrectForm(StepForm):
    """The same fields as the step's own form, prefilled with what was recorded, and the reason for the correction."""

    reason = forms.CharField(label=_("更正原因"), max_length=300, help_text=_("如：录入时日期填错，以会议记录为准"))

    def __init__(self, *args, record=None, **kwargs):
        if record is not None and "initial" not in kwargs:
            evidence = record.evidence or {}
            initial = {k: v for k, v in evidence.items() if not isinstance(v, list)}
            members = [v for v in evidence.values() if isinstance(v, list)]
            initial["people"] = [p["id"] for p in members[0]] if members else []
            kwargs["initial"] = {**initial, "occurred_on": record.occurred_on}
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs.setdefault("class", "form-control")


class VoteForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    meeting_on = forms.DateField(label=_("支部大会日期"), widget=DATE)
    present = forms.IntegerField(label=_("实到会有表决权的正式党员"), min_value=0, max_value=100000)
    yes = forms.IntegerField(label=_("赞成（到会）"), min_value=0, max_value=100000)
    no = forms.IntegerField(label=_("反对（到会）"), min_value=0, max_value=100000, initial=0)
    abstain = forms.IntegerField(label=_("弃权（到会）"), min_value=0, max_value=100000, initial=0)
    written_yes = forms.IntegerField(label=_("书面意见：赞成"), min_value=0, max_value=100000, initial=0)
    written_no = forms.IntegerField(label=_("书面意见：反对"), min_value=0, max_value=100000, initial=0)
    written_abstain = forms.IntegerField(label=_("书面意见：弃权"), min_value=0, max_value=100000, initial=0)


EXCLUSION_CHOICES = [("", _("计入应到会")), *[(r.code, r.label) for r in rules.EXCLUSION_REASONS]]


class NoticeForm(TablerFormMixin, forms.Form):
    stage = forms.ChoiceField(label=_("公示事项"), choices=choices.NoticeStage.choices)
    published_on = forms.DateField(label=_("公示开始日期"), widget=DATE)
    working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=60, required=False)
    contact = forms.CharField(label=_("意见受理方式（电话、信箱）"), max_length=200, required=False)


class ObjectionForm(TablerFormMixin, forms.Form):
    received_on = forms.DateField(label=_("收到日期"), widget=DATE)
    summary = forms.CharField(label=_("异议内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    resolved_on = forms.DateField(label=_("处理日期"), widget=DATE)
    resolution = forms.CharField(label=_("核查处理结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawNoticeForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=300)


class ExtendForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    months = forms.IntegerField(label=_("延长月数（6–12）"), min_value=1, max_value=24)
    decided_on = forms.DateField(label=_("支部大会决定日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=500)


class CancelForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decided_on = forms.DateField(label=_("支部大会决定日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=500)


class CloseForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    closed_on = forms.DateField(label=_("日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=500)


class RevealForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=200)


class PlanForm(TablerFormMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    planned = forms.IntegerField(label=_("计划发展人数"), min_value=0, max_value=100000)


class SuspensionForm(TablerFormMixin, forms.Form):
    member = forms.TypedChoiceField(label=_("党员"), coerce=int)
    kind = forms.ChoiceField(label=_("类别"), choices=choices.SuspensionKind.choices)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("恢复权利日期"), widget=DATE, required=False)
    reason = forms.CharField(label=_("依据/决定文号"), max_length=300)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *members]


class SuspensionEndForm(TablerFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ends_on = forms.DateField(label=_("恢复权利日期"), widget=DATE)
    decision_ref = forms.CharField(label=_("恢复权利的决定文号或依据"), max_length=300)
