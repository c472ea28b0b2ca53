"""Spreadsheet rules as data, pure Python (no ORM, no request): limits, column headers and the aliases people
type, the words people use for enumerations, and how a typed cell becomes a value. Each table cites its source.

Sources:
- [SEC-H1] /work/shared/SECURITY.md §7 H1 (size and row limits, magic bytes, decompressed size, defusedxml).
- [SEC-E4] SECURITY.md §5 E4 (idempotent import keyed on the ID number's blind index).
- [PERF-7] /work/shared/PERFORMANCE.md targets 7 and 8 (100 k rows × 20 columns).
- [ROSTER] the official 党员花名册 column order (members/exports.py ROSTER_COLUMNS, 党内统计 花名册 样表).
- [GB11643] GB 11643-1999 公民身份号码 (validated by grassroots.core.identity, not here).
- [GB4658] GB/T 4658-2006 学历代码 (the words 大专/专科, 中专/中技 …); [GB3304] GB/T 3304-1991 民族名称.
- [I] project decision.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from grassroots.members.choices import ETHNICITIES, Education, Gender, MemberStatus, Occupation
from grassroots.orgs.choices import OrgForm, OrgKind, OrgSector

# --- limits [SEC-H1], numbers [I] (sized for PERF-7: a 100 k × 20 file is about 8 MB) ------------------------
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_DATA_ROWS = {"members": 100_000, "orgs": 5_000}
MAX_COLUMNS = 200
MAX_DECOMPRESSED_BYTES = 400 * 1024 * 1024  # sum of the zip entries' uncompressed sizes
MAX_COMPRESSION_RATIO = 150  # per zip entry; real worksheets compress 5–20×, bombs 1000×
MAX_CELL_CHARS = 2000
HEADER_SCAN_ROWS = 30  # the header row is looked for among the first rows (title rows above it are common)
MIN_HEADER_MATCHES = 2
STALE_AFTER = dt.timedelta(minutes=5)  # a running job without progress this long may be re-queued
EXPORT_INLINE_MAX_ROWS = 5_000  # bigger exports run as background tasks [I]
PREVIEW_PAGE_SIZE = 50

# File signatures [SEC-H1]: the extension is never trusted.
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KNOWN_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv")


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the official header, used by exports and error reports
    aliases: tuple[str, ...] = ()
    required: bool = False


# Member columns in the official roster order [ROSTER]; aliases are the headers found in county files [I].
MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号", "序", "No")),
    Column("name", "姓名", ("名字", "党员姓名", "姓 名"), required=True),
    Column("gender", "性别", ("性 别",)),
    Column("ethnicity", "民族", ("民 族",)),
    Column("birth_date", "出生日期", ("出生年月", "出生时间", "出生年月日")),
    Column("id_number", "公民身份号码", ("身份证号", "身份证号码", "身份证", "公民身份证号", "公民身份证号码", "证件号码"),
           required=True),
    Column("education", "学历", ("文化程度", "最高学历", "学 历")),
    Column("occupation", "工作岗位", ("职业", "人员类别（职业）", "岗位", "工作岗位（职业）")),
    Column("joined_on", "入党日期", ("入党时间", "入党年月", "入党年月日"), required=True),
    Column("confirmed_on", "转正日期", ("转正时间", "转正年月")),
    Column("status", "党员类别", ("党员身份", "人员类别", "党员状态", "正式/预备")),
    Column("org", "所在党支部", ("党组织名称", "所在党组织", "所在支部", "支部名称", "党支部", "所属党支部", "所属支部")),
    Column("org_code", "党组织代码", ("组织代码", "支部代码")),
    Column("phone", "联系电话", ("手机", "手机号", "手机号码", "电话", "联系方式", "电话号码")),
    Column("address", "家庭住址", ("住址", "家庭地址", "现居住地", "居住地址", "现住址")),
    Column("is_mobile", "流动党员", ("是否流动党员",)),
    Column("is_unreachable", "失联党员", ("是否失联党员", "失联")),
    Column("household_plaque", "共产党员户", ("是否共产党员户",)),
    Column("household_hub", "党员中心户", ("是否党员中心户",)),
    Column("notes", "备注", ("说明",)),
)

ORG_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号",)),
    Column("name", "党组织名称", ("组织名称", "党组织全称", "组织全称", "名称"), required=True),
    Column("code", "党组织代码", ("组织代码", "代码")),
    Column("parent", "上级党组织", ("上级组织", "上级党组织名称", "上级组织名称", "隶属党组织")),
    Column("kind", "组织类别", ("党组织类别", "组织类型", "类别")),
    Column("sector", "所在领域", ("单位类别", "领域", "所在单位类别")),
    Column("form", "组建形式", ("组建方式",)),
    Column("founded_on", "成立日期", ("成立时间", "建立时间", "建立日期")),
    Column("term_started_on", "本届选举日期", ("换届时间", "本届换届时间", "选举日期", "换届日期")),
    Column("contact_name", "联系人", ("负责人",)),
    Column("contact_phone", "联系电话", ("电话", "联系方式")),
    Column("address", "地址", ("办公地址", "所在地址")),
)

COLUMNS = {"members": MEMBER_COLUMNS, "orgs": ORG_COLUMNS}

# Member fields compared and written on import (the rest of the record is kept as it is) [SEC-E4].
MEMBER_PLAIN_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "education", "occupation", "joined_on", "confirmed_on", "status",
    "is_mobile", "is_unreachable", "household_plaque", "household_hub", "notes",
)
ORG_FIELDS = ("name", "code", "kind", "sector", "form", "founded_on", "term_started_on", "contact_name",
              "contact_phone", "address")


def _words(choices, extra: dict[str, str]) -> dict[str, str]:
    table = {str(label): code for code, label in choices.choices}
    table.update({code: code for code in choices.values})
    table.update(extra)
    return {key_text(k): v for k, v in table.items()}


@functools.lru_cache(maxsize=4096)
def key_text(value: str) -> str:
    """A header or an enumeration word as compared: NFKC, no spaces, no brackets' content marks."""
    return re.sub(r"[\s:：*＊]", "", unicodedata.normalize("NFKC", value or "")).lower()


