"""What every reader of a raw export returns, whatever the format, and the header check.

A reader (`csvfile`, `xlsxfile`, `sav`, `qdpx`) turns one export into a
`RawTable`: the header, and every record with the place it starts (the line of
a CSV file or of a `.qdpx` project's XML, the row of a spreadsheet, the case
number of a `.sav` file), its values written as the CSV contract writes them,
and the details of how it was read for `raw.load_audit`. From there the
header check, the row checks, the quarantine and the reconciliation are the
same for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from samspil.load.schema import FileSchema


class FileProblem(Exception):
    """A raw file that cannot be loaded at all; the message is one line for the user."""

    file: str | None = None  # the export, where one was found


class Record(NamedTuple):
    """One record of an export; a tuple, because a load makes one per row."""

    line: int  # where the record starts: CSV or XML line, spreadsheet row, .sav case number
    fields: list[str | None]  # None (or "") for no value
    problem: tuple[str, str] | None = None
    """(column, detail) where the export itself says the row is broken (a REFI-QDA
    selection beyond its text, a coding to an unknown code or user): quarantined."""


@dataclass(frozen=True)
class ReadDetails:
    """How an export was read, for `raw.load_audit`; None where the format has no such thing."""

    format: str  # csv, xlsx, sav or qdpx
    encoding: str | None = None
    delimiter: str | None = None
    decimal_mark: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class RawTable:
    """One table as a reader returns it."""

    header: list[str]
    records: list[Record]
    details: ReadDetails
    findings: tuple[str, ...] = ()
    """What the reader noticed that does not stop the load (e.g. an SPSS file's own
    codebook disagreeing with the codebook seeds): reported, recorded, not ignored."""


@dataclass(frozen=True)
class RawFile:
    """One table read from its export and structurally checked; `schema.file` is the export."""

    schema: FileSchema
    sha256: str
    header: list[str]
    records: list[Record]
    details: ReadDetails
    findings: tuple[str, ...] = ()

    @property
    def decimal_mark(self) -> str:
        """The decimal mark of text values: typed formats write numbers with a point."""
        return self.details.decimal_mark or "."


def timestamp_text(value: datetime) -> str:
    """A typed date-time (a workbook's cell, an SPSS value) as the CSV contract writes it: to
    the second, or to the millisecond where it has a fraction (as far as Excel keeps one; the
    microseconds of SPSS's floating-point seconds are rounding noise)."""
    milliseconds = round(value.microsecond / 1000)
    try:
        value = value.replace(microsecond=0) + timedelta(milliseconds=milliseconds)
    except OverflowError:  # the last millisecond of year 9999
        value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")


# A header cell shown in a message: a name as tools write column names. Anything else may be
# a value of a record (a file without its header row), personal data even: it is not echoed.
COLUMN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _shown(cell: str, schema: FileSchema) -> str:
    """A header cell as a message quotes it: a column-like name as written, else masked."""
    if not cell:
        return "'' (a trailing comma?)"
    if COLUMN_NAME.fullmatch(cell) and not (
        schema.personal_data is not None and schema.personal_data.search(cell)
    ):
        return repr(cell)
    return f"<not shown: {len(cell)} characters, no column name>"


def check_header(header: list[str], schema: FileSchema, export_again: str) -> None:
    """Raise `FileProblem` unless `header` holds each column of the contract exactly once.

    A first row with none of the contract's columns is a file without its header row: it is
    said so, and its cells (a record's values) are not shown. Elsewhere a cell that does not
    look like a column name is masked, as it may be data."""
    file = schema.file
    expected = schema.column_names
    if not set(expected) & set(header):
        first = ", ".join(repr(name) for name in expected[:3])
        more = ", …" if len(expected) > 3 else ""
        raise FileProblem(
            f"{file}: the file has no header row: its first row names none of the "
            f"{len(expected)} columns of docs/raw-exports.md (they begin {first}{more}); "
            f"{export_again}, with the column names in its first row."
        )
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise FileProblem(
            f"{file}: column {', '.join(_shown(name, schema) for name in twice)} appears twice "
            f"in the header; {export_again}, each column once."
        )
    missing = [name for name in expected if name not in header]
    extra = [name for name in header if name not in expected]
    if missing or extra:
        problems = []
        if missing:
            problems.append(
                f"missing column{'s' if len(missing) > 1 else ''} "
                + ", ".join(repr(name) for name in missing)
            )
        if extra:
            problems.append(
                f"unknown extra column{'s' if len(extra) > 1 else ''} "
                + ", ".join(_shown(name, schema) for name in extra)
            )
        raise FileProblem(
            f"{file}: {' and '.join(problems)}; export the file again with exactly the columns of "
            f"docs/raw-exports.md (if the export format changed on purpose, describe it in "
            f"models/staging/{schema.source}/_{schema.source}__sources.yml)."
        )
