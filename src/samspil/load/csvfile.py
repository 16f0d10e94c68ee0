"""Read one raw CSV export, or say in one line why the file as a whole cannot be read.

CSV as researchers' tools write it: UTF-8 (with or without a byte-order mark)
or, where the table's `meta: {csv: {encoding: cp1252}}` allows it,
Windows-1252; comma-, semicolon- or tab-separated (detected from the header,
which must split into the contract's columns, unless `csv: {delimiter: ...}`
says); a decimal comma where the file is semicolon-separated (or where
`csv: {decimal_mark: ...}` says). A file-level problem (not UTF-8, wrong
columns, cut off mid-record, broken quoting) raises `FileProblem`; ragged rows
are left for the row checks, so that one bad row never stops a load.
"""

from __future__ import annotations

import csv
import io

from samspil.load.rawfile import FileProblem, RawTable, ReadDetails, Record, check_header
from samspil.load.schema import FileSchema

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Whole documents are one field; the csv module's default limit (128 KiB) is too small.
FIELD_SIZE_LIMIT = 2**31 - 1

EXPORT_AGAIN = "export it again as CSV UTF-8 (Excel: Save As, 'CSV UTF-8')"

# The delimiters detected from the header, in the order a tie is decided.
DELIMITERS = (",", ";", "\t")


def _sources_yaml(schema: FileSchema) -> str:
    return f"models/staging/{schema.source}/_{schema.source}__sources.yml"


def _decode(data: bytes, schema: FileSchema) -> tuple[str, str]:
    """The text of the file and the encoding it was read with."""
    file = schema.file
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
        if schema.csv.encoding == "cp1252" and encoding == "utf-8":
            text, encoding = _decode_cp1252(data, file), "cp1252"
        else:
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
                f"{file}, line {line}: byte 0x{byte:02X} is not UTF-8{looks_like}; "
                f"{EXPORT_AGAIN}, or, if the tool can only write Windows-1252, set "
                f"meta: {{csv: {{encoding: cp1252}}}} on {schema.stem} in {_sources_yaml(schema)}."
            ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileProblem(
            f"{file}, line {line}: a NUL byte, so this is not a text CSV file; {EXPORT_AGAIN}."
        )
    return text, encoding


def _decode_cp1252(data: bytes, file: str) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileProblem(
            f"{file}, line {line}: byte 0x{data[error.start]:02X} is neither UTF-8 nor "
            f"Windows-1252, as the sources YAML says the file is; {EXPORT_AGAIN}."
        ) from None


def _delimiter(text: str, schema: FileSchema) -> str:
    """The configured delimiter, or the one that splits the header into most contract columns."""
    if schema.csv.delimiter:
        return schema.csv.delimiter
    first_line = text.split("\n", 1)[0].rstrip("\r")
    expected = set(schema.column_names)

    def columns_found(delimiter: str) -> int:
        fields = next(csv.reader([first_line], delimiter=delimiter), [])
        return len(expected & set(fields))

    return max(DELIMITERS, key=columns_found)  # a tie goes to the first: the comma


def _records(text: str, file: str, width: int, delimiter: str) -> list[Record]:
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    next(reader)  # the header, already checked
    records: list[Record] = []
    append = records.append
    start = reader.line_num + 1
    try:
        for fields in reader:
            if fields:  # a blank line is no record
                append(Record(start, fields))
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


def read_csv(data: bytes, schema: FileSchema) -> RawTable:
    """Read and structurally check one CSV export; raise `FileProblem` if it cannot be loaded."""
    file = schema.file
    text, encoding = _decode(data, schema)
    if not text.strip():
        raise FileProblem(
            f"{file}: the file is empty (not even a header row); {EXPORT_AGAIN}, with its header."
        )
    delimiter = _delimiter(text, schema)
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    check_header(header, schema, EXPORT_AGAIN)
    decimal_mark = schema.csv.decimal_mark or ("," if delimiter == ";" else ".")
    return RawTable(
        header=header,
        records=_records(text, file, len(header), delimiter),
        details=ReadDetails(
            format="csv", encoding=encoding, delimiter=delimiter, decimal_mark=decimal_mark
        ),
    )
