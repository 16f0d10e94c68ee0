"""Every export format gives the same staged tables (issue 4), and an SPSS file's own
codebook is checked against the codebook seeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyreadstat
import pytest

from samspil.generate import FORMATS, generate
from samspil.load import load

from conftest import Build

# Where a row came from differs by format (a CSV line, a spreadsheet row, an SPSS
# case number, an XML line); everything else must be the same.
PROVENANCE = ("source_file", "source_line")

# A REFI-QDA project never holds the case actors' contact persons (personal data), so
# their pseudonym is null where the cases strand comes as .qdpx (formats mix and qdpx).
NOT_IN_QDPX = {"stg_cases__actors": "contact_person_key"}
CASES_AS_QDPX = ("mix", "qdpx")


def _staged(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        views = [
            name
            for (name,) in connection.execute(
                "select view_name from duckdb_views() where schema_name = 'staging' order by 1"
            ).fetchall()
        ]
        return {
            view: connection.execute(
                f"select * exclude ({', '.join(PROVENANCE)}) from staging.{view} order by all"
                if _has_provenance(connection, view)
                else f"select * from staging.{view} order by all"
            ).fetchall()
            for view in views
        }


def _has_provenance(connection: duckdb.DuckDBPyConnection, view: str) -> bool:
    columns = {
        name
        for (name,) in connection.execute(
            "select column_name from duckdb_columns() where table_name = ?", [view]
        ).fetchall()
    }
    return set(PROVENANCE) <= columns


@pytest.fixture(scope="module")
def staged_by_format(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo's staging views over the same data loaded from each export format.

    The staging views of a built warehouse read its raw tables; loading another
    export into a copy of it (under the same file name, which the views name)
    re-stages that export without running dbt again.
    """
    staged = {}
    for formats in FORMATS:
        folder = tmp_path_factory.mktemp(formats)
        warehouse = folder / "build" / demo_build.build_warehouse.name
        warehouse.parent.mkdir()
        shutil.copy(demo_build.build_warehouse, warehouse)
        generate(folder / "raw", seed=2016, scale=1, formats=formats)
        loaded = load(folder / "raw", warehouse)
        assert sum(item.rows_rejected for item in loaded) == 0
        staged[formats] = _staged(warehouse)
    return staged


@pytest.mark.parametrize("formats", [name for name in FORMATS if name != "csv"])
def test_every_format_gives_the_same_staged_tables(
    demo_build: Build, staged_by_format: dict, formats: str
) -> None:
    expected, actual = staged_by_format["csv"], staged_by_format[formats]
    assert sorted(actual) == sorted(expected)
    assert len(expected) == 15
    for view, rows in expected.items():
        assert len(rows) > 0, view
        if formats in CASES_AS_QDPX and view in NOT_IN_QDPX:
            columns = [
                name
                for (name,) in demo_build.query_build(
                    "select column_name from duckdb_columns() where schema_name = 'staging' "
                    "and table_name = ? order by column_index",
                    view,
                )
                if name not in PROVENANCE
            ]
            blank = columns.index(NOT_IN_QDPX[view])
            assert any(row[blank] for row in rows), view
            rows = [  # the rows a .qdpx can give
                tuple(None if index == blank else value for index, value in enumerate(row))
                for row in rows
            ]
        assert actual[view] == rows, view


def test_sav_codebook_disagreements_are_recorded(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    generate(raw, seed=7, scale=1, formats="mix")
    sav = raw / "institution_survey" / "responses.sav"
    frame, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    labels = {name: dict(values) for name, values in meta.variable_value_labels.items()}
    labels["att_better_solutions"][5.0] = "Meget enig"  # the seed says "Helt enig"
    pyreadstat.write_sav(
        frame,
        str(sav),
        column_labels=meta.column_names_to_labels,
        variable_value_labels=labels,
        missing_ranges=meta.missing_ranges,
    )
    warehouse = tmp_path / "w.duckdb"

    loaded = load(raw, warehouse)

    findings = [finding for item in loaded for finding in item.findings]
    assert any("att_better_solutions" in f and "Meget enig" in f for f in findings), findings
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        recorded = connection.execute(
            "select file, finding from raw.load_findings where finding like '%Meget enig%'"
        ).fetchall()
    assert [file for file, _ in recorded] == ["institution_survey/responses.sav"]
