"""A catalogue of bad raw inputs, each with the exact outcome of the load.

Every case copies the demo's data as CSV (without truth/), makes one mistake of the kind real
survey-tool, coding-tool and spreadsheet exports make, loads, and asserts
either the error line (and that no warehouse was written) or exactly which
rows are rejected, with which reason, column, line and detail. Every case that
loads also reconciles every file (rows read = rows loaded + rows rejected, the
counts match the tables, a rejected line is never in its raw table) and checks
that no personal value the case planted shows in `raw.rejected_rows` or in an
error message.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import python_calamine
import xlsxwriter

from samspil.load import LoadError, load
from samspil.paths import PROJECT_DIR

from conftest import loader_contract_copy

Connection = duckdb.DuckDBPyConnection

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
CPR = re.compile(r"\b(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}\b")


@dataclass(frozen=True)
class Rejected:
    file: str
    line: int
    column: str | None
    reason: str
    detail: str = ""  # a regular expression the detail must match


@dataclass(frozen=True)
class Outcome:
    rejected: tuple[Rejected, ...] = ()
    error: str | None = None  # a regular expression the one-line LoadError must match
    secrets: tuple[str, ...] = ()  # personal values that must never show
    check: Callable[[Connection], None] | None = None
    # Edits of the sources YAML, (source, old text, new text), loaded from a project copy.
    sources: tuple[tuple[str, str, str], ...] = ()


CASES: dict[str, Callable[[Path], Outcome]] = {}


def case(function: Callable[[Path], Outcome]) -> Callable[[Path], Outcome]:
    CASES[function.__name__] = function
    return function


# ---------------------------------------------------------------- file helpers


def csv_text(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(fields)
    return buffer.getvalue()


def header_of(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def records(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Every record with the line it starts on (the header is line 1)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        found = []
        start = reader.line_num + 1
        for fields in reader:
            found.append((start, dict(zip(header, fields, strict=True))))
            start = reader.line_num + 1
    return found


def line_of(path: Path, **where: str) -> int:
    return next(
        line
        for line, row in records(path)
        if all(row[column] == value for column, value in where.items())
    )


def lines_where(path: Path, column: str, values: set[str]) -> list[int]:
    return [line for line, row in records(path) if row[column] in values]


def template(path: Path, **changes: str) -> dict[str, str]:
    """The first record of `path`, changed."""
    return {**records(path)[0][1], **changes}


def append(path: Path, *rows: dict[str, str]) -> list[int]:
    """Append records; return the line each starts on."""
    text = path.read_text(encoding="utf-8")
    header = header_of(path)
    line = text.count("\n") + 1
    lines, written = [], []
    for row in rows:
        record = csv_text([row.get(name, "") for name in header])
        lines.append(line)
        written.append(record)
        line += record.count("\n")
    path.write_text(text + "".join(written), encoding="utf-8")
    return lines


def physical_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def replace_line(path: Path, line: int, new: str) -> str:
    """Replace physical line `line` (1-based) of a file whose records are one line each."""
    lines = physical_lines(path)
    old = lines[line - 1]
    lines[line - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return old


def rewrite(
    path: Path, header: list[str], rows: list[dict[str, str]], delimiter: str = ","
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([row.get(name, "") for name in header] for row in rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def to_xlsx(
    path: Path,
    *,
    sheet: str = "Ark1",
    extra_rows: tuple[list[str], ...] = (),
    merge_header: tuple[int, int] | None = None,
    stray: tuple[int, int] | None = None,
    formatted_blank: tuple[int, int] | None = None,
    failed_formula: tuple[int, int] | None = None,
    merge: tuple[int, int, int, int] | None = None,
    hidden_notes: bool = False,
    keep_csv: bool = False,
) -> Path:
    """The CSV file `path` as an Excel workbook beside it (text cells), the CSV removed;
    `stray` is a cell (row, column, 0-based) with the value "x", `formatted_blank` a cell
    with a format and no value, `failed_formula` a lookup whose result is Excel's #N/A,
    `merge` a range (first row, column, last row, column) merged with its first value;
    `hidden_notes` puts a hidden sheet of notes before the table's."""
    header = header_of(path)
    rows = [[row[name] for name in header] for _, row in records(path)]
    xlsx = path.with_suffix(".xlsx")
    workbook = xlsxwriter.Workbook(str(xlsx))
    if hidden_notes:
        notes = workbook.add_worksheet("Noter")
        notes.write_string(0, 0, "Udtræk fra surveyværktøjet")
        notes.hide()
    worksheet = workbook.add_worksheet(sheet)
    if hidden_notes:
        worksheet.activate()
    for number, values in enumerate([header, *rows, *extra_rows]):
        for column, value in enumerate(values):
            if value != "" and not (
                merge and merge[0] <= number <= merge[2] and merge[1] <= column <= merge[3]
            ):
                worksheet.write_string(number, column, value)
    if merge_header is not None:
        first, last = merge_header
        worksheet.merge_range(0, first, 0, last, header[first])
    if stray is not None:
        worksheet.write_string(*stray, "x")
    if formatted_blank is not None:
        worksheet.write_blank(*formatted_blank, None, workbook.add_format({"bold": True}))
    if merge is not None:
        worksheet.merge_range(*merge, rows[merge[0] - 1][merge[1]])
    if failed_formula is not None:
        worksheet.write_formula(*failed_formula, "=VLOOKUP(A2,Sheet2!A:B,2,FALSE)", None, "#N/A")
    workbook.close()
    if not keep_csv:
        path.unlink()
    return xlsx


def unanswered(raw: Path, survey: str, code_column: str) -> list[tuple[str, str]]:
    """(code, wave) pairs of the frame with no response: free to use for a new response."""
    answered = {
        (row[code_column], row["wave"]) for _, row in records(raw / survey / "responses.csv")
    }
    return sorted(
        (row[code_column], row["wave"])
        for _, row in records(raw / survey / "frame.csv")
        if (row[code_column], row["wave"]) not in answered
    )


def new_response(raw: Path, response_id: str, **changes: str) -> dict[str, str]:
    """A valid new institution-survey response of an invited institution that did not answer."""
    code, wave = unanswered(raw, "institution_survey", "institution_code")[0]
    base = {"response_id": response_id, "institution_code": code, "wave": wave}
    return template(raw / "institution_survey" / "responses.csv", **{**base, **changes})


INSTITUTION_RESPONSES = "institution_survey/responses.csv"
ASSOCIATION_RESPONSES = "association_survey/responses.csv"


# ---------------------------------------------------------------- file-level: accepted


@case
def utf8_bom_is_accepted_and_recorded(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "frame.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select encoding, rows_loaded from raw.load_audit "
            "where file = 'institution_survey/frame.csv'"
        ).fetchone() == ("utf-8-sig", 1636)
        first = connection.execute(
            "select column_name from information_schema.columns "
            "where table_name = 'institution_survey__frame' and ordinal_position = 3"
        ).fetchone()
        assert first == ("institution_code",)

    return Outcome(check=check)


def _line_ends_are_accepted(raw: Path, table: str, line_end: bytes) -> Outcome:
    """Every record of `table`'s file loads, numbered by its line, with `line_end` ending
    each line instead of LF."""
    strand, stem = table.split("__")
    path = raw / strand / f"{stem}.csv"
    expected = (_records_in_file(path), records(path)[-1][0])
    path.write_bytes(path.read_bytes().replace(b"\n", line_end))

    def check(connection: Connection) -> None:
        assert (
            connection.execute(f"select count(*), max(_line) from raw.{table}").fetchone()
            == expected
        )

    return Outcome(check=check)


