"""The JSON API: one NinjaAPI composing each app's router, its authentication, and the one place where errors
become responses. Every error body has the same shape: {code, message, errors?} with Chinese messages."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestInvalid
from ninja.renderers import JSONRenderer

from grassroots.api.auth import api_auth
from grassroots.committees.api import router as committees_router
from grassroots.core.errors import ConcurrentEdit, DomainError, NotFoundOrForbidden, PermissionRefused, ValidationFailed
from grassroots.development.api import router as development_router
from grassroots.dues.api import router as dues_router
from grassroots.lifecycle.api import router as lifecycle_router
from grassroots.members.api.views import router as members_router
from grassroots.orglife.api import router as orglife_router
from grassroots.orgs.api.views import router as orgs_router
from grassroots.spreadsheets.api import router as spreadsheets_router

NOT_FOUND_MESSAGE = NotFoundOrForbidden.default_message
INVALID_MESSAGE = ValidationFailed.default_message


class ChineseJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class GrassrootsApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__  # org_detail, member_list, …: unique across the apps' routers


api = GrassrootsApi(
    title="基层党建动态信息管理系统 API",
    version="1",
    description=(
        "认证：浏览器会话（写操作需CSRF令牌）或 `Authorization: Bearer gr_…` API令牌。"
        "所有数据按用户的授权组织范围过滤；范围外的记录与不存在的记录一样返回404。"
        "身份证号、电话等个人信息只返回脱敏值，完整值须调用 reveal 接口并填写事由（留审计记录）。"
    ),
    urls_namespace="api",
    auth=api_auth,
    renderer=ChineseJSONRenderer(),
)
api.add_router("/orgs/", orgs_router, tags=["党组织"])
api.add_router("/members/", members_router, tags=["党员"])
api.add_router("/development/", development_router, tags=["发展党员"])
api.add_router("/lifecycle/", lifecycle_router, tags=["党员管理"])
api.add_router("/dues/", dues_router, tags=["党费"])
api.add_router("/orglife/", orglife_router, tags=["组织生活"])
api.add_router("/committees/", committees_router, tags=["班子与换届"])
api.add_router("/spreadsheets/", spreadsheets_router, tags=["导入导出"])


def error_response(request, status: int, code: str, message, errors: dict | None = None):
    body = {"code": code, "message": str(message)}
    if errors:
        body["errors"] = {field: [str(m) for m in messages] for field, messages in errors.items()}
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    if isinstance(exc, ValidationFailed):
        return error_response(request, 400, exc.code, exc.message, exc.errors)
    if isinstance(exc, PermissionRefused):
        return error_response(request, 403, exc.code, exc.message)
    if isinstance(exc, NotFoundOrForbidden):
        return error_response(request, 404, exc.code, exc.message)
    if isinstance(exc, ConcurrentEdit):
        return error_response(request, 409, exc.code, exc.message)
    if exc.field:  # a rule about one input field (e.g. moving an organization under itself)
        return error_response(request, 400, exc.code, exc.message, {exc.field: [exc.message]})
    return error_response(request, 409, exc.code, exc.message)  # the record's state does not allow it


@api.exception_handler(Http404)
def not_found(request, exc):
    return error_response(request, 404, "not_found", NOT_FOUND_MESSAGE)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return error_response(request, 403, PermissionRefused.code, PermissionRefused.default_message)


HTTP_ERRORS = {
    400: ("bad_request", "请求无法解析：请求体应为有效的JSON"),
    401: ("unauthenticated", "请先登录，或在 Authorization 头中提供有效的API令牌"),
    403: ("csrf_failed", "CSRF校验失败：请刷新页面后重试，或改用API令牌"),
    404: ("not_found", NOT_FOUND_MESSAGE),
    405: ("method_not_allowed", "不支持该请求方法"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    code, message = HTTP_ERRORS.get(exc.status_code, ("error", "请求无法处理"))
    if isinstance(exc, AuthenticationError):
        code = getattr(exc, "code", "unauthenticated")
        if code == "invalid_token":
            message = "API令牌无效、已吊销或已过期，或其用户已停用或锁定"
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(RequestInvalid)
def request_invalid(request, exc: RequestInvalid):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(field_name(error.get("loc", ())), []).append(chinese_message(error))
    return error_response(request, 422, ValidationFailed.code, INVALID_MESSAGE, errors)


def field_name(loc) -> str:
    """("body", "payload", "birth_date") → "birth_date"; ("query", "page_size") → "page_size"."""
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _choices(ctx: dict) -> str:
    expected = str(ctx.get("expected", ""))
    if len(expected) > 200:
        return ""
    return expected.replace("' or '", "、").replace("', '", "、").strip("'")


# pydantic error types → Chinese, with the constraint values pydantic reports in `ctx`.
MESSAGES = {
    "missing": "此字段为必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD（不含时间）",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式无效",
    "datetime_type": "时间格式无效",
    "string_type": "应为文本",
    "string_too_long": "不能超过{max_length}个字符",
    "string_too_short": "至少{min_length}个字符",
    "greater_than_equal": "不能小于{ge}",
    "greater_than": "应大于{gt}",
    "less_than_equal": "不能大于{le}",
    "less_than": "应小于{lt}",
    "list_type": "应为列表",
    "too_long": "最多{max_length}项",
    "too_short": "至少{min_length}项",
    "dict_type": "应为JSON对象",
    "model_type": "应为JSON对象",
    "model_attributes_type": "应为JSON对象",
    "extra_forbidden": "不支持该字段",
    "json_invalid": "不是有效的JSON",
}


def chinese_message(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        choices = _choices(ctx)
        return f"取值无效，可选值：{choices}" if choices else "取值无效"
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])  # our own validators raise ValueError with a Chinese message
    template = MESSAGES.get(kind)
    if template is None:
        return "取值无效"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template
