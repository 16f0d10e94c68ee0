"""The build command on the shipped demo: it builds, tests and documents everything."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb
import pytest

from samspil.build import MAIN_MARTS, BuildError, _result
from samspil.load import RAW_FILES
from samspil.paths import PROJECT_DIR

from conftest import SAMSPIL, Build, run_samspil

DESIGN_MARTS = {
    "dim_municipalities",
    "dim_policy_areas",
    "dim_institutions",
    "dim_associations",
    "dim_cases",
    "dim_documents",
    "dim_justification_codes",
    "dim_survey_items",
    "fct_survey_answers",
    "fct_cooperation_ties",
    "fct_cooperation_episodes",
    "fct_coded_segments",
}


def test_summary_names_warehouse_docs_and_counts(demo_build: Build) -> None:
    assert str(demo_build.warehouse) in demo_build.output
    assert "static_index.html" in demo_build.output
    assert "models success" in demo_build.output
    assert "data tests pass" in demo_build.output
    # Every unit test of the project, none dropped by a selector.
    manifest = json.loads((demo_build.target / "manifest.json").read_text(encoding="utf-8"))
    assert re.search(rf"unit tests pass +{len(manifest['unit_tests'])}\n", demo_build.output)
    for mart in MAIN_MARTS:
        assert f"rows in marts.{mart}" in demo_build.output


def test_every_design_mart_is_built_and_not_empty(demo_build: Build) -> None:
    tables = {
        name
        for (name,) in demo_build.query(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    assert tables >= DESIGN_MARTS
    assert not any(name.startswith("rpt_") for name in tables)  # they are the release tier
    released = {
        name
        for (name,) in demo_build.query(
            "select table_name from information_schema.tables where table_schema = 'release'"
        )
    }
    assert len(released) >= 14 and all(name.startswith("rpt_") for name in released)
    for schema, table in [("marts", name) for name in tables] + [
        ("release", name) for name in released
    ]:
        (rows,) = demo_build.query(f"select count(*) from {schema}.{table}")[0]
        assert rows > 0, table


def test_load_audit_matches_raw_tables(demo_build: Build) -> None:
    audit = demo_build.query("select table_name, rows_loaded, sha256 from audit.load_audit")
    assert len(audit) == sum(len(stems) for stems in RAW_FILES.values())
    for table, rows, sha256 in audit:
        assert demo_build.query_build(f"select count(*) from raw.{table}")[0][0] == rows
        assert len(sha256) == 64


def test_docs_describe_every_model_and_column(demo_build: Build) -> None:
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    undocumented = [
        f"{node['name']}.{column}" if column else node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        for column in [None, *node["columns"]]
        if not (node["columns"][column]["description"] if column else node["description"])
    ]
    assert undocumented == []
    assert (demo_build.target / "catalog.json").is_file()


def test_every_model_has_a_tested_primary_key(demo_build: Build) -> None:
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    tested: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            name = node["test_metadata"]["name"] if node.get("test_metadata") else ""
            tested.setdefault(node["attached_node"], set()).add(name)
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    # A key: a column's `primary_key` test (tests/generic: unique and not null in one
    # query), a compound key's combination test, or a contract's primary key (the database
    # enforces it as the model is built; no data test restates it).
    enforced = {
        model["unique_id"]
        for model in models
        for column in model["columns"].values()
        for constraint in column.get("constraints", [])
        if constraint["type"] == "primary_key"
    }
    missing = [
        model["name"]
        for model in models
        if not {"primary_key", "unique_combination_of_columns"}
        & tested.get(model["unique_id"], set())
        and model["unique_id"] not in enforced
    ]
    assert missing == []
    assert len(enforced) > 20


def test_a_primary_key_test_finds_a_duplicate_and_a_missing_key(
    demo_build: Build, tmp_path: Path
) -> None:
    """The `primary_key` test (tests/generic), as dbt compiled it for the demo build, on a
    copy of the working file whose table has one key twice and one key missing."""
    (compiled,) = (demo_build.target / "compiled").rglob(
        "primary_key_int_survey_responses_unioned_response_id.sql"
    )
    working = tmp_path / demo_build.build_warehouse.name  # dbt names the database after it
    shutil.copy(demo_build.build_warehouse, working)
    table = "intermediate.int_survey_responses_unioned"
    with duckdb.connect(str(working)) as connection:
        assert connection.execute(compiled.read_text(encoding="utf-8")).fetchall() == []
        (first,) = connection.execute(f"select min(response_id) from {table}").fetchone()
        connection.execute(
            f"insert into {table} select * from {table} where response_id = $1", [first]
        )
        connection.execute(
            f"update {table} set response_id = null "
            f"where response_id = (select max(response_id) from {table})"
        )
        found = connection.execute(compiled.read_text(encoding="utf-8")).fetchall()
    assert sorted(found, key=str) == sorted([(first, 2), (None, 1)], key=str)


def test_marts_contracts_are_built_into_the_working_file(demo_build: Build) -> None:
    """The contracts' not-null constraints and primary keys are the working file's, as dbt
    builds them on either engine."""
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    declared = {
        (node["name"], column["name"], constraint["type"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
        for column in node["columns"].values()
        for constraint in column.get("constraints", [])
    }
    built = {
        (table, column, kind)
        for table, columns, kind in demo_build.query_build(
            "select table_name, constraint_column_names, constraint_type "
            "from duckdb_constraints() where schema_name = 'marts'"
        )
        for column in columns
    }
    primary_keys = {row for row in declared if row[2] == "primary_key"}
    assert len(primary_keys) == len({row[0] for row in declared}) > 10
    expected = {
        (table, column, {"not_null": "NOT NULL", "primary_key": "PRIMARY KEY"}[kind])
        for table, column, kind in declared
    }
    assert expected <= built


def test_a_gx_process_that_dies_fails_the_build_clearly() -> None:
    # The build's Great Expectations process ended as the out-of-memory killer would end
    # it: the build stops with a message, not a traceback of the process pool.
    spawn = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(1, spawn) as great_expectations,
        pytest.raises(BuildError, match="its process ended without a result"),
    ):
        _result(great_expectations.submit(os._exit, 9))


def test_help_lists_the_commands() -> None:
    import subprocess

    result = subprocess.run([str(SAMSPIL), "--help"], capture_output=True, text=True, check=True)
    for command in ("generate", "load", "build"):
        assert command in result.stdout


def test_docs_open_offline(demo_build: Build) -> None:
    page = (demo_build.target / "static_index.html").read_text(encoding="utf-8")
    assert "fct_cooperation_ties" in page  # the manifest is inlined
    assert re.search(r"<(script|link)[^>]+(src|href)=[\"']https?:", page) is None


def test_unit_tests_cover_the_non_trivial_logic(demo_build: Build) -> None:
    """A unit test under a misplaced key is silently dropped; check they are all there."""
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    tested_models = {test["model"] for test in manifest["unit_tests"].values()}
    assert tested_models >= {
        "stg_institution_survey__answers",  # missing-code decoding
        "int_name_texts_normalised",  # name normalisation
        "int_name_candidates_cvr_matched",  # a CVR number in the name, in any municipality
        "int_name_variants_unplaced",  # weak methods only where no strong one placed a name
        "int_name_candidates_fuzzy_matched",  # two edits, Danish letters one each
        "int_name_candidates_partial_matched",  # every word in a longer official name
        "int_name_candidates_nickname_matched",  # a type's nickname or stem and a place
        "int_name_candidates_scored",  # method precedence, manual decisions
        "int_name_variants_linked",  # method precedence, ambiguity, review flags
        "int_name_mentions_linked",  # ambiguity settled by context
        "int_coder_agreements_computed",  # pairwise and positive specific agreement
        "int_reliability_values_counted",  # values per code, frame and overall
        "int_krippendorff_alphas_computed",  # Krippendorff's alpha, textbook examples
        "int_coder_pair_kappas_computed",  # Cohen's kappa, textbook example
        "int_survey_strata_collapsed",  # collapsing post-strata with too few respondents
        "int_survey_estimates_computed",  # weighted estimates, variances and CIs
        "int_survey_answers_recoded",  # one base per filtered item, derived items
        "int_panel_pairs_counted",  # each wave against the previous one
    }


def test_staging_and_intermediate_read_only_earlier_layers(demo_build: Build) -> None:
    """Raw → staged → linked → published: staging reads sources and seeds, intermediate
    reads staging, intermediate and seeds. An intermediate model reading a mart would make
    the layers a cycle (mart → intermediate → mart)."""
    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    nodes = manifest["nodes"]
    readable = {"staging": {"source", "seed"}, "intermediate": {"staging", "intermediate", "seed"}}

    def layer(unique_id: str) -> str:
        if unique_id.startswith("source."):
            return "source"
        node = nodes[unique_id]
        return "seed" if node["resource_type"] == "seed" else node["fqn"][1]

    models = [node for node in nodes.values() if node["resource_type"] == "model"]
    assert {node["fqn"][1] for node in models} >= set(readable)
    misread = [
        (node["name"], parent)
        for node in models
        if node["fqn"][1] in readable
        for parent in node["depends_on"]["nodes"]
        if layer(parent) not in readable[node["fqn"][1]]
    ]
    assert misread == []


def test_survey_staging_compiles_before_anything_is_loaded(tmp_path: Path) -> None:
    """The survey models take their items from the codebook seed in their SQL, not from the
    export's columns asked of the database while dbt compiles: they compile against an
    empty warehouse."""
    survey_models = [
        f"stg_{survey}_survey__{model}"
        for survey in ("institution", "association")
        for model in ("answers", "partner_mentions")
    ]
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--select",
            *survey_models,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
        ],
        env={
            **os.environ,
            "SAMSPIL_BUILD_WAREHOUSE": str(tmp_path / "empty.duckdb"),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DO_NOT_TRACK": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    compiled = {path.stem for path in (tmp_path / "target" / "compiled").rglob("*.sql")}
    assert compiled >= set(survey_models)


def test_validate_command_runs_the_checkpoint_alone(demo_build: Build, tmp_path: Path) -> None:
    # `samspil validate` writes the working file: it runs on a copy of the demo build, so
    # that the tests reading the shared one meanwhile (other processes) never meet its lock.
    shutil.copytree(demo_build.warehouse.parent, tmp_path / "demo")
    build = Build(warehouse=tmp_path / "demo" / demo_build.warehouse.name, output="")
    runs_query = "select count(distinct run_id) from validation.expectation_results"
    runs_before = build.query_build(runs_query)[0][0]
    result = run_samspil("validate", warehouse=build.warehouse)
    assert result.returncode == 0, result.stderr
    assert "0 errors" in result.stdout
    assert build.query_build(runs_query)[0][0] == runs_before + 1


@pytest.mark.parametrize(
    ("command", "copied"),
    [("build", None), ("validate", None), ("build", "great_expectations.yml")],
)
def test_a_gx_root_without_the_context_is_refused_before_anything_runs(
    tmp_path: Path, command: str, copied: str | None
) -> None:
    """SAMSPIL_GX_ROOT naming an empty folder, or one with the context's configuration but
    not the Data Docs' offline files: refused with the folder and what it lacks, before
    the load, and nothing is written there (GX would make a default context in it)."""
    gx_root = tmp_path / "gx_root"
    (gx_root / "gx").mkdir(parents=True)
    if copied:
        shutil.copy(PROJECT_DIR / "gx" / copied, gx_root / "gx" / copied)
    before = sorted(gx_root.rglob("*"))
    warehouse = tmp_path / "warehouse" / "samspil.duckdb"
    result = run_samspil(
        command, warehouse=warehouse, environment={"SAMSPIL_GX_ROOT": str(gx_root)}
    )
    assert result.returncode == 1, result.stdout
    missing = "gx/static/vendor" if copied else "gx/great_expectations.yml, gx/static/vendor"
    assert f"{gx_root}: no Great Expectations context ({missing} missing)" in " ".join(
        result.stderr.split()
    )
    assert "Traceback" not in result.stderr
    assert sorted(gx_root.rglob("*")) == before
    assert not (warehouse.parent / "build").exists()  # nothing loaded