# Enumerations in the words people use [GB4658, I].
GENDER_WORDS = _words(Gender, {"男性": "M", "女性": "F", "m": "M", "f": "F"})
EDUCATION_WORDS = _words(Education, {
    "博士": "doctorate", "研究生（博士）": "doctorate", "硕士": "master", "研究生": "master", "研究生（硕士）": "master",
    "本科": "bachelor", "大学": "bachelor", "大本": "bachelor", "大学本科": "bachelor",
    "大专": "college", "专科": "college", "大学专科": "college", "高职": "college",
    "中专": "secondary_vocational", "中技": "secondary_vocational", "中专（中技）": "secondary_vocational",
    "中专/中技": "secondary_vocational", "技校": "secondary_vocational", "职高": "secondary_vocational",
    "中等专科": "secondary_vocational", "高中": "high_school", "初中": "junior_high",
    "小学": "primary", "小学及以下": "primary", "文盲": "primary", "半文盲": "primary", "扫盲": "primary",
})
OCCUPATION_WORDS = _words(Occupation, {
    "工人": "worker", "农民": "farmer", "农牧渔民": "farmer", "牧民": "farmer", "渔民": "farmer",
    "企业管理人员": "enterprise_manager", "事业单位管理人员": "enterprise_manager",
    "专业技术人员": "professional", "专技人员": "professional", "教师": "professional", "医生": "professional",
    "机关干部": "official", "公务员": "official", "党政机关工作人员": "official",
    "学生": "student", "军人": "military", "武警": "military", "离退休": "retired", "离退休人员": "retired",
    "退休": "retired", "其他": "other", "其他职业": "other", "个体": "other", "自由职业": "other",
})
STATUS_WORDS = _words(MemberStatus, {"正式": "full", "预备": "probationary"})
YES_WORDS = {key_text(w) for w in ("是", "√", "✓", "y", "yes", "1", "true", "有")}
NO_WORDS = {key_text(w) for w in ("否", "", "×", "n", "no", "0", "false", "无", "不是")}
ETHNICITY_WORDS = {key_text(e): e for e in ETHNICITIES} | {key_text(e.removesuffix("族")): e for e in ETHNICITIES}
ETHNICITY_WORDS[key_text("汉")] = "汉族"
ORG_KIND_WORDS = _words(OrgKind, {"支部": "branch", "总支": "general_branch", "党总支部": "general_branch",
                                  "基层党委": "committee"})
SECTOR_WORDS = _words(OrgSector, {"乡镇": "township", "街道": "township", "农村": "village", "村": "village",
                                  "社区": "community", "机关": "county_agency", "国企": "state_enterprise",
                                  "非公": "private_enterprise", "民营企业": "private_enterprise"})
FORM_WORDS = _words(OrgForm, {"单建": "regular", "联建": "joint", "联合": "joint"})

