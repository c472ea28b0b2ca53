"""Reading uploaded spreadsheets safely (SECURITY.md H1): the content decides the format, never the extension;
zip bombs are refused from the archive's directory before anything is decompressed; formulas are read as their
stored values (neither reader evaluates them); hidden sheets are skipped unless chosen by name.

.xlsx/.xlsm are streamed row by row by `xlsx_stream` (memory stays flat however long the sheet, PERFORMANCE.md
target 7); the binary .xls and .xlsb (rare, and small in practice) are read whole by python-calamine; .csv by
the csv module in UTF-8 (with or without BOM) or GB 18030. Rows always start at the sheet's row 1, so a row's
index gives its Excel row number."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import python_calamine
from django.utils.translation import gettext as _

from grassroots.core.errors import DomainError
from grassroots.spreadsheets import rules, xlsx_stream


class FileRejected(DomainError):
    code = "spreadsheet_rejected"


@dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool


@dataclass
class Table:
    """A chosen sheet: its header and an iterator of (Excel row number, cells) after the header."""

    sheet_name: str
    header_index: int  # 0-based within the sheet's rows
    header_row_number: int  # as Excel shows it (1-based)
    header_cells: list[str]
    mapping: dict[int, str]  # column index → field
    total_rows: int  # data rows after the header (blank rows included)
    rows: Iterator[tuple[int, list]]


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sniff(path: Path, file_name: str) -> str:
    """'xlsx', 'xls' or 'csv' from the first bytes; anything else (a renamed PDF or picture) is refused."""
    size = path.stat().st_size
    if size == 0:
        raise FileRejected(_("文件是空的"))
    if size > rules.MAX_FILE_BYTES:
        raise FileRejected(_("文件太大（%(s).1f MB），上限为 %(m)d MB；请拆分后分批导入")
                           % {"s": size / 1048576, "m": rules.MAX_FILE_BYTES // 1048576})
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if head.startswith(rules.ZIP_MAGIC):
        _check_zip(path)
        return "xlsx"
    if head.startswith(rules.OLE2_MAGIC):
        return "xls"
    if file_name.lower().endswith(".csv") and _is_text(head):
        return "csv"
    if head.startswith(b"%PDF"):
        raise FileRejected(_("该文件实际是PDF文档，不是Excel表格（改扩展名不能转换格式）；请上传 .xlsx、.xls 或 .csv 文件"))
    raise FileRejected(_("文件内容不是Excel表格（.xlsx/.xls）或CSV文本；请在Excel中“另存为”.xlsx后再上传"))


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _check_zip(path: Path) -> None:
    """A zip bomb is refused from the central directory: total uncompressed size and per-entry ratio."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRejected(_("文件已损坏，无法作为Excel表格打开")) from exc
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRejected(_("这是一个压缩包或其他Office文档，不是Excel表格；请上传 .xlsx 文件"))
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > 1_000_000 and ratio > rules.MAX_COMPRESSION_RATIO:
            raise FileRejected(_("文件解压后异常膨胀（压缩比超过%(r)d倍），疑似“压缩炸弹”，已拒绝") % {"r": rules.MAX_COMPRESSION_RATIO})
    if total > rules.MAX_DECOMPRESSED_BYTES:
        raise FileRejected(_("文件解压后超过 %(m)d MB，已拒绝；请拆分后分批导入") % {"m": rules.MAX_DECOMPRESSED_BYTES // 1048576})


def _workbook(path: Path):
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise FileRejected(_("文件设置了打开密码；请取消密码后再上传")) from exc
    except Exception as exc:  # calamine raises several kinds for damaged files
        raise FileRejected(_("文件已损坏或格式无法识别，无法读取")) from exc


def list_sheets(path: Path, fmt: str) -> list[SheetInfo]:
    if fmt == "csv":
        return [SheetInfo("CSV", True)]
    if _streamed(path, fmt):
        book = _xlsx_book(path)
        try:
            return [SheetInfo(s.name, s.visible) for s in book.sheets if s.is_worksheet]
        finally:
            book.close()
    book = _workbook(path)
    try:
        return [SheetInfo(m.name, m.visible == python_calamine.SheetVisibleEnum.Visible)
                for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    finally:
        book.close()


def open_table(path: Path, fmt: str, kind: str, *, sheet_name: str = "", include_hidden: bool = False) -> Table:
    """The sheet to import and its header. A named sheet is used even when hidden if include_hidden; otherwise
    the first visible sheet whose header can be found."""
    columns = rules.COLUMNS[kind]
    if fmt == "csv":
        return _table_from_rows("CSV", _csv_rows(path), _csv_count(path), columns, kind)
    sheets = list_sheets(path, fmt)
    if sheet_name:
        chosen = [s for s in sheets if s.name == sheet_name]
        if not chosen:
            raise FileRejected(_("文件中没有名为“%(n)s”的工作表") % {"n": sheet_name})
        if not chosen[0].visible and not include_hidden:
            raise FileRejected(_("工作表“%(n)s”是隐藏的；如确需导入，请勾选“允许导入隐藏工作表”") % {"n": sheet_name})
        candidates = chosen
    else:
        candidates = [s for s in sheets if s.visible]
    if not candidates:
        raise FileRejected(_("文件中没有可见的工作表"))
    last_error = None
    for sheet in candidates:
        if _streamed(path, fmt):
            rows, height, recount = _xlsx_sheet(path, sheet.name)
        else:
            (rows, height), recount = _calamine_sheet(path, sheet.name), None
        try:
            return _table_from_rows(sheet.name, rows, height, columns, kind, recount=recount)
        except FileRejected as exc:
            rows.close()
            if sheet_name:
                raise
            last_error = exc
    raise last_error or FileRejected(_("找不到表头"))


def _streamed(path: Path, fmt: str) -> bool:
    """.xlsx/.xlsm are streamed; .xls and the binary .xlsb (also a zip) are read whole by python-calamine."""
    return fmt == "xlsx" and not xlsx_stream.is_binary_workbook(path)


def _too_wide(name: str, width: int) -> FileRejected:
    return FileRejected(_("工作表“%(n)s”有%(w)d列，超过上限%(m)d列") % {"n": name, "w": width, "m": rules.MAX_COLUMNS})


def _unreadable(name: str) -> FileRejected:
    return FileRejected(_("工作表“%(n)s”无法读取") % {"n": name})


def _xlsx_book(path: Path) -> xlsx_stream.Workbook:
    try:
        return xlsx_stream.Workbook(path)
    except Exception as exc:  # a damaged zip, a missing part, malformed XML, a DOCTYPE
        raise FileRejected(_("文件已损坏或格式无法识别，无法读取")) from exc


def _xlsx_sheet(path: Path, name: str) -> tuple[Iterator[list], int, Callable[[], int]]:
    """The streamed rows, the row count and a function counting again. The count is the sheet's last row as its
    <dimension> gives it, which may include formatted empty rows at the end; without a dimension, or when the
    dimension puts the sheet over the limit, one more pass over the sheet finds the last row holding a value."""
    book = _xlsx_book(path)
    try:
        sheet = book.sheet(name)
        dimension = book.dimension(sheet)
    except Exception as exc:
        book.close()
        raise _unreadable(name) from exc

    def recount() -> int:  # its own handle: the rows may have run out and closed theirs
        try:
            with xlsx_stream.Workbook(path) as again:
                return again.last_row(again.sheet(name))
        except Exception as exc:
            raise _unreadable(name) from exc

    if dimension is None:
        try:
            height = recount()
        except FileRejected:
            book.close()
            raise
        return _xlsx_rows(book, sheet), height, None
    return _xlsx_rows(book, sheet), dimension[0], recount


def _xlsx_rows(book: xlsx_stream.Workbook, sheet: xlsx_stream.Sheet) -> Iterator[list]:
    try:
        yield from book.rows(sheet, rules.MAX_COLUMNS)
    except xlsx_stream.TooManyColumns as exc:
        raise _too_wide(sheet.name, exc.columns) from exc
    except Exception as exc:
        raise _unreadable(sheet.name) from exc
    finally:
        book.close()


def _calamine_sheet(path: Path, name: str) -> tuple[Iterator[list], int]:
    """.xls and .xlsb through python-calamine. Its iter_rows starts at the sheet's row 1 even when `start` is lower
    down (and at the first non-empty column), so the row numbers need no offset."""
    try:
        data = _workbook(path).get_sheet_by_name(name)
    except FileRejected:
        raise
    except Exception as exc:
        raise _unreadable(name) from exc
    if data.width > rules.MAX_COLUMNS:
        raise _too_wide(name, data.width)
    start = data.start or (0, 0)
    return (row for row in data.iter_rows()), start[0] + data.height


def _table_from_rows(name: str, rows: Iterator[list], height: int, columns, kind: str,
                     recount: Callable[[], int] | None = None) -> Table:
    """rows start at the sheet's first row; height is the number of the last row, exact unless recount is given
    (then it is an upper bound and recount() the exact figure)."""
    head: list[list] = []
    for _index in range(rules.HEADER_SCAN_ROWS):
        try:
            head.append(next(rows))
        except StopIteration:
            break
    if not any(any(c not in ("", None) for c in row) for row in head):
        raise FileRejected(_("工作表“%(n)s”是空的") % {"n": name})
    found = rules.find_header(head, columns)
    if found is None:
        expected = "、".join(c.header for c in columns if c.required)
        raise FileRejected(_("工作表“%(n)s”的前%(k)d行中找不到表头；表头应包含%(cols)s等列")
                           % {"n": name, "k": rules.HEADER_SCAN_ROWS, "cols": expected})
    header_index, mapping = found
    missing = rules.missing_required(mapping, columns)
    if missing:
        raise FileRejected(_("工作表“%(n)s”缺少必需的列：%(cols)s") % {"n": name, "cols": "、".join(missing)})
    total = max(0, height - header_index - 1)
    limit = rules.MAX_DATA_ROWS[kind]
    if total > limit and recount is not None:
        total = max(0, recount() - header_index - 1)
    if total > limit:
        raise FileRejected(_("工作表“%(n)s”有%(t)d行数据，超过单个文件上限%(m)d行；请拆分后分批导入")
                           % {"n": name, "t": total, "m": limit})
    header_cells = [rules.clean_text(c) for c in head[header_index]]

    def data_rows():
        for offset, cells in enumerate(head[header_index + 1:], header_index + 1):
            yield offset + 1, cells
        for offset, cells in enumerate(rows, len(head)):
            if offset - header_index > limit and not is_blank(cells):  # longer than its <dimension> said
                raise FileRejected(_("工作表“%(n)s”有%(t)d行数据，超过单个文件上限%(m)d行；请拆分后分批导入")
                                   % {"n": name, "t": offset - header_index, "m": limit})
            yield offset + 1, cells

    return Table(name, header_index, header_index + 1, header_cells, mapping, total, data_rows())


def _csv_text(path: Path) -> io.TextIOBase:
    return open(path, encoding=csv_encoding(path), errors="replace", newline="")


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the first 64 KB decode as UTF-8, else GB 18030 (what Excel and WPS save on
    Chinese Windows). The sample never ends inside a multi-byte character: it runs on to the next ASCII byte, so a
    GB 18030 file whose first Chinese character sits at the cut is not taken for UTF-8, nor the reverse."""
    with open(path, "rb") as handle:
        sample = handle.read(65536)
        for _extra in range(16):
            if not sample or sample[-1] < 0x80:
                break
            more = handle.read(1)
            if not more:
                break
            sample += more
    complete = not sample or sample[-1] < 0x80 or len(sample) < 65536
    try:  # a long run of Chinese may still end mid-character: then only the tail may be incomplete
        codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _csv_rows(path: Path) -> Iterator[list]:
    with _csv_text(path) as text:
        try:
            yield from csv.reader(text)
        except csv.Error as exc:
            raise FileRejected(_("CSV文件格式有误：%(e)s") % {"e": str(exc)[:100]}) from exc


def _csv_count(path: Path) -> int:
    with _csv_text(path) as text:
        return sum(1 for _row in csv.reader(text))


def cells_by_field(cells: list, mapping: dict[int, str]) -> dict[str, object]:
    return {field: (cells[index] if index < len(cells) else None) for index, field in mapping.items()}


def is_blank(cells: list) -> bool:
    for cell in cells:  # a loop, not all(generator): called for every row, and most rows stop at the first cell
        if cell is not None and not (isinstance(cell, str) and not cell.strip()):
            return False
    return True
