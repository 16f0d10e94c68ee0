"""Read one raw Excel export (`.xlsx`) with python-calamine.

The first visible sheet (a hidden notes sheet before the data is not it), or the one
the table's `meta: {sheet: ...}` names; row 1 is
the header and a record's line is its spreadsheet row number. Cells come back
typed and are written as the CSV contract writes them: whole numbers without
`.0`, dates `yyyy-mm-dd`, timestamps `yyyy-mm-ddThh:mm:ss`, an empty cell as
no value; a date-time keeps a fraction of a second to the millisecond, and a date
in a timestamp column is its midnight (calamine returns a date-time at midnight as a
date). Blank rows are no records. A merged or empty header cell, or a sheet
that is not there, is a `FileProblem`; a total row at the bottom is left for
the row checks (it is rejected as `total_row`). A cell holding an Excel error
(#N/A, #DIV/0! …), which calamine returns as empty, puts its row in quarantine
(`invalid_in_export`), found by the scan below, as does a merged data cell for every
row it leaves empty.

calamine holds a sheet as one rectangle of cells, from its first value to its
farthest, however few of them hold one: a single stray value in column XFD or
row 1048576 makes a table of a few thousand rows hundreds of millions of cells
(gigabytes). So the sheet's XML is scanned first, as it is inflated, and a
sheet whose rectangle would be far larger than its values is a `FileProblem`
naming the far cell, before calamine builds anything. Likewise for text: a cell refers to
a string of the workbook's shared strings by its number, and calamine copies the string
into every cell that does, so one long string in a small file, repeated down a column,
would be gigabytes. The sheet is refused when its cells would hold more text than one
entry of the archive may inflate to (`ArchiveLimits.max_entry_bytes`).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.parsers import expat

import python_calamine
from lxml import etree

from samspil.load.archive import (
    DEFAULT_LIMITS,
    ArchiveProblem,
    check_directory,
    entry_chunks,
    read_entry,
)
from samspil.load.rawfile import (
    FileProblem,
    RawTable,
    ReadDetails,
    Record,
    check_header,
    timestamp_text,
)
from samspil.load.schema import FileSchema

SAVE_AGAIN = "save the workbook again as .xlsx from Excel"

SPAN_FLOOR = 1_000_000
"""Cells a sheet may span from A1 to its farthest value however few of them hold one."""
SPAN_FACTOR = 10
"""Beyond `SPAN_FLOOR`, how many times its values a sheet may span. An empty cell of the
rectangle costs calamine and the reader about a fifth of what a value costs the loader, so a
sheet ten times larger than its values takes a few times what the same table takes dense:
a sparse survey table still loads, a stray value far away does not."""

_REFERENCE = re.compile(r"([A-Za-z]{1,7})([0-9]{1,10})")
_NUMBER = re.compile(r"[0-9]{1,10}")
_CELL_CONTENT = frozenset({"v", "f", "is"})
"""What makes a cell a value: a value, a formula, an inline string."""
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def column_letter(index: int) -> str:
    """The spreadsheet name of the 0-based column `index`: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of the spreadsheet column `letters`: A → 0, AA → 26."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def cell_text(value: object) -> str | None:
    """A typed cell as the CSV contract writes its value."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return timestamp_text(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _sheet(workbook: python_calamine.CalamineWorkbook, schema: FileSchema) -> str:
    names = list(workbook.sheet_names)
    if schema.sheet is None:
        if not names:
            raise FileProblem(f"{schema.file}: the workbook has no sheet; {SAVE_AGAIN}.")
        visible = [
            sheet.name
            for sheet in workbook.sheets_metadata
            if sheet.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        return (visible or names)[0]
    if schema.sheet not in names:
        raise FileProblem(
            f"{schema.file}: no sheet '{schema.sheet}' (the workbook has "
            f"{', '.join(repr(name) for name in names)}); rename the sheet, or set "
            f"meta: {{sheet: ...}} on {schema.stem} in "
            f"models/staging/{schema.source}/_{schema.source}__sources.yml to the sheet to load."
        )
    return schema.sheet


def _check_merged_header(sheet: python_calamine.CalamineSheet, schema: FileSchema) -> None:
    for (first_row, first_column), (_, last_column) in sheet.merged_cell_ranges or []:
        if first_row == 0 and last_column > first_column:
            raise FileProblem(
                f"{schema.file}: sheet '{sheet.name}', header cells "
                f"{column_letter(first_column)}1:{column_letter(last_column)}1 are merged; "
                f"unmerge them and give each column its own name in row 1."
            )


def _merged_data(sheet: python_calamine.CalamineSheet) -> dict[int, tuple[int, int, str]]:
    """The data rows merged cells cover, each with the merge's first and last column and
    its range: Excel keeps a merged range's value in its top left cell alone, so the rows
    below it (and, merged across columns, its own row) hold empty cells that look filled."""
    found: dict[int, tuple[int, int, str]] = {}
    for (first_row, first_column), (last_row, last_column) in sheet.merged_cell_ranges or []:
        reference = (
            f"{column_letter(first_column)}{first_row + 1}:"
            f"{column_letter(last_column)}{last_row + 1}"
        )
        for row in range(max(first_row, 1), last_row + 1):
            found.setdefault(row, (first_column, last_column, reference))
    return found


def _check_archive(path: Path, file: str) -> None:
    """Refuse a workbook whose zip would inflate beyond the limits (a zip bomb), from its
    central directory, before calamine inflates anything; a file that is no zip is left to
    calamine's own error."""
    try:
        with zipfile.ZipFile(path) as archive:
            check_directory(archive, file, SAVE_AGAIN)
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        return
    except ArchiveProblem as problem:
        raise FileProblem(str(problem)) from None


