"""党费收缴登记簿 (the branch's dues register for a year) as rows for the printable page and as xlsx, and the
annual statement the branch publishes to its members (公布: names and amounts, no personal identifiers).

The xlsx reuses the roster export's helpers (members/exports.py): constant-memory xlsxwriter, the watermark row,
formula-injection neutralized by safe_cell. The caller (services.register_export) checks and audits."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter
from django.db.models import Q

from grassroots.dues.choices import Category
from grassroots.dues.models import Assessment, Payment
from grassroots.dues.rules import to_fen
from grassroots.members.exports import safe_cell
from grassroots.members.models import Member

ZERO = Decimal("0.00")
CATEGORY_LABELS = {code: str(label) for code, label in Category.choices}
REGISTER_COLUMNS = ("序号", "姓名", "类别", "计算基数", "月交纳额",
                    *(f"{m}月" for m in range(1, 13)), "应交合计", "实交合计", "自愿多交", "欠交")


@dataclass
class RegisterRow:
    index: int
    name: str
    category: str = ""
    base: Decimal | None = None
    monthly: Decimal | None = None
    cells: list = field(default_factory=lambda: [None] * 12)  # per month: (amount, paid_on or None) or None
    due: Decimal = ZERO
    paid: Decimal = ZERO
    extra: Decimal = ZERO

    @property
    def owed(self) -> Decimal:
        return self.due - self.paid


def register_rows(org, year: int) -> list[RegisterRow]:
    """Every member with an assessment owed to the branch in the year, or on its roll: three queries."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    assessments = (Assessment.objects.filter(org_path=org.path, month__gte=start, month__lt=end)
                   .values("member_id", "month", "category", "base", "amount", "payment__paid_on")
                   .order_by("member_id", "month"))
    by_member: dict[int, list[dict]] = {}
    for row in assessments:
        by_member.setdefault(row["member_id"], []).append(row)
    ids = set(by_member) | set(Member.objects.filter(org=org, state="active").values_list("pk", flat=True))
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "name"))
    extras: dict[int, Decimal] = {}
    for member_id, extra in Payment.objects.filter(org=org, paid_on__gte=start, paid_on__lt=end).exclude(
            extra_amount=0).values_list("member_id", "extra_amount"):
        extras[member_id] = extras.get(member_id, ZERO) + extra
    rows = []
    for index, member_id in enumerate(sorted(ids, key=lambda pk: (names.get(pk, ""), pk)), 1):
        row = RegisterRow(index=index, name=names.get(member_id, ""), extra=extras.get(member_id, ZERO))
        for item in by_member.get(member_id, []):
            row.category = CATEGORY_LABELS.get(item["category"], "")
            row.base, row.monthly = item["base"], item["amount"]
            row.cells[item["month"].month - 1] = (item["amount"], item["payment__paid_on"])
            row.due += item["amount"]
            if item["payment__paid_on"] is not None:
                row.paid += item["amount"]
        rows.append(row)
    return rows


def write_register(rows: list[RegisterRow], *, title: str, watermark: str) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("党费收缴登记簿")
    bold = workbook.add_format({"bold": True, "align": "center"})
    money = workbook.add_format({"num_format": "0.00"})
    sheet.write_row(0, 0, [safe_cell(title)], bold)
    sheet.write_row(1, 0, REGISTER_COLUMNS, bold)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, len(REGISTER_COLUMNS), 11)
    line = 1
    for line, row in enumerate(rows, 2):
        values = [row.index, safe_cell(row.name), row.category, row.base, row.monthly]
        for cell in row.cells:
            if cell is None:
                values.append("")
            else:
                amount, paid_on = cell
                values.append(f"{amount} 已交{paid_on:%m-%d}" if paid_on else f"{amount} 未交")
        values += [row.due, row.paid, row.extra, row.owed]
        for col, value in enumerate(values):
            if value is None:
                sheet.write_blank(line, col, None)
            elif isinstance(value, Decimal):
                sheet.write_number(line, col, float(value), money)
            else:
                sheet.write(line, col, safe_cell(value))
    sheet.write(line + 2, 0, safe_cell(watermark))
    workbook.close()
    return buffer.getvalue()


def statement_rows(org, year: int) -> tuple[list[dict], dict]:
    """公布: for each member of the subtree's branches, the year's dues due and paid (names only)."""
    from grassroots.core.paths import subtree_q

    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    from django.db.models import Count, Sum

    rows = list(Assessment.objects.filter(subtree_q("org_path", org.path), month__gte=start, month__lt=end)
                .values("member_id", "member__name", "org__name")
                .annotate(due=Sum("amount"), paid=Sum("amount", filter=Q(payment__isnull=False)),
                          months=Count("id", filter=Q(payment__isnull=False)))
                .order_by("org__name", "member__name", "member_id")[:5000])
    extras = dict(Payment.objects.filter(subtree_q("org_path", org.path), paid_on__gte=start, paid_on__lt=end)
                  .values("member_id").annotate(extra=Sum("extra_amount")).values_list("member_id", "extra"))
    for row in rows:
        row["due"] = to_fen(row["due"] or 0)
        row["paid"] = to_fen(row["paid"] or 0)
        row["extra"] = to_fen(extras.get(row["member_id"]) or 0)
    totals = {"due": sum((r["due"] for r in rows), ZERO), "paid": sum((r["paid"] for r in rows), ZERO),
              "extra": sum((r["extra"] for r in rows), ZERO), "members": len(rows)}
    return rows, totals
