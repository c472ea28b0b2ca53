"""The corpus of nasty spreadsheets, built by the tests themselves (nothing binary is checked in)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from grassroots.core.identity import make_id_number

HEADERS = ["序号", "姓名", "性别", "民族", "出生日期", "身份证号", "学历", "工作岗位", "入党时间", "转正时间", "党员类别",
           "所在党支部", "联系电话", "家庭住址", "备注"]
_seq = itertools.count(101)


def person(branch: str, *, birth=dt.date(1975, 3, 9), gender="M", **overrides) -> dict:
    number = next(_seq)
    sequence = number * 2 + (1 if gender == "M" else 0)
    row = {
        "序号": number, "姓名": f"王{number}", "性别": "男" if gender == "M" else "女", "民族": "汉族",
        "出生日期": birth, "身份证号": make_id_number("410102", birth, sequence % 1000), "学历": "大学本科",
        "工作岗位": "农牧渔民", "入党时间": dt.date(2001, 7, 1), "转正时间": dt.date(2002, 7, 1), "党员类别": "正式党员",
        "所在党支部": branch, "联系电话": "13800138000", "家庭住址": "甲镇甲一村一组", "备注": "",
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], *, headers=HEADERS, title: str | None = "某某县党员花名册", merged_title: bool = True,
         blank_rows_above: int = 0, hidden: list[dict] | None = None, extra_sheets: dict | None = None,
         name: str = "roster.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    for _ in range(blank_rows_above):
        sheet.append([])
    if title:
        sheet.append([title])
        sheet.append(["填报单位：", None, None, "填报日期：2026年11月"])
        if merged_title:
            sheet.merge_cells(start_row=blank_rows_above + 1, start_column=1, end_row=blank_rows_above + 1,
                              end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    if hidden is not None:
        secret = book.create_sheet("隐藏")
        secret.sheet_state = "hidden"
        secret.append(headers)
        for row in hidden:
            secret.append([row.get(h) for h in headers])
    for sheet_name, sheet_rows in (extra_sheets or {}).items():
        extra = book.create_sheet(sheet_name)
        for row in sheet_rows:
            extra.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows: list[dict], *, headers=HEADERS, encoding="utf-8-sig", name="roster.csv") -> SimpleUploadedFile:
    lines = [",".join(headers)]
    for row in rows:
        lines.append(",".join(_csv_value(row.get(h)) for h in headers))
    return SimpleUploadedFile(name, ("\r\n".join(lines) + "\r\n").encode(encoding))


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return f'"{text}"' if "," in text or '"' in text or "\n" in text else text


def zip_bomb(name="bomb.xlsx") -> SimpleUploadedFile:
    """A valid-looking xlsx whose worksheet inflates ~1000× (the central directory tells before inflating)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 20_000_000 + b"/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def renamed_pdf(name="roster.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")


def empty_book(name="empty.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def org_file(rows: list[list], name="orgs.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["党组织名册"])
    sheet.append(["序号", "党组织名称", "上级党组织", "组织类别", "所在领域", "成立日期", "联系人", "联系电话"])
    for index, row in enumerate(rows, 1):
        sheet.append([index, *row])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())
