"""Check every row of a raw file against its contract: load it, or reject it with a reason.

A row is rejected for the first problem found, in this order: a total row at
the bottom of the file (a first value such as `I alt` or `Total`: a
spreadsheet's sum, not data); its field count; then each column in the file's
column order (empty where required, unparseable date, timestamp, whole number
or decimal, unknown code, off the item's scale); then its references to other
files; then its keys (the first row that passes every other check keeps a key,
later ones are duplicates of it).
Dates written dd-mm-yyyy are stored as yyyy-mm-dd, decimals written with a
decimal comma are stored with a point; every other value is stored as read (an
empty field as null).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from samspil.load.rawfile import RawFile
from samspil.load.schema import Column, FileSchema, Reference

WHOLE_NUMBER = re.compile(r"[0-9]+")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DANISH_DATE = re.compile(r"(\d{1,2})([-.])(\d{1,2})\2(\d{4})")
TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")
DECIMAL = {".": re.compile(r"-?[0-9]+(?:\.[0-9]+)?"), ",": re.compile(r"-?[0-9]+(?:,[0-9]+)?")}
# The first value of a spreadsheet's total row (case and a trailing colon ignored).
TOTAL_LABELS = frozenset({"i alt", "ialt", "total", "totalt", "sum", "i alt (sum)"})


@dataclass(frozen=True)
class Reject:
    """One rejected raw row: where it is, which column, why, and its value (masked if personal)."""

    file: str
    table: str  # the raw table: one .qdpx file holds three
    line: int
    column_name: str | None
    reason: str
    detail: str
    raw_value: str | None


@dataclass
class CheckedFile:
    raw: RawFile
    rows: list[tuple[int, list[str | None]]] = field(default_factory=list)  # line, values
    rejects: list[Reject] = field(default_factory=list)
    # The rejected rows that had the right field count, as read: for the detail of a
    # reference to one of them.
    rejected_values: list[tuple[int, list[str | None]]] = field(default_factory=list)

    @property
    def schema(self) -> FileSchema:
        return self.raw.schema


class _Problem(Exception):
    def __init__(self, column: str | None, reason: str, detail: str, raw_value: str | None) -> None:
        super().__init__(detail)
        self.column, self.reason, self.detail, self.raw_value = column, reason, detail, raw_value


def mask(value: str) -> str:
    return f"<masked: {len(value)} characters>"


def show(value: str, column: Column) -> str:
    """A value as a detail sentence quotes it: masked where personal, digits bare."""
    if column.personal:
        return mask(value)
    return value if WHOLE_NUMBER.fullmatch(value) else f"'{value}'"


def _valid_date(year: str, month: str, day: str) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def parse_date(value: str) -> str | None:
    """yyyy-mm-dd, as read; dd-mm-yyyy or dd.mm.yyyy, as yyyy-mm-dd; else None."""
    if iso := ISO_DATE.fullmatch(value):
        return value if _valid_date(*iso.groups()) else None
    if danish := DANISH_DATE.fullmatch(value):
        day, _, month, year = danish.groups()
        return _valid_date(year, month, day)
    return None


def parse_timestamp(value: str) -> str | None:
    """yyyy-mm-ddThh:mm[:ss] (or a space for the T), as read; a dd-mm-yyyy date part as ISO."""
    date_part, separator, time_part = value.replace(" ", "T", 1).partition("T")
    time = TIME.fullmatch(time_part)
    if not separator or time is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in time.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    iso_date = parse_date(date_part)
    if iso_date is None:
        return None
    return value if iso_date == date_part else f"{iso_date}T{time_part}"


def check_value(column: Column, value: str | None, decimal_mark: str = ".") -> str | None:
    """The value to store, or raise `_Problem`; `decimal_mark` is the file's."""
    name = column.name
    if value is None or (column.required and not value.strip()):
        if column.required:
            raise _Problem(name, "missing_value", f"{name} is empty; every row needs one.", value)
        return value
    stored = value
    if column.type == "date":
        parsed = parse_date(value)
        if parsed is None:
            raise _Problem(
                name,
                "unparseable_date",
                f"{show(value, column)} is not a date (yyyy-mm-dd or dd-mm-yyyy).",
                value,
            )
        stored = parsed
    elif column.type == "timestamp":
        parsed = parse_timestamp(value)
        if parsed is None:
            raise _Problem(
                name,
                "unparseable_timestamp",
                f"{show(value, column)} is not a timestamp (yyyy-mm-ddThh:mm:ss).",
                value,
            )
        stored = parsed
    elif column.type == "decimal":
        if not DECIMAL[decimal_mark].fullmatch(value):
            raise _Problem(
                name,
                "unparseable_decimal",
                f"{show(value, column)} is not a number with '{decimal_mark}' as decimal mark.",
                value,
            )
        stored = value.replace(",", ".")
    elif column.type == "integer" and not WHOLE_NUMBER.fullmatch(value):
        raise _Problem(
            name,
            "unparseable_integer",
            f"{show(value, column)} is not a whole number in digits.",
            value,
        )
    if column.codes is not None and value not in column.codes.codes:
        hint = ""
        if (
            WHOLE_NUMBER.fullmatch(value)
            and len(value) < 4
            and value.zfill(4) in column.codes.codes
        ):
            hint = f" (a lost leading zero? {value.zfill(4)} is)"
        raise _Problem(
            name,
            "unknown_code",
            f"{show(value, column)} is not {column.codes.description}{hint}.",
            value,
        )
    if column.scale is not None:
        if not WHOLE_NUMBER.fullmatch(value):
            raise _Problem(
                name,
                "unparseable_integer",
                f"{show(value, column)} is not a whole number; "
                f"{name} is coded {column.scale.describe()}.",
                value,
            )
        if not column.scale.accepts(value):
            raise _Problem(
                name,
                "out_of_scale",
                f"{show(value, column)} is not a code of {column.scale.describe()}.",
                value,
            )
    return stored


