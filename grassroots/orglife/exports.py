"""The 三会一课 record book as xlsx: xlsxwriter in constant-memory mode, one row per meeting in date order, a
watermark row, every text cell neutralized against formula injection (members.exports helpers)."""

import datetime as dt
import io

import xlsxwriter

from grassroots.members.exports import safe_cell

BOOK_COLUMNS = ("序号", "日期", "会议类型", "党小组", "主题", "地点", "主持人", "记录人", "应到", "实到",
                "出席人员", "缺席人员（原因）", "请假人员（原因）", "列席流动党员", "议程", "会议记录", "决议事项",
                "表决事项", "赞成", "反对", "弃权", "表决结果")


def book_rows(entries):
    for index, entry in enumerate(entries, 1):
        m = entry["meeting"]
        adopted = "" if m.vote_adopted is None else ("通过" if m.vote_adopted else "未通过")
        yield [index, m.date, m.get_kind_display(), m.party_group.name if m.party_group else "", m.topic, m.place,
               m.host.name if m.host else "", m.recorder.name if m.recorder else "", m.expected_count,
               m.present_count, "、".join(entry["present"]), "、".join(entry["absent"]), "、".join(entry["excused"]),
               "、".join(entry["guests"]), m.agenda, m.minutes, m.resolutions, m.vote_subject, m.vote_yes, m.vote_no,
               m.vote_abstain, adopted]


def write_book(entries, *, title: str, watermark: str) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("三会一课记录")
    bold = workbook.add_format({"bold": True, "align": "center"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 9, 11)
    sheet.set_column(10, len(BOOK_COLUMNS), 24)
    sheet.write(0, 0, safe_cell(title), bold)
    sheet.write_row(1, 0, BOOK_COLUMNS, bold)
    row = 1
    for row, values in enumerate(book_rows(entries), 2):
        for col, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
            elif value is None or value == "":
                sheet.write_blank(row, col, None)
            elif isinstance(value, int):
                sheet.write_number(row, col, value)
            else:
                sheet.write_string(row, col, safe_cell(str(value)), wrap)
    sheet.write_string(row + 2, 0, safe_cell(watermark))
    workbook.close()
    return buffer.getvalue()