@dataclass(frozen=True)
class _Extent:
    """Where a sheet's values are: how many, and how far from A1 they reach."""

    values: int
    rows: int  # the lowest value's row number
    columns: int  # the farthest value's column number
    rightmost: tuple[int, int]  # (row, column) of the first value in the last column
    lowest: tuple[int, int]  # (row, column) of the first value in the last row
    rows_above: int  # the rows up to the last value above the last row
    columns_before: int  # the columns up to the last value before the last column
    errors: dict[int, int]
    """The 0-based column of the first cell holding an Excel error (#N/A, #DIV/0! …) in
    each 0-based row that has one: calamine returns such a cell as empty."""
    shared: Counter[int]
    """How many cells refer to each of the workbook's shared strings, by its number."""
    first_shared: dict[int, tuple[int, int]]
    """The (row, column) of the first cell referring to each shared string."""

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _relationships(root: etree._Element | None) -> dict[str, tuple[str, str]]:
    """A relationships part as id -> (type, target)."""
    found: dict[str, tuple[str, str]] = {}
    for element in [] if root is None else root:
        if isinstance(element.tag, str) and etree.QName(element).localname == "Relationship":
            found[element.get("Id", "")] = (element.get("Type", ""), element.get("Target", ""))
    return found


def _entries(
    archive: zipfile.ZipFile, name: str, file: str
) -> tuple[zipfile.ZipInfo, zipfile.ZipInfo | None]:
    """The zip entries of the worksheet `name` and of the shared strings (if any), found as
    calamine finds them: the folder of the workbook part the package's relationships name,
    the sheet's relationship id in its workbook.xml, and that relationship's target (from
    the zip's root where it starts with a `/`); entry names compared regardless of case."""
    entries = {info.filename.replace("\\", "/").lower(): info for info in archive.infolist()}

    def part(entry: str) -> etree._Element | None:
        info = entries.get(entry.lower())
        if info is None:
            return None
        return etree.fromstring(read_entry(archive, info, file, SAVE_AGAIN), _XML)

    folder = "xl/"
    for kind, target in _relationships(part("_rels/.rels")).values():
        if kind.endswith("/officeDocument"):
            folder = target[: target.rfind("/") + 1].removeprefix("/")
    workbook = part(f"{folder}workbook.xml")
    sheets = _relationships(part(f"{folder}_rels/workbook.xml.rels"))

    def entry_of(target: str) -> zipfile.ZipInfo | None:
        return entries.get((target[1:] if target.startswith("/") else f"{folder}{target}").lower())

    strings = next(
        (entry_of(target) for kind, target in sheets.values() if kind.endswith("/sharedStrings")),
        None,
    )
    for sheet in [] if workbook is None else workbook.iter("{*}sheet"):
        if sheet.get("name") != name:
            continue
        identity = next(
            (value for key, value in sheet.attrib.items() if etree.QName(key).localname == "id"),
            "",
        )
        target = sheets.get(identity, ("", ""))[1]
        if target and (entry := entry_of(target)) is not None:
            return entry, strings
    raise FileProblem(
        f"{file}: the worksheet of sheet '{name}' is not where the workbook's parts say it "
        f"is; {SAVE_AGAIN}."
    )


