"""Read one raw Excel export (`.xlsx`) with python-calamine.

The first sheet, or the one the table's `meta: {sheet: ...}` names; row 1 is
the header and a record's line is its spreadsheet row number. Cells come back
typed and are written as the CSV contract writes them: whole numbers without
`.0`, dates `yyyy-mm-dd`, timestamps `yyyy-mm-ddThh:mm:ss`, an empty cell as
no value; a date-time keeps a fraction of a second to the millisecond, and a date
in a timestamp column is its midnight (calamine returns a date-time at midnight as a
date). Blank rows are no records. A merged or empty header cell, or a sheet
that is not there, is a `FileProblem`; a total row at the bottom is left for
the row checks (it is rejected as `total_row`).
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import python_calamine

from samspil.load.archive import ArchiveProblem, check_directory
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


def column_letter(index: int) -> str:
    """The spreadsheet name of the 0-based column `index`: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


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
        return names[0]
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
    records = []
    for number, row in enumerate(rows[1:], start=2):
        fields = [cell_text(value) for value in row]
        for position in timestamps:
            value = row[position] if position < len(row) else None
            if isinstance(value, date) and not isinstance(value, datetime):
                fields[position] = f"{value.isoformat()}T00:00:00"
        while len(fields) > width and fields[-1] is None:
            fields.pop()
        if any(value is not None for value in fields):
            records.append(Record(line=number, fields=fields))
    return RawTable(header=header, records=records, details=ReadDetails(format="xlsx", sheet=name))
