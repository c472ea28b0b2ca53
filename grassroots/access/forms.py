"""Forms only parse input; the rules live in services.py."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from grassroots.access.roles import Role
from grassroots.access.services import TOKEN_LIFETIMES_DAYS
from grassroots.core.forms import TablerFormMixin
from grassroots.core.models import AuditOutcome


class LoginForm(TablerFormMixin, AuthenticationForm):
    # One message for an unknown user, a wrong password, a locked or a deactivated account (SECURITY.md A2).
    error_messages = {
        "invalid_login": _("用户名或密码错误，或账户已被锁定。"),
        "inactive": _("用户名或密码错误，或账户已被锁定。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})


class PasswordChangeForm(TablerFormMixin, forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8个字符（管理员至少12个），包含大写字母、小写字母、数字、符号中的至少三类，不能与用户名相似，不能是常见密码。"),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class UserCreateForm(TablerFormMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    org = forms.IntegerField(label=_("所属组织"), widget=forms.Select)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].widget.choices = [("", "——请选择——")] + [(o.pk, _org_label(o)) for o in orgs]


class GrantForm(TablerFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    org = forms.IntegerField(label=_("授权组织（含下级）"), widget=forms.Select)
    valid_to = forms.DateField(label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].widget.choices = [("", "——请选择——")] + [(o.pk, _org_label(o)) for o in orgs]


class DeactivateForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("停用事由"), max_length=200, required=False)


class TokenCreateForm(TablerFormMixin, forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100)
    days = forms.TypedChoiceField(
        label=_("有效期"), coerce=int, initial=90,
        choices=[(d, _("%(d)d天") % {"d": d}) for d in TOKEN_LIFETIMES_DAYS],
    )


class AuditFilterForm(TablerFormMixin, forms.Form):
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    verb = forms.CharField(label=_("事件（前缀）"), max_length=80, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "access.login"}))
    actor = forms.CharField(label=_("操作人"), max_length=150, required=False)
    outcome = forms.ChoiceField(label=_("结果"), required=False, choices=[("", _("全部")), *AuditOutcome.choices])
    before = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


def _org_label(org) -> str:
    return "　" * max(0, org.depth - 1) + org.name
