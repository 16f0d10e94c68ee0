"""An incremental build publishes what a full build of the same exports publishes, whatever
the edit: after each edit of a raw folder, `samspil build` (incremental) into one warehouse
and `samspil build --full-refresh` into another, both by the real CLI, and every table of
the published schemas compared row for row.

The edits are combined two steps so that each step's pair of builds covers several:
1. a case's date made impossible (the case is rejected, and with it the rows of the other
   cases files that reference it: a cascade across the strand's files), and the latest
   documents arrive;
2. the date fixed again, a case episodes file exported as Excel instead of CSV (the same
   data in another format), the 2018 survey wave arrives, a response that names partners
   is removed, and the published file is one restored from a backup of an earlier build.
"""

from __future__ import annotations

import csv
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from samspil.generate.increments import arrive, withhold
from samspil.generate.writer import write_xlsx

from conftest import run_samspil

# What is compared: every published schema but the validation history, and in them every
# table but each build's record of itself (its id, folder, runs). The load's timestamps
# differ between any two builds: left out.
COMPARED_SCHEMAS = ("marts", "release", "reference", "audit")
OWN_RECORDS = ("build_provenance", "rpt_load_audit", "rpt_validation_runs")
LOAD_TIMESTAMP = "loaded_at"

IMPOSSIBLE_DATE = "2016-02-31"


class Warehouse:
    """A published warehouse file with its own dbt target, logs and GX results (as
    `run_samspil` gives every build): two warehouses built side by side share nothing but
    the project."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / "samspil.duckdb"

    def build(self, raw: Path, *options: str) -> str:
        result = run_samspil("build", "--no-docs", *options, warehouse=self.file, raw=raw)
        assert result.returncode == 0, (
            f"samspil build {' '.join(options)} failed:\n{result.stdout}{result.stderr}"
        )
        return result.stdout


def _build_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.strip().startswith("build ")]
    return line.split(None, 1)[1].strip()


def _both(incremental: Warehouse, full: Warehouse, raw: Path, copy: Path) -> str:
    """The incremental build of `raw` and a full build of a copy of it, side by side (each
    is mostly one process at a time); the incremental build's output."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(raw, copy)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(incremental.build, raw)
        second = pool.submit(full.build, copy, "--full-refresh")
        output = first.result()
        assert _build_line(second.result()) == "full"
    assert _build_line(output).startswith("incremental, raw tables changed: ")
    return output


def _differences(left: Path, right: Path) -> dict[str, object]:
    """Per published table: the rows only in `left` and only in `right` (multisets), or
    which of the two lacks it or has other columns."""
    connection = duckdb.connect()
    connection.execute(f"attach '{left}' as one (read_only)")
    connection.execute(f"attach '{right}' as other (read_only)")
    columns: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for database, schema, table, column, data_type in connection.execute(
        "select database_name, schema_name, table_name, column_name, data_type "
        "from duckdb_columns() where database_name in ('one', 'other') and schema_name in "
        f"{COMPARED_SCHEMAS} order by database_name, schema_name, table_name, column_index"
    ).fetchall():
        if column != LOAD_TIMESTAMP and table not in OWN_RECORDS:
            columns.setdefault((database, schema, table), []).append((column, data_type))
    tables = {(schema, table) for _, schema, table in columns}
    assert {schema for schema, _ in tables} == set(COMPARED_SCHEMAS)
    assert len(tables) > 30
    found: dict[str, object] = {}
    for schema, table in sorted(tables):
        name = f"{schema}.{table}"
        one, other = columns.get(("one", schema, table)), columns.get(("other", schema, table))
        if one != other:
            found[name] = ("columns", one, other)
            continue
        selected = ", ".join(f'"{column}"' for column, _ in one or [])
        counts = tuple(
            connection.execute(
                f"select count(*) from (select {selected} from {a}.{name} "
                f"except all select {selected} from {b}.{name})"
            ).fetchone()[0]
            for a, b in (("one", "other"), ("other", "one"))
        )
        if counts != (0, 0):
            found[name] = counts
    connection.close()
    return found


def _rejected_tables(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return dict(
            connection.execute(
                "select table_name, count(distinct line) from audit.rejected_rows group by 1"
            ).fetchall()
        )


def _edit_csv(path: Path, change) -> list[str]:
    """Rewrite the CSV file `path` with `change(rows)` (header first); the old rows back."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(change([list(row) for row in rows]))
    return rows


def _as_xlsx(raw: Path, table: str) -> None:
    """Export `table` (`<strand>/<stem>`) as an Excel workbook instead of CSV: same data."""
    path = raw / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    write_xlsx(raw, f"{table}.xlsx", header, rows)
    path.unlink()


@pytest.fixture
def raw(demo_as_csv: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(complete exports, the folder the builds read: without the wave and the documents)."""
    complete = demo_as_csv
    without_wave = withhold(complete, tmp_path / "without_wave", "wave")
    return complete, withhold(without_wave, tmp_path / "raw", "documents")


def test_every_incremental_build_publishes_what_a_full_build_does(
    raw: tuple[Path, Path], tmp_path: Path
) -> None:
    complete, folder = raw
    copy = tmp_path / "copy"
    incremental = Warehouse(tmp_path / "incremental")
    full = Warehouse(tmp_path / "full")
    assert _build_line(incremental.build(folder)) == "full"
    backup = tmp_path / "backup.duckdb"
    shutil.copy2(incremental.file, backup)

    # 1. A case's start date made impossible: the loader rejects the case, and so the
    # actors and episodes of that case in the other files, and their participants.
    def with_an_impossible_date(rows: list[list[str]]) -> list[list[str]]:
        header, first, *others = rows
        first[header.index("start_date")] = IMPOSSIBLE_DATE
        return [header, first, *others]

    cases = folder / "cases" / "cases.csv"
    original = _edit_csv(cases, with_an_impossible_date)
    arrive(complete, folder, "documents")
    _both(incremental, full, folder, copy)
    rejected = _rejected_tables(full.file)
    assert {"cases__cases", "cases__actors", "cases__episodes"} <= set(rejected), rejected
    assert _differences(incremental.file, full.file) == {}

    # 2. The date fixed; the episodes exported as Excel; the wave arrives; a response
    # naming partners removed (its names leave the data).
    _edit_csv(cases, lambda rows: original)
    _as_xlsx(folder, "cases/episodes")
    arrive(complete, folder, "wave")
    responses = folder / "institution_survey" / "responses.csv"
    header = _edit_csv(responses, lambda rows: rows)[0]
    partner = header.index("partner_1")

    def without_one_naming_partners(rows: list[list[str]]) -> list[list[str]]:
        first = next(number for number, row in enumerate(rows) if number and row[partner])
        return rows[:first] + rows[first + 1 :]

    _edit_csv(responses, without_one_naming_partners)
    # And the published file of the first build is restored from a backup: it lacks the
    # documents of step 1, which this step does not rebuild.
    shutil.copy2(backup, incremental.file)
    output = _both(incremental, full, folder, copy)
    assert "cases__episodes" in output
    assert _rejected_tables(full.file).get("cases__cases", 0) < rejected["cases__cases"]
    assert _differences(incremental.file, full.file) == {}
