"""Check every row of a raw file against its contract: load it, or reject it with a reason.

A row is rejected for the first problem found (where that is an empty required value, the
detail names every required column the row has no value of), in this order: a total row at
the bottom of the file (a first value such as `I alt` or `Total`: a
spreadsheet's sum, not data); its field count; then each column in the file's
column order (personal data in a column not marked personal, empty where
required, unparseable date, timestamp, whole number or decimal, unknown code,
off the item's scale); then its references to other
files; then its keys (the first row that passes every other check keeps a key,
later ones are duplicates of it).
Dates written dd-mm-yyyy are stored as yyyy-mm-dd, decimals written with a
decimal comma are stored with a point; every other value is stored as read (an
empty field as null).

The checks run a column at a time, each distinct value of a column once, so
that a load takes time in proportion to its rows; which row is rejected for
what is the same as checking row by row in the order above.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast, overload

from samspil.load.rawfile import RawFile, Record
from samspil.load.schema import Column, FileSchema, Reference

WHOLE_NUMBER = re.compile(r"[0-9]+")
# [0-9], never \d: \d is any Unicode digit (full-width ２, Arabic-Indic ٢), which Python's
# int() reads but staging's casts do not.
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
DANISH_DATE = re.compile(r"([0-9]{1,2})([-.])([0-9]{1,2})\2([0-9]{4})")
ISO_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
)  # a fraction of a second as a workbook or an SPSS file may hold one
TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
# Staging casts a `type: integer` column `as integer`: DuckDB's 32-bit INTEGER.
LARGEST_INTEGER = 2**31 - 1
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


def _holds_personal_data(schema: FileSchema, value: str) -> bool:
    """Whether a value the loader would quote holds personal data, whatever its column."""
    return schema.personal_data is not None and schema.personal_data.search(value) is not None


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
    """yyyy-mm-ddThh:mm[:ss] (or a space for the T), as read, yyyy-mm-ddThh:mm:ss.fff too;
    a dd-mm-yyyy date part as ISO."""
    if ISO_TIMESTAMP.fullmatch(value):  # the usual form, checked the same way in fewer steps
        if int(value[11:13]) > 23 or int(value[14:16]) > 59 or int(value[17:19]) > 59:
            return None
        return value if _valid_date(value[:4], value[5:7], value[8:10]) else None
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
    if value and column.personal_data is not None:
        found = column.personal_data.search(value)
        if found is not None:
            kind = (found.lastgroup or "personal data").replace("_", " ")
            raise _Problem(
                name,
                "personal_data",
                f"{mask(value)} holds what looks like personal data ({kind}); {name} must hold "
                "none (only the columns marked personal in the sources YAML may): correct the "
                "export.",
                value,
            )
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
    elif column.type == "integer":
        if not WHOLE_NUMBER.fullmatch(value):
            raise _Problem(
                name,
                "unparseable_integer",
                f"{show(value, column)} is not a whole number in digits.",
                value,
            )
        digits = value.lstrip("0")
        if len(digits) > len(str(LARGEST_INTEGER)) or int(digits or 0) > LARGEST_INTEGER:
            raise _Problem(
                name,
                "unparseable_integer",
                f"{show(value, column)} is larger than {LARGEST_INTEGER}, the largest whole "
                "number staging reads (a 32-bit integer).",
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


def _combinations(columns: Sequence[Sequence[str | None]], positions: Sequence[int]) -> list[tuple]:
    """Each row's values at `positions`, as one tuple per row (may hold None: no match)."""
    return list(zip(*(columns[position] for position in positions), strict=True))


