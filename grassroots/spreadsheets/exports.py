"""The one export service for registers (roster, organization list, each module's registers): xlsxwriter in
constant-memory mode fed by an iterator, columns in the official order, personal fields masked unless the user
holds the reveal permission and states a reason, a watermark row (who, when), cells that would start a formula
neutralized (SECURITY.md F3, H2; PERFORMANCE.md target 8), every export audited.

A module describes its register as an `ExportSpec` and calls `export_register`, which checks the gates, writes
the file to a temporary path or a stored path (never into memory: xlsxwriter's in-memory mode turns constant
memory off), audits it and returns the row count."""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.access.scoping import has_perm_anywhere
from grassroots.core import audit
from grassroots.core.errors import PermissionRefused, ValidationFailed

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """CWE-1236: text starting with = + - @ TAB CR is prefixed with a quote so it is never a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportColumn:
    header: str
    width: int = 14
    wrap: bool = False  # long text (minutes, agendas) wraps in the cell, for printing


@dataclass
class ExportSpec:
    """What a module exports: a sheet name, the columns in official order and a row iterator factory.
    `rows(reveal)` yields lists in column order; personal fields come masked unless reveal is True."""

    verb: str  # audit verb, e.g. "members.roster.export"
    sheet_name: str
    columns: tuple[ExportColumn, ...]
    rows: Callable[[bool], Iterable[list]]
    export_perm: str
    reveal_perm: str | None = None  # None: the register has no personal fields to reveal
    note: str = ""  # appended to the watermark row, e.g. a register's own confidentiality line


def check_gates(actor, spec: ExportSpec, *, reveal: bool, reason: str) -> None:
    """Export needs the module's export permission; full personal data also the reveal permission and a
    stated reason (SECURITY.md F3)."""
    if not has_perm_anywhere(actor, spec.export_perm):
        raise PermissionRefused()
    if reveal:
        if spec.reveal_perm is None or not has_perm_anywhere(actor, spec.reveal_perm):
            raise PermissionRefused()
        if not (reason or "").strip():
            raise ValidationFailed({"reason": [_("导出完整身份证号和电话须填写事由")]})


def watermark_text(actor, *, reveal: bool, now: dt.datetime | None = None, note: str = "") -> str:
    now = now or timezone.localtime()
    kept = _("含完整个人信息") if reveal else _("个人信息已脱敏")
    text = _("导出人：%(u)s　导出时间：%(t)s　%(k)s") % {"u": actor.get_username(), "t": f"{now:%Y-%m-%d %H:%M}", "k": kept}
    return f"{text}　{note}" if note else text


def write_xlsx(target, rows: Iterable[list], *, columns, sheet_name: str, title: str, watermark: str) -> int:
    """Writes title, watermark, header and rows to `target` (a path) in constant-memory mode; returns the row
    count. The watermark is the second row, above the header, so a file edited and imported again reads clean.
    Dates become Excel dates, Decimal amounts numbers with two decimals; None a blank cell; every text cell passes
    through safe_cell."""
    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_formulas": False,
                                                 "strings_to_numbers": False, "strings_to_urls": False})
    try:
        sheet = workbook.add_worksheet(sheet_name[:31])
        bold = workbook.add_format({"bold": True, "align": "center"})
        note = workbook.add_format({"font_color": "#888888"})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        money = workbook.add_format({"num_format": "0.00"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        headers = [c.header if isinstance(c, ExportColumn) else str(c) for c in columns]
        wrapped = {i for i, c in enumerate(columns) if isinstance(c, ExportColumn) and c.wrap}
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width if isinstance(column, ExportColumn) else 14)
        sheet.write_string(0, 0, safe_cell(title), bold)
        sheet.write_string(1, 0, safe_cell(watermark), note)
        sheet.write_row(2, 0, headers, bold)
        yes, no = str(_("是")), str(_("否"))  # translated once, not per cell (gettext costs microseconds a call)
        count = 0
        for count, row in enumerate(rows, 1):
            line = count + 2
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(line, col, value.replace(tzinfo=None), date_format)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(line, col, dt.datetime.combine(value, dt.time()), date_format)
                elif isinstance(value, bool):
                    sheet.write_string(line, col, yes if value else no)
                elif isinstance(value, Decimal) and value.is_finite():
                    sheet.write_number(line, col, float(value), money)
                elif isinstance(value, int | float) and math.isfinite(value) and abs(value) < 1e300:
                    sheet.write_number(line, col, value)
                elif col in wrapped:
                    sheet.write_string(line, col, safe_cell(str(value)), wrap)
                else:
                    sheet.write_string(line, col, safe_cell(str(value)))
    finally:
        workbook.close()
    return count


def export_register(actor, spec: ExportSpec, target, *, reveal: bool = False, reason: str = "", title: str = "",
                    org_path: str = "", filters: dict | None = None, audit_target=None) -> int:
    """Gate, write, audit. Returns the number of rows. The audit event is written after the file, in its own
    transaction: an export that failed to write is not recorded as done."""
    check_gates(actor, spec, reveal=reveal, reason=reason)
    watermark = watermark_text(actor, reveal=reveal, note=spec.note)
    count = write_xlsx(target, spec.rows(reveal), columns=spec.columns, sheet_name=spec.sheet_name,
                       title=title or spec.sheet_name, watermark=watermark)
    with transaction.atomic():
        audit.record(actor=actor, verb=spec.verb, target=audit_target, org_path=org_path,
                     changes={"rows": count, "revealed": reveal, "filters": filters or {}}, reason=reason)
    return count


def export_bytes(actor, spec: ExportSpec, **kwargs) -> tuple[bytes, int]:
    """A small export as bytes: written to a temporary file (constant memory), read back, and the temporary
    file removed in every case (SECURITY.md F5)."""
    handle, name = tempfile.mkstemp(suffix=".xlsx", prefix="gr-export-")
    os.close(handle)
    try:
        count = export_register(actor, spec, name, **kwargs)
        return Path(name).read_bytes(), count
    finally:
        Path(name).unlink(missing_ok=True)


def iter_chunks(iterator: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
