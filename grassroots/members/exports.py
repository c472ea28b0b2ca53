"""The roster (花名册) as xlsx: xlsxwriter in constant-memory mode fed by an iterator, columns in the order
of the official roster, personal fields masked unless revealed with a stated reason, a watermark row, cells
that would start a formula neutralized (SECURITY.md F3, H2). The caller audits the export."""

import datetime as dt
import io

import xlsxwriter

from grassroots.core import crypto
from grassroots.members.choices import Education, Gender, MemberStatus, Occupation

ROSTER_COLUMNS = (
    "序号", "姓名", "性别", "民族", "出生日期", "公民身份号码", "学历", "工作岗位", "入党日期", "转正日期",
    "党员类别", "所在党支部", "联系电话", "流动党员", "备注",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LABELS = {
    name: {code: str(label) for code, label in choices.choices}
    for name, choices in (("gender", Gender), ("education", Education), ("occupation", Occupation),
                          ("status", MemberStatus))
}


def safe_cell(value):
    """CWE-1236: text starting with = + - @ TAB CR is prefixed with a quote so it is never a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def roster_rows(queryset, *, reveal: bool):
    fields = ["name", "gender", "ethnicity", "birth_date", "id_number_masked", "education", "occupation",
              "joined_on", "confirmed_on", "status", "org__name", "phone_masked", "is_mobile", "notes"]
    if reveal:
        fields += ["id_number_enc", "phone_enc"]
    for index, row in enumerate(queryset.order_by("org_path", "id").values_list(*fields).iterator(chunk_size=2000), 1):
        record = dict(zip(fields, row, strict=True))
        id_number = crypto.decrypt(record["id_number_enc"]) if reveal else record["id_number_masked"]
        phone = crypto.decrypt(record["phone_enc"]) if reveal else record["phone_masked"]
        yield [
            index, record["name"], _LABELS["gender"].get(record["gender"], ""), record["ethnicity"],
            record["birth_date"], id_number, _LABELS["education"].get(record["education"], ""),
            _LABELS["occupation"].get(record["occupation"], ""), record["joined_on"], record["confirmed_on"],
            _LABELS["status"].get(record["status"], ""), record["org__name"], phone, "是" if record["is_mobile"] else "",
            record["notes"],
        ]


def write_roster(rows, *, title: str, watermark: str) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("党员花名册")
    bold = workbook.add_format({"bold": True, "align": "center"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [title], bold)
    sheet.write_row(1, 0, ROSTER_COLUMNS, bold)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, len(ROSTER_COLUMNS), 14)
    count = 0
    for count, row in enumerate(rows, 1):
        for col, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(count + 1, col, dt.datetime.combine(value, dt.time()), date_format)
            elif value is None:
                sheet.write_blank(count + 1, col, None)
            else:
                sheet.write(count + 1, col, safe_cell(value))
    sheet.write(count + 3, 0, safe_cell(watermark))
    workbook.close()
    return buffer.getvalue(), count
