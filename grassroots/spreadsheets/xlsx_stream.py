"""A streaming reader for .xlsx worksheets: rows come out one at a time while the worksheet's XML is inflated
and parsed in 64 KB chunks, so memory stays flat however long the sheet is (PERFORMANCE.md target 7).

Cells come out as python-calamine's `iter_rows` gives them, as far as the importer uses them: text as str,
numbers as float, numbers in a date or time format as `datetime.date`/`datetime`/`time` (the workbook's 1900 or
1904 date system), durations (`[h]:mm`) as `timedelta`, booleans as bool, and blank cells as "" so that positions
are kept. Formulas are never evaluated: a formula cell gives its cached value. Three differences from calamine, on
purpose: an error cell gives its text (`#N/A`; calamine gives "", which would pass for a blank cell); columns start
at column A (calamine drops leading empty columns; rows start at row 1 in both); and a row is as long as its last
non-blank cell (calamine pads every row to the widest).

Parsing is expat's C parser with a few lines of Python per element. Security (SECURITY.md H1): a document with a
DOCTYPE is refused, so no entity is ever declared or expanded; external entities are never fetched. The shared
strings are the one part kept whole (cells refer to them by number); they are held as a few large strings plus
an array of offsets rather than one Python object per string."""

from __future__ import annotations

import datetime as dt
import posixpath
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

CHUNK_BYTES = 1 << 16
_STRINGS_PER_BLOCK = 2048
# Hard bounds, so a small file cannot make the reader allocate without limit (a row numbered 2,000,000,000, a cell
# or a string table of hundreds of megabytes): Excel's own limits for rows and for the characters in a cell, and a
# shared-string table no real roster comes near (100,000 rows × 20 columns is 2 M cells at most).
EXCEL_MAX_ROWS = 1_048_576
EXCEL_CELL_CHARS = 32_767
MAX_SHARED_STRINGS = 3_000_000
MAX_SHARED_CHARS = 60_000_000
_DIGITS = "0123456789"
_EPOCH_1900 = dt.datetime(1899, 12, 31)  # serial 1 is 1900-01-01; serial 60 is Lotus's 1900-02-29
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_MS_PER_DAY = 86_400_000
DATETIME, DURATION = 1, 2
BUILTIN_DATE_FORMATS = {**dict.fromkeys(range(14, 23), DATETIME), 45: DATETIME, 46: DURATION, 47: DATETIME}


class XlsxError(ValueError):
    """The file is not a worksheet this reader can read (damaged XML, a missing part, a DOCTYPE)."""


class TooManyColumns(XlsxError):
    def __init__(self, columns: int):
        super().__init__(f"a cell in column {columns}")
        self.columns = columns


@dataclass(frozen=True)
class Sheet:
    name: str
    visible: bool
    part: str  # the worksheet's path inside the zip
    is_worksheet: bool  # False for chart sheets and dialog sheets


class _Stop(Exception):
    pass


def _refuse_doctype(*_args):
    raise XlsxError("DOCTYPE declarations are not allowed")


def _parser(namespaces: bool = True) -> expat.XMLParserType:
    """No DTD, no entities. With namespaces a name is 'uri local' whatever prefix the generator used; without
    (the two big parts, where resolving costs about a fifth of the parse), a name is 'prefix:local' and the
    prefix is taken from the root element."""
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.buffer_size = CHUNK_BYTES
    return parser


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _prefix(root: str) -> str:
    """'x:worksheet' → 'x:'; 'worksheet' → ''."""
    return root[: root.index(":") + 1] if ":" in root else ""


def _feed(parser, stream) -> Iterator[None]:
    """Feeds the stream to the parser chunk by chunk, pausing after each chunk (the caller drains its output)."""
    try:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                parser.Parse(b"", True)
                return
            parser.Parse(chunk, False)
            yield
    except expat.ExpatError as exc:
        raise XlsxError(f"malformed XML: {exc}") from exc


def _attribute(attrs: dict, local: str, default=None):
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return default