@case
def windows_line_ends_are_accepted(raw: Path) -> Outcome:
    return _line_ends_are_accepted(raw, "association_survey__responses", b"\r\n")


@case
def mac_line_ends_are_accepted(raw: Path) -> Outcome:
    """Excel for Mac's 'CSV (Macintosh)' ends lines with a lone CR."""
    return _line_ends_are_accepted(raw, "institution_survey__frame", b"\r")


@case
def a_header_ending_in_a_lone_cr_is_accepted(raw: Path) -> Outcome:
    """Mixed line ends: only the header's is a lone CR."""
    path = raw / "institution_survey" / "frame.csv"
    expected = _records_in_file(path)
    header, rest = path.read_bytes().split(b"\n", 1)
    path.write_bytes(header + b"\r" + rest)

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select count(*), min(_line) from raw.institution_survey__frame"
        ).fetchone() == (expected, 2)

    return Outcome(check=check)


@case
def a_last_line_without_line_break_is_accepted(raw: Path) -> Outcome:
    path = raw / "cases" / "cases.csv"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")

    def check(connection: Connection) -> None:
        assert connection.execute("select count(*) from raw.cases__cases").fetchone() == (20,)

    return Outcome(check=check)


@case
def blank_lines_are_no_records(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    expected = _records_in_file(path)
    lines = physical_lines(path)
    path.write_text("\n".join([*lines[:10], "", *lines[10:]]) + "\n\n", encoding="utf-8")

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select rows_read, rows_loaded from raw.load_audit where file = 'discourse/codings.csv'"
        ).fetchone() == (expected, expected)
        # the record after the blank line keeps its own line number
        assert connection.execute(
            "select min(_line) from raw.discourse__codings where _line > 10"
        ).fetchone() == (12,)

    return Outcome(check=check)


@case
def header_only_file_loads_no_rows(raw: Path) -> Outcome:
    path = raw / "cases" / "episode_participants.csv"
    path.write_text("episode_id,actor_id\n", encoding="utf-8")

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select rows_read, rows_loaded, rows_rejected from raw.load_audit "
            "where file = 'cases/episode_participants.csv'"
        ).fetchone() == (0, 0, 0)
        assert connection.execute(
            "select count(*) from raw.cases__episode_participants"
        ).fetchone() == (0,)

    return Outcome(check=check)


# ---------------------------------------------------------------- file-level: errors


@case
def windows_1252_letters_fail_naming_line_and_byte(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "frame.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1252"))
    first = next(index for index, char in enumerate(text) if not char.isascii())
    line, char = text.count("\n", 0, first) + 1, text[first]
    byte = char.encode("cp1252")[0]
    return Outcome(
        error=rf"^institution_survey/frame\.csv, line {line}: byte 0x{byte:02X} is not UTF-8; "
        rf"the file looks like Windows-1252, where it is '{char}'; export it again as CSV UTF-8 "
        r".*, or, if the tool can only write Windows-1252, set meta: \{csv: \{encoding: cp1252\}\} "
        r"on frame in models/staging/institution_survey/_institution_survey__sources\.yml\.$"
    )


@case
def windows_1252_loads_where_the_sources_yaml_says_so(raw: Path) -> Outcome:
    """The association survey's tool writes Danish Excel CSV: its YAML sets cp1252."""
    path = raw / "association_survey" / "responses.csv"
    text = path.read_text(encoding="utf-8")
    assert any(char in text for char in "æøåÆØÅ")
    rows = [row for _, row in records(path)]
    rewrite(path, header_of(path), rows, delimiter=";")
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select format, encoding, delimiter, decimal_mark, rows_loaded from raw.load_audit "
            "where file = 'association_survey/responses.csv'"
        ).fetchone() == ("csv", "cp1252", ";", ",", len(rows))
        loaded = connection.execute(
            "select comment, partner_1 from raw.association_survey__responses order by _line"
        ).fetchall()
        assert loaded == [(row["comment"] or None, row["partner_1"] or None) for row in rows]

    return Outcome(check=check)


@case
def windows_1252_behind_a_utf8_byte_order_mark_fails_saying_so(raw: Path) -> Outcome:
    """The YAML allows Windows-1252, but the file starts with UTF-8's byte-order mark: the
    error names the mark, not the setting already made."""
    path = raw / "association_survey" / "frame.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252"))
    first = next(index for index, char in enumerate(text) if not char.isascii())
    line, byte = text.count("\n", 0, first) + 1, text[first].encode("cp1252")[0]
    return Outcome(
        error=rf"^association_survey/frame\.csv, line {line}: byte 0x{byte:02X} is not UTF-8, "
        r"though the file starts with UTF-8's byte-order mark \(a program added it to text "
        r"in another encoding, Windows-1252\?\); export it again as CSV UTF-8 .*, or save it "
        r"as Windows-1252 without the mark\.$"
    )


@case
def utf8_with_one_windows_1252_letter_fails_where_the_yaml_allows_windows_1252(
    raw: Path,
) -> Outcome:
    """Two batches pasted together, one per encoding: read as Windows-1252, every æøå of the
    UTF-8 part would become two letters (Ã¸), silently."""
    path = raw / "association_survey" / "frame.csv"
    lines = physical_lines(path)
    first = next(number for number, line in enumerate(lines, 1) if not line.isascii())
    index = next(number for number, line in enumerate(lines) if "ø" in line and number > first)
    lines[index] = lines[index].replace("ø", "\udcf8", 1)  # the one byte 0xF8
    char = next(char for char in lines[first - 1] if not char.isascii())
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape"))
    return Outcome(
        error=rf"^association_survey/frame\.csv: the file mixes two encodings: line {first} has "
        rf"'{char}' written in UTF-8, line {index + 1} byte 0xF8, which is not UTF-8 "
        r"\(Windows-1252\?\); read as either, some letters would come out wrong; export it "
        r"again as CSV UTF-8 .*, in one encoding\.$"
    )


@case
def utf16_file_fails(raw: Path) -> Outcome:
    path = raw / "cases" / "actors.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return Outcome(error=r"^cases/actors\.csv: the file is UTF-16 .*export it again as CSV UTF-8")


@case
def semicolons_with_decimal_commas_load_and_a_decimal_count_is_rejected(raw: Path) -> Outcome:
    """Danish Excel's CSV: `;`-separated, decimal comma; a count of 2,5 is still no count."""
    path = raw / "institution_survey" / "responses.csv"
    header = header_of(path)
    rows = [row for _, row in records(path)]
    rows[0]["n_partner_associations"] = "2,5"
    rewrite(path, header, rows, delimiter=";")

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select delimiter, decimal_mark, rows_read, rows_loaded from raw.load_audit "
            "where file = ?",
            [INSTITUTION_RESPONSES],
        ).fetchone() == (";", ",", len(rows), len(rows) - 1)

    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                2,
                "n_partner_associations",
                "unparseable_integer",
                r"^'2,5' is not a whole number; n_partner_associations is coded count",
            ),
        ),
        check=check,
    )


@case
def a_tab_separated_file_loads(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    expected = _records_in_file(path)
    path.write_text(path.read_text(encoding="utf-8").replace(",", "\t"), encoding="utf-8")

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select delimiter, decimal_mark, rows_loaded from raw.load_audit "
            "where file = 'discourse/codings.csv'"
        ).fetchone() == ("\t", ".", expected)

    return Outcome(check=check)


@case
def a_header_in_none_of_the_delimiters_fails_naming_the_delimiter(raw: Path) -> Outcome:
    path = raw / "cases" / "episode_participants.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", "|"), encoding="utf-8")
    return Outcome(
        error=r"^cases/episode_participants\.csv: the header is separated by '\|', which samspil "
        r"does not read; export it again as CSV UTF-8 .*, separated by commas, semicolons or "
        r"tabs\.$"
    )