class _Rows(Sequence[tuple[int, list[str | None]]]):
    """The loaded rows of a `CheckedFile` as (line, values), built from its columns on demand."""

    def __init__(self, checked: CheckedFile) -> None:
        self._checked = checked

    def __len__(self) -> int:
        return len(self._checked.lines)

    @overload
    def __getitem__(self, index: int) -> tuple[int, list[str | None]]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, list[str | None]]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> tuple[int, list[str | None]] | list[tuple[int, list[str | None]]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        columns = self._checked.columns
        return self._checked.lines[index], [column[index] for column in columns]


@dataclass
class CheckedFile:
    raw: RawFile
    lines: list[int] = field(default_factory=list)
    """The line of each loaded row."""
    columns: list[Sequence[str | None]] = field(default_factory=list)
    """The values of the loaded rows, one sequence per header column, as stored."""
    rejects: list[Reject] = field(default_factory=list)
    # The rejected rows that had the right field count, as read: for the detail of a
    # reference to one of them.
    rejected_values: list[tuple[int, list[str | None]]] = field(default_factory=list)

    @property
    def schema(self) -> FileSchema:
        return self.raw.schema

    @property
    def rows(self) -> Sequence[tuple[int, list[str | None]]]:
        """The loaded rows as (line, values)."""
        return _Rows(self)


class _ReferenceIndex:
    """The value combinations a reference may point to: those of the loaded rows of its file."""

    def __init__(self, reference: Reference, header: list[str], target: CheckedFile) -> None:
        self.reference = reference
        self.positions = [header.index(name) for name in reference.columns]
        self.file = target.schema.file
        targets = [target.raw.header.index(name) for name in reference.target_columns]
        # prefixes[k]: the first k + 1 referenced values of every loaded row
        self.prefixes = [
            set(_combinations(target.columns, targets[: k + 1])) for k in range(len(targets))
        ]
        self.rejected: dict[tuple[str, ...], int] = {}
        for line, values in target.rejected_values:
            combination = _combination(values, targets)
            if combination is not None:
                self.rejected.setdefault(combination, line)

    def unknown(self, combinations: Sequence[tuple]) -> list[int]:
        """The positions of the combinations that are not empty and not in the target file."""
        known = self.prefixes[-1]
        return [
            position
            for position, combination in enumerate(combinations)
            if combination not in known and None not in combination
        ]

    def problem(self, combination: tuple[str, ...], schema: FileSchema) -> _Problem:
        """Why `combination`, one of `unknown`, is not a row of the target file."""
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
        return _Problem(names[k], "unknown_reference", detail + ".", combination[k])


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


def _as_read(fields: Sequence[str | None]) -> list[str | None]:
    """The values of a record as read: an empty field as None."""
    return [value if value != "" else None for value in fields]


def _record_problem(record: Record, raw: RawFile, width: int, last: bool) -> _Problem | None:
    """What is wrong with the record as a whole, before its values are checked, if anything."""
    if last and is_total_row(record.fields):
        return _Problem(
            None,
            "total_row",
            f"the last row is a total row ('{record.fields[0]}'), not data; delete it "
            "from the export.",
            _record_text(record.fields, raw.details.delimiter),
        )
    if len(record.fields) != width:
        return _Problem(
            None,
            "wrong_field_count",
            f"{len(record.fields)} fields where the header has {width}.",
            _record_text(record.fields, raw.details.delimiter),
        )
    if record.problem is not None:
        column, detail = record.problem
        header = raw.header
        empty = [
            name
            for name, value in zip(header, record.fields, strict=True)
            if name != column and raw.schema.column(name).required and not (value or "").strip()
        ]
        if empty:
            detail += f"; also empty: {', '.join(empty)}"
        return _Problem(
            column,
            "invalid_in_export",
            detail,
            _as_read(record.fields)[header.index(column)] if column in header else None,
        )
    return None


def _check_column(
    column: Column, values: Sequence[str | None], decimal_mark: str
) -> tuple[Sequence[str | None], dict[int, _Problem]]:
    """The column's values as stored, and the problem of each row (by position) that has one.

    Each distinct value is checked once: `check_value` depends on nothing else. The value
    stored for a row with a problem is left as read: the row is not loaded."""
    problems: dict[str | None, _Problem] = {}
    changed: dict[str | None, str | None] = {}
    only_required = (
        column.type is None
        and column.codes is None
        and column.scale is None
        and column.personal_data is None
    )
    for value in set(values):
        if only_required and value is not None and value.strip():
            continue  # what check_value would say, without the call: stored as read
        try:
            stored = check_value(column, value if value != "" else None, decimal_mark)
        except _Problem as problem:
            problems[value] = problem.with_traceback(None)  # kept: let it not keep this frame
        else:
            if stored != value:
                changed[value] = stored
    by_row = (
        {row: problems[value] for row, value in enumerate(values) if value in problems}
        if problems
        else {}
    )
    if changed:
        values = [changed.get(value, value) for value in values]
    return values, by_row


def _duplicates(
    keys: Sequence[tuple[tuple[str, ...], list[tuple]]],
    candidates: Sequence[int],
    lines: Sequence[int],
    schema: FileSchema,
) -> dict[int, _Problem]:
    """The candidate rows (by position, in line order) whose key another kept row has.

    The first row with a key keeps it; a later row with the same key is a duplicate, unless
    it was rejected for an earlier key (then its other keys are not taken). Only rows that
    share some key value with another candidate can be affected, so only those are walked."""
    shared: set[int] = set()
    for _, combinations in keys:
        values = (
            combinations
            if len(candidates) == len(combinations)
            else [combinations[row] for row in candidates]
        )
        if len(set(values)) == len(values):
            continue
        counts = Counter(value for value in values if None not in value)
        repeated = {value for value, count in counts.items() if count > 1}
        shared.update(row for row in candidates if combinations[row] in repeated)
    problems: dict[int, _Problem] = {}
    first_lines: list[dict[tuple, int]] = [{} for _ in keys]
    for row in sorted(shared):
        row_keys = [combinations[row] for _, combinations in keys]
        for (key, _), seen, combination in zip(keys, first_lines, row_keys, strict=True):
            if None not in combination and combination in seen:
                described = " with ".join(
                    f"{name} {show(value, schema.column(name))}"
                    for name, value in zip(key, combination, strict=True)
                )
                problems[row] = _Problem(
                    key[0],
                    "duplicate_key",
                    f"{described} is a duplicate of line {seen[combination]}; the first is kept.",
                    combination[0],
                )
                break
        else:
            for seen, combination in zip(first_lines, row_keys, strict=True):
                if None not in combination:
                    seen[combination] = lines[row]
    return problems


def check_file(raw: RawFile, checked: dict[str, CheckedFile]) -> CheckedFile:
    """Check every record of `raw`; `checked` holds the earlier files of its source, by stem.

    The checks run a column at a time over the records that have the right shape; each
    record is rejected for the first problem in the order the module docstring gives."""
    schema = raw.schema
    header = raw.header
    width = len(header)
    records = raw.records
    last = records[-1].line if records else None
    # Records rejected as a whole, by index; the others are checked value by value.
    problems: dict[int, _Problem] = {}
    shaped: list[int] = []
    for index, record in enumerate(records):
        if record.problem is None and len(record.fields) == width and record.line != last:
            shaped.append(index)
            continue
        problem = _record_problem(record, raw, width, record.line == last)
        if problem is None:
            shaped.append(index)
        else:
            problems[index] = problem
    if len(shaped) == len(records):
        lines = [record.line for record in records]
        fields = list(zip(*(record.fields for record in records), strict=True))
    else:
        lines = [records[index].line for index in shaped]
        fields = list(zip(*(records[index].fields for index in shaped), strict=True))
    columns: list[Sequence[str | None]] = list(fields) if fields else [() for _ in header]
    # Problems of the shaped records, by position among them: the first column's wins.
    found: dict[int, _Problem] = {}
    empty: dict[int, list[str]] = {}  # the required columns each row has no value of
    decimal_mark = raw.decimal_mark
    for position, name in enumerate(header):
        column = schema.column(name)
        values = columns[position]
        if column.is_checked:
            values, column_problems = _check_column(column, values, decimal_mark)
            for row, problem in column_problems.items():
                found.setdefault(row, problem)
                if problem.reason == "missing_value":
                    empty.setdefault(row, []).append(name)
        elif "" in values:
            values = _as_read(values)
        columns[position] = values
    for row, names in empty.items():
        problem = found[row]
        if len(names) > 1 and problem.reason == "missing_value":
            # Every missing value at once, so the row is mended in one go.
            found[row] = _Problem(
                problem.column,
                problem.reason,
                f"{problem.detail} Also empty: {', '.join(names[1:])}.",
                problem.raw_value,
            )
    for reference in schema.references:
        index = _ReferenceIndex(reference, header, checked[reference.table])
        combinations = _combinations(columns, index.positions)
        for row in index.unknown(combinations):
            if row not in found:
                found[row] = index.problem(combinations[row], schema)
    keys = [
        (key, _combinations(columns, [header.index(name) for name in key]))
        for key in schema.candidate_keys
    ]
    if keys:
        candidates: Sequence[int] = (
            [row for row in range(len(shaped)) if row not in found] if found else range(len(shaped))
        )
        found.update(_duplicates(keys, candidates, lines, schema))

    result = CheckedFile(raw=raw)
    if found:
        kept = [row for row in range(len(shaped)) if row not in found]
        result.lines = [lines[row] for row in kept]
        result.columns = [[values[row] for row in kept] for values in columns]
        problems.update((shaped[row], problem) for row, problem in found.items())
    else:
        result.lines, result.columns = lines, columns
    for index in sorted(problems):
        record, problem = records[index], problems[index]
        personal = (
            schema.has_personal_columns
            if problem.column is None
            else schema.column(problem.column).personal
        )
        raw_value = problem.raw_value
        if raw_value is not None and (personal or _holds_personal_data(schema, raw_value)):
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
        if len(record.fields) == width and problem.reason != "total_row":
            result.rejected_values.append((record.line, _as_read(record.fields)))
    return result
