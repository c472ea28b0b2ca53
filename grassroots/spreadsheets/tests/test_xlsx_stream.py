"""The streaming .xlsx reader against python-calamine, cell by cell, on files built here (no database)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from grassroots.spreadsheets import parsing, rules, xlsx_stream
from grassroots.spreadsheets.tests import files

CUSTOM_DATE = 'yyyy"年"m"月"d"日"'
NOT_DATES = ['0.00%', '"ymd "0', '[Red]0.00', '#,##0_);[Red]\\(#,##0\\)', '0"天"', "@"]


def _trimmed(rows) -> list[list]:
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def calamine_rows(path: Path, name: str) -> list[list]:
    """calamine's rows from column A (it drops the leading empty columns), trailing blanks trimmed."""
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name)
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    return _trimmed(pad + list(row) for row in sheet.iter_rows())


def stream_rows(path: Path, name: str) -> list[list]:
    with xlsx_stream.Workbook(path) as book:
        return _trimmed(book.rows(book.sheet(name), rules.MAX_COLUMNS))


def assert_same_as_calamine(path: Path) -> None:
    with xlsx_stream.Workbook(path) as book:
        names = [s.name for s in book.sheets if s.is_worksheet]
    assert names
    for name in names:
        ours, theirs = stream_rows(path, name), calamine_rows(path, name)
        assert len(ours) == len(theirs), name
        for number, (mine, expected) in enumerate(zip(ours, theirs, strict=True), 1):
            assert mine == expected, f"{name} row {number}"
            assert [type(c) for c in mine] == [type(c) for c in expected], f"{name} row {number}"


