"""One exception hierarchy for business errors, each with a stable code and a field when it has one."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    default_message = _("操作无法完成")

    def __init__(self, message=None, *, field: str | None = None, code: str | None = None, **params):
        self.message = message or self.default_message
        self.field = field
        self.params = params
        if code:
            self.code = code
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "field": self.field, **self.params}


class ValidationFailed(DomainError):
    """Several field errors at once: {field: [messages]}."""

    code = "invalid"
    default_message = _("输入有误，请检查标出的字段")

    def __init__(self, errors: dict[str, list[str]], message=None):
        self.errors = {k: [str(m) for m in v] for k, v in errors.items()}
        super().__init__(message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "errors": self.errors}


class ConcurrentEdit(DomainError):
    code = "concurrent_edit"
    default_message = _("该记录已被他人修改，您的保存未生效。请刷新后查看最新内容再修改。")


class NotFoundOrForbidden(DomainError):
    """The same answer for missing and out of scope (no existence oracle)."""

    code = "not_found"
    default_message = _("记录不存在或不在您的管辖范围内")


class PermissionRefused(DomainError):
    code = "forbidden"
    default_message = _("您没有执行此操作的权限")


def length_errors(model, values: dict) -> dict[str, list[str]]:
    """Text longer than its column allows, per field, in the words a form would use. Services call it before
    writing, so an over-long value from an import or the API is a field error, never a database error (PostgreSQL
    refuses it and aborts the transaction; SQLite would silently keep it)."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            column = model._meta.get_field(name)
        except FieldDoesNotExist:  # a form-only key: nothing to check
            continue
        limit = getattr(column, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = [str(_("%(label)s不能超过%(n)d个字（现为%(m)d个字）"))
                            % {"label": column.verbose_name, "n": limit, "m": len(value)}]
    return errors