@case
def another_delimiter_than_the_sources_yaml_says_fails_naming_both(raw: Path) -> Outcome:
    """The YAML says the survey tool writes semicolons; this export has commas."""
    return Outcome(
        error=r"^association_survey/responses\.csv: the header is separated by commas, but "
        r"csv: \{delimiter: ';'\} on responses in "
        r"models/staging/association_survey/_association_survey__sources\.yml says semicolons; "
        r"set delimiter: ',' there\.$",
        sources=(
            (
                "association_survey",
                "survey: association\n          csv: {encoding: cp1252}",
                "survey: association\n          csv: {encoding: cp1252, delimiter: ';'}",
            ),
        ),
    )


@case
def a_workbook_named_csv_fails_saying_what_it_is(raw: Path) -> Outcome:
    workbook = to_xlsx(raw / "cases" / "actors.csv")
    workbook.rename(raw / "cases" / "actors.csv")
    return Outcome(
        error=r"^cases/actors\.csv: the file is an Excel workbook \(\.xlsx\), not CSV text, "
        r"though named \.csv; rename it to actors\.xlsx: samspil reads \.xlsx files\.$"
    )


@case
def a_zip_archive_named_csv_fails_saying_what_it_is(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    archive = raw / "codings.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(path, "codings.csv")
    archive.replace(path)
    return Outcome(
        error=r"^discourse/codings\.csv: the file is a ZIP archive, not CSV text, though named "
        r"\.csv; unpack it, or export the table as CSV UTF-8\.$"
    )


@case
def two_exports_of_one_table_fail(raw: Path) -> Outcome:
    to_xlsx(raw / "cases" / "cases.csv", keep_csv=True)
    return Outcome(
        error=r"^cases/cases: 2 exports of one table \(cases/cases\.csv, cases/cases\.xlsx\); "
        r"keep exactly one in the raw folder\.$"
    )


@case
def an_export_named_in_capitals_loads(raw: Path) -> Outcome:
    """Windows names files regardless of case; its exports may keep any."""
    (raw / "cases" / "actors.csv").rename(raw / "cases" / "Actors.CSV")
    rows = len(records(raw / "cases" / "Actors.CSV"))

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select file, format, rows_loaded from raw.load_audit "
            "where table_name = 'cases__actors'"
        ).fetchone() == ("cases/Actors.CSV", "csv", rows)

    return Outcome(check=check)


@case
def two_exports_named_alike_but_for_case_fail(raw: Path) -> Outcome:
    shutil.copy(raw / "cases" / "actors.csv", raw / "cases" / "ACTORS.csv")
    return Outcome(
        error=r"^cases/actors: 2 exports of one table \(cases/ACTORS\.csv, cases/actors\.csv\)"
    )


@case
def a_wave_exported_as_a_file_of_its_own_fails(raw: Path) -> Outcome:
    """Beside the table's export, another file of its rows: loading the rest would leave
    them out unnoticed."""
    responses = raw / "institution_survey" / "responses.csv"
    shutil.copy(responses, responses.with_name("responses_2020.csv"))
    return Outcome(
        error=r"^institution_survey/responses_2020\.csv: no table is read from this file "
        r"\(each table is one file, docs/raw-exports\.md\); merge it into its table's "
        r"export, or move it out of the raw folder\.$"
    )


@case
def an_office_lock_file_beside_an_export_is_no_export(raw: Path) -> Outcome:
    """Excel's `~$<name>` of a workbook open while the folder is loaded, and a hidden
    file: neither is an export, both are left alone."""
    (raw / "association_survey" / "~$frame.xlsx").write_bytes(b"\x00" * 165)
    (raw / "cases" / ".cases.csv").write_bytes(b"")
    (raw / "cases" / ".backup").mkdir()
    shutil.copy(raw / "cases" / "cases.csv", raw / "cases" / ".backup" / "cases.csv")
    return Outcome()


@case
def an_excel_97_workbook_is_named_as_a_format_not_read(raw: Path) -> Outcome:
    frame = raw / "institution_survey" / "frame.csv"
    frame.rename(frame.with_suffix(".xls"))  # its bytes do not matter: it is never read
    return Outcome(
        error=r"^institution_survey/frame\.xls: an Excel 97-2003 workbook, a format the loader "
        r"does not read; export the table as \.csv, \.xlsx or \.sav \(docs/raw-exports\.md\)\. "
        r"\(1 more failing: institution_survey/frame\.csv\)$"
    )


@case
def a_wave_in_a_folder_of_its_own_fails(raw: Path) -> Outcome:
    (raw / "association_survey" / "2020").mkdir()
    shutil.copy(
        raw / "association_survey" / "responses.csv",
        raw / "association_survey" / "2020" / "responses.csv",
    )
    return Outcome(error=r"^association_survey/2020/responses\.csv: no table is read from")


@case
def empty_file_fails(raw: Path) -> Outcome:
    (raw / "cases" / "cases.csv").write_bytes(b"")
    return Outcome(error=r"^cases/cases\.csv: the file is empty \(not even a header row\)")


@case
def missing_file_fails(raw: Path) -> Outcome:
    (raw / "discourse" / "codings.csv").unlink()
    return Outcome(
        error=r"^discourse/codings\.csv: file not found, nor codings\.xlsx, codings\.sav or "
        r"discourse\.qdpx; every raw folder needs it"
    )


@case
def two_bad_files_fail_naming_both(raw: Path) -> Outcome:
    (raw / "discourse" / "codings.csv").unlink()
    (raw / "cases" / "cases.csv").write_bytes(b"")
    return Outcome(
        error=r"^discourse/codings\.csv: file not found, .*\(1 more failing: cases/cases\.csv\)$"
    )


@case
def missing_column_fails(raw: Path) -> Outcome:
    path = raw / "association_survey" / "responses.csv"
    header = [name for name in header_of(path) if name != "comment"]
    rewrite(path, header, [row for _, row in records(path)])
    return Outcome(
        error=r"^association_survey/responses\.csv: missing column 'comment'; export the file "
        r"again with exactly the columns of docs/raw-exports\.md"
    )


@case
def unknown_extra_column_fails(raw: Path) -> Outcome:
    path = raw / "cases" / "actors.csv"
    rows = [{**row, "email": "kontakt@forening.dk"} for _, row in records(path)]
    rewrite(path, [*header_of(path), "email"], rows)
    return Outcome(
        error=r"^cases/actors\.csv: unknown extra column 'email'; .*"
        r"models/staging/cases/_cases__sources\.yml",
        secrets=("kontakt@forening.dk",),
    )


@case
def renamed_column_fails_naming_both_names(raw: Path) -> Outcome:
    path = raw / "discourse" / "segments.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("segment_text", "segment_txt", 1), encoding="utf-8")
    return Outcome(
        error=r"^discourse/segments\.csv: missing column 'segment_text' and unknown extra "
        r"column 'segment_txt'"
    )


@case
def a_file_without_its_header_row_fails_without_showing_its_first_record(raw: Path) -> Outcome:
    """The header line deleted: the first record is read as the header. Its values (a
    chair's e-mail, an association's name) must not be echoed as unknown columns."""
    path = raw / "association_survey" / "frame.csv"
    first = records(path)[0][1]
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    return Outcome(
        error=r"^association_survey/frame\.csv: the file has no header row: its first row names "
        r"none of the 8 columns of docs/raw-exports\.md \(they begin 'association_code', "
        r"'wave', 'kommunekode', …\); export it again as CSV UTF-8 .*, with the column names in "
        r"its first row\.$",
        secrets=(first["association_name"], first["chair_email"], first["association_code"]),
    )


