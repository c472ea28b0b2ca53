"""Password rules of SECURITY.md A1 (等保 2.0 身份鉴别 a)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class RoleAwareLengthValidator:
    """At least 8 characters; at least 12 for the administrator roles."""

    def __init__(self, min_length: int = 8, admin_min_length: int = 12):
        self.min_length = min_length
        self.admin_min_length = admin_min_length

    def _required(self, user) -> int:
        from grassroots.access.roles import ADMIN_ROLES

        if user is not None and user.pk and user.grants.filter(role__in=ADMIN_ROLES).exists():
            return self.admin_min_length
        if user is not None and getattr(user, "_intended_admin", False):
            return self.admin_min_length
        return self.min_length

    def validate(self, password, user=None):
        required = self._required(user)
        if len(password) < required:
            raise ValidationError(_("密码至少需要%(n)d个字符") % {"n": required}, code="password_too_short")

    def get_help_text(self):
        return _("密码至少8个字符，管理员至少12个字符")


class CharacterClassValidator:
    """At least three of: upper-case letters, lower-case letters, digits, symbols."""

    def validate(self, password, user=None):
        classes = [
            any(c in string.ascii_uppercase for c in password),
            any(c in string.ascii_lowercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(_("密码需包含大写字母、小写字母、数字、符号中的至少三类"), code="password_classes")

    def get_help_text(self):
        return _("密码需包含大写字母、小写字母、数字、符号中的至少三类")
