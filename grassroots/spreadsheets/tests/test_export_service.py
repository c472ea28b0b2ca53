"""The export service's writer, without a database: the types modules hand it come out as Excel types."""

import datetime as dt
from decimal import Decimal

import openpyxl

from grassroots.spreadsheets.exports import ExportColumn, watermark_text, write_xlsx


class _Actor:
    def get_username(self):
        return "clerk"


def test_amounts_are_numbers_with_two_decimals_and_long_text_wraps(tmp_path):
    target = tmp_path / "register.xlsx"
    columns = (ExportColumn("姓名"), ExportColumn("金额"), ExportColumn("日期"), ExportColumn("记录", wrap=True))
    count = write_xlsx(target, [["=1+1", Decimal("43.21"), dt.date(2026, 3, 1), "第一行\n第二行"]],
                       columns=columns, sheet_name="登记簿", title="标题", watermark="水印")
    sheet = openpyxl.load_workbook(target).active
    name, amount, day, minutes = (sheet.cell(4, col) for col in range(1, 5))

    assert count == 1
    assert [sheet.cell(r, 1).value for r in (1, 2, 3)] == ["标题", "水印", "姓名"]
    assert name.value == "'=1+1"
    assert amount.value == 43.21 and amount.number_format == "0.00"
    assert day.value == dt.datetime(2026, 3, 1)
    assert minutes.alignment.wrap_text and not name.alignment.wrap_text


def test_a_register_note_follows_the_watermark():
    now = dt.datetime(2026, 11, 22, 9, 30)
    assert watermark_text(_Actor(), reveal=False, now=now).endswith("个人信息已脱敏")
    assert watermark_text(_Actor(), reveal=False, now=now, note="注意保密").endswith("个人信息已脱敏　注意保密")