def _extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> _Extent:
    """Where the values of a worksheet are, read as its XML is inflated (a cell without a
    reference follows the one before it, a row without a number the row before it, as
    calamine reads them). A cell is a value where it has a value, a formula or an inline
    string: calamine skips a cell without one, as Excel writes a formatted empty cell. Only
    element starts are followed (an end would double the callbacks), so a cell stays open
    until the next cell or row: what opens inside it is a value only if it is one of those.
    Characters are followed only in a shared-string cell's value, to count the cells that
    refer to each string (`_check_shared_text`). expat, not lxml: one callback per element
    start and little kept, the least a cell can cost here."""
    columns_of: dict[str, int] = {}
    errors: dict[int, int] = {}
    shared: Counter[int] = Counter()
    first_shared: dict[int, tuple[int, int]] = {}
    row = column = -1
    open_cell = shared_cell = False
    # The text of a shared-string cell's value (the string's number) as it is read:
    # characters are followed only there, not in every value.
    reference: list[str] | None = None
    parser = expat.ParserCreate()

    def end_reference() -> None:
        nonlocal reference
        if reference is not None and _NUMBER.fullmatch(digits := "".join(reference).strip()):
            shared[int(digits)] += 1
            first_shared.setdefault(int(digits), (row, column))
        reference = parser.CharacterDataHandler = None

    values = rows = columns = rows_above = columns_before = 0
    rightmost = lowest = (0, 0)

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, column, open_cell, values, rows, columns, rows_above, columns_before
        nonlocal rightmost, lowest, shared_cell, reference
        if reference is not None:
            end_reference()
        if name == "c" or name.endswith(":c"):
            found = _REFERENCE.fullmatch(attributes.get("r", ""))
            if found:
                letters = found[1]
                column = columns_of.get(letters, -1)
                if column < 0:
                    column = columns_of[letters] = column_index(letters)
                row = int(found[2]) - 1
            else:
                column += 1
            open_cell = True
            kind = attributes.get("t")
            shared_cell = kind == "s"
            if kind == "e":
                errors.setdefault(row, column)
        elif name == "row" or name.endswith(":row"):
            number = attributes.get("r", "")
            row = int(number) - 1 if _NUMBER.fullmatch(number) else row + 1
            column, open_cell = -1, False
        elif open_cell and (local := name[name.rfind(":") + 1 :]) in _CELL_CONTENT:
            open_cell = False
            if shared_cell and local == "v":
                reference = []
                parser.CharacterDataHandler = reference.append
            values += 1
            if column >= columns:
                columns_before, columns, rightmost = columns, column + 1, (row, column)
            elif column + 1 < columns:
                columns_before = max(columns_before, column + 1)
            if row >= rows:
                rows_above, rows, lowest = rows, row + 1, (row, column)
            elif row + 1 < rows:
                rows_above = max(rows_above, row + 1)

    parser.StartElementHandler = start
    for chunk in entry_chunks(archive, info, file, SAVE_AGAIN):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    end_reference()
    return _Extent(
        values, rows, columns, rightmost, lowest, rows_above, columns_before, errors, shared,
        first_shared,
    )  # fmt: skip


def _string_lengths(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, file: str) -> list[int]:
    """The characters of each of the workbook's shared strings, in order: the text of its
    `t` elements (a rich string's runs included, its phonetic reading too: an upper bound)."""
    lengths: list[int] = []
    depth = 0  # inside a `t` element

    def start(name: str, _attributes: dict[str, str]) -> None:
        nonlocal depth
        local = name[name.rfind(":") + 1 :]
        if local == "si":
            lengths.append(0)
        elif local == "t":
            depth += 1

    def end(name: str) -> None:
        nonlocal depth
        if name[name.rfind(":") + 1 :] == "t":
            depth -= 1

    def text(data: str) -> None:
        if depth and lengths:
            lengths[-1] += len(data)

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    for chunk in entry_chunks(archive, entry, file, SAVE_AGAIN):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return lengths


def _check_shared_text(
    archive: zipfile.ZipFile, extent: _Extent, entry: zipfile.ZipInfo | None, name: str, file: str
) -> None:
    """Refuse a sheet whose cells would hold more text than `max_entry_bytes` characters
    by repeating shared strings (see the module docstring), naming the first cell of the
    string that repeats most."""
    if not extent.shared or entry is None:
        return
    lengths = _string_lengths(archive, entry, file)
    held = {
        index: count * lengths[index]
        for index, count in extent.shared.items()
        if index < len(lengths)
    }
    limit, total = DEFAULT_LIMITS.max_entry_bytes, sum(held.values())
    if total <= limit:
        return
    index = max(held, key=lambda number: held[number])
    row, column = extent.first_shared[index]
    raise FileProblem(
        f"{file}: sheet '{name}' repeats the workbook's shared strings to "
        f"{total:,} characters of cell text (cell {column_letter(column)}"
        f"{row + 1} and {extent.shared[index] - 1:,} others hold one string of "
        f"{lengths[index]:,} characters), more than the {limit:,} a sheet may hold: a "
        f"damaged or hostile workbook, so it is not read; {SAVE_AGAIN}."
    )