def save(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(path)
    return path


def rewrite(path: Path, change) -> Path:
    """A copy of the workbook with change(part name, text) applied to every XML part."""
    target = path.with_name("rewritten-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                data = change(info.filename, data.decode()).encode()
            out.writestr(info.filename, data)
    return target


def mixed_book(tmp_path: Path, *, date1904: bool = False) -> Path:
    book = openpyxl.Workbook()
    if date1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["姓名", "出生日期", "入党时间", "人数", "党员", "备注"])
    sheet.append(["张三", dt.date(1975, 3, 9), dt.datetime(2001, 7, 1, 9, 30), 3, True, "  前后有空格  "])
    sheet.append(["李四", dt.datetime(1980, 1, 1), "2001.07.01", 2.5, False, "0012"])
    sheet.append(["王五", None, None, -0.125, None, "=A1"])  # a formula without a cached value
    sheet["H9"] = "稀疏"  # a gap of columns and rows
    sheet["C12"] = 1e20
    sheet["D12"] = "4101021975030900XX"
    for column, code in zip("ABCDEFGHIJ", [CUSTOM_DATE, "yyyy-mm-dd;@", "h:mm", "[h]:mm", "mm:ss", "m/d/yy h:mm",
                                           'dd"日"', "yyyy/m", "h:mm AM/PM", "[$-F800]dddd, mmmm dd, yyyy"]):
        for row, value in zip(range(14, 22), [44000, 44000.25, 0.5, 1, 59, 61, 1.75, 2958465]):
            sheet[f"{column}{row}"] = value
            sheet[f"{column}{row}"].number_format = code
    for column, code in zip("ABCDEF", NOT_DATES):
        sheet[f"{column}23"] = 44000
        sheet[f"{column}23"].number_format = code
    hidden = book.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden.append(["a", 1])
    for builtin in (14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47):
        cell = hidden.cell(row=2, column=builtin - 12, value=40000.5)
        cell.number_format = openpyxl.styles.numbers.BUILTIN_FORMATS[builtin]
    edges = [2958465, 2958466, -1, -0.5, 0, 0.5, 59.5, 60, 60.5, 61, 1.0000001]
    for column, value in enumerate(edges, 1):  # the ends of the range, Lotus's 1900-02-29, milliseconds
        hidden.cell(row=3, column=column, value=value).number_format = "yyyy-mm-dd"
        hidden.cell(row=4, column=column, value=value).number_format = "[h]:mm:ss"
    return save(book, tmp_path / ("mixed1904.xlsx" if date1904 else "mixed.xlsx"))


def shared_strings_book(tmp_path: Path, *, date1904: bool = False) -> Path:
    """xlsxwriter in its default mode writes text to xl/sharedStrings.xml (openpyxl 3.1 writes inline strings)."""
    path = tmp_path / ("shared1904.xlsx" if date1904 else "shared.xlsx")
    book = xlsxwriter.Workbook(str(path), {"date_1904": date1904})
    sheet = book.add_worksheet("花名册")
    formats = [book.add_format({"num_format": code}) for code in (CUSTOM_DATE, "yyyy-mm-dd;@", "h:mm", "[h]:mm",
                                                                   "yyyy/m", "m/d/yy h:mm", *NOT_DATES)]
    sheet.write_row(0, 0, ["姓名", "身份证号", "日期", "数", "党员", "公式"])
    for line in range(1, 60):
        sheet.write_string(line, 0, f"党员{line % 17}")
        sheet.write_string(line, 1, f"41010219750309{line:04d}")
        sheet.write_number(line, 2, 30000 + line * 101.25, formats[line % len(formats)])
        sheet.write_number(line, 3, line / 8)
        sheet.write_boolean(line, 4, line % 3 == 0)
        sheet.write_formula(line, 5, f'=A{line + 1}&"支部"', None, f"党员{line % 17}支部")
    sheet.write_string(70, 9, "稀疏")
    sheet.write_string(72, 2, "  前后有空格  ")
    book.close()
    return path


def test_openpyxl_book_with_inline_strings_dates_booleans_and_gaps_reads_as_calamine(tmp_path):
    assert_same_as_calamine(mixed_book(tmp_path))


def test_xlsxwriter_book_with_shared_strings_date_formats_and_formula_results_reads_as_calamine(tmp_path):
    path = shared_strings_book(tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert "<si>" in archive.read("xl/sharedStrings.xml").decode()
    assert_same_as_calamine(path)


@pytest.mark.parametrize("build", [mixed_book, shared_strings_book])
def test_the_1904_date_system_reads_as_calamine(tmp_path, build):
    path = build(tmp_path, date1904=True)
    with xlsx_stream.Workbook(path) as book:
        assert book.date1904
    assert_same_as_calamine(path)


def test_openpyxl_dates_in_the_1904_system_come_back_as_written(tmp_path):
    assert stream_rows(mixed_book(tmp_path, date1904=True), "花名册")[1][1:3] == [
        dt.date(1975, 3, 9), dt.datetime(2001, 7, 1, 9, 30)]


def test_rich_text_runs_phonetic_runs_and_preserved_spaces_read_as_calamine(tmp_path):
    path = tmp_path / "rich.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    sheet.write_rich_string(0, 0, "甲", bold, " 乙 ", "丙")
    sheet.write_string(1, 0, "普通")
    book.close()
    path = rewrite(path, lambda name, text: text.replace(
        "<t>普通</t>", '<t xml:space="preserve"> 普通 </t><rPh sb="0" eb="1"><t>ふつう</t></rPh>'))
    with zipfile.ZipFile(path) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
        assert "<rPh" in strings and "<r>" in strings
    assert_same_as_calamine(path)
    assert stream_rows(path, "Sheet1") == [["甲 乙 丙"], [" 普通 "]]


def test_error_cells_come_back_as_their_text(tmp_path):
    """A deliberate difference: calamine gives "" for #N/A; the importer shows the error instead of a blank."""
    book = openpyxl.Workbook()
    book.active.append(["#N/A", "#DIV/0!", "正常"])
    path = save(book, tmp_path / "errors.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert '<c r="A1" t="e">' in archive.read("xl/worksheets/sheet1.xml").decode()
    assert stream_rows(path, "Sheet") == [["#N/A", "#DIV/0!", "正常"]]
    assert calamine_rows(path, "Sheet") == [["", "", "正常"]]


def test_xlsxwriter_inline_strings_formula_results_and_constant_memory_read_as_calamine(tmp_path):
    path = tmp_path / "writer.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("名册")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["姓名", "日期", "数", "公式", "真假", "错误"])
    for line in range(1, 40):
        sheet.write_string(line, 0, f"党员{line}")
        sheet.write_datetime(line, 1, dt.datetime(2000, 1, 1) + dt.timedelta(days=line * 37), date)
        sheet.write_number(line, 2, line * 1.5)
        sheet.write_formula(line, 3, f'=A{line + 1}&"x"', None, f"党员{line}x")
        sheet.write_boolean(line, 4, line % 2 == 0)
        sheet.write_formula(line, 5, "=NA()", None, "#N/A")
    book.close()
    ours, theirs = stream_rows(path, "名册"), calamine_rows(path, "名册")
    assert [row[:5] for row in ours] == [row[:5] for row in theirs]
    assert ours[1] == ["党员1", dt.date(2000, 2, 7), 1.5, "党员1x", False, "#N/A"]
    assert theirs[1] == ours[1][:5]  # calamine reads an error as blank (trimmed here as a trailing blank)


def test_namespace_prefixes_read_as_without(tmp_path):
    path = shared_strings_book(tmp_path)

    def prefixed(name, text):
        if not name.startswith("xl/") or "_rels" in name or "theme" in name:
            return text
        text = re.sub(r"<(/?)([A-Za-z]\w*)([\s/>])", r"<\1x:\2\3", text)
        return text.replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                            'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')

    rewritten = rewrite(path, prefixed)
    with zipfile.ZipFile(rewritten) as archive:
        assert "<x:row" in archive.read("xl/worksheets/sheet1.xml").decode()
        assert "<x:si>" in archive.read("xl/sharedStrings.xml").decode()
    assert stream_rows(rewritten, "花名册") == calamine_rows(path, "花名册")


def test_missing_cell_and_row_references_are_implied_by_position(tmp_path):
    path = mixed_book(tmp_path)

    def drop_refs(name, text):
        if not name.startswith("xl/worksheets/"):
            return text
        text = re.sub(r'<c r="[A-Z]+\d+"', "<c", text)  # cells then follow one another
        return text.replace('<row r="9"', '<row r="8"').replace('<row r="12"', '<row')

    rewritten = rewrite(path, drop_refs)
    rows = stream_rows(rewritten, "花名册")
    assert rows[:3] == calamine_rows(path, "花名册")[:3]
    assert rows[3] == ["王五", -0.125]  # without references the cells openpyxl left out no longer leave gaps
    assert rows[7] == ["稀疏"]  # H9 became A8: no references, so the first cell of its row
    assert rows[8][:4] == [1e20, "4101021975030900XX"]  # the row after 8 is 9


def test_workbook_parts_found_through_relationships_with_absolute_targets(tmp_path):
    path = mixed_book(tmp_path)

    def absolute(name, text):
        if name == "xl/_rels/workbook.xml.rels":
            return re.sub(r'Target="/?xl/', 'Target="/xl/', text).replace('Target="worksheets/', 'Target="/xl/worksheets/')
        return text

    rewritten = rewrite(path, absolute)
    with zipfile.ZipFile(rewritten) as archive:
        assert 'Target="/xl/worksheets/sheet1.xml"' in archive.read("xl/_rels/workbook.xml.rels").decode()
    assert_same_as_calamine(rewritten)
    assert parsing.list_sheets(rewritten, "xlsx") == [parsing.SheetInfo("花名册", True), parsing.SheetInfo("隐藏", False)]


def test_many_shared_strings_across_storage_blocks(tmp_path):
    path = tmp_path / "strings.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for number in range(5000):
        sheet.write_row(number, 0, [f"第{number}号", "重复", f"n{number}" * (number % 7)])
    book.close()
    assert_same_as_calamine(path)
    with xlsx_stream.Workbook(path) as book:
        strings = book.shared_strings()
        assert len(strings) > 2 * 2048
        with pytest.raises(IndexError):
            strings[len(strings)]


@pytest.mark.parametrize(("code", "kind"), [
    ("yyyy-mm-dd", xlsx_stream.DATETIME), (CUSTOM_DATE, xlsx_stream.DATETIME), ("h:mm AM/PM", xlsx_stream.DATETIME),
    ("[$-804]aaaa;@", 0), ("[h]:mm:ss", xlsx_stream.DURATION), ("[Red][mm]", xlsx_stream.DURATION),
    ('"d"0', 0), ("\\d0", 0), ("0_d", 0), ("#,##0*y", 0), ("0.00;[Red]yyyy", 0), ("General", 0),
])
def test_number_format_kinds(code, kind):
    assert xlsx_stream.number_format_kind(code) == kind


def test_a_doctype_is_refused_and_no_entity_expanded(tmp_path):
    path = mixed_book(tmp_path)

    def with_doctype(name, text):
        if name != "xl/worksheets/sheet1.xml":
            return text
        assert not text.startswith("<?xml")  # openpyxl writes no declaration: the DOCTYPE comes first
        return '<!DOCTYPE worksheet [<!ENTITY boom "爆">]>' + text.replace("<v>", "<v>&boom;", 1)

    rewritten = rewrite(path, with_doctype)
    with xlsx_stream.Workbook(rewritten) as book, pytest.raises(xlsx_stream.XlsxError, match="DOCTYPE"):
        list(book.rows(book.sheet("花名册"), rules.MAX_COLUMNS))
    with pytest.raises(parsing.FileRejected, match="无法读取"):
        parsing.open_table(rewritten, "xlsx", "members")


def test_leading_blank_rows_keep_excel_row_numbers(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(files.xlsx([files.person("甲一村党支部")], blank_rows_above=2).read())
    table = parsing.open_table(path, "xlsx", "members")
    assert table.header_row_number == 5  # two blank rows, the title, the 填报单位 line, the header
    assert table.total_rows == 1
    assert [number for number, _cells in table.rows] == [6]


def org_rows(count: int) -> list[list]:
    return [[f"第{n}党支部", "甲镇党委", "党支部", "农村", "", "", ""] for n in range(count)]


def test_the_row_limit_holds_without_a_dimension_and_when_the_dimension_lies(tmp_path):
    limit = rules.MAX_DATA_ROWS["orgs"]
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(files.org_file(org_rows(limit + 1)).read())
    with pytest.raises(parsing.FileRejected, match=f"有{limit + 1}行数据，超过单个文件上限{limit}行"):
        parsing.open_table(path, "xlsx", "orgs")
    no_dimension = rewrite(path, lambda name, text: re.sub(r"<dimension [^>]*/>", "", text))
    with pytest.raises(parsing.FileRejected, match=f"有{limit + 1}行数据，超过单个文件上限{limit}行"):
        parsing.open_table(no_dimension, "xlsx", "orgs")
    lying = rewrite(path, lambda name, text: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:H3"', text))
    table = parsing.open_table(lying, "xlsx", "orgs")
    with pytest.raises(parsing.FileRejected, match=f"超过单个文件上限{limit}行"):
        list(table.rows)


def test_formatted_empty_rows_after_the_data_do_not_count_against_the_limit(tmp_path):
    limit = rules.MAX_DATA_ROWS["orgs"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "党组织名称", "上级党组织", "组织类别"])
    sheet.append([1, "第一党支部", "甲镇党委", "党支部"])
    for row in range(3, limit + 20):
        sheet.cell(row=row, column=2).number_format = "@"  # styled, no value: the dimension counts it
    path = save(book, tmp_path / "template.xlsx")
    with xlsx_stream.Workbook(path) as opened:
        assert opened.dimension(opened.sheets[0])[0] > limit
    table = parsing.open_table(path, "xlsx", "orgs")
    assert table.total_rows == 1
    assert [cells[:2] for _number, cells in table.rows if cells] == [[1.0, "第一党支部"]]


def test_a_short_sheet_claiming_a_huge_dimension_is_counted_again(tmp_path):
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(files.org_file(org_rows(3)).read())
    huge = rewrite(path, lambda name, text: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:H900000"', text))
    table = parsing.open_table(huge, "xlsx", "orgs")
    assert table.total_rows == 3
    assert [number for number, _cells in table.rows] == [3, 4, 5]


def test_a_value_beyond_the_column_limit_is_refused(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "党组织名称", "上级党组织", "组织类别"])
    sheet.cell(row=2, column=rules.MAX_COLUMNS + 5, value="远处")
    path = save(book, tmp_path / "wide.xlsx")
    with pytest.raises(parsing.FileRejected, match=f"有{rules.MAX_COLUMNS + 5}列，超过上限"):
        parsing.open_table(path, "xlsx", "orgs")


def test_a_damaged_workbook_is_refused(tmp_path):
    path = mixed_book(tmp_path)
    broken = rewrite(path, lambda name, text: text[: len(text) // 2] if name == "xl/workbook.xml" else text)
    with pytest.raises(parsing.FileRejected, match="已损坏"):
        parsing.list_sheets(broken, "xlsx")


def test_reading_stays_incremental(tmp_path):
    """The first row comes out after one chunk of the sheet, not after the whole part is parsed."""
    book = openpyxl.Workbook()
    sheet = book.active
    for number in range(20_000):
        sheet.append([f"党员{number}", number, "甲一村党支部"])
    path = save(book, tmp_path / "long.xlsx")
    with xlsx_stream.Workbook(path) as opened:
        reads = []
        original = opened._open

        def counting_open(part):
            stream = original(part)
            read = stream.read

            def counted(size=-1):
                reads.append(size)
                return read(size)

            stream.read = counted
            return stream

        opened._open = counting_open
        rows = opened.rows(opened.sheets[0], rules.MAX_COLUMNS)
        assert next(rows) == ["党员0", 0.0, "甲一村党支部"]
        assert len(reads) <= 2 and all(size == xlsx_stream.CHUNK_BYTES for size in reads)
        assert sum(1 for _row in rows) == 19_999


def test_the_test_corpus_roster_with_merged_title_hidden_and_extra_sheets_reads_as_calamine(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(files.xlsx([files.person("甲一村党支部") for _ in range(3)], hidden=[files.person("甲二村党支部")],
                                extra_sheets={"说明": [["本表由系统导出"]]}).read())
    assert_same_as_calamine(path)


def test_binary_xlsb_packages_go_to_calamine_and_xlsx_is_streamed(tmp_path):
    xlsb = tmp_path / "book.xlsb"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert not parsing._streamed(xlsb, "xlsx")
    assert parsing._streamed(mixed_book(tmp_path), "xlsx")
    assert not parsing._streamed(mixed_book(tmp_path), "xls")


@pytest.mark.parametrize("number", ["2000000000", "1048577", "-5", "abc", "1"])
def test_a_row_number_out_of_range_or_order_is_refused_without_allocating(tmp_path, number):
    """A 1.4 KB file whose one row claims r="2000000000" must not make the reader build the blank rows before it
    (that was gigabytes); rows must ascend (r="1" after row 1) and stay within Excel's 1,048,576."""
    path = mixed_book(tmp_path)

    def far_row(name, text):
        if name != "xl/worksheets/sheet1.xml":
            return text
        last = text.rindex("<row ")
        return text[:last] + re.sub(r'r="\d+"', f'r="{number}"', text[last:], count=1)

    rewritten = rewrite(path, far_row)
    with xlsx_stream.Workbook(rewritten) as book, pytest.raises(xlsx_stream.XlsxError, match="row number"):
        list(book.rows(book.sheet("花名册"), rules.MAX_COLUMNS))
    with pytest.raises(parsing.FileRejected):
        parsing.open_table(rewritten, "xlsx", "members")


def test_blank_rows_before_a_far_row_are_yielded_lazily(tmp_path):
    path = mixed_book(tmp_path)

    def last_row_at_the_limit(name, text):
        if name != "xl/worksheets/sheet1.xml":
            return text
        last = text.rindex("<row ")
        return text[:last] + re.sub(r'r="(\d+)"', 'r="1048576"', text[last:], count=1)

    rewritten = rewrite(path, last_row_at_the_limit)
    with xlsx_stream.Workbook(rewritten) as book:
        rows = book.rows(book.sheet("花名册"), rules.MAX_COLUMNS)
        first = [next(rows) for _ in range(3)]
        assert first[0][0] == "姓名"
        gap = sum(1 for row in itertools.islice(rows, 1_048_570) if row == [])
        assert gap > 1_000_000


def test_an_oversized_cell_is_cut_at_excels_limit(tmp_path):
    path = mixed_book(tmp_path)
    huge = "长" * 200_000

    def big_cell(name, text):
        return text.replace("前后有空格", huge, 1) if name == "xl/worksheets/sheet1.xml" else text

    rewritten = rewrite(path, big_cell)
    with xlsx_stream.Workbook(rewritten) as book:
        rows = list(book.rows(book.sheet("花名册"), rules.MAX_COLUMNS))
    cell = rows[1][5]
    assert isinstance(cell, str) and xlsx_stream.EXCEL_CELL_CHARS < len(cell) < 200_000


@pytest.mark.parametrize("limit", ["MAX_SHARED_STRINGS", "MAX_SHARED_CHARS"])
def test_a_shared_string_table_beyond_its_bounds_is_refused(tmp_path, monkeypatch, limit):
    path = shared_strings_book(tmp_path)
    with xlsx_stream.Workbook(path) as book:
        assert len(list(book.rows(book.sheet("花名册"), rules.MAX_COLUMNS))) > 60  # within the real bounds
    monkeypatch.setattr(xlsx_stream, limit, 3)
    with xlsx_stream.Workbook(path) as book, pytest.raises(xlsx_stream.XlsxError, match="shared-string table"):
        list(book.rows(book.sheet("花名册"), rules.MAX_COLUMNS))
