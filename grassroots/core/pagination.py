"""List pagination that stays fast at a million rows: keyset on (path, id) for next/previous, offset for a
jump to page N, and no COUNT(*) over big sets (a capped count, or a total from the rollups)."""

import base64
import json
from dataclasses import dataclass, field

from django.db.models import Q

COUNT_CAP = 10_000
MAX_PAGE = 100_000  # a page-number jump past this is clamped (the offset would overflow the database)


def encode_cursor(values: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        return None
    if not (isinstance(values, list) and len(values) == 2):
        return None
    first, second = values
    if not isinstance(first, str) or "\x00" in first or len(first) > 255:
        return None
    if not isinstance(second, int) or isinstance(second, bool) or not 0 <= second < 2**63:
        return None
    return first, second


@dataclass
class Page:
    items: list
    page_size: int
    number: int | None = None  # set for offset pages
    next_cursor: str | None = None
    prev_cursor: str | None = None
    has_next: bool = False
    has_prev: bool = False
    total: int | None = None  # exact when known, else None
    total_capped: bool = False
    extra: dict = field(default_factory=dict)


def keyset_page(qs, *, key_fields: tuple[str, str], page_size: int, after: str | None = None,
                before: str | None = None, page: int | None = None) -> Page:
    """qs must not be ordered yet; it is ordered by key_fields (a unique pair, indexed)."""
    first, second = key_fields
    if before and (cursor := decode_cursor(before)):
        rows = list(_before(qs, first, second, cursor)[: page_size + 1])
        has_prev = len(rows) > page_size
        rows = list(reversed(rows[:page_size]))
        return _page(rows, page_size, first, second, has_prev=has_prev, has_next=True)
    ordered = qs.order_by(first, second)
    if after and (cursor := decode_cursor(after)):
        rows = list(_after(ordered, first, second, cursor)[: page_size + 1])
        return _page(rows[:page_size], page_size, first, second, has_prev=True, has_next=len(rows) > page_size)
    number = min(max(1, page or 1), MAX_PAGE)
    offset = (number - 1) * page_size
    rows = list(ordered[offset : offset + page_size + 1])
    result = _page(rows[:page_size], page_size, first, second, has_prev=number > 1, has_next=len(rows) > page_size)
    result.number = number
    return result


def _cursor_first(qs, condition):
    """AND the cursor condition in *before* the query's other conditions. SQLite bounds an index scan with the
    first range it finds on a column, so the cursor (the tightest bound) must come first; PostgreSQL doesn't care."""
    combined = qs.model._default_manager.filter(condition) & qs
    combined.query.select_related = qs.query.select_related  # `&` keeps only the left side's loading options
    combined.query.deferred_loading = qs.query.deferred_loading
    return combined


def _after(qs, first, second, cursor):
    # first >= x AND (first > x OR second > y): the index range starts at x and the scan stops at the LIMIT.
    condition = Q(**{f"{first}__gte": cursor[0]}) & (Q(**{f"{first}__gt": cursor[0]}) | Q(**{f"{second}__gt": cursor[1]}))
    return _cursor_first(qs, condition).order_by(first, second)


def _before(qs, first, second, cursor):
    condition = Q(**{f"{first}__lte": cursor[0]}) & (Q(**{f"{first}__lt": cursor[0]}) | Q(**{f"{second}__lt": cursor[1]}))
    return _cursor_first(qs, condition).order_by(f"-{first}", f"-{second}")


def _page(rows, page_size, first, second, *, has_prev, has_next) -> Page:
    def key(row):
        return (getattr(row, first), getattr(row, second))

    return Page(
        items=rows, page_size=page_size, has_next=has_next and bool(rows), has_prev=has_prev and bool(rows),
        next_cursor=encode_cursor(key(rows[-1])) if rows else None,
        prev_cursor=encode_cursor(key(rows[0])) if rows else None,
    )


def capped_count(qs, cap: int = COUNT_CAP) -> tuple[int, bool]:
    n = qs.order_by()[: cap + 1].count()
    return (min(n, cap), n > cap)
