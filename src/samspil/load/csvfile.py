"""Read one raw CSV export, or say in one line why the file as a whole cannot be read.

CSV as researchers' tools write it: UTF-8 (with or without a byte-order mark)
or, where the table's `meta: {csv: {encoding: cp1252}}` allows it,
Windows-1252; comma-, semicolon- or tab-separated (detected from the header,
which must split into the contract's columns, unless `csv: {delimiter: ...}`
says); a decimal comma where the file is semicolon-separated (or where
`csv: {decimal_mark: ...}` says). A file-level problem (not UTF-8, wrong
columns, cut off mid-record, broken quoting) raises `FileProblem`; ragged rows
are left for the row checks, so that one bad row never stops a load. So does a
file that is no text at all (a workbook or an archive named `.csv`, known by its
first bytes) and a header separated by another delimiter than the one read with:
the message names what the file is, or the delimiter found.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import PurePosixPath

from samspil.load.rawfile import FileProblem, RawTable, ReadDetails, Record, check_header
from samspil.load.schema import FileSchema

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A character of two to four bytes as UTF-8 writes it (no overlong form, no surrogate).
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)

# Whole documents are one field; the csv module's default limit (128 KiB) is too small.
FIELD_SIZE_LIMIT = 2**31 - 1

EXPORT_AGAIN = "export it again as CSV UTF-8 (Excel: Save As, 'CSV UTF-8')"

# The delimiters detected from the header, in the order a tie is decided.
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}

# Files that are no CSV, by their first bytes: what they are, and what to do.
ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")
OTHER_STARTS = {
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": (
        "an Excel 97-2003 workbook (.xls) or another old Office file",
        "save it as an Excel workbook (.xlsx) or export it as CSV UTF-8",
    ),
    b"$FL2": ("an SPSS data file", "rename it to {stem}.sav: samspil reads .sav files"),
    b"$FL3": (
        "an SPSS data file (compressed)",
        "rename it to {stem}.sav: samspil reads .sav files",
    ),
    b"\x1f\x8b": ("a gzip-compressed file", "decompress it"),
}
# What a ZIP archive holds, by a member's name: what it is, and what to do.
ZIP_KINDS = {
    "xl/workbook.xml": (
        "an Excel workbook (.xlsx)",
        "rename it to {stem}.xlsx: samspil reads .xlsx files",
    ),
    "project.qde": (
        "a REFI-QDA project (.qdpx)",
        "put it in the raw folder as a .qdpx file where docs/raw-exports.md says",
    ),
    "word/document.xml": ("a Word document (.docx)", "export the table as CSV UTF-8"),
}


def _sources_yaml(schema: FileSchema) -> str:
    return f"models/staging/{schema.source}/_{schema.source}__sources.yml"


def _line_at(data: str | bytes, offset: int) -> int:
    """The line `offset` is on, counting line ends as the record reader does: LF, CR LF, and
    a lone CR (Excel for Mac)."""
    before = data[:offset]
    cr, lf = ("\r", "\n") if isinstance(before, str) else (b"\r", b"\n")
    return before.count(lf) + before.count(cr) - before.count(cr + lf) + 1


def _check_is_text(data: bytes, schema: FileSchema) -> None:
    """Raise `FileProblem` where the first bytes say the file is a workbook, an archive or
    another format, not text."""
    if data.startswith(ZIP_STARTS):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())  # the directory only
        except zipfile.BadZipFile:
            names = set()
        kind, action = next(
            (found for member, found in ZIP_KINDS.items() if member in names),
            ("a ZIP archive", "unpack it, or export the table as CSV UTF-8"),
        )
    else:
        kind, action = next(
            (found for start, found in OTHER_STARTS.items() if data.startswith(start)),
            ("", ""),
        )
    if kind:
        stem = PurePosixPath(schema.file).stem
        raise FileProblem(
            f"{schema.file}: the file is {kind}, not CSV text, though named .csv; "
            f"{action.format(stem=stem)}."
        )


def _decode(data: bytes, schema: FileSchema) -> tuple[str, str]:
    """The text of the file and the encoding it was read with."""
    file = schema.file
    _check_is_text(data, schema)
    if data.startswith(UTF16_BOMS):
        raise FileProblem(f"{file}: the file is UTF-16 (Excel's 'Unicode text'); {EXPORT_AGAIN}.")
    encoding = "utf-8"
    if data.startswith(UTF8_BOM):
        data, encoding = data[len(UTF8_BOM) :], "utf-8-sig"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = _line_at(data, error.start)
        byte = data[error.start]
        if error.end == len(data) and error.reason == "unexpected end of data":
            raise FileProblem(
                f"{file}, line {line}: the file ends in the middle of a character: it looks cut "
                f"off; {EXPORT_AGAIN}."
            ) from None
        if schema.csv.encoding == "cp1252" and encoding == "utf-8":
            _refuse_mixed(data, file, line, byte)
            text, encoding = _decode_cp1252(data, file), "cp1252"
        elif schema.csv.encoding == "cp1252":
            # Windows-1252 is allowed, but the file says it is UTF-8: advice to allow it
            # would tell the user to set what is set.
            raise FileProblem(
                f"{file}, line {line}: byte 0x{byte:02X} is not UTF-8, though the file starts "
                f"with UTF-8's byte-order mark (a program added it to text in another "
                f"encoding, Windows-1252?); {EXPORT_AGAIN}, or save it as Windows-1252 "
                f"without the mark."
            ) from None
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
        line = _line_at(text, text.index("\x00"))
        raise FileProblem(
            f"{file}, line {line}: a NUL byte, so this is not a text CSV file; {EXPORT_AGAIN}."
        )
    return text, encoding


def _refuse_mixed(data: bytes, file: str, line: int, byte: int) -> None:
    """Raise `FileProblem` where a file that is not UTF-8 holds UTF-8 characters too: read
    as Windows-1252, each of them would become two or three wrong ones (ø as Ã¸), silently."""
    found = UTF8_MULTIBYTE.search(data)
    if found is None:
        return
    utf8_line = _line_at(data, found.start())
    raise FileProblem(
        f"{file}: the file mixes two encodings: line {utf8_line} has "
        f"'{found.group().decode('utf-8')}' written in UTF-8, line {line} byte 0x{byte:02X}, "
        f"which is not UTF-8 (Windows-1252?); read as either, some letters would come out wrong; "
        f"{EXPORT_AGAIN}, in one encoding."
    )


def _decode_cp1252(data: bytes, file: str) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = _line_at(data, error.start)
        raise FileProblem(
            f"{file}, line {line}: byte 0x{data[error.start]:02X} is neither UTF-8 nor "
            f"Windows-1252, as the sources YAML says the file is; {EXPORT_AGAIN}."
        ) from None


def _columns_found(first_line: str, schema: FileSchema, delimiter: str) -> int:
    """How many of the contract's columns the header splits into at `delimiter`."""
    fields = next(csv.reader([first_line], delimiter=delimiter), [])
    return len(set(schema.column_names) & set(fields))


