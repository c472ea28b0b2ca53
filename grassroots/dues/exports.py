"""党费收缴登记簿 (the branch's dues register for a year) as rows for the printable page and as xlsx, and the
annual statement the branch publishes to its members (公布: names and amounts, no personal identifiers).

The xlsx goes through the one export service (spreadsheets/exports.py): constant-memory xlsxwriter, the watermark
row, formula injection neutralized, audited. The caller (services.register_export) checks the scope first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from grassroots.dues.choices import Category
from grassroots.dues.models import Assessment, Payment
from grassroots.dues.permissions import DuesPerm
from grassroots.dues.rules import to_fen
from grassroots.members.models import Member
from grassroots.spreadsheets.exports import ExportColumn, ExportSpec

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


def register_spec(rows: list[RegisterRow]) -> ExportSpec:
    """The register for the one export service (spreadsheets/exports.py): money as numbers, each month's cell
    as "amount 已交MM-DD" or "amount 未交"."""
    def values(_reveal: bool):
        for row in rows:
            cells = ["" if cell is None else (f"{cell[0]} 已交{cell[1]:%m-%d}" if cell[1] else f"{cell[0]} 未交")
                     for cell in row.cells]
            yield [row.index, row.name, row.category, row.base, row.monthly, *cells,
                   row.due, row.paid, row.extra, row.owed]

    return ExportSpec(
        verb="dues.register.export", sheet_name="党费收缴登记簿",
        columns=tuple(ExportColumn(h, 6 if h == "序号" else 11) for h in REGISTER_COLUMNS),
        rows=values, export_perm=DuesPerm.EXPORT, note="党费金额属个人信息，注意保密",
    )


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