@case
def an_unknown_header_cell_that_is_no_column_name_is_not_shown(raw: Path) -> Outcome:
    """An extra header cell that is no name (spaces, an e-mail address) may be data: it is
    counted, not echoed; a name-like one is shown."""
    path = raw / "cases" / "actors.csv"
    extra = ["kontakt@forening.dk", "Rasmus Bach", "note"]
    rows = [row for _, row in records(path)]
    rewrite(path, [*header_of(path), *extra], rows)
    return Outcome(
        error=r"^cases/actors\.csv: unknown extra columns <not shown: 19 characters, no column "
        r"name>, <not shown: 11 characters, no column name>, 'note'; export the file again",
        secrets=("kontakt@forening.dk", "Rasmus Bach"),
    )


@case
def duplicated_header_column_fails(raw: Path) -> Outcome:
    path = raw / "cases" / "cases.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",end_date\n", ",case_title\n", 1), encoding="utf-8")
    return Outcome(error=r"^cases/cases\.csv: column 'case_title' appears twice in the header")


@case
def truncated_last_line_fails(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "frame.csv"
    text = path.read_text(encoding="utf-8")
    last_start = text.rstrip("\n").rfind("\n") + 1
    cut = last_start + len(",".join(text[last_start:].split(",")[:3])) - 2  # inside field 3
    path.write_text(text[:cut], encoding="utf-8")
    line = text.count("\n")
    return Outcome(
        error=rf"^institution_survey/frame\.csv, line {line}: the last record has 3 fields where "
        r"the header has 8, and no line break after it: the file looks cut off"
    )


@case
def file_cut_off_inside_quoted_text_fails(raw: Path) -> Outcome:
    path = raw / "discourse" / "documents.csv"
    text = path.read_text(encoding="utf-8")
    line = records(path)[-1][0]
    last_text = records(path)[-1][1]["text"]
    assert text.rstrip("\n").endswith('"') and len(last_text) > 300  # a long quoted text
    path.write_text(text[: len(text) - 200], encoding="utf-8")
    return Outcome(
        error=rf"^discourse/documents\.csv, line {line}: the file ends inside a quoted field "
        r"that starts in the record on this line: the export was cut off"
    )


@case
def undoubled_quote_in_quoted_text_fails(raw: Path) -> Outcome:
    path = raw / "cases" / "episodes.csv"
    text = path.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    bad = 'K01-E900,K01,2016-09-01,meeting,positive,"Møde om "samarbejde" i hallen"\n'
    path.write_text(text + bad, encoding="utf-8")
    return Outcome(
        error=rf"^cases/episodes\.csv, line {line}: broken quoting .*a quote inside a quoted "
        r'field must be doubled \(""\)'
    )


@case
def file_cut_off_inside_a_character_fails(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "frame.csv"
    data = path.read_bytes()
    line = data.count(b"\n") + 1
    path.write_bytes(data + "I0461-9998,2016,0461,Børnehuset Ø".encode()[:-1])
    return Outcome(
        error=rf"^institution_survey/frame\.csv, line {line}: the file ends in the middle of a "
        r"character: it looks cut off"
    )


@case
def a_trailing_comma_on_every_line_fails_as_an_unnamed_column(raw: Path) -> Outcome:
    path = raw / "cases" / "cases.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\n", ",\n"), encoding="utf-8")
    return Outcome(
        error=r"^cases/cases\.csv: unknown extra column '' \(a trailing comma\?\); export the file "
        r"again with exactly the columns"
    )


@case
def nul_byte_fails(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    lines = physical_lines(path)
    lines[4] = lines[4].replace("coder_", "coder\x00", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return Outcome(error=r"^discourse/codings\.csv, line 5: a NUL byte")


@case
def a_nul_byte_in_a_file_with_mac_line_ends_names_its_line(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    lines = physical_lines(path)
    lines[4] = lines[4].replace("coder_", "coder\x00", 1)
    path.write_text("\r".join(lines), encoding="utf-8")
    return Outcome(error=r"^discourse/codings\.csv, line 5: a NUL byte")


# ---------------------------------------------------------------- row-level: accepted


@case
def dd_mm_yyyy_dates_are_stored_as_iso(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "frame.csv"
    rows = [row for _, row in records(path)]
    iso = [row["invited_date"] for row in rows]
    for row in rows:
        year, month, day = row["invited_date"].split("-")
        row["invited_date"] = f"{day}-{month}-{year}"
    rows[0]["invited_date"] = rows[0]["invited_date"].replace("-", ".")  # dd.mm.yyyy too
    rewrite(path, header_of(path), rows)

    def check(connection: Connection) -> None:
        stored = connection.execute(
            "select invited_date from raw.institution_survey__frame order by _line"
        ).fetchall()
        assert [value for (value,) in stored] == iso

    return Outcome(check=check)


@case
def missing_codes_8_9_99_and_7_where_filtered_are_accepted(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    row = new_response(
        raw,
        "IS16-90001",
        coop_associations="9",
        form_joint_activities="7",
        n_partner_associations="99",
        att_better_solutions="8",
    )
    [line] = append(path, row)

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select _line, coop_associations, form_joint_activities, n_partner_associations, "
            "att_better_solutions from raw.institution_survey__responses "
            "where response_id = 'IS16-90001'"
        ).fetchone() == (line, "9", "7", "99", "8")

    return Outcome(check=check)


@case
def free_text_with_quotes_commas_and_newlines_keeps_its_first_line(raw: Path) -> Outcome:
    path = raw / "association_survey" / "responses.csv"
    comment = 'Vi kalder det "samskabelse", ikke samarbejde.\nAnden linje; tredje, "citat".'
    row = template(path, response_id="AS18-90001", comment=comment)
    code, wave = unanswered(raw, "association_survey", "association_code")[0]
    row.update(association_code=code, wave=wave)
    [line] = append(path, row)
    bare = 'K01-E901,K01,2016-09-01,meeting,positive,Møde om "samarbejde" i hallen\n'
    episodes = raw / "cases" / "episodes.csv"
    episodes.write_text(episodes.read_text(encoding="utf-8") + bare, encoding="utf-8")

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select _line, comment from raw.association_survey__responses "
            "where response_id = 'AS18-90001'"
        ).fetchone() == (line, comment)
        assert connection.execute(
            "select summary from raw.cases__episodes where episode_id = 'K01-E901'"
        ).fetchone() == ('Møde om "samarbejde" i hallen',)

    return Outcome(check=check)


@case
def cpr_number_in_a_comment_is_loaded_but_never_shown(raw: Path) -> Outcome:
    cpr = "010203-1234"
    path = raw / "institution_survey" / "responses.csv"
    comment = f"Ring til vores leder (cpr {cpr}) hvis der er spørgsmål."
    [line] = append(path, new_response(raw, "IS16-90002", comment=comment))

    def check(connection: Connection) -> None:
        # The raw layer is the export as delivered; staging never selects the comment.
        assert connection.execute(
            "select _line, comment from raw.institution_survey__responses "
            "where response_id = 'IS16-90002'"
        ).fetchone() == (line, comment)

    return Outcome(check=check, secrets=(cpr,))


# ---------------------------------------------------------------- row-level: rejected


@case
def six_on_a_five_point_item_is_out_of_scale(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    [line] = append(path, new_response(raw, "IS16-90003", att_better_solutions="6"))
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "att_better_solutions",
                "out_of_scale",
                r"^6 is not a code of likert5 \(1–5; missing codes 8, 9\)\.$",
            ),
        )
    )


@case
def seven_on_an_item_without_filter_is_out_of_scale(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    [line] = append(path, new_response(raw, "IS16-90004", coop_associations="7"))
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "coop_associations",
                "out_of_scale",
                r"^7 is not a code of yes_no \(1–2; missing codes 8, 9\)\.$",
            ),
        )
    )