def _delimiter(text: str, schema: FileSchema) -> str:
    """The configured delimiter, or the one that splits the header into most contract columns;
    raise `FileProblem` where another character splits it into more of them."""
    first_line = io.StringIO(text, newline="").readline().rstrip("\r\n")
    delimiter = schema.csv.delimiter or max(
        DELIMITERS, key=lambda candidate: _columns_found(first_line, schema, candidate)
    )  # a tie goes to the first: the comma
    found = _columns_found(first_line, schema, delimiter)
    if found == len(schema.column_names):
        return delimiter
    others = sorted(
        {char for char in first_line if not (char.isalnum() or char in '_"')} - {delimiter},
        key=lambda candidate: (-_columns_found(first_line, schema, candidate), candidate),
    )
    if not others or _columns_found(first_line, schema, others[0]) <= found:
        return delimiter  # not a matter of the delimiter: the header check says what is wrong
    actual = others[0]
    shown = DELIMITER_NAMES.get(actual, repr(actual))
    if schema.csv.delimiter:
        what = (
            f"set delimiter: {actual!r} there"
            if actual in DELIMITERS
            else f"export it again separated by {DELIMITER_NAMES[delimiter]}"
        )
        raise FileProblem(
            f"{schema.file}: the header is separated by {shown}, but csv: {{delimiter: "
            f"{delimiter!r}}} on {schema.stem} in {_sources_yaml(schema)} says "
            f"{DELIMITER_NAMES[delimiter]}; {what}."
        )
    raise FileProblem(
        f"{schema.file}: the header is separated by {shown}, which samspil does not read; "
        f"{EXPORT_AGAIN}, separated by commas, semicolons or tabs."
    )


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