def column_index(letters: str) -> int:
    """'A' → 0, 'Z' → 25, 'AA' → 26."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def cell_position(ref: str) -> tuple[int, int]:
    """'C5' → (row 5, column index 2)."""
    letters = ref.rstrip(_DIGITS)
    return int(ref[len(letters):]), column_index(letters)


def number_format_kind(code: str) -> int:
    """DATETIME if a custom number format shows a date or time (y m d h s outside quotes and brackets, or an
    AM/PM marker), DURATION for elapsed time ([h], [mm], [ss]), else 0. Only the first section (up to ';')
    counts; a character after \\, _ or * is a literal."""
    escaped = quoted = False
    bracket = ""
    in_bracket = False
    lower = code.lower()
    for index, char in enumerate(lower):
        if escaped:
            escaped = False
        elif quoted:
            quoted = char != '"'
        elif in_bracket:
            if char == "]":
                in_bracket = False
                if bracket and bracket[0] in "hms" and bracket == bracket[0] * len(bracket):
                    return DURATION
            else:
                bracket += char
        elif char in "\\_*":
            escaped = True
        elif char == '"':
            quoted = True
        elif char == "[":
            in_bracket, bracket = True, ""
        elif char == ";":
            return 0
        elif char in "ymdhs":
            return DATETIME
        elif char == "a" and lower.startswith(("am/pm", "a/p"), index):
            return DATETIME
    return 0


def excel_datetime(serial: float, kind: int, date1904: bool):
    """A serial number in a date format as Python, as calamine gives it: a time of day below serial 1, a date
    when there is no time of day, else a datetime; a duration format gives timedelta. Rounded to the
    millisecond. A serial past 9999-12-31 stays a number."""
    ms = round(serial * _MS_PER_DAY)
    if kind == DURATION:
        return dt.timedelta(milliseconds=ms)
    days, ms_of_day = divmod(ms, _MS_PER_DAY)
    try:
        if serial < 1:
            return (dt.datetime.min + dt.timedelta(milliseconds=ms_of_day)).time()
        if date1904:
            moment = _EPOCH_1904 + dt.timedelta(days=days, milliseconds=ms_of_day)
        else:
            moment = _EPOCH_1900 + dt.timedelta(days=days - (1 if days >= 60 else 0), milliseconds=ms_of_day)
    except OverflowError:
        return serial
    return moment if ms_of_day else moment.date()


class SharedStrings:
    """The workbook's shared strings, compactly: blocks of concatenated text and one array of end offsets."""

    __slots__ = ("_blocks", "_count", "_ends")

    def __init__(self):
        self._blocks: list[str] = []
        self._ends = array("I")  # offsets within a block: a block holds at most 2,048 cells of text
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self._count:
            raise IndexError(index)
        block = self._blocks[index // _STRINGS_PER_BLOCK]
        start = self._ends[index - 1] if index % _STRINGS_PER_BLOCK else 0
        return block[start:self._ends[index]]

    @classmethod
    def read(cls, stream) -> SharedStrings:
        table = cls()
        pending: list[str] = []
        parts: list[str] = []
        state = {"prefix": None, "in_t": False, "phonetic": 0, "offset": 0, "length": 0, "total": 0}
        names: dict[str, str] = {}

        def start(name, attrs):
            if state["prefix"] is None:
                state["prefix"] = _prefix(name)
                names.update(si=state["prefix"] + "si", t=state["prefix"] + "t", rPh=state["prefix"] + "rPh")
            if name == names["t"]:
                state["in_t"] = not state["phonetic"]
            elif name == names["rPh"]:
                state["phonetic"] += 1

        def end(name):
            if name == names["t"]:
                state["in_t"] = False
            elif name == names["si"]:
                text = "".join(parts)[:EXCEL_CELL_CHARS]
                parts.clear()
                state["length"] = 0
                state["total"] += len(text)
                if table._count >= MAX_SHARED_STRINGS or state["total"] > MAX_SHARED_CHARS:
                    raise XlsxError("shared-string table too large")
                pending.append(text)
                state["offset"] += len(text)
                table._ends.append(state["offset"])
                table._count += 1
                if len(pending) == _STRINGS_PER_BLOCK:
                    table._blocks.append("".join(pending))
                    pending.clear()
                    state["offset"] = 0
            elif name == names["rPh"]:
                state["phonetic"] -= 1

        def data(text):
            if state["in_t"] and state["length"] <= EXCEL_CELL_CHARS:
                parts.append(text)
                state["length"] += len(text)

        parser = _parser(namespaces=False)
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        for _chunk in _feed(parser, stream):
            pass
        if pending:
            table._blocks.append("".join(pending))
        return table


def is_binary_workbook(path) -> bool:
    """An .xlsb: a zip like .xlsx, but its parts are binary records, not XML (python-calamine reads those)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "xl/workbook.bin" in names and "xl/workbook.xml" not in names


class Workbook:
    """An open .xlsx: its sheets (in workbook order), date system, date styles and, once needed, shared strings."""

    def __init__(self, path):
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise XlsxError(str(exc)) from exc
        self._names = set(self._zip.namelist())
        try:
            self.workbook_part = self._office_document()
            self._rels = self._relationships(self.workbook_part)
            self.sheets, self.date1904 = self._read_workbook()
            self.date_styles = self._read_styles()
        except Exception:
            self._zip.close()
            raise
        self._strings: SharedStrings | None = None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- package parts ---

    def _open(self, part: str):
        if part not in self._names:
            raise XlsxError(f"missing part {part}")
        return self._zip.open(part)

    def _small(self, part: str, start) -> None:
        """Parses a small part, calling start(local name, attributes) for each element."""
        parser = _parser()
        parser.StartElementHandler = lambda name, attrs: start(_local(name), attrs)
        with self._open(part) as stream:
            for _chunk in _feed(parser, stream):
                pass

    def _office_document(self) -> str:
        found = []
        if "_rels/.rels" in self._names:
            self._small("_rels/.rels", lambda name, attrs: found.append(attrs.get("Target", ""))
                        if name == "Relationship" and attrs.get("Type", "").endswith("/officeDocument") else None)
        return _resolve("", found[0]) if found else "xl/workbook.xml"

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """{id: (type's last word, target part)} of a part."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        rels: dict[str, tuple[str, str]] = {}
        if rels_part in self._names:
            def start(local, attrs):
                if local == "Relationship" and attrs.get("TargetMode") != "External":
                    rels[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2],
                                                 _resolve(folder, attrs.get("Target", "")))
            self._small(rels_part, start)
        return rels

    def _related(self, kind: str, default: str) -> str | None:
        for rel_kind, target in self._rels.values():
            if rel_kind == kind:
                return target
        return default if default in self._names else None

    def _read_workbook(self) -> tuple[list[Sheet], bool]:
        sheets: list[Sheet] = []
        date1904 = []

        def start(local, attrs):
            if local == "sheet":
                rel_kind, target = self._rels.get(_attribute(attrs, "id", ""), ("", ""))
                sheets.append(Sheet(attrs.get("name", ""), attrs.get("state", "visible") == "visible", target,
                                    rel_kind == "worksheet"))
            elif local == "workbookPr":
                date1904.append(attrs.get("date1904", "0").lower() in ("1", "true"))

        self._small(self.workbook_part, start)
        return sheets, bool(date1904 and date1904[0])

    def _read_styles(self) -> dict[str, int]:
        """{cell style index as written in s="…": DATETIME or DURATION} for the styles showing dates or times."""
        part = self._related("styles", "xl/styles.xml")
        if part is None:
            return {}
        formats: dict[int, int] = dict(BUILTIN_DATE_FORMATS)
        style_formats: list[int] = []
        where = {"cellXfs": False}

        def start(local, attrs):
            if local == "numFmt":
                try:
                    formats[int(attrs.get("numFmtId", ""))] = number_format_kind(attrs.get("formatCode", ""))
                except ValueError:
                    pass
            elif local == "cellXfs":
                where["cellXfs"] = True
            elif local == "cellStyleXfs" or local == "dxfs":
                where["cellXfs"] = False
            elif local == "xf" and where["cellXfs"]:
                try:
                    style_formats.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    style_formats.append(0)

        self._small(part, start)
        return {str(index): formats[fmt] for index, fmt in enumerate(style_formats) if formats.get(fmt)}

    def shared_strings(self) -> SharedStrings:
        if self._strings is None:
            part = self._related("sharedStrings", "xl/sharedStrings.xml")
            if part is None:
                self._strings = SharedStrings()
            else:
                with self._open(part) as stream:
                    self._strings = SharedStrings.read(stream)
        return self._strings

    # --- worksheets ---

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise XlsxError(f"no sheet named {name}")

    def dimension(self, sheet: Sheet) -> tuple[int, int] | None:
        """(last row, last column) from the sheet's <dimension ref>, read from the start of the part only;
        None when it is missing or names a single cell (some generators write A1 whatever the size)."""
        found: list[str] = []

        def start(name, attrs):
            local = _local(name)
            if local == "dimension":
                found.append(attrs.get("ref", ""))
            if local in ("dimension", "sheetData"):
                raise _Stop

        parser = _parser()
        parser.StartElementHandler = start
        with self._open(sheet.part) as stream:
            try:
                for _chunk in _feed(parser, stream):
                    pass
            except _Stop:
                pass
        if not found or ":" not in found[0]:
            return None
        try:
            return cell_position(found[0].split(":")[1].replace("$", ""))
        except ValueError:
            return None

    def last_row(self, sheet: Sheet) -> int:
        """The number of the last row holding a value: a whole pass over the sheet, lighter than reading it (no
        values built, shared strings not needed). For sheets without a usable dimension."""
        names: dict[str, str] = {}
        state = {"row": 0, "last": 0, "collecting": False}

        def start(name, attrs):
            if not names:
                prefix = _prefix(name)
                names.update(row=prefix + "row", v=prefix + "v", t=prefix + "t")
            elif name == names["row"]:
                state["row"] = _row_number(attrs.get("r"), state["row"])
            elif name == names["v"] or name == names["t"]:
                state["collecting"] = True

        def end(name):
            if name == names["v"] or name == names["t"]:
                state["collecting"] = False

        def data(text):
            if state["collecting"] and text:
                state["last"] = state["row"]

        parser = _parser(namespaces=False)
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        with self._open(sheet.part) as stream:
            for _chunk in _feed(parser, stream):
                pass
        return state["last"]

    def rows(self, sheet: Sheet, max_columns: int) -> Iterator[list]:
        """Every row from row 1 to the last one written, as a list of values (a missing row is []). A value in a
        column past max_columns raises TooManyColumns before that row comes out."""
        strings = self.shared_strings()
        date_styles = self.date_styles
        date1904 = self.date1904
        column_of: dict[str, int] = {}
        done: list[list] = []
        row: list = []
        prefix = None
        ROW = C = V = T = RPH = "\0"  # element names, set from the root element's prefix
        row_number = 0  # the last row emitted
        column = -1
        cell_type = cell_style = None
        text = ""
        collecting = False
        phonetic = 0

        def start(name, attrs):
            nonlocal row, row_number, column, cell_type, cell_style, text, collecting, phonetic
            if name == C:
                ref = attrs.get("r")
                if ref is None:
                    column += 1
                else:
                    letters = ref.rstrip(_DIGITS)
                    index = column_of.get(letters)
                    if index is None:
                        index = column_of[letters] = column_index(letters)
                    column = index
                cell_type = attrs.get("t")
                cell_style = attrs.get("s")
                text = ""
            elif name == T or name == V:
                collecting = not phonetic
            elif name == ROW:
                number = _row_number(attrs.get("r"), row_number)
                if number - row_number > 1:
                    done.append(_Gap(number - row_number - 1))  # blank rows, yielded lazily
                row_number = number
                row = []
                column = -1
            elif name == RPH:
                phonetic += 1
            elif prefix is None:
                _root(name)

        def end(name):
            nonlocal collecting, phonetic
            if name == C:
                if not text:
                    return
                if cell_type is None or cell_type == "n":
                    value = float(text)
                    if cell_style is not None:
                        kind = date_styles.get(cell_style)
                        if kind:
                            value = excel_datetime(value, kind, date1904)
                elif cell_type == "s":
                    value = strings[int(text)]
                elif cell_type == "b":
                    value = text.strip() in ("1", "true")
                elif cell_type == "d":
                    value = _iso_datetime(text)
                else:  # inlineStr, str (a formula's text), e (an error such as #N/A)
                    value = text
                if column >= max_columns:
                    raise TooManyColumns(column + 1)
                if column == len(row):
                    row.append(value)
                elif column > len(row):
                    row.extend([""] * (column - len(row)))
                    row.append(value)
                else:
                    row[column] = value
            elif name == T or name == V:
                collecting = False
            elif name == ROW:
                done.append(row)
            elif name == RPH:
                phonetic -= 1

        def data(chunk):
            nonlocal text
            if collecting and len(text) <= EXCEL_CELL_CHARS:
                text += chunk

        def _root(name):
            nonlocal prefix, ROW, C, V, T, RPH
            prefix = _prefix(name)
            ROW, C, V, T, RPH = (prefix + local for local in ("row", "c", "v", "t", "rPh"))

        parser = _parser(namespaces=False)
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        with self._open(sheet.part) as stream:
            for _chunk in _feed(parser, stream):
                if done:
                    yield from _expand(done)
                    done.clear()
        yield from _expand(done)


class _Gap(int):
    """A run of blank rows between two <row> elements."""


def _expand(rows: list) -> Iterator[list]:
    for row in rows:
        if isinstance(row, _Gap):
            for _blank in range(row):
                yield []
        else:
            yield row


def _row_number(attribute: str | None, previous: int) -> int:
    """A <row>'s number: its r attribute, else the next one. Rows must ascend and stay within Excel's limit."""
    if not attribute:
        number = previous + 1
    else:
        try:
            number = int(attribute)
        except ValueError as exc:
            raise XlsxError(f"bad row number {attribute[:20]!r}") from exc
    if number <= previous or number > EXCEL_MAX_ROWS:
        raise XlsxError(f"row number {number} out of order or beyond {EXCEL_MAX_ROWS}")
    return number


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(posixpath.join(folder, target))


def _iso_datetime(text: str):
    """A t="d" cell (ISO 8601, written by a few generators)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().rstrip("Z"))
    except ValueError:
        return text
    return moment.date() if "T" not in text and " " not in text.strip() else moment