def _scan(path: Path, name: str, file: str) -> _Extent:
    """Where the values of the sheet `name` are; refuse it if they reach far beyond the
    table they belong to (see `SPAN_FACTOR`), naming the far value: the one in the last
    column where the sheet would do without that column, else the one in the last row where
    it would do without that row, else both. Refuse it too if its cells would repeat shared
    strings to too much text (`_check_shared_text`)."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheet, strings = _entries(archive, name, file)
            extent = _extent(archive, sheet, file)
            _check_shared_text(archive, extent, strings, name, file)
    except ArchiveProblem as problem:
        raise FileProblem(str(problem)) from None
    except (etree.XMLSyntaxError, expat.ExpatError) as error:
        raise FileProblem(
            f"{file}: not a readable .xlsx workbook ({error}); {SAVE_AGAIN}."
        ) from None
    limit = max(SPAN_FLOOR, SPAN_FACTOR * extent.values)
    if extent.cells <= limit:
        return extent
    if extent.rows * extent.columns_before <= limit:
        far = [extent.rightmost]
    elif extent.rows_above * extent.columns <= limit:
        far = [extent.lowest]
    else:
        far = list(dict.fromkeys([extent.rightmost, extent.lowest]))
    cells = " and ".join(f"{column_letter(column)}{row + 1}" for row, column in far)
    raise FileProblem(
        f"{file}: sheet '{name}' has a value in {'cells' if len(far) > 1 else 'cell'} {cells}, "
        f"far outside its table: reading the sheet would hold every cell from A1 to there in "
        f"memory, {extent.cells:,} cells ({extent.rows:,} rows by {extent.columns:,} columns) "
        f"for {extent.values:,} values; delete what is outside the table and {SAVE_AGAIN}."
    )


def read_xlsx(path: Path, schema: FileSchema) -> RawTable:
    """Read and structurally check one `.xlsx` export; raise `FileProblem` if it cannot be."""
    file = schema.file
    _check_archive(path, file)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types, and zip and XML errors
        raise FileProblem(
            f"{file}: not a readable .xlsx workbook ({error}); {SAVE_AGAIN}."
        ) from None
    name = _sheet(workbook, schema)
    extent = _scan(path, name, file)
    sheet = workbook.get_sheet_by_name(name)
    _check_merged_header(sheet, schema)
    rows = sheet.to_python(skip_empty_area=False)
    if not rows or all(cell_text(value) is None for value in rows[0]):
        raise FileProblem(
            f"{file}: sheet '{name}' has no header in row 1; put the column names in row 1."
        )
    header_cells = [cell_text(value) for value in rows[0]]
    while header_cells and header_cells[-1] is None:
        header_cells.pop()
    for position, cell in enumerate(header_cells):
        if cell is None:
            raise FileProblem(
                f"{file}: sheet '{name}', header cell {column_letter(position)}1 (column "
                f"{position + 1}) is empty (merged header cells?); give each column its name "
                f"in row 1."
            )
    header = [cell for cell in header_cells if cell is not None]
    check_header(header, schema, SAVE_AGAIN)
    width = len(header)
    # calamine returns a date-time at midnight as a date (to Excel both are one number): in
    # a timestamp column it is that midnight.
    timestamps = [
        position for position, name in enumerate(header) if schema.column(name).type == "timestamp"
    ]
    merged = _merged_data(sheet)
    records = []
    for number, row in enumerate(rows[1:], start=2):
        fields = [cell_text(value) for value in row]
        for position in timestamps:
            value = row[position] if position < len(row) else None
            if isinstance(value, date) and not isinstance(value, datetime):
                fields[position] = f"{value.isoformat()}T00:00:00"
        while len(fields) > width and fields[-1] is None:
            fields.pop()
        detail = None
        span = merged.get(number - 1)
        if (column := extent.errors.get(number - 1)) is not None:
            detail = (
                f"cell {column_letter(column)}{number} holds an Excel error (#N/A, #DIV/0! "
                "or the like), which would load as empty: correct the formula or its input"
            )
        elif span is not None and any(
            position >= len(fields) or fields[position] is None
            for position in range(span[0], span[1] + 1)
        ):
            column, _, reference = span
            detail = (
                f"cells {reference} are merged: Excel keeps their value in the first cell "
                "alone, and this row's would load as empty; unmerge them and give each cell "
                "its value"
            )
        problem = (
            None
            if detail is None
            else (header[column] if column < width else column_letter(column), detail)
        )
        if problem is not None or any(value is not None for value in fields):
            records.append(Record(line=number, fields=fields, problem=problem))
    return RawTable(header=header, records=records, details=ReadDetails(format="xlsx", sheet=name))