@case
def a_count_above_its_range_is_out_of_scale(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    [line] = append(path, new_response(raw, "IS16-90005", n_partner_associations="150"))
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "n_partner_associations",
                "out_of_scale",
                r"^150 is not a code of count \(0–96; missing codes 97, 98, 99\)\.$",
            ),
        )
    )


@case
def a_count_with_a_decimal_comma_is_no_whole_number(raw: Path) -> Outcome:
    path = raw / "association_survey" / "responses.csv"
    code, wave = unanswered(raw, "association_survey", "association_code")[0]
    row = template(
        path,
        response_id="AS18-90002",
        association_code=code,
        wave=wave,
        n_partner_institutions="2,5",
    )
    [line] = append(path, row)
    return Outcome(
        rejected=(
            Rejected(
                ASSOCIATION_RESPONSES,
                line,
                "n_partner_institutions",
                "unparseable_integer",
                r"^'2,5' is not a whole number; n_partner_institutions is coded count",
            ),
        )
    )


@case
def a_duplicated_response_id_keeps_the_first(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    first = records(path)[0][1]
    [line] = append(path, first)  # the survey tool exported a double submission twice
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "response_id",
                "duplicate_key",
                rf"^response_id '{first['response_id']}' is a duplicate of line 2; "
                r"the first is kept\.$",
            ),
        )
    )


@case
def the_same_institution_twice_in_a_wave_keeps_the_first(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    first = records(path)[0][1]
    [line] = append(path, {**first, "response_id": "IS16-90006"})
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "institution_code",
                "duplicate_key",
                rf"^institution_code '{first['institution_code']}' with wave {first['wave']} is "
                r"a duplicate of line 2; the first is kept\.$",
            ),
        )
    )


@case
def a_row_rejected_for_its_key_does_not_take_its_other_key(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    first = records(path)[0][1]
    # A second submission under a used response_id, for an institution that had not answered,
    # then that institution's own response: the first one kept for institution and wave.
    twice, _ = append(
        path, new_response(raw, first["response_id"]), new_response(raw, "IS16-90007")
    )
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                twice,
                "response_id",
                "duplicate_key",
                rf"^response_id '{first['response_id']}' is a duplicate of line 2; "
                r"the first is kept\.$",
            ),
        )
    )


@case
def an_unparseable_date_is_rejected(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    [slash, impossible] = append(
        path,
        template(path, coder_id="coder_z", coded_date="24/10/2016"),
        template(path, coder_id="coder_y", coded_date="30-02-2017"),
    )
    return Outcome(
        rejected=(
            Rejected(
                "discourse/codings.csv",
                slash,
                "coded_date",
                "unparseable_date",
                r"^'24/10/2016' is not a date \(yyyy-mm-dd or dd-mm-yyyy\)\.$",
            ),
            Rejected(
                "discourse/codings.csv",
                impossible,
                "coded_date",
                "unparseable_date",
                r"^'30-02-2017' is not a date",
            ),
        )
    )


@case
def a_date_in_other_digits_than_ascii_is_rejected(raw: Path) -> Outcome:
    """Full-width (a Japanese input method) or Arabic-Indic digits are digits to Python's
    regular expressions, not to staging's cast."""
    path = raw / "discourse" / "codings.csv"
    [full_width, arabic_indic] = append(
        path,
        template(path, coder_id="coder_z", coded_date="２０１６-０３-０３"),
        template(path, coder_id="coder_y", coded_date="٠٣.٠٣.٢٠١٦"),
    )
    return Outcome(
        rejected=(
            Rejected(
                "discourse/codings.csv",
                full_width,
                "coded_date",
                "unparseable_date",
                r"^'２０１６-０３-０３' is not a date \(yyyy-mm-dd or dd-mm-yyyy\)\.$",
            ),
            Rejected(
                "discourse/codings.csv",
                arabic_indic,
                "coded_date",
                "unparseable_date",
                r"^'٠٣\.٠٣\.٢٠١٦' is not a date",
            ),
        )
    )


@case
def a_timestamp_with_a_time_in_other_digits_than_ascii_is_rejected(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    [line] = append(path, new_response(raw, "IS16-90008", started_at="2016-03-01 ０７:４３"))
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "started_at",
                "unparseable_timestamp",
                r"^'2016-03-01 ０７:４３' is not a timestamp",
            ),
        )
    )


@case
def an_unparseable_timestamp_is_rejected(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    [line] = append(path, new_response(raw, "IS16-90007", started_at="1/3/2016 7.43"))
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "started_at",
                "unparseable_timestamp",
                r"^'1/3/2016 7\.43' is not a timestamp \(yyyy-mm-ddThh:mm:ss\)\.$",
            ),
        )
    )


@case
def an_unknown_kommunekode_is_rejected(raw: Path) -> Outcome:
    path = raw / "discourse" / "documents.csv"
    [line] = append(path, template(path, document_id="D9999-0001", kommunekode="9999"))
    return Outcome(
        rejected=(
            Rejected(
                "discourse/documents.csv",
                line,
                "kommunekode",
                "unknown_code",
                r"^9999 is not a kommunekode of seeds/municipalities\.csv\.$",
            ),
        )
    )


@case
def a_kommunekode_without_its_leading_zero_is_rejected_with_a_hint(raw: Path) -> Outcome:
    path = raw / "association_survey" / "frame.csv"
    [line] = append(path, template(path, association_code="A0461-9001", kommunekode="461"))
    return Outcome(
        rejected=(
            Rejected(
                "association_survey/frame.csv",
                line,
                "kommunekode",
                "unknown_code",
                r"^461 is not a kommunekode of seeds/municipalities\.csv "
                r"\(a lost leading zero\? 0461 is\)\.$",
            ),
        ),
        secrets=(template(path)["chair_email"],),
    )


@case
def an_unknown_policy_area_rejects_the_case_and_everything_of_it(raw: Path) -> Outcome:
    cases = raw / "cases"
    case_line = line_of(cases / "cases.csv", case_id="K03")
    lines = physical_lines(cases / "cases.csv")
    lines[case_line - 1] = re.sub(r"^(K03,\d{4}),\w+,", r"\1,skole,", lines[case_line - 1])
    (cases / "cases.csv").write_text("\n".join(lines), encoding="utf-8")
    episodes = {row["episode_id"]: line for line, row in records(cases / "episodes.csv")}
    k03_episodes = {episode for episode in episodes if episode.startswith("K03-")}
    rejected = [
        Rejected("cases/cases.csv", case_line, "policy_area_code", "unknown_code", r"'skole'")
    ]
    gone = rf"^case_id 'K03' is not in cases/cases\.csv \(its row there, line {case_line}, "
    for file in ("actors", "episodes"):
        for line in lines_where(cases / f"{file}.csv", "case_id", {"K03"}):
            rejected.append(
                Rejected(f"cases/{file}.csv", line, "case_id", "unknown_reference", gone)
            )
    for line, row in records(cases / "episode_participants.csv"):
        if row["episode_id"] in k03_episodes:
            rejected.append(
                Rejected(
                    "cases/episode_participants.csv",
                    line,
                    "episode_id",
                    "unknown_reference",
                    rf"^episode_id '{row['episode_id']}' is not in cases/episodes\.csv "
                    rf"\(its row there, line {episodes[row['episode_id']]}, was rejected\)\.$",
                )
            )
    assert len(rejected) > 20
    return Outcome(rejected=tuple(rejected))


