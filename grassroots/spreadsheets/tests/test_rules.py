"""Cell rules without a database: dates, text, enumerations, headers, at and around each boundary."""

import datetime as dt

import pytest

from grassroots.spreadsheets import rules


@pytest.mark.parametrize(("raw", "expected"), [
    ("2019.07.01", dt.date(2019, 7, 1)),
    ("2019年7月1日", dt.date(2019, 7, 1)),
    ("2019-7-1", dt.date(2019, 7, 1)),
    ("20190701", dt.date(2019, 7, 1)),
    (20190701, dt.date(2019, 7, 1)),
    ("2019/07", dt.date(2019, 7, 1)),
    ("2019年7月", dt.date(2019, 7, 1)),
    ("２０１９．０７．０１", dt.date(2019, 7, 1)),
    (" 2019-07-01 00:00:00 ", dt.date(2019, 7, 1)),
    (43647, dt.date(2019, 7, 1)),  # Excel serial number
    (43647.75, dt.date(2019, 7, 1)),
    (dt.datetime(2019, 7, 1, 8, 30), dt.date(2019, 7, 1)),
    (dt.date(2019, 7, 1), dt.date(2019, 7, 1)),
    ("", None),
    (None, None),
])
def test_dates_as_people_type_them(raw, expected):
    assert rules.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2019-02-30", "2019.13.01", "明年", "1899-12-31", 0, -5, True, "20191301"])
def test_impossible_dates_are_refused_in_chinese(raw):
    with pytest.raises(rules.CellError) as info:
        rules.parse_date(raw)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


def test_excel_serial_boundaries():
    assert rules.parse_date(1) == dt.date(1899, 12, 31)
    assert rules.parse_date(2958465) == dt.date(9999, 12, 31)
    with pytest.raises(rules.CellError):
        rules.parse_date(2958466)


@pytest.mark.parametrize(("field", "raw", "code"), [
    ("education", "大专", "college"), ("education", "专科", "college"), ("education", "中专", "secondary_vocational"),
    ("education", "中技", "secondary_vocational"), ("education", "大学本科", "bachelor"), ("education", "本科", "bachelor"),
    ("ethnicity", "汉", "汉族"), ("ethnicity", "汉族", "汉族"), ("ethnicity", "回", "回族"),
    ("gender", "男", "M"), ("gender", "女 ", "F"), ("status", "预备", "probationary"), ("status", "正式党员", "full"),
    ("occupation", "农民", "farmer"), ("kind", "党支部", "branch"), ("kind", "总支", "general_branch"),
])
def test_enumerations_in_the_words_people_use(field, raw, code):
    assert rules.parse_enum(field, raw) == code


def test_unknown_enumeration_names_the_column():
    with pytest.raises(rules.CellError, match="学历"):
        rules.parse_enum("education", "夜大")


def test_text_cleaning_full_width_spaces_line_breaks():
    assert rules.clean_text("ＡＢＣ１２３") == "ABC123"
    assert rules.clean_text(" 甲镇\n甲一村 ") == "甲镇 甲一村"
    assert rules.clean_name("张　 三") == "张三"
    assert rules.clean_name("Anna  Li") == "Anna Li"
    assert rules.clean_text(13800138000.0) == "13800138000"


def test_id_number_lowercase_x_and_full_width():
    assert rules.clean_id_number("11010519491231002ｘ") == "11010519491231002X"
    assert rules.clean_id_number(" 110105 19491231 002x ") == "11010519491231002X"


def test_id_number_stored_as_a_number_is_refused():
    with pytest.raises(rules.CellError, match="文本"):
        rules.clean_id_number(4.10102197503091e17)


def test_header_found_below_title_rows_with_aliases():
    rows = [["某县花名册"], [None, "填报日期"], ["序号", "名字", "公民身份号码", "入党日期", "党组织名称"], ["1", "张三"]]
    index, mapping = rules.find_header(rows, rules.MEMBER_COLUMNS)
    assert index == 2
    assert mapping == {0: "seq", 1: "name", 2: "id_number", 3: "joined_on", 4: "org"}


def test_header_with_bracketed_hint_and_star():
    _index, mapping = rules.find_header([["*姓名", "身份证号码（18位）", "入党时间(年月日)"]], rules.MEMBER_COLUMNS)
    assert set(mapping.values()) == {"name", "id_number", "joined_on"}


def test_header_needs_two_known_columns():
    assert rules.find_header([["姓名", "爱好"]], rules.MEMBER_COLUMNS) is None
    assert rules.find_header([["姓名", "身份证号"]], rules.MEMBER_COLUMNS) is not None


def test_header_scan_stops_at_the_limit():
    rows = [[None]] * rules.HEADER_SCAN_ROWS + [["姓名", "身份证号", "入党时间"]]
    assert rules.find_header(rows, rules.MEMBER_COLUMNS) is None
    assert rules.find_header(rows[1:], rules.MEMBER_COLUMNS) is not None


def test_masked_values_never_overwrite():
    values, errors = rules.read_member_row({"phone": "138****1234", "address": "甲镇甲一村…", "name": "张三"})
    assert "phone" not in values and "address" not in values and not errors
    _values, errors = rules.read_member_row({"id_number": "4101**********1234"})
    assert "脱敏" in errors["id_number"]


def test_status_inferred_for_new_members_only_from_confirmation():
    assert rules.infer_status({"confirmed_on": dt.date(2020, 1, 1)}) == "full"
    assert rules.infer_status({}) == "probationary"


def test_flags():
    assert rules.parse_flag("是") is True and rules.parse_flag("√") is True and rules.parse_flag("否") is False
    with pytest.raises(rules.CellError):
        rules.parse_flag("也许")