ENUM_TABLES = {
    "gender": (GENDER_WORDS, "性别"), "education": (EDUCATION_WORDS, "学历"), "occupation": (OCCUPATION_WORDS, "工作岗位"),
    "status": (STATUS_WORDS, "党员类别"), "ethnicity": (ETHNICITY_WORDS, "民族"), "kind": (ORG_KIND_WORDS, "组织类别"),
    "sector": (SECTOR_WORDS, "所在领域"), "form": (FORM_WORDS, "组建形式"),
}
MEMBER_DATE_FIELDS = ("birth_date", "joined_on", "confirmed_on")
ORG_DATE_FIELDS = ("founded_on", "term_started_on")
FLAG_FIELDS = ("is_mobile", "is_unreachable", "household_plaque", "household_hub")


class CellError(ValueError):
    """A cell that cannot be read; the message is Chinese and names what was expected."""


# --- header detection ----------------------------------------------------------------------------------------


def header_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    lookup = {}
    for column in columns:
        for word in (column.header, *column.aliases):
            lookup[key_text(word)] = column.field
    return lookup


def match_header(cells: list, columns: tuple[Column, ...]) -> dict[int, str]:
    """{column index: field} for the cells of one row that name a known column (first occurrence wins)."""
    lookup = header_lookup(columns)
    found: dict[int, str] = {}
    taken = set()
    for index, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        word = key_text(cell)
        word = re.sub(r"[（(][^）)]*[）)]$", "", word) if word not in lookup else word  # 入党时间(年月日)
        field = lookup.get(word)
        if field and field not in taken:
            found[index] = field
            taken.add(field)
    return found


def find_header(rows: list[list], columns: tuple[Column, ...]) -> tuple[int, dict[int, str]] | None:
    """The row (0-based, among the first HEADER_SCAN_ROWS) naming the most known columns, if it names at least
    MIN_HEADER_MATCHES of them."""
    best: tuple[int, dict[int, str]] | None = None
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = match_header(cells, columns)
        if len(mapping) >= MIN_HEADER_MATCHES and (best is None or len(mapping) > len(best[1])):
            best = (index, mapping)
    return best


def missing_required(mapping: dict[int, str], columns: tuple[Column, ...]) -> list[str]:
    present = set(mapping.values())
    return [c.header for c in columns if c.required and c.field not in present]


