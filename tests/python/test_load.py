"""The loader: raw files land untouched and audited, bad rows are quarantined, bad files fail
clearly and write nothing. The catalogue of bad inputs is in test_bad_inputs.py."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from samspil.load import RAW_FILES, LoadError, SchemaError, load

from conftest import loader_contract_copy


@pytest.fixture
def raw_copy(tmp_path: Path, demo_as_csv: Path) -> Path:
    copy = tmp_path / "raw"
    shutil.copytree(demo_as_csv, copy)
    return copy


def test_every_row_and_value_is_loaded_with_its_line(raw_copy: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    loaded = load(raw_copy, warehouse)
    assert [item.table for item in loaded] == [
        f"{strand}__{stem}" for strand, stems in RAW_FILES.items() for stem in stems
    ]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for item in loaded:
            path = raw_copy / item.file
            assert item.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            assert item.encoding == "utf-8"
            # DuckDB's own CSV reader, as an independent count of the records
            (in_file,) = connection.execute(
                "select count(*) from read_csv(?, all_varchar = true)", [str(path)]
            ).fetchone()
            (rows, first_line) = connection.execute(
                f"select count(*), min(_line) from raw.{item.table}"
            ).fetchone()
            assert rows == item.rows_loaded == item.rows_read == in_file > 0
            assert item.rows_rejected == 0
            assert first_line == 2
            types = {
                data_type
                for (data_type,) in connection.execute(
                    "select data_type from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? and column_name <> '_line'",
                    [item.table],
                ).fetchall()
            }
            assert types == {"VARCHAR"}


def test_the_demo_loads_without_rejects_and_the_audit_reconciles(
    raw_copy: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    loaded = load(raw_copy, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        audit = connection.execute(
            "select file, table_name, sha256, encoding, rows_read, rows_loaded, rows_rejected, "
            "column_count from raw.load_audit order by file"
        ).fetchall()
        assert connection.execute("select count(*) from raw.rejected_rows").fetchone() == (0,)
    assert audit == sorted(
        (
            item.file,
            item.table,
            item.sha256,
            item.encoding,
            item.rows_read,
            item.rows_loaded,
            item.rows_rejected,
            item.columns,
        )
        for item in loaded
    )
    for *_, rows_read, rows_loaded, rows_rejected, _ in audit:
        assert rows_read == rows_loaded + rows_rejected


def test_free_text_with_newlines_keeps_the_starting_line(raw_copy: Path, tmp_path: Path) -> None:
    episodes = raw_copy / "cases" / "episodes.csv"
    lines = episodes.read_text(encoding="utf-8").splitlines(keepends=True)
    summary = '"Møde om ""samarbejde"",\nanden linje"'
    episodes.write_text(
        "".join(lines) + f"X-E001,K01,2016-09-01,meeting,positive,{summary}\n", encoding="utf-8"
    )
    warehouse = tmp_path / "w.duckdb"
    load(raw_copy, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        line, summary = connection.execute(
            "select _line, summary from raw.cases__episodes where episode_id = 'X-E001'"
        ).fetchone()
    assert line == len(lines) + 1
    assert summary == 'Møde om "samarbejde",\nanden linje'


def test_reloading_replaces_rather_than_appends(raw_copy: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    first = load(raw_copy, warehouse)
    load(raw_copy, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.load_audit").fetchone()[0] == len(first)
        table, rows = first[0].table, first[0].rows_loaded
        assert connection.execute(f"select count(*) from raw.{table}").fetchone()[0] == rows


def test_a_ragged_row_is_rejected_not_fatal(raw_copy: Path, tmp_path: Path) -> None:
    cases = raw_copy / "cases" / "cases.csv"
    with cases.open("a", encoding="utf-8") as handle:
        handle.write("K99,0461\n")
    line = len(cases.read_text(encoding="utf-8").splitlines())
    warehouse = tmp_path / "w.duckdb"
    loaded = {item.file: item for item in load(raw_copy, warehouse)}
    assert (loaded["cases/cases.csv"].rows_read, loaded["cases/cases.csv"].rows_rejected) == (21, 1)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute(
            "select file, line, column_name, reason, detail, raw_value from raw.rejected_rows"
        ).fetchall() == [
            (
                "cases/cases.csv",
                line,
                None,
                "wrong_field_count",
                "2 fields where the header has 6.",
                "<masked: 8 characters>",  # the record of a file with a case title
            )
        ]


def test_a_failing_load_leaves_the_last_load_untouched(raw_copy: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    load(raw_copy, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        before = connection.execute("select * from raw.load_audit order by file").fetchall()
    # Every file but the last loads; the last fails.
    frame = raw_copy / "institution_survey" / "frame.csv"
    frame.write_text(frame.read_text(encoding="utf-8") + "I0461-9999,2016,0461,Ny,X,school,,\n")
    (raw_copy / "cases" / "episode_participants.csv").write_bytes(b"")
    with pytest.raises(LoadError, match=r"^cases/episode_participants\.csv: the file is empty"):
        load(raw_copy, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select * from raw.load_audit order by file").fetchall() == before
        assert connection.execute(
            "select count(*) from raw.institution_survey__frame where institution_code = ?",
            ["I0461-9999"],
        ).fetchone() == (0,)


def test_an_unread_export_fails_also_where_its_strand_is_unchanged(
    raw_copy: Path, tmp_path: Path
) -> None:
    """An incremental build reads no file of a strand whose exports are unchanged; an export
    added beside them under another name still stops the load."""
    warehouse = tmp_path / "w.duckdb"
    unchanged = {item.table: item.sha256 for item in load(raw_copy, warehouse)}
    assert [item.loaded_at for item in load(raw_copy, warehouse, unchanged=unchanged)].count(
        None
    ) == 0  # nothing read again
    shutil.copy(raw_copy / "cases" / "episodes.csv", raw_copy / "cases" / "episodes 2.csv")
    with pytest.raises(LoadError, match=r"^cases/episodes 2\.csv: no table is read from"):
        load(raw_copy, warehouse, unchanged=unchanged)


def test_a_renamed_export_is_audited_under_its_new_name(raw_copy: Path, tmp_path: Path) -> None:
    """The same bytes under another name (its case changed): the incremental load reads the
    strand again, and the audit names the file as it is now."""
    warehouse = tmp_path / "w.duckdb"
    unchanged = {item.table: item.sha256 for item in load(raw_copy, warehouse)}
    (raw_copy / "cases" / "actors.csv").rename(raw_copy / "cases" / "Actors.CSV")
    loaded = {item.table: item for item in load(raw_copy, warehouse, unchanged=unchanged)}
    assert loaded["cases__actors"].file == "cases/Actors.CSV"
    assert loaded["cases__actors"].loaded_at is None  # read now
    assert loaded["discourse__codings"].loaded_at is not None  # another strand, kept
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute(
            "select file from raw.load_audit where table_name = 'cases__actors'"
        ).fetchall() == [("cases/Actors.CSV",)]


def test_missing_raw_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"raw folder not found; set SAMSPIL_RAW_DIR"):
        load(tmp_path / "nowhere", tmp_path / "w.duckdb")


def test_the_checks_come_from_the_sources_yaml(raw_copy: Path, tmp_path: Path) -> None:
    """Drop `cases` from the allowed values of actor_type: the demo's case actors are rejected."""
    project = loader_contract_copy(tmp_path)
    sources = project / "models" / "staging" / "cases" / "_cases__sources.yml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace(
            "values: [institution, association, volunteer_group]", "values: [institution]"
        ),
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    loaded = {item.file: item for item in load(raw_copy, warehouse, project_dir=project)}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        reasons = connection.execute(
            "select distinct column_name, reason from raw.rejected_rows "
            "where file = 'cases/actors.csv'"
        ).fetchall()
    assert reasons == [("actor_type", "unknown_code")]
    assert 0 < loaded["cases/actors.csv"].rows_rejected < loaded["cases/actors.csv"].rows_read


