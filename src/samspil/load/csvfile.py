"""Read one raw CSV export, or say in one line why the file as a whole cannot be read.

A file-level problem (missing, empty, not UTF-8, wrong delimiter, wrong
columns, cut off mid-record, broken quoting) raises `FileProblem`; ragged rows
are left for the row checks, so that one bad row never stops a load.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from samspil.load.schema import FileSchema

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Whole documents are one field; the csv module's default limit (128 KiB) is too small.
FIELD_SIZE_LIMIT = 2**31 - 1

EXPORT_AGAIN = "export it again as CSV UTF-8, comma-separated (Excel: Save As, 'CSV UTF-8')"


class FileProblem(Exception):
    """A raw file that cannot be loaded at all; the message is one line for the user."""


@dataclass(frozen=True)
class Record:
    line: int  # the line of the file where the record starts (the header is line 1)
    fields: list[str]


@dataclass(frozen=True)
class RawFile:
    schema: FileSchema
    sha256: str
    encoding: str
    header: list[str]
    records: list[Record]


def _decode(data: bytes, file: str) -> tuple[str, str]:
    """The text of the file and the encoding it was read with."""
    if data.startswith(UTF16_BOMS):
        raise FileProblem(f"{file}: the file is UTF-16 (Excel's 'Unicode text'); {EXPORT_AGAIN}.")
    encoding = "utf-8"
    if data.startswith(UTF8_BOM):
        data, encoding = data[len(UTF8_BOM) :], "utf-8-sig"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        if error.end == len(data) and error.reason == "unexpected end of data":
            raise FileProblem(
                f"{file}, line {line}: the file ends in the middle of a character: it looks cut "
                f"off; {EXPORT_AGAIN}."
            ) from None
        try:
            as_cp1252 = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            as_cp1252 = ""
        looks_like = (
            f"; the file looks like Windows-1252, where it is '{as_cp1252}'"
            if as_cp1252.isprintable() and as_cp1252
            else ""
        )
        raise FileProblem(
            f"{file}, line {line}: byte 0x{byte:02X} is not UTF-8{looks_like}; {EXPORT_AGAIN}."
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileProblem(
            f"{file}, line {line}: a NUL byte, so this is not a text CSV file; {EXPORT_AGAIN}."
        )
    return text, encoding


def _check_header(header: list[str], schema: FileSchema) -> None:
    file = schema.file
    if len(header) == 1:
        for delimiter, name in ((";", "semicolon"), ("\t", "tab")):
            if delimiter in header[0]:
                raise FileProblem(
                    f"{file}: the header is one column holding '{delimiter.strip() or 'TAB'}': "
                    f"the file looks {name}-separated; {EXPORT_AGAIN}."
                )
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise FileProblem(
            f"{file}: column {', '.join(repr(name) for name in twice)} appears twice in the "
            f"header; {EXPORT_AGAIN}, each column once."
        )
    expected = schema.column_names
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
                + ", ".join(repr(name) if name else "'' (a trailing comma?)" for name in extra)
            )
        raise FileProblem(
            f"{file}: {' and '.join(problems)}; export the file again with exactly the columns of "
            f"docs/raw-exports.md (if the export format changed on purpose, describe it in "
            f"models/staging/{schema.source}/_{schema.source}__sources.yml)."
        )


def _records(text: str, file: str, width: int) -> list[Record]:
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)  # the header, already checked
    records: list[Record] = []
    start = reader.line_num + 1
    try:
        for fields in reader:
            if fields:  # a blank line is no record
                records.append(Record(line=start, fields=fields))
            start = reader.line_num + 1
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise FileProblem(
                f"{file}, line {start}: the file ends inside a quoted field that starts in the "
                f"record on this line: the export was cut off, or a quote in the text is not "
                f'doubled (""); {EXPORT_AGAIN}.'
            ) from None
        raise FileProblem(
            f"{file}, line {reader.line_num}: broken quoting ({error}); a quote inside a quoted "
            f'field must be doubled (""); {EXPORT_AGAIN}.'
        ) from None
    if records and not text.endswith(("\n", "\r")) and len(records[-1].fields) < width:
        last = records[-1]
        raise FileProblem(
            f"{file}, line {last.line}: the last record has {len(last.fields)} fields where the "
            f"header has {width}, and no line break after it: the file looks cut off; "
            f"{EXPORT_AGAIN}."
        )
    return records


def read_raw_file(raw_dir: Path, schema: FileSchema) -> RawFile:
    """Read and structurally check one raw export; raise `FileProblem` if it cannot be loaded."""
    file = schema.file
    path = raw_dir / file
    if not path.is_file():
        raise FileProblem(
            f"{file}: file not found; every raw folder needs it (see docs/raw-exports.md)."
        )
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    text, encoding = _decode(data, file)
    if not text.strip():
        raise FileProblem(
            f"{file}: the file is empty (not even a header row); {EXPORT_AGAIN}, with its header."
        )
    header = next(csv.reader(io.StringIO(text, newline="")))
    _check_header(header, schema)
    return RawFile(
        schema=schema,
        sha256=sha256,
        encoding=encoding,
        header=header,
        records=_records(text, file, len(header)),
    )
