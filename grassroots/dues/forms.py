import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.forms import TablerFormMixin
from grassroots.dues.choices import BandKind, Category, PayerKind, PayMethod, ReductionKind

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MonthField(forms.DateField):
    """YYYY-MM (the month input) or a full date; cleaned to the first of the month."""

    widget = MONTH_INPUT
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class RevealForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=200)


class DeclarationForm(TablerFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("党员类别"), choices=Category.choices)
    effective_month = MonthField(label=_("生效月份（按新标准领取工资的当月）"))
    base = forms.DecimalField(label=_("计算基数（税后月收入，元）"), required=False, min_value=0, max_digits=12,
                              decimal_places=2)
    fixed_amount = forms.DecimalField(label=_("农民党员每月金额（元，0.2–1）"), required=False, min_value=0,
                                      max_digits=12, decimal_places=2)
    q1 = forms.DecimalField(label=_("上季度第1月纯收入（个体经营）"), required=False, max_digits=12, decimal_places=2)
    q2 = forms.DecimalField(label=_("上季度第2月纯收入"), required=False, max_digits=12, decimal_places=2)
    q3 = forms.DecimalField(label=_("上季度第3月纯收入"), required=False, max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def service_values(self) -> dict:
        data = self.cleaned_data
        quarter = [data.get(k) for k in ("q1", "q2", "q3")]
        return {
            "category": data["category"], "effective_month": data["effective_month"], "base": data.get("base"),
            "fixed_amount": data.get("fixed_amount"), "note": data.get("note", ""),
            "quarter_incomes": quarter if all(x is not None for x in quarter) else None,
        }


class PaymentForm(TablerFormMixin, forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    months = forms.MultipleChoiceField(label=_("交纳月份"), required=False, widget=forms.CheckboxSelectMultiple)
    extra_amount = forms.DecimalField(label=_("自愿多交（元）"), required=False, min_value=0, max_digits=12,
                                      decimal_places=2)
    paid_on = forms.DateField(label=_("交纳日期"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("交纳方式"), choices=PayMethod.choices)
    payer_kind = forms.ChoiceField(label=_("交纳人"), choices=PayerKind.choices)
    payer_name = forms.CharField(label=_("代交人姓名（亲属代交）"), required=False, max_length=50)
    payer_member = forms.IntegerField(label=_("代交党员编号（其他党员代交）"), required=False)
    back_pay_reason = forms.CharField(label=_("补交原因（补交6个月以前的党费时必填）"), required=False, max_length=300)

    def __init__(self, *args, month_choices=(), **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        kwargs["initial"].setdefault("paid_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = list(month_choices)


class ReductionForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=ReductionKind.choices)
    amount = forms.DecimalField(label=_("少交后每月金额（元）"), required=False, min_value=0, max_digits=12,
                                decimal_places=2)
    from_month = MonthField(label=_("起始月份"))
    to_month = MonthField(label=_("截止月份"))
    studied_on = forms.DateField(label=_("支部研究日期"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("困难情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ConsentForm(TablerFormMixin, forms.Form):
    consented_on = forms.DateField(label=_("支部同意日期"), widget=DATE_INPUT)
    from_month = MonthField(label=_("起始月份"))
    reason = forms.CharField(label=_("特殊情况"), max_length=300)


class DecideForm(TablerFormMixin, forms.Form):
    approve = forms.TypedChoiceField(label=_("决定"), choices=[("1", _("批准")), ("0", _("不批准"))], coerce=lambda v: v == "1")
    decided_on = forms.DateField(label=_("批准日期"), widget=DATE_INPUT)
    decision_ref = forms.CharField(label=_("批准文号/会议"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RunForm(TablerFormMixin, forms.Form):
    month = MonthField(label=_("核定月份"))


class ScheduleForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    effective_from = MonthField(label=_("生效月份（自该月起执行）"))
    decision_ref = forms.CharField(label=_("依据文件"), max_length=200)
    approved_by = forms.CharField(label=_("批准机关"), required=False, max_length=120)


class BandForm(TablerFormMixin, forms.Form):
    """One band row; a row left blank is skipped, a row ticked for deletion is dropped."""

    category = forms.ChoiceField(label=_("党员类别"), choices=Category.choices)
    kind = forms.ChoiceField(label=_("计算方式"), choices=BandKind.choices)
    lower = forms.DecimalField(label=_("基数下限（不含，元）"), required=False, max_digits=12, decimal_places=2)
    upper = forms.DecimalField(label=_("基数上限（含，元）"), required=False, max_digits=12, decimal_places=2)
    rate = forms.DecimalField(label=_("比例（0.005 即0.5%）"), required=False, max_digits=6, decimal_places=4)
    fixed = forms.DecimalField(label=_("固定金额（元）"), required=False, max_digits=12, decimal_places=2)
    fixed_min = forms.DecimalField(label=_("最低金额（元）"), required=False, max_digits=12, decimal_places=2)
    fixed_max = forms.DecimalField(label=_("最高金额（元）"), required=False, max_digits=12, decimal_places=2)
    source = forms.CharField(label=_("依据条款"), max_length=120)


BandFormSet = forms.formset_factory(BandForm, extra=2, can_delete=True, max_num=50, validate_max=True)