def _combination(values: Sequence[str | None], positions: Sequence[int]) -> tuple[str, ...] | None:
    """The values at `positions`, or None where any is empty (an empty value matches nothing)."""
    combination = tuple(values[position] for position in positions)
    return None if None in combination else cast(tuple[str, ...], combination)


class _ReferenceIndex:
    """The value combinations a reference may point to: those of the loaded rows of its file."""

    def __init__(self, reference: Reference, header: list[str], target: CheckedFile) -> None:
        self.reference = reference
        self.positions = [header.index(name) for name in reference.columns]
        self.file = target.schema.file
        targets = [target.raw.header.index(name) for name in reference.target_columns]
        # prefixes[k]: the first k + 1 referenced values of every loaded row
        self.prefixes = [
            {tuple(values[i] for i in targets[: k + 1]) for _, values in target.rows}
            for k in range(len(targets))
        ]
        self.rejected: dict[tuple[str, ...], int] = {}
        for line, values in target.rejected_values:
            combination = _combination(values, targets)
            if combination is not None:
                self.rejected.setdefault(combination, line)

    def check(self, values: list[str | None], schema: FileSchema) -> None:
        combination = _combination(values, self.positions)
        if combination is None:
            return  # an empty reference, allowed where its column is not required
        if combination in self.prefixes[-1]:
            return
        names = self.reference.columns
        k = next(k for k in range(len(names)) if combination[: k + 1] not in self.prefixes[k])
        where = f"{names[0]} {show(combination[0], schema.column(names[0]))}"
        if k == 0:
            detail = f"{where} is not in {self.file}"
        else:
            also = " and ".join(
                f"{name} {show(value, schema.column(name))}"
                for name, value in zip(names[1 : k + 1], combination[1 : k + 1], strict=True)
            )
            detail = f"{where} is in {self.file}, but not with {also}"
        line = self.rejected.get(combination)
        if line is not None:
            detail += f" (its row there, line {line}, was rejected)"
        raise _Problem(names[k], "unknown_reference", detail + ".", combination[k])


