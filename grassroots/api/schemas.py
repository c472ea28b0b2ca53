"""Schema pieces every app's API shares: safe text, ids, pagination parameters and envelopes, the error body."""

import datetime as dt
from typing import Annotated

from django.db import models
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints

from grassroots.core.pagination import Page, decode_cursor

MAX_ID = 2**63 - 1  # BigAutoField
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 100_000
MAX_VERSION = 2**31 - 1
# Dates a Party record can carry. Bounding them keeps date arithmetic in the rules (term ends, probation
# years) inside what Python's date can represent.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("不能包含空字符")
    return value


def blank_to_none(value):
    """An empty query parameter (`?status=`) means "no filter", as in the HTML filter forms."""
    return None if value == "" else value


def text(max_length: int | None = None, *, strip: bool = False, min_length: int | None = None):
    """A string without NUL bytes, at most `max_length` characters (after stripping, when `strip`)."""
    constraints = StringConstraints(max_length=max_length, min_length=min_length, strip_whitespace=strip)
    return Annotated[str, constraints, AfterValidator(_no_nul)]


def text_for(model: type[models.Model], field: str, *, strip: bool = False):
    """Text limited to the model column's own max_length, so the database never sees a longer value."""
    return text(model._meta.get_field(field).max_length, strip=strip)


def _date_in_range(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"日期应在{EARLIEST_DATE.isoformat()}至{LATEST_DATE.isoformat()}之间")
    return value


Date = Annotated[dt.date, AfterValidator(_date_in_range)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_VERSION, description="读取时的版本号（乐观锁）")]
SearchText = text(100)


def _check_cursor(token: str | None) -> str | None:
    if token is None:
        return None
    values = decode_cursor(token)
    valid = (
        values is not None
        and isinstance(values[0], str)
        and "\x00" not in values[0]
        and type(values[1]) is int
        and 0 < values[1] <= MAX_ID
    )
    if not valid:
        raise ValueError("翻页游标无效，请从第一页重新开始")
    return token


Cursor = Annotated[
    Annotated[str, StringConstraints(max_length=600)] | None,
    BeforeValidator(blank_to_none),
    AfterValidator(_check_cursor),
]


class InputSchema(Schema):
    """Request bodies: enum members arrive as plain values, and an unknown (e.g. misspelt) field is refused
    instead of silently ignored."""

    model_config = ConfigDict(use_enum_values=True, extra="forbid")


class PageQuery(Schema):
    """Keyset cursors (`after`/`before`) for next/previous, or `page` for a jump; `page_size` ≤ 200."""

    after: Cursor = Field(None, description="下一页游标（上一次响应的 next_cursor）")
    before: Cursor = Field(None, description="上一页游标（上一次响应的 prev_cursor）")
    page: Annotated[Annotated[int, Field(ge=1, le=MAX_PAGE)] | None, BeforeValidator(blank_to_none)] = Field(
        None, description="跳转到第N页（无游标时使用）"
    )
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE


class PageOut(Schema):
    page_size: int
    page: int | None = Field(None, description="按页码翻页时的页码")
    next_cursor: str | None
    prev_cursor: str | None
    has_next: bool
    has_prev: bool
    total: int | None = Field(None, description="总数（超过上限时为上限值，见 total_capped）")
    total_capped: bool = False


def page_body(page: Page) -> dict:
    return {
        "items": page.items,
        "page_size": page.page_size,
        "page": page.number,
        "next_cursor": page.next_cursor if page.has_next else None,
        "prev_cursor": page.prev_cursor if page.has_prev else None,
        "has_next": page.has_next,
        "has_prev": page.has_prev,
        "total": page.total,
        "total_capped": page.total_capped,
    }


# The error statuses the API answers with, for the OpenAPI document: 400 rule violation, 401 no credentials,
# 403 no permission or CSRF, 404 missing or out of scope, 409 stale version or state conflict, 422 malformed input.
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 422})


class ErrorOut(Schema):
    code: str = Field(description="稳定的错误代码，如 invalid、not_found、forbidden、concurrent_edit")
    message: str = Field(description="给用户看的中文说明")
    errors: dict[str, list[str]] | None = Field(None, description="按字段列出的错误")
