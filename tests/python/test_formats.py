"""Every export format carries the same data: the generator writes one dataset in each
format, the loader loads each into its own DuckDB file, and the raw tables hold the same
values as the load of the CSV export; the load audit says how each file was read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from samspil.load import RAW_FILES, load
from samspil.tools.generate import FORMATS, generate

from conftest import OTHER_SEED

# How each table is written, and so read, in each format: (file, format, encoding,
# delimiter, decimal_mark, sheet) by table.
CSV = ("csv", "utf-8", ",", ".", None)
DANISH_UTF8 = ("csv", "utf-8-sig", ";", ",", None)
DANISH_CP1252 = ("csv", "cp1252", ";", ",", None)
XLSX = ("xlsx", None, None, None, "Ark1")
SAV = ("sav", "utf-8", None, None, None)
QDPX = ("qdpx", "utf-8", None, None, None)
TABLES = [f"{strand}/{stem}" for strand, stems in RAW_FILES.items() for stem in stems]
SURVEY_RESPONSES = {"institution_survey/responses", "association_survey/responses"}
DISCOURSE = {"discourse/documents", "discourse/segments", "discourse/codings"}
CASES = {"cases/cases", "cases/actors", "cases/episodes", "cases/episode_participants"}
QDPX_FILES = {"discourse": "discourse/discourse.qdpx", "cases": "cases/cases.qdpx"}
# Personal data a REFI-QDA project never holds: loaded from a .qdpx as no value (never staged).
NOT_IN_QDPX = {"cases/actors": ("contact_person", "contact_phone", "contact_person_key")}


def expected_audit(formats: str, table: str) -> tuple[str, ...]:
    """The file and the audit's read details of `table` when written as `formats`."""
    extension = {"csv": ".csv", "xlsx": ".xlsx", "sav": ".sav"}
    if formats == "mix":
        formats = {
            "institution_survey/responses": "sav",
            "association_survey/responses": "danish-csv",
        }.get(table, "qdpx" if table in DISCOURSE | CASES else "xlsx")
    if (formats == "sav" and table not in SURVEY_RESPONSES) or (
        formats == "qdpx" and table not in DISCOURSE | CASES
    ):
        formats = "csv"
    if formats == "qdpx":
        return (QDPX_FILES[table.split("/")[0]], *QDPX)
    if formats == "danish-csv":
        cp1252 = table.startswith("association_survey/")
        return (f"{table}.csv", *(DANISH_CP1252 if cp1252 else DANISH_UTF8))
    details = {"csv": CSV, "xlsx": XLSX, "sav": SAV}[formats]
    return (f"{table}{extension[formats]}", *details)


def raw_values(warehouse: Path) -> dict[str, list[tuple]]:
    """Every raw table's rows without `_file` and `_line`, in a fixed order."""
    tables: dict[str, list[tuple]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for table in TABLES:
            name = table.replace("/", "__")
            columns = [
                column
                for (column,) in connection.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'raw' and table_name = ? and column_name not in ('_file', '_line') "
                    "order by ordinal_position",
                    [name],
                ).fetchall()
            ]
            selected = ", ".join(f'"{column}"' for column in columns)
            rows = connection.execute(f"select {selected} from raw.{name}").fetchall()
            tables[table] = [tuple(columns), *sorted(rows, key=repr)]
    return tables


@pytest.fixture(scope="module")
def loaded(exports, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same generated data in every format (conftest's `exports`), each loaded into
    its own warehouse file."""
    warehouses = {}
    for formats in FORMATS:
        warehouses[formats] = tmp_path_factory.mktemp(formats) / "w.duckdb"
        load(exports(formats), warehouses[formats])
    return warehouses


@pytest.mark.parametrize("formats", [name for name in FORMATS if name != "csv"])
def test_every_format_loads_the_same_raw_values_as_csv(
    loaded: dict[str, Path], formats: str
) -> None:
    expected = raw_values(loaded["csv"])
    found = raw_values(loaded[formats])
    for table in TABLES:
        if expected_audit(formats, table)[1] == "qdpx" and table in NOT_IN_QDPX:
            header, *rows = expected[table]
            blank = [header.index(column) for column in NOT_IN_QDPX[table]]
            assert any(row[index] for row in rows for index in blank), table
            rows = [
                tuple(None if index in blank else value for index, value in enumerate(row))
                for row in rows
            ]
            expected[table] = [header, *sorted(rows, key=repr)]
        assert found[table] == expected[table], table
        assert len(found[table]) > 1, table


@pytest.mark.parametrize("formats", FORMATS)
def test_the_audit_records_how_each_file_was_read(loaded: dict[str, Path], formats: str) -> None:
    with duckdb.connect(str(loaded[formats]), read_only=True) as connection:
        audit = connection.execute(
            "select table_name, file, format, encoding, delimiter, decimal_mark, sheet, "
            "rows_read, rows_loaded, rows_rejected from raw.load_audit"
        ).fetchall()
        assert connection.execute("select count(*) from raw.rejected_rows").fetchone() == (0,)
    assert {row[0]: row[1:7] for row in audit} == {
        table.replace("/", "__"): expected_audit(formats, table) for table in TABLES
    }
    assert all(rows_read == rows_loaded > 0 for *_, rows_read, rows_loaded, _ in audit)


@pytest.mark.parametrize("formats", ["mix", "danish-csv", "xlsx"])
def test_every_format_is_written_byte_identically_for_a_seed(
    exports, formats: str, tmp_path: Path
) -> None:
    first, second = exports(formats), tmp_path / "second"
    generate(second, seed=OTHER_SEED, scale=1, formats=formats)
    written = sorted(path.relative_to(first) for path in first.rglob("*.*"))
    assert written == sorted(path.relative_to(second) for path in second.rglob("*.*"))
    for relative in written:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative


def test_the_mix_writes_each_strand_as_researchers_export_it(exports) -> None:
    folder = exports("mix")
    assert sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*.*")
        if path.relative_to(folder).parts[0] != "truth"
    ) == [
        "association_survey/frame.xlsx",
        "association_survey/responses.csv",
        "cases/cases.qdpx",
        "discourse/discourse.qdpx",
        "institution_survey/frame.xlsx",
        "institution_survey/responses.sav",
    ]
    responses = (folder / "association_survey" / "responses.csv").read_bytes()
    assert responses.split(b"\r\n", 1)[0].count(b";") > 10
    assert "ø".encode("cp1252") in responses and "ø".encode() not in responses


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"formats must be one of mix, csv, danish-csv"):
        generate(tmp_path, formats="ods")
