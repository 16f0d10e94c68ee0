"""Incremental builds: when a new batch of documents and then the 2018 wave arrive, the
next build rebuilds only what depends on the changed raw files, and its marts equal those
of a full build of the same exports. Real builds by the real CLI on real DuckDB files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from samspil.build import STATE_FILE
from samspil.generate.increments import arrive, withhold

from conftest import run_samspil

SURVEY_TABLES = [
    "association_survey__frame",
    "association_survey__responses",
    "institution_survey__frame",
    "institution_survey__responses",
]
DISCOURSE_TABLES = ["discourse__codings", "discourse__documents", "discourse__segments"]


def _build(raw: Path, warehouse: Path, *options: str) -> str:
    result = run_samspil("build", "--no-docs", *options, warehouse=warehouse, raw=raw)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _models_built(output: str) -> int:
    lines = [line for line in output.splitlines() if line.strip().startswith("models success")]
    return int(lines[0].split()[-1].replace(",", "")) if lines else 0


def _build_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.strip().startswith("build ")]
    return line.split(None, 1)[1].strip()


def _phases(output: str) -> list[str]:
    """The build's phases in the order they ran, from its `seconds per phase` line."""
    (line,) = [line for line in output.splitlines() if line.strip().startswith("seconds per")]
    return [part.rsplit(" ", 1)[0] for part in line.split("phase", 1)[1].strip().split(", ")]


def _differences(left: Path, right: Path) -> dict[str, tuple[int, int]]:
    """Per published table (marts, reference and the release tier, but for its provenance
    tables, which record each build's own load time and validation run): rows only in
    `left`, rows only in `right` (as multisets, every column)."""
    connection = duckdb.connect()
    connection.execute(f"attach '{left}' as one (read_only)")
    connection.execute(f"attach '{right}' as other (read_only)")
    tables = connection.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'other' "
        "and schema_name in ('marts', 'reference', 'release') "
        "and table_name not in ('rpt_load_audit', 'rpt_validation_runs') order by 1, 2"
    ).fetchall()
    assert len(tables) > 30
    found = {}
    for schema, table in tables:
        counts = tuple(
            connection.execute(
                f"select count(*) from (select * from {a}.{schema}.{table} "
                f"except all select * from {b}.{schema}.{table})"
            ).fetchone()[0]
            for a, b in (("one", "other"), ("other", "one"))
        )
        if counts != (0, 0):
            found[f"{schema}.{table}"] = counts
    connection.close()
    return found


@pytest.fixture(scope="module")
def complete(demo_as_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's exports with one episode of an unknown case: a rejected row in the cases
    strand, which no increment touches."""
    raw = tmp_path_factory.mktemp("complete") / "raw"
    shutil.copytree(demo_as_csv, raw)
    episodes = raw / "cases" / "episodes.csv"
    with episodes.open("a", encoding="utf-8") as handle:
        handle.write("K99-E001,K99,2016-05-01,meeting,positive,Møde.\n")
    return raw


@pytest.fixture(scope="module")
def full_rebuild(complete: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full build of the complete exports."""
    warehouse = tmp_path_factory.mktemp("full") / "samspil.duckdb"
    output = _build(complete, warehouse, "--full-refresh")
    assert _build_line(output) == "full"
    return warehouse


def _comments(warehouse: Path) -> list[tuple]:
    """Every published table's and column's description (dbt's persisted docs)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select schema_name, table_name, null, comment from duckdb_tables() "
            "where schema_name in ('marts', 'reference') "
            "union all select schema_name, table_name, column_name, comment from duckdb_columns() "
            "where schema_name in ('marts', 'reference') order by all"
        ).fetchall()


def _audit(warehouse: Path) -> tuple[dict[str, tuple], list[tuple]]:
    """The published load audit by table (without when) and the rejected rows."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        audit = {
            row[1]: row
            for row in connection.execute(
                "select * exclude (loaded_at), loaded_at from audit.load_audit"
            ).fetchall()
        }
        rejected = connection.execute(
            "select * exclude (loaded_at) from audit.rejected_rows order by all"
        ).fetchall()
    return audit, rejected