def test_a_misspelt_meta_key_is_an_error_not_a_silent_no_check(
    raw_copy: Path, tmp_path: Path
) -> None:
    project = loader_contract_copy(tmp_path)
    sources = project / "models" / "staging" / "discourse" / "_discourse__sources.yml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("references: segments.", "reference: segments."), "utf-8")
    with pytest.raises(
        SchemaError, match=r"discourse\.codings\.segment_id: unknown meta key\(s\) \[.reference.\]"
    ):
        load(raw_copy, tmp_path / "w.duckdb", project_dir=project)


def test_a_decimal_column_takes_the_files_decimal_mark_and_stores_a_point(
    raw_copy: Path, tmp_path: Path
) -> None:
    """No demo column is decimal: give the first six cases a budget, in Danish Excel's CSV."""
    project = loader_contract_copy(tmp_path)
    sources = project / "models" / "staging" / "cases" / "_cases__sources.yml"
    text = sources.read_text(encoding="utf-8")
    budget = "          - name: budget_mio_dkk\n            meta:\n              type: decimal\n"
    at = text.index("          - name: start_date")
    sources.write_text(text[:at] + budget + text[at:], encoding="utf-8")
    cases = raw_copy / "cases" / "cases.csv"
    lines = cases.read_text(encoding="utf-8").splitlines()
    budgets = ["budget_mio_dkk", "2,5", "-0,75", "12", "", "1.250,5", "2.5"]
    rows = [
        ";".join([*line.split(",")[:4], budget, *line.split(",")[4:]])
        for line, budget in zip(lines, budgets, strict=False)
    ]
    assert all(line.count(",") == 5 for line in lines[:7])  # no quoted commas to re-split
    cases.write_bytes("\r\n".join(rows).encode("utf-8-sig") + b"\r\n")
    warehouse = tmp_path / "w.duckdb"
    load(raw_copy, warehouse, project_dir=project)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        stored = connection.execute(
            "select _line, budget_mio_dkk from raw.cases__cases order by _line"
        ).fetchall()
        rejected = connection.execute(
            "select line, column_name, reason, detail from raw.rejected_rows "
            "where file = 'cases/cases.csv' order by line"
        ).fetchall()
        audit = connection.execute(
            "select format, encoding, delimiter, decimal_mark, rows_read, rows_loaded "
            "from raw.load_audit where table_name = 'cases__cases'"
        ).fetchone()
    assert stored == [(2, "2.5"), (3, "-0.75"), (4, "12"), (5, None)]
    assert rejected == [
        (
            6,
            "budget_mio_dkk",
            "unparseable_decimal",
            "'1.250,5' is not a number with ',' as decimal mark.",
        ),
        (
            7,
            "budget_mio_dkk",
            "unparseable_decimal",
            "'2.5' is not a number with ',' as decimal mark.",
        ),
    ]
    assert audit == ("csv", "utf-8-sig", ";", ",", 6, 4)


def test_the_decimal_mark_is_a_setting(raw_copy: Path, tmp_path: Path) -> None:
    """A semicolon-separated file whose tool writes a decimal point says so in its YAML."""
    project = loader_contract_copy(tmp_path)
    sources = project / "models" / "staging" / "cases" / "_cases__sources.yml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace("key: [case_id]\n", 'key: [case_id]\n          csv: {decimal_mark: "."}\n', 1),
        encoding="utf-8",
    )
    cases = raw_copy / "cases" / "cases.csv"
    cases.write_text(cases.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    load(raw_copy, warehouse, project_dir=project)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute(
            "select delimiter, decimal_mark from raw.load_audit where table_name = 'cases__cases'"
        ).fetchone() == (";", ".")


def test_an_unknown_csv_setting_is_an_error(raw_copy: Path, tmp_path: Path) -> None:
    project = loader_contract_copy(tmp_path)
    sources = project / "models" / "staging" / "cases" / "_cases__sources.yml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace("key: [case_id]\n", "key: [case_id]\n          csv: {encoding: latin1}\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match=r"cases\.cases: csv encoding must be one of"):
        load(raw_copy, tmp_path / "w.duckdb", project_dir=project)
