"""Every export format gives the same staged tables, and an SPSS file's own
codebook is checked against the codebook seeds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyreadstat
import pytest

from samspil.load import load
from samspil.paths import PROJECT_DIR
from samspil.tools.generate import FORMATS, generate

from conftest import Build

# Where a row came from differs by format (a CSV line, a spreadsheet row, an SPSS
# case number, an XML line); everything else must be the same.
PROVENANCE = ("source_file", "source_line")

# A REFI-QDA project never carries the case notes' contact persons (personal data),
# so cases from a .qdpx have no contact person to pseudonymise: the view's last column,
# contact_person_key, is empty.
NOT_IN_QDPX = ("stg_cases__actors",)
# The study's four strands; the build's own records (the load audit, validation results,
# the suppression pattern) describe files and runs, which differ by format by design.
STRANDS = ("association_survey", "institution_survey", "cases", "discourse")
STAGED = sorted(
    path.stem
    for strand in STRANDS
    for path in (PROJECT_DIR / "models" / "staging" / strand).glob("stg_*.sql")
)


def _staged(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        views = [
            name
            for (name,) in connection.execute(
                "select view_name from duckdb_views() where schema_name = 'staging' "
                "union all select table_name from duckdb_tables() where schema_name = 'staging' "
                "order by 1"
            ).fetchall()
        ]
        return {
            view: connection.execute(
                f"select * exclude ({', '.join(PROVENANCE)}) from staging.{view} order by all"
                if _has_provenance(connection, view)
                else f"select * from staging.{view} order by all"
            ).fetchall()
            for view in views
            if view in STAGED
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
def staged_by_format(
    demo_build: Build, demo_as_csv: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """The demo's staged tables over the same data loaded from each export format.

    The demo is the mix of formats: its build staged it. The staging views of a built
    warehouse read its raw tables; loading another export into a copy of it (under the
    same file name, which the views name) re-stages that export. The staging models built
    as tables (the survey unpivots) are rebuilt by dbt on the copy. One copy after the
    other at the same path: dbt parses the project again only when the profile's path
    changes.
    """
    staged = {"mix": _staged(demo_build.build_warehouse)}
    target = tmp_path_factory.mktemp("dbt_target")
    warehouse = tmp_path_factory.mktemp("staged") / "build" / demo_build.build_warehouse.name
    warehouse.parent.mkdir()
    for formats in FORMATS:
        if formats == "mix":
            continue
        folder = tmp_path_factory.mktemp(formats)
        shutil.copy(demo_build.build_warehouse, warehouse)
        if formats == "csv":
            raw = demo_as_csv
        else:
            raw = folder / "raw"
            generate(raw, seed=2016, scale=1, formats=formats)
        loaded = load(raw, warehouse)
        assert sum(item.rows_rejected for item in loaded) == 0
        rebuilt = subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                "run",
                "--select",
                "staging,config.materialized:table",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "-q",
            ],
            env={
                **os.environ,
                "SAMSPIL_BUILD_WAREHOUSE": str(warehouse),
                "DBT_TARGET_PATH": str(target),
                "DBT_LOG_PATH": str(target),
                "DO_NOT_TRACK": "1",
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        assert sorted(
            (item["unique_id"].rsplit(".", 1)[1], item["status"])
            for item in results["results"]
            if item["unique_id"].startswith("model.")
        ) == [
            (f"stg_{survey}_survey__{entities}", "success")
            for survey in ("association", "institution")
            for entities in ("answers", "partner_mentions")
        ]
        staged[formats] = _staged(warehouse)
    return staged


@pytest.mark.parametrize("formats", [name for name in FORMATS if name != "csv"])
def test_every_format_gives_the_same_staged_tables(staged_by_format: dict, formats: str) -> None:
    expected, actual = staged_by_format["csv"], staged_by_format[formats]
    assert sorted(actual) == sorted(expected)
    # Every staging model of the strands, each with rows.
    assert sorted(expected) == STAGED
    for view, rows in expected.items():
        assert len(rows) > 0, view
        if formats in ("mix", "qdpx") and view in NOT_IN_QDPX:
            assert any(row[-1] for row in rows), view  # the CSV's contact persons have keys
            assert all(row[-1] is None for row in actual[view]), view
            rows = sorted((*row[:-1], None) for row in rows)
        assert actual[view] == rows, view


def test_sav_codebook_disagreements_are_recorded(exports, tmp_path: Path) -> None:
    raw = shutil.copytree(exports("mix"), tmp_path / "raw")
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
