from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.core.forms import TablerFormMixin
from grassroots.lifecycle.choices import ContactMethod, DecisionKind, ReviewOutcomeKind
from grassroots.orgs.choices import OrgKind, OrgStatus
from grassroots.orgs.models import Organization

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def branch_choices(tenant: str, exclude_pk: int | None = None):
    """Active branches of one county, for choosing where a member goes (names only: no member data)."""
    qs = Organization.objects.filter(path__startswith=tenant, kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("path")


class TransferIssueForm(TablerFormMixin, forms.Form):
    mode = forms.ChoiceField(label=_("转接方式"), choices=[("internal", _("转往本系统内党支部")),
                                                        ("outbound", _("开具介绍信转出本系统"))])
    to_org = forms.ModelChoiceField(label=_("接收党支部"), queryset=Organization.objects.none(), required=False)
    destination = forms.CharField(label=_("去往单位（系统外）"), max_length=120, required=False)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=40, required=False)
    valid_until = forms.DateField(label=_("有效期至（留空按默认3个月）"), widget=DATE, required=False)
    on = forms.DateField(label=_("转出日期"), widget=DATE)
    reason = forms.CharField(label=_("转接原因"), max_length=300)
    dues_paid_through = forms.CharField(label=_("党费交至（年-月）"), max_length=7, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        if member is not None:
            self.fields["to_org"].queryset = branch_choices(member.tenant, member.org_id)


class InboundLetterForm(TablerFormMixin, forms.Form):
    person_name = forms.CharField(label=_("姓名"), max_length=50)
    origin = forms.CharField(label=_("转出单位"), max_length=120)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=40)
    issued_on = forms.DateField(label=_("开具日期"), widget=DATE)
    valid_until = forms.DateField(label=_("有效期至（留空按默认3个月）"), widget=DATE, required=False)
    reason = forms.CharField(label=_("转接原因"), max_length=300, required=False)


class ReasonForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcceptForm(TablerFormMixin, forms.Form):
    on = forms.DateField(label=_("接收日期"), widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RenewForm(TablerFormMixin, forms.Form):
    certificate_ref = forms.CharField(label=_("党支部证明（文号或说明）"), max_length=200)
    valid_until = forms.DateField(label=_("新有效期至（留空按默认）"), widget=DATE, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReceiptForm(TablerFormMixin, forms.Form):
    receipt_on = forms.DateField(label=_("回执日期"), widget=DATE)
    receipt_ref = forms.CharField(label=_("回执编号"), max_length=60, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class WhereaboutsForm(TablerFormMixin, forms.Form):
    place = forms.CharField(label=_("流入地"), max_length=120)
    employer = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    left_on = forms.DateField(label=_("外出日期"), widget=DATE)
    fixed_place = forms.BooleanField(label=_("地点相对固定"), required=False, initial=True)
    contact = forms.CharField(label=_("外出联系方式"), max_length=40, required=False)
    host_org = forms.ModelChoiceField(label=_("流入地党组织（本系统内）"), queryset=Organization.objects.none(),
                                      required=False)
    host_name = forms.CharField(label=_("流入地党组织（系统外）"), max_length=120, required=False)
    card_no = forms.CharField(label=_("流动党员活动证编号"), max_length=40, required=False)
    card_issued_on = forms.DateField(label=_("活动证发放日期"), widget=DATE, required=False)
    notes = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        if member is not None:
            self.fields["host_org"].queryset = Organization.objects.filter(
                path__startswith=member.tenant, status=OrgStatus.ACTIVE).exclude(pk=member.org_id).order_by("path")


class ReturnedForm(TablerFormMixin, forms.Form):
    returned_on = forms.DateField(label=_("返回日期"), widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactForm(TablerFormMixin, forms.Form):
    on = forms.DateField(label=_("联系日期"), widget=DATE)
    method = forms.ChoiceField(label=_("联系方式"), choices=ContactMethod.choices)
    reached = forms.BooleanField(label=_("取得联系"), required=False)
    mark_unreachable = forms.BooleanField(label=_("未能联系，自该日起标记为失联"), required=False)
    note = forms.CharField(label=_("情况"), max_length=300, required=False)


class DecisionForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("处置类别"), choices=DecisionKind.choices)
    occurred_on = forms.DateField(label=_("决定日期"), widget=DATE)
    reason = forms.CharField(label=_("事实和理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    meeting = forms.CharField(label=_("决定会议"), max_length=200, required=False,
                              help_text=_("如：甲一村党支部党员大会"))
    meeting_on = forms.DateField(label=_("会议日期"), widget=DATE, required=False)


class ApproveForm(TablerFormMixin, forms.Form):
    approve = forms.ChoiceField(label=_("批准意见"), choices=[("1", _("批准")), ("0", _("不批准"))])
    approved_on = forms.DateField(label=_("批准日期"), widget=DATE)
    note = forms.CharField(label=_("意见"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewOutcomeForm(TablerFormMixin, forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("处理结果"), choices=ReviewOutcomeKind.choices)
    decided_on = forms.DateField(label=_("处理日期"), widget=DATE)
    meeting = forms.CharField(label=_("会议"), max_length=200, required=False)
    meeting_on = forms.DateField(label=_("会议日期"), widget=DATE, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class WorkAssignForm(TablerFormMixin, forms.Form):
    member = forms.TypedChoiceField(label=_("党员"), coerce=int)
    title = forms.CharField(label=_("工作任务"), max_length=120, help_text=_("如：村级党员先锋岗、联系帮扶3户困难群众"))
    description = forms.CharField(label=_("任务说明"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    assigned_on = forms.DateField(label=_("分配日期"), widget=DATE)
    ends_on = forms.DateField(label=_("截止日期（长期任务留空）"), widget=DATE, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—"), *members]


class WorkReportForm(TablerFormMixin, forms.Form):
    on = forms.DateField(label=_("工作日期"), widget=DATE)
    note = forms.CharField(label=_("完成的工作"), max_length=500)


class WorkCloseForm(TablerFormMixin, forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=DATE)
    note = forms.CharField(label=_("完成情况"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)