@case
def a_response_of_an_institution_not_in_the_frame_is_rejected(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    row = new_response(raw, "IS16-90008", institution_code="I0461-9999")
    [line] = append(path, row)
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "institution_code",
                "unknown_reference",
                r"^institution_code 'I0461-9999' is not in institution_survey/frame\.csv\.$",
            ),
        )
    )


@case
def a_response_for_a_wave_the_institution_was_not_invited_to_is_rejected(raw: Path) -> Outcome:
    responses = raw / "institution_survey" / "responses.csv"
    line, response = next((line, row) for line, row in records(responses) if row["wave"] == "2018")
    frame = raw / "institution_survey" / "frame.csv"
    code = response["institution_code"]
    frame_line = line_of(frame, institution_code=code, wave="2018")
    lines = physical_lines(frame)
    del lines[frame_line - 1]  # the 2018 frame was exported without this institution
    frame.write_text("\n".join(lines), encoding="utf-8")
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                line,
                "wave",
                "unknown_reference",
                rf"^institution_code '{code}' is in institution_survey/frame\.csv, "
                r"but not with wave 2018\.$",
            ),
        )
    )


@case
def an_episode_of_an_unknown_case_is_rejected(raw: Path) -> Outcome:
    path = raw / "cases" / "episodes.csv"
    [line] = append(path, template(path, episode_id="K99-E001", case_id="K99"))
    return Outcome(
        rejected=(
            Rejected(
                "cases/episodes.csv",
                line,
                "case_id",
                "unknown_reference",
                r"^case_id 'K99' is not in cases/cases\.csv\.$",
            ),
        )
    )