def _record_text(fields: Sequence[str | None], delimiter: str | None) -> str:
    """A ragged record as it reads in the file (comma-separated where the file is not CSV)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="", delimiter=delimiter or ",").writerow(
        ["" if value is None else value for value in fields]
    )
    return buffer.getvalue()


def is_total_row(fields: Sequence[str | None]) -> bool:
    """A first value such as `I alt` or `Total:`: a spreadsheet's sum row."""
    first = (fields[0] or "").strip().rstrip(":").strip().lower() if fields else ""
    return first in TOTAL_LABELS


def check_file(raw: RawFile, checked: dict[str, CheckedFile]) -> CheckedFile:
    """Check every record of `raw`; `checked` holds the earlier files of its source, by stem."""
    schema = raw.schema
    header = raw.header
    result = CheckedFile(raw=raw)
    columns = [schema.column(name) for name in header]
    checked_columns = [(i, column) for i, column in enumerate(columns) if column.is_checked]
    width = len(header)
    references = [
        _ReferenceIndex(reference, header, checked[reference.table])
        for reference in schema.references
    ]
    keys = [(key, [header.index(name) for name in key]) for key in schema.candidate_keys]
    first_lines: list[dict[tuple[str, ...], int]] = [{} for _ in keys]
    decimal_mark = raw.decimal_mark
    last = raw.records[-1].line if raw.records else None
    for record in raw.records:
        as_read: list[str | None] = []
        try:
            if record.line == last and is_total_row(record.fields):
                raise _Problem(
                    None,
                    "total_row",
                    f"the last row is a total row ('{record.fields[0]}'), not data; delete it "
                    "from the export.",
                    _record_text(record.fields, raw.details.delimiter),
                )
            if len(record.fields) != width:
                raise _Problem(
                    None,
                    "wrong_field_count",
                    f"{len(record.fields)} fields where the header has {width}.",
                    _record_text(record.fields, raw.details.delimiter),
                )
            as_read = [value if value != "" else None for value in record.fields]
            if record.problem is not None:
                column, detail = record.problem
                raise _Problem(
                    column,
                    "invalid_in_export",
                    detail,
                    as_read[header.index(column)] if column in header else None,
                )
            values = list(as_read)
            for i, column in checked_columns:
                values[i] = check_value(column, values[i], decimal_mark)
            for index in references:
                index.check(values, schema)
            combinations = [_combination(values, positions) for _, positions in keys]
            for (key, _), seen, combination in zip(keys, first_lines, combinations, strict=True):
                if combination is not None and combination in seen:
                    described = " with ".join(
                        f"{name} {show(value, schema.column(name))}"
                        for name, value in zip(key, combination, strict=True)
                    )
                    raise _Problem(
                        key[0],
                        "duplicate_key",
                        f"{described} is a duplicate of line {seen[combination]}; "
                        "the first is kept.",
                        combination[0],
                    )
            for seen, combination in zip(first_lines, combinations, strict=True):
                if combination is not None:
                    seen[combination] = record.line
            result.rows.append((record.line, values))
        except _Problem as problem:
            personal = (
                schema.has_personal_columns
                if problem.column is None
                else schema.column(problem.column).personal
            )
            raw_value = problem.raw_value
            if raw_value is not None and personal:
                raw_value = mask(raw_value)
            result.rejects.append(
                Reject(
                    file=schema.file,
                    table=schema.table,
                    line=record.line,
                    column_name=problem.column,
                    reason=problem.reason,
                    detail=problem.detail,
                    raw_value=raw_value,
                )
            )
            if as_read:
                result.rejected_values.append((record.line, as_read))
    return result