# --- cells ---------------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def clean_text(value) -> str:
    """Any cell as text: full-width letters and digits made half-width (NFKC), line breaks and runs of spaces
    collapsed, NUL removed, numbers without a spurious .0."""
    if value is None:
        return ""
    if type(value) is str:
        return _clean_str(value) if len(value) <= CACHED_CELL_CHARS else _clean_str.__wrapped__(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        value = int(value) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return _clean_str(text) if len(text) <= CACHED_CELL_CHARS else _clean_str.__wrapped__(text)


CACHED_CELL_CHARS = 200  # longer text (notes, minutes) is cleaned each time, never held in the cache


@functools.lru_cache(maxsize=8192)
def _clean_str(text: str) -> str:
    """Most cells repeat (enumerations, dates, branch names, 是/否), so short ones are cached. The cache is kept
    small: each row also brings unique cells (ID number, phone, name), and 65,536 of them held 16 MB for nothing;
    the repeated values come round within a few hundred rows and stay."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = " ".join(text.split())[:MAX_CELL_CHARS]
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]  # the quote our exports put before a would-be formula (exports.safe_cell)
    return text


def clean_name(value) -> str:
    """Names: Chinese names lose every space (张  三 → 张三, padding for alignment); others keep single spaces."""
    text = clean_text(value)
    return text.replace(" ", "") if " " in text and _CJK.search(text) else text


def clean_id_number(value) -> str:
    """The ID column as typed. A number cell has lost its last digits (Excel keeps 15 significant digits)."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise CellError(_("身份证号被存成了数字，后几位已丢失；请把该列设为“文本”格式后重新录入"))
    return clean_text(value).replace(" ", "").upper()


def clean_phone(value) -> str:
    return clean_text(value).replace(" ", "")


EXCEL_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system (with Lotus's 1900-02-29 folded in)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def parse_date(value) -> dt.date | None:
    """Dates as people type them: 2019.07.01, 2019年7月1日, 2019-7-1, 20190701, 2019/07 (→ the 1st), Excel
    serial numbers and datetimes. Blank → None; anything else raises CellError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return _parse_date_text(value)
    if isinstance(value, bool):
        raise CellError(_("不是有效日期"))
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(_("不是有效日期"))
        number = int(value)
        if 19000101 <= number <= 29991231 and float(value).is_integer():  # 20190701 typed as a number
            return parse_date(str(number))
        if not 1 <= value < 2958466:
            raise CellError(_("不是有效日期"))
        return EXCEL_EPOCH + dt.timedelta(days=number)
    return _parse_date_text(str(value))


@functools.lru_cache(maxsize=8192)
def _parse_date_text(value: str) -> dt.date | None:
    text = clean_text(value)
    if not text:
        return None
    if re.match(r"^\d{4}-\d{1,2}-\d{1,2}[ T]\d", text):  # a datetime written as text
        text = re.split(r"[ T]", text)[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return _date(*match.groups())
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            return _date(match.group(1), match.group(2), "1")
    raise CellError(_("无法识别的日期“%(v)s”，请写成 2019-07-01、2019.07.01 或 2019年7月1日") % {"v": text[:30]})


def _date(year: str, month: str, day: str) -> dt.date:
    try:
        result = dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise CellError(_("日期不存在：%(y)s年%(m)s月%(d)s日") % {"y": year, "m": month, "d": day}) from exc
    if result.year < 1900:
        raise CellError(_("日期早于1900年，请核对"))
    return result


def parse_enum(field: str, value) -> str:
    """An enumeration from the word people use (大专 → college, 汉 → 汉族). Blank → ""."""
    return _parse_enum(field, value if isinstance(value, str) else clean_text(value))


@functools.lru_cache(maxsize=4096)
def _parse_enum(field: str, value: str) -> str:
    table, label = ENUM_TABLES[field]
    word = key_text(clean_text(value))
    if not word:
        return ""
    code = table.get(word)
    if code is None:
        code = table.get(re.sub(r"[（(][^）)]*[）)]", "", word))
    if code is None:
        raise CellError(_("%(label)s“%(v)s”无法识别") % {"label": label, "v": clean_text(value)[:30]})
    return code


def parse_flag(value) -> bool:
    word = key_text(clean_text(value))
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise CellError(_("应填写“是”或“否”"))


def looks_masked(text: str) -> bool:
    """A value copied from a masked export (4101**********1234, 138****1234): it identifies nobody."""
    return "*" in text or "＊" in text or text.endswith(("…", "..."))


def read_member_row(cells: dict[str, object]) -> tuple[dict, dict[str, str]]:
    """One data row as {field: raw cell} → (values, {field: error}). Only the fields present are returned;
    a blank optional cell is left out (the stored value is kept: nothing is lost by a blank cell)."""
    values: dict = {}
    errors: dict[str, str] = {}
    for field, raw in cells.items():
        try:
            if field in ("seq", "org", "org_code"):
                text = clean_text(raw)
                if text and field != "seq":
                    values[field] = text
            elif field == "name":
                values["name"] = clean_name(raw)
            elif field == "id_number":
                number = clean_id_number(raw)
                if looks_masked(number):
                    raise CellError(_("身份证号已脱敏（含*号），无法识别是哪位党员；请使用完整号码"))
                values["id_number"] = number
            elif field == "phone":
                phone = clean_phone(raw)
                if phone and not looks_masked(phone):
                    values["phone"] = phone
            elif field == "address":
                address = clean_text(raw)
                if address and not looks_masked(address):
                    values["address"] = address
            elif field == "notes":
                notes = clean_text(raw)
                if notes:
                    values["notes"] = notes
            elif field in MEMBER_DATE_FIELDS:
                day = parse_date(raw)
                if day is not None:
                    values[field] = day
            elif field in FLAG_FIELDS:
                if clean_text(raw):
                    values[field] = parse_flag(raw)
            elif field in ENUM_TABLES:
                code = parse_enum(field, raw)
                if code:
                    values[field] = code
        except CellError as exc:
            errors[field] = str(exc)
    return values, errors


def infer_status(values: dict) -> str:
    """A new member without 党员类别: a confirmation date means a full member, none a probationary one [I]."""
    return MemberStatus.FULL if values.get("confirmed_on") else MemberStatus.PROBATIONARY


def read_org_row(cells: dict[str, object]) -> tuple[dict, dict[str, str]]:
    values: dict = {}
    errors: dict[str, str] = {}
    for field, raw in cells.items():
        try:
            if field in ORG_DATE_FIELDS:
                day = parse_date(raw)
                if day is not None:
                    values[field] = day
            elif field in ENUM_TABLES:
                code = parse_enum(field, raw)
                if code:
                    values[field] = code
            elif field == "name":
                values["name"] = _SPACES.sub("", clean_text(raw)) if _CJK.search(clean_text(raw)) else clean_text(raw)
            elif field == "contact_phone":
                phone = clean_phone(raw)
                if phone and not looks_masked(phone):
                    values[field] = phone
            elif field != "seq":
                text = clean_text(raw)
                if text:
                    values[field] = text
        except CellError as exc:
            errors[field] = str(exc)
    return values, errors


def header_of(kind: str, field: str) -> str:
    for column in COLUMNS[kind]:
        if column.field == field:
            return column.header
    return {"org": "所在党支部", "id_number": "公民身份号码"}.get(field, field)