@case
def a_coding_of_an_unknown_segment_is_rejected(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    [line] = append(path, template(path, segment_id="S999999"))
    return Outcome(
        rejected=(
            Rejected(
                "discourse/codings.csv",
                line,
                "segment_id",
                "unknown_reference",
                r"^segment_id 'S999999' is not in discourse/segments\.csv\.$",
            ),
        )
    )


@case
def an_unknown_justification_code_is_rejected(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    [line] = append(path, template(path, coder_id="coder_x", justification_code="eff_innovation"))
    return Outcome(
        rejected=(
            Rejected(
                "discourse/codings.csv",
                line,
                "justification_code",
                "unknown_code",
                r"^'eff_innovation' is not a justification_code of seeds/justification_codes\.csv",
            ),
        )
    )


@case
def the_same_code_twice_by_one_coder_is_a_duplicate(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    first = records(path)[0][1]
    [line] = append(path, {**first, "coded_date": "2017-01-05"})
    return Outcome(
        rejected=(
            Rejected(
                "discourse/codings.csv",
                line,
                "segment_id",
                "duplicate_key",
                rf"^segment_id '{first['segment_id']}' with coder_id '{first['coder_id']}' with "
                rf"justification_code '{first['justification_code']}' is a duplicate of line 2",
            ),
        )
    )


@case
def segment_offsets_that_are_not_numbers_are_rejected(raw: Path) -> Outcome:
    path = raw / "discourse" / "segments.csv"
    start, end = append(
        path,
        template(path, segment_id="S900001", start_offset="ca. 40"),
        template(path, segment_id="S900002", end_offset="1.250"),
    )
    return Outcome(
        rejected=(
            Rejected(
                "discourse/segments.csv",
                start,
                "start_offset",
                "unparseable_integer",
                r"^'ca\. 40' is not a whole number in digits\.$",
            ),
            Rejected(
                "discourse/segments.csv",
                end,
                "end_offset",
                "unparseable_integer",
                r"^'1\.250' is not a whole number",
            ),
        )
    )


@case
def segment_offsets_beyond_what_staging_casts_are_rejected(raw: Path) -> Outcome:
    """Staging casts offsets to a 32-bit integer: a larger whole number would fail the
    build, not its row."""
    path = raw / "discourse" / "segments.csv"
    beyond, huge, _largest_is_loaded = append(
        path,
        template(path, segment_id="S900003", end_offset="4294967296"),
        template(path, segment_id="S900004", start_offset="9" * 5000),
        template(path, segment_id="S900005", end_offset="0002147483647"),
    )
    return Outcome(
        rejected=(
            Rejected(
                "discourse/segments.csv",
                beyond,
                "end_offset",
                "unparseable_integer",
                r"^4294967296 is larger than 2147483647, the largest whole number staging "
                r"reads \(a 32-bit integer\)\.$",
            ),
            Rejected(
                "discourse/segments.csv",
                huge,
                "start_offset",
                "unparseable_integer",
                r"^9{5000} is larger than 2147483647",
            ),
        )
    )


@case
def a_ragged_middle_row_is_rejected_with_its_text(raw: Path) -> Outcome:
    path = raw / "discourse" / "codings.csv"
    old = replace_line(path, 100, physical_lines(path)[99] + ",ekstra")
    return Outcome(
        rejected=(
            Rejected(
                "discourse/codings.csv",
                100,
                None,
                "wrong_field_count",
                r"^5 fields where the header has 4\.$",
            ),
        ),
        check=lambda connection: _raw_value_is(
            connection, "discourse/codings.csv", old + ",ekstra"
        ),
    )


@case
def an_unquoted_comma_in_a_frame_row_masks_the_leaders_email(raw: Path) -> Outcome:
    """A name with an unquoted comma: the row is ragged, and so is its institution's response."""
    frame = raw / "institution_survey" / "frame.csv"
    responses = raw / "institution_survey" / "responses.csv"
    response_line, response = records(responses)[0]
    code, wave = response["institution_code"], response["wave"]
    frame_line = line_of(frame, institution_code=code, wave=wave)
    row = records(frame)[frame_line - 2][1]
    fields = [row[name] for name in header_of(frame)]
    fields[3] = fields[3] + ", afd. Nord"
    bad = ",".join(fields)
    replace_line(frame, frame_line, bad)
    return Outcome(
        rejected=(
            Rejected(
                "institution_survey/frame.csv",
                frame_line,
                None,
                "wrong_field_count",
                r"^9 fields where the header has 8\.$",
            ),
            Rejected(
                INSTITUTION_RESPONSES,
                response_line,
                "wave",
                "unknown_reference",
                rf"^institution_code '{code}' is in institution_survey/frame\.csv, "
                rf"but not with wave {wave}\.$",
            ),
        ),
        secrets=(row["leader_email"],),
        check=lambda connection: _raw_value_is(
            connection, "institution_survey/frame.csv", f"<masked: {len(bad)} characters>"
        ),
    )


@case
def a_cpr_number_in_a_ragged_row_is_masked(raw: Path) -> Outcome:
    cpr = "2407811234"
    path = raw / "association_survey" / "responses.csv"
    code, wave = unanswered(raw, "association_survey", "association_code")[0]
    row = template(path, response_id="AS18-90003", association_code=code, wave=wave)
    row["comment"] = f"Kontakt formanden, cpr {cpr}"
    text = path.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    bad = csv_text([row[name] for name in header_of(path)]).rstrip("\n") + ",mere tekst\n"
    path.write_text(text + bad, encoding="utf-8")
    return Outcome(
        rejected=(
            Rejected(
                ASSOCIATION_RESPONSES, line, None, "wrong_field_count", r"^25 fields where .* 24\."
            ),
        ),
        secrets=(cpr,),
        check=lambda connection: _raw_value_is(
            connection, ASSOCIATION_RESPONSES, f"<masked: {len(bad) - 1} characters>"
        ),
    )


@case
def an_empty_or_blank_required_id_is_a_missing_value(raw: Path) -> Outcome:
    path = raw / "cases" / "actors.csv"
    empty, blank = append(
        path, template(path, actor_id=""), template(path, actor_id="K01-A99", actor_name="  ")
    )
    return Outcome(
        rejected=(
            Rejected(
                "cases/actors.csv",
                empty,
                "actor_id",
                "missing_value",
                r"^actor_id is empty; every row needs one\.$",
            ),
            Rejected("cases/actors.csv", blank, "actor_name", "missing_value", r"actor_name"),
        ),
        secrets=(template(path)["contact_person"], template(path)["contact_phone"]),
    )


@case
def an_unknown_completion_status_or_wave_is_an_unknown_code(raw: Path) -> Outcome:
    path = raw / "institution_survey" / "responses.csv"
    status, wave = append(
        path,
        new_response(raw, "IS16-90009", completion_status="Gennemført"),
        new_response(raw, "IS17-90010", wave="2017"),
    )
    return Outcome(
        rejected=(
            Rejected(
                INSTITUTION_RESPONSES,
                status,
                "completion_status",
                "unknown_code",
                r"^'Gennemført' is not one of complete, partial\.$",
            ),
            Rejected(
                INSTITUTION_RESPONSES,
                wave,
                "wave",
                "unknown_code",
                r"^2017 is not a wave of seeds/survey_waves\.csv\.$",
            ),
        )
    )


@case
def the_personal_columns_of_a_rejected_row_never_show(raw: Path) -> Outcome:
    """An actor without its case: rejected for the case_id; its phone never shows."""
    path = raw / "cases" / "actors.csv"
    phone = "+45 21 43 65 87"
    [line] = append(path, template(path, actor_id="K01-A98", case_id="", contact_phone=phone))
    return Outcome(
        rejected=(
            Rejected("cases/actors.csv", line, "case_id", "missing_value", r"^case_id is empty"),
        ),
        secrets=(phone,),
    )


# ---------------------------------------------------------------- Excel workbooks


@case
def an_xlsx_with_merged_header_cells_fails_naming_sheet_and_cells(raw: Path) -> Outcome:
    to_xlsx(raw / "cases" / "actors.csv", merge_header=(5, 6))  # contact_person + contact_phone
    return Outcome(
        error=r"^cases/actors\.xlsx: sheet 'Ark1', header cells F1:G1 are merged; unmerge them "
        r"and give each column its own name in row 1\.$"
    )


@case
def an_xlsx_with_an_empty_header_cell_fails_naming_its_position(raw: Path) -> Outcome:
    path = raw / "cases" / "episodes.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("episode_type", "", 1), encoding="utf-8")
    to_xlsx(path)
    return Outcome(
        error=r"^cases/episodes\.xlsx: sheet 'Ark1', header cell D1 \(column 4\) is empty "
        r"\(merged header cells\?\)"
    )


@case
def an_xlsx_total_row_at_the_bottom_is_rejected_not_loaded(raw: Path) -> Outcome:
    path = raw / "cases" / "episode_participants.csv"
    rows = len(records(path))
    to_xlsx(path, extra_rows=(["I alt", str(rows)],))
    return Outcome(
        rejected=(
            Rejected(
                "cases/episode_participants.xlsx",
                rows + 2,
                None,
                "total_row",
                r"^the last row is a total row \('I alt'\), not data; delete it from the export\.$",
            ),
        )
    )


@case
def an_xlsx_sheet_the_sources_yaml_names_is_read(raw: Path) -> Outcome:
    path = raw / "cases" / "cases.csv"
    cases = [row for _, row in records(path)]
    to_xlsx(path, sheet="Data")

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select file, format, encoding, delimiter, decimal_mark, sheet, rows_loaded "
            "from raw.load_audit where table_name = 'cases__cases'"
        ).fetchone() == ("cases/cases.xlsx", "xlsx", None, None, None, "Data", len(cases))

    return Outcome(
        check=check,
        sources=(("cases", "key: [case_id]\n", "key: [case_id]\n          sheet: Data\n"),),
    )


@case
def an_xlsx_with_a_hidden_sheet_before_the_table_reads_the_table(raw: Path) -> Outcome:
    """A survey tool's notes on a hidden first sheet: the table is the first sheet the
    user sees."""
    path = raw / "cases" / "cases.csv"
    cases = [row for _, row in records(path)]
    to_xlsx(path, sheet="Data", hidden_notes=True)

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select sheet, rows_loaded from raw.load_audit where table_name = 'cases__cases'"
        ).fetchone() == ("Data", len(cases))

    return Outcome(check=check)


@case
def an_xlsx_without_the_sheet_the_sources_yaml_names_fails(raw: Path) -> Outcome:
    to_xlsx(raw / "cases" / "cases.csv", sheet="Ark1")
    return Outcome(
        error=r"^cases/cases\.xlsx: no sheet 'Data' \(the workbook has 'Ark1'\); rename the "
        r"sheet, or set meta: \{sheet: \.\.\.\} on cases in "
        r"models/staging/cases/_cases__sources\.yml",
        sources=(("cases", "key: [case_id]\n", "key: [case_id]\n          sheet: Data\n"),),
    )


XFD = 16383  # the last column of a sheet, 0-based
LAST_ROW = 1048575  # the last row of a sheet, 0-based


@case
def an_xlsx_with_a_stray_value_far_to_the_right_fails_naming_it(raw: Path) -> Outcome:
    """One value in column XFD of the last row: calamine would hold all 16,384 columns of
    every row in memory. The load stops before, naming the cell."""
    path = raw / "cases" / "episodes.csv"
    rows = len(records(path)) + 1
    to_xlsx(path, stray=(rows - 1, XFD))
    return Outcome(
        error=rf"^cases/episodes\.xlsx: sheet 'Ark1' has a value in cell XFD{rows}, far outside "
        r"its table: reading the sheet would hold every cell from A1 to there in memory, "
        rf"{rows * 16384:,} cells \({rows:,} rows by 16,384 columns\) for [\d,]+ values; delete "
        r"what is outside the table and save the workbook again as \.xlsx from Excel\.$"
    )


@case
def an_xlsx_with_a_stray_value_in_the_last_row_fails_naming_it(raw: Path) -> Outcome:
    path = raw / "cases" / "cases.csv"
    columns = len(header_of(path))
    to_xlsx(path, stray=(LAST_ROW, 0))
    return Outcome(
        error=rf"^cases/cases\.xlsx: sheet 'Ark1' has a value in cell A1048576, far outside "
        rf"its table: .* \(1,048,576 rows by {columns} columns\)"
    )


@case
def an_xlsx_cell_holding_an_excel_error_is_rejected_naming_it(raw: Path) -> Outcome:
    """A lookup that failed in Excel (#N/A): calamine reads the cell as empty, which
    would load as no value (or reject the row as missing one) without saying why."""
    path = raw / "cases" / "episode_participants.csv"
    to_xlsx(path, failed_formula=(1, 1))
    return Outcome(
        rejected=(
            Rejected(
                "cases/episode_participants.xlsx",
                2,
                "actor_id",
                "invalid_in_export",
                r"^cell B2 holds an Excel error \(#N/A, #DIV/0! or the like\), which would "
                r"load as empty: correct the formula or its input$",
            ),
        )
    )


@case
def an_xlsx_with_merged_data_cells_rejects_the_rows_they_leave_empty(raw: Path) -> Outcome:
    """Two participants' actor merged into one cell, as a reader of the sheet sees it:
    the value is the first row's alone; the second row is rejected, naming the merge."""
    to_xlsx(raw / "cases" / "episode_participants.csv", merge=(1, 1, 2, 1))
    return Outcome(
        rejected=(
            Rejected(
                "cases/episode_participants.xlsx",
                3,
                "actor_id",
                "invalid_in_export",
                r"^cells B2:B3 are merged: Excel keeps their value in the first cell alone, "
                r"and this row's would load as empty; unmerge them and give each cell its "
                r"value$",
            ),
        )
    )


EXCEL_CELL_TEXT = 32_767  # the most characters Excel lets a cell hold


@case
def an_xlsx_repeating_one_long_text_down_its_columns_fails_naming_it(raw: Path) -> Outcome:
    """One text as long as Excel lets a cell be in two columns of every row: the workbook
    keeps it once among its shared strings, and calamine would copy it into every cell,
    hundreds of millions of characters from a file of a few hundred kB. The load stops
    before, naming the first cell."""
    path = raw / "association_survey" / "frame.csv"
    header = header_of(path)
    long_text = "Lorem ipsum dolor sit amet. " * (EXCEL_CELL_TEXT // 28 + 1)
    rows = [
        {**row, "wave": long_text[:EXCEL_CELL_TEXT], "kommunekode": long_text[:EXCEL_CELL_TEXT]}
        for _, row in records(path)
    ]
    rewrite(path, header, rows)
    assert to_xlsx(path).stat().st_size < 1_000_000
    return Outcome(
        error=r"^association_survey/frame\.xlsx: sheet 'Ark1' repeats the workbook's shared "
        r"strings to [\d,]+ characters of cell text \(cell B2 and "
        rf"{2 * len(rows) - 1:,} others hold one string of 32,767 characters\), more than the "
        r"268,435,456 a sheet may hold: a damaged or hostile workbook, so it is not read; "
        r"save the workbook again as \.xlsx from Excel\.$"
    )


@case
def an_xlsx_with_a_formatted_empty_cell_far_away_loads(raw: Path) -> Outcome:
    """A formatted cell without a value is no cell to calamine, nor to the check of how far
    the values reach."""
    to_xlsx(raw / "cases" / "episodes.csv", formatted_blank=(LAST_ROW, XFD))
    return Outcome()


@case
def a_file_named_xlsx_that_is_no_workbook_fails(raw: Path) -> Outcome:
    path = raw / "cases" / "cases.csv"
    path.rename(path.with_suffix(".xlsx"))
    return Outcome(error=r"^cases/cases\.xlsx: not a readable \.xlsx workbook \(.*\); save the")


@case
def xlsx_date_times_at_midnight_and_with_a_fraction_of_a_second_load(raw: Path) -> Outcome:
    """started_at as Excel date-time cells: at midnight calamine returns a date; a fraction
    of a second is kept to the millisecond, as the .sav reader keeps it."""
    path = raw / "institution_survey" / "responses.csv"
    header = header_of(path)
    rows = [row for _, row in records(path)]
    first, second = rows[0]["started_at"], rows[1]["started_at"]
    rows[0]["started_at"] = f"{first[:10]}T00:00:00"
    rows[1]["started_at"] = f"{second}.250"
    workbook = xlsxwriter.Workbook(str(path.with_suffix(".xlsx")))
    worksheet = workbook.add_worksheet("Ark1")
    date_time = workbook.add_format({"num_format": "dd-mm-yyyy hh:mm:ss"})
    worksheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for column, name in enumerate(header):
            if name == "started_at" and row[name]:
                value = datetime.fromisoformat(row[name])
                worksheet.write_datetime(number, column, value, date_time)
            elif row[name]:
                worksheet.write_string(number, column, row[name])
    workbook.close()
    path.unlink()

    def check(connection: Connection) -> None:
        assert connection.execute(
            "select started_at from raw.institution_survey__responses where _line <= 4 "
            "order by _line"
        ).fetchall() == [
            (rows[0]["started_at"],),
            (rows[1]["started_at"],),
            (rows[2]["started_at"],),
        ]

    return Outcome(check=check)


def _raw_value_is(connection: Connection, file: str, expected: str) -> None:
    assert connection.execute(
        "select raw_value from raw.rejected_rows where file = ? and reason = 'wrong_field_count'",
        [file],
    ).fetchall() == [(expected,)]


# ---------------------------------------------------------------- the test


@pytest.fixture
def raw_copy(tmp_path: Path, demo_as_csv: Path) -> Path:
    copy = tmp_path / "raw"
    shutil.copytree(demo_as_csv, copy)
    return copy


def _project_copy(tmp_path: Path, edits: tuple[tuple[str, str, str], ...]) -> Path:
    project = loader_contract_copy(tmp_path)
    for source, old, new in edits:
        path = project / "models" / "staging" / source / f"_{source}__sources.yml"
        text = path.read_text(encoding="utf-8")
        assert old in text, (source, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return project


def _records_in_file(path: Path, sheet: str | None = None) -> int:
    """The records of a raw file (of a workbook, the sheet the load audit names), counted
    independently of the loader (blank ones are none)."""
    if path.suffix == ".xlsx":
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_name(sheet) if sheet else workbook.get_sheet_by_index(0)
        return sum(1 for row in rows.to_python() if any(cell != "" for cell in row)) - 1
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    delimiter = next(d for d in (",", ";", "\t") if d in text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return sum(1 for fields in reader if fields) - 1


def _reconcile(connection: Connection, raw: Path) -> None:
    audit = connection.execute(
        "select file, table_name, rows_read, rows_loaded, rows_rejected, sheet from raw.load_audit"
    ).fetchall()
    assert len(audit) == 11
    for file, table, rows_read, rows_loaded, rows_rejected, sheet in audit:
        assert rows_read == rows_loaded + rows_rejected, file
        assert rows_read == _records_in_file(raw / file, sheet), file
        assert connection.execute(f"select count(*) from raw.{table}").fetchone() == (rows_loaded,)
        assert connection.execute(
            "select count(*) from raw.rejected_rows where file = ?", [file]
        ).fetchone() == (rows_rejected,)
        assert connection.execute(
            f"select count(*) from raw.{table} where _line in "
            "(select line from raw.rejected_rows where file = ?)",
            [file],
        ).fetchone() == (0,), f"{file}: a rejected line was loaded"


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name: str, raw_copy: Path, tmp_path: Path) -> None:
    outcome = CASES[name](raw_copy)
    warehouse = tmp_path / "w.duckdb"
    project = _project_copy(tmp_path, outcome.sources) if outcome.sources else PROJECT_DIR
    if outcome.error is not None:
        with pytest.raises(LoadError) as raised:
            load(raw_copy, warehouse, project_dir=project)
        message = str(raised.value)
        assert re.search(outcome.error, message), message
        assert "\n" not in message
        assert not EMAIL.search(message) and not CPR.search(message)
        assert [secret for secret in outcome.secrets if secret in message] == []
        assert not warehouse.exists()
        return
    load(raw_copy, warehouse, project_dir=project)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        found = connection.execute(
            "select file, line, column_name, reason, detail from raw.rejected_rows "
            "order by file, line"
        ).fetchall()
        expected = sorted(outcome.rejected, key=lambda item: (item.file, item.line))
        assert [row[:4] for row in found] == [
            (item.file, item.line, item.column, item.reason) for item in expected
        ]
        for (*_, detail), item in zip(found, expected, strict=True):
            assert re.search(item.detail, detail), detail
        _reconcile(connection, raw_copy)
        shown = " ".join(
            str(value)
            for row in connection.execute("select * from raw.rejected_rows").fetchall()
            for value in row
        )
        assert not EMAIL.search(shown) and not CPR.search(shown)
        assert [secret for secret in outcome.secrets if secret in shown] == []
        if outcome.check is not None:
            outcome.check(connection)


def test_the_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 25