def test_new_documents_then_a_new_wave_rebuild_only_what_they_change(
    complete: Path, full_rebuild: Path, tmp_path: Path
) -> None:
    without_wave = withhold(complete, tmp_path / "without_wave", "wave")
    raw = withhold(without_wave, tmp_path / "raw", "documents")
    warehouse = tmp_path / "warehouse" / "samspil.duckdb"

    first = _build(raw, warehouse)
    assert _build_line(first) == "full"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        waves = connection.execute("select distinct wave from marts.fct_survey_answers").fetchall()
        documents = connection.execute("select count(*) from marts.dim_documents").fetchone()[0]
    assert waves == [(2016,)]
    first_audit, _ = _audit(warehouse)

    arrive(complete, raw, "documents")
    second = _build(raw, warehouse)
    assert _build_line(second) == "incremental, raw tables changed: " + ", ".join(DISCOURSE_TABLES)
    # Only what depends on the discourse files was rebuilt: no survey model, no linking.
    # The unit tests check the models' logic, unchanged since the first build: not rerun.
    assert 0 < _models_built(second) < _models_built(first) / 3
    # The discourse strand is staged as views, current as soon as the raw tables are
    # written: dbt runs once, then the validation. (A new wave rebuilds staged tables,
    # the survey unpivots: dbt stages them before the validation, as in a full build.)
    assert _phases(first)[:3] == ["load", "dbt build", "validation"]
    assert _phases(second)[:3] == ["load", "dbt build", "validation"]
    assert "data tests pass" in second
    assert "unit tests pass" in first
    assert "unit tests" not in second
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.dim_documents").fetchone()[0] > (
            documents
        )

    arrive(complete, raw, "wave")
    third = _build(raw, warehouse)
    assert _build_line(third) == "incremental, raw tables changed: " + ", ".join(SURVEY_TABLES)
    assert _models_built(second) < _models_built(third) < _models_built(first)
    assert _phases(third)[:3] == ["load", "dbt build", "validation"]

    assert _differences(warehouse, full_rebuild) == {}
    # Publishing kept the marts it did not rebuild from the published file: every
    # description is there as in a full build.
    assert _comments(warehouse) == _comments(full_rebuild)
    # The audit and the rejected rows are those of a full build; the cases strand, which
    # never changed, was not read again: its entries are the first load's.
    audit, rejected = _audit(warehouse)
    full_audit, full_rejected = _audit(full_rebuild)
    assert {table: row[:-1] for table, row in audit.items()} == {
        table: row[:-1] for table, row in full_audit.items()
    }
    assert rejected == full_rejected
    # The episode appended to the file, on its last line.
    last_line = len((complete / "cases" / "episodes.csv").read_text(encoding="utf-8").splitlines())
    assert [row[:4] for row in rejected] == [
        ("cases/episodes.csv", "cases__episodes", last_line, "case_id")
    ]
    for table, row in audit.items():
        if table.startswith("cases__"):
            assert row == first_audit[table]
        else:
            assert row[-1] > first_audit[table][-1]

    # Nothing changed: nothing is rebuilt, and the marts stay as they were.
    fourth = _build(raw, warehouse)
    assert _build_line(fourth) == "incremental, raw tables changed: none (nothing to rebuild)"
    assert _models_built(fourth) == 0
    assert _differences(warehouse, full_rebuild) == {}


def test_a_failed_build_makes_the_next_one_full(demo_as_csv: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(demo_as_csv, raw)
    warehouse = tmp_path / "warehouse" / "samspil.duckdb"
    _build(raw, warehouse)
    state_file = warehouse.parent / "build" / STATE_FILE
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert set(state["raw"]) >= set(SURVEY_TABLES + DISCOURSE_TABLES)

    # A file with a misspelt column fails the build: the state is gone with it, so the
    # working file, whatever a failed build left in it, is never the base of an
    # incremental build.
    frame = raw / "institution_survey" / "frame.csv"
    good = frame.read_bytes()
    frame.write_bytes(good.replace(b"institution_code", b"institution_kode", 1))
    failed = run_samspil("build", "--no-docs", warehouse=warehouse, raw=raw)
    assert failed.returncode != 0
    assert not state_file.exists()

    frame.write_bytes(good)
    assert _build_line(_build(raw, warehouse)) == "full"
    assert state_file.is_file()

    # A raw table of the working file that no longer holds every row its file loaded (as
    # when an incremental build kept a table a cascade of rejected rows changed): the next
    # incremental build's reconciliation fails, and the error names the table and its file.
    with duckdb.connect(str(state_file.with_name(warehouse.name))) as connection:
        connection.execute(
            "delete from raw.cases__episodes "
            "where _line = (select max(_line) from raw.cases__episodes)"
        )
    codings = raw / "discourse" / "codings.csv"
    codings.write_text(codings.read_text(encoding="utf-8").rsplit("\n", 2)[0] + "\n", "utf-8")
    failed = run_samspil("build", "--no-docs", warehouse=warehouse, raw=raw)
    assert failed.returncode != 0
    assert "assert_every_raw_row_is_staged_or_rejected" in failed.stderr
    assert "table_name=cases__episodes, file=cases/episodes.csv, rows_read=" in failed.stderr
    assert not state_file.exists()
