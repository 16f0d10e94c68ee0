"""Great Expectations on the staged tables: the demo passes, planted faults are caught.

Real warehouses and real GX: the demo build of conftest, and a copy of it in
which a few staged rows are made wrong. The copy replaces a staged view by a
table with the same columns and one changed row, so the faults do not depend
on how the loader fills the raw schema.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from samspil.build import BuildError, validate_staging
from samspil.paths import PROJECT_DIR, Paths

from conftest import Build

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# GX reads GX_ANALYTICS_ENABLED when it is imported.
from samspil.validate import (
    UnknownSuiteError,
    ValidationReport,
    build_data_docs,
    record,
    summary_lines,
    validate,
)
from samspil.validate.docs import external_loads
from samspil.validate.run import Finding
from samspil.validate.suites import ERROR, SUITES, WARNING, suite_definitions

STAGED_TABLES = {
    f"stg_{source}__{entity}"
    for source, entities in {
        "institution_survey": ("frame", "responses", "answers", "partner_mentions"),
        "association_survey": ("frame", "responses", "answers", "partner_mentions"),
        "discourse": ("documents", "segments", "codings"),
        "cases": ("cases", "actors", "episodes", "episode_participants"),
    }.items()
    for entity in entities
}


def _staged_warehouse(build: Build) -> Path:
    """The file that holds the staging schema (the working file once publishing exists)."""
    for candidate in (getattr(build, "build_warehouse", None), build.warehouse):
        if candidate is not None and Path(candidate).is_file():
            with duckdb.connect(str(candidate), read_only=True) as connection:
                if connection.execute(
                    "select count(*) from duckdb_views() where schema_name = 'staging'"
                ).fetchone()[0]:
                    return Path(candidate)
    raise AssertionError("no warehouse file of the demo build has a staging schema")


def _copy(warehouse: Path, folder: Path) -> Path:
    """A private copy, named like the original: dbt's views name their catalog."""
    folder.mkdir(parents=True)
    shutil.copy(warehouse, folder / warehouse.name)
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists():
        shutil.copy(wal, folder / wal.name)
    return folder / warehouse.name


@pytest.fixture(scope="module")
def gx_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's seeds, vars and gx/ (without its results), in a folder of its own."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(
        PROJECT_DIR / "gx", project / "gx", ignore=shutil.ignore_patterns("uncommitted")
    )
    (project / "seeds").symlink_to(PROJECT_DIR / "seeds")
    (project / "dbt_project.yml").symlink_to(PROJECT_DIR / "dbt_project.yml")
    return project


@pytest.fixture(scope="module")
def demo_report(demo_build: Build, gx_project: Path) -> ValidationReport:
    return validate(_staged_warehouse(demo_build), gx_project)


# -- the faults planted in the copy, and the rows they hit


class Planted:
    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        connection.execute("create schema planted")

    def table(self, name: str) -> None:
        """Turn staging.<name> into a view of a table the test can change."""
        self.connection.execute(f"create table planted.{name} as select * from staging.{name}")
        staged_as_table = self.connection.execute(
            "select count(*) from duckdb_tables() where schema_name = 'staging' and table_name = ?",
            [name],
        ).fetchone()[0]
        if staged_as_table:  # the survey unpivots
            self.connection.execute(f"drop table staging.{name}")
        self.connection.execute(
            f"create or replace view staging.{name} as select * from planted.{name}"
        )

    def one(self, sql: str) -> tuple:
        return self.connection.execute(sql).fetchone()


@pytest.fixture(scope="module")
def planted(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    warehouse = _copy(_staged_warehouse(demo_build), tmp_path_factory.mktemp("planted") / "wh")
    keys: dict[str, object] = {"warehouse": warehouse}
    with duckdb.connect(str(warehouse)) as connection:
        plant = Planted(connection)

        # An answer opened before the 2016 fieldwork window opened, and one
        # submitted after it closed (a late answer: tolerated).
        plant.table("stg_institution_survey__responses")
        early, late = plant.connection.execute(
            "select response_id from planted.stg_institution_survey__responses "
            "where wave = 2016 and is_complete order by response_id limit 2"
        ).fetchall()
        connection.execute(
            "update planted.stg_institution_survey__responses "
            "set started_at = timestamp '2016-02-10 09:30:00' where response_id = ?",
            [early[0]],
        )
        connection.execute(
            "update planted.stg_institution_survey__responses "
            "set submitted_date = date '2016-06-20' where response_id = ?",
            [late[0]],
        )
        keys["early"], keys["late"] = early[0], late[0]

        # A second 2018 questionnaire of one institution.
        first, second = connection.execute(
            "select response_id, institution_id from planted.stg_institution_survey__responses "
            "where wave = 2018 order by response_id limit 2"
        ).fetchall()
        connection.execute(
            "update planted.stg_institution_survey__responses "
            "set institution_id = ? where response_id = ?",
            [first[1], second[0]],
        )
        keys["duplicates"] = {first[0], second[0]}

        # A CVR number with a wrong check digit.
        plant.table("stg_association_survey__frame")
        frame_entry_id, cvr = plant.one(
            "select frame_entry_id, cvr_number from planted.stg_association_survey__frame "
            "where cvr_number is not null order by frame_entry_id limit 1"
        )
        wrong = cvr[:7] + str((int(cvr[7]) + 1) % 10)
        connection.execute(
            "update planted.stg_association_survey__frame set cvr_number = ? "
            "where frame_entry_id = ?",
            [wrong, frame_entry_id],
        )
        keys["cvr_entry"], keys["wrong_cvr"] = frame_entry_id, wrong

        # A 6 on the five-point scale.
        plant.table("stg_association_survey__answers")
        (answer_id,) = plant.one(
            "select survey_answer_id from planted.stg_association_survey__answers "
            "where survey_item_id = 'association__att_better_solutions' "
            "and answer_status = 'valid' order by survey_answer_id limit 1"
        )
        connection.execute(
            "update planted.stg_association_survey__answers set raw_value = '6', "
            "answer_status = 'unknown_code', answer_value = null, value_label_da = null, "
            "value_label_en = null where survey_answer_id = ?",
            [answer_id],
        )
        keys["likert_6"] = answer_id

        # An episode a month after its case ended.
        plant.table("stg_cases__episodes")
        (episode_id,) = plant.one(
            "select episode_id from planted.stg_cases__episodes order by episode_id limit 1"
        )
        connection.execute(
            "update planted.stg_cases__episodes set episode_date = ("
            "    select end_date + interval 30 day from staging.stg_cases__cases"
            "    where stg_cases__cases.case_id = stg_cases__episodes.case_id"
            ") where episode_id = ?",
            [episode_id],
        )
        keys["episode"] = episode_id

        # A segment ending five characters past its document's text.
        plant.table("stg_discourse__segments")
        (segment_id,) = plant.one(
            "select segment_id from planted.stg_discourse__segments order by segment_id limit 1"
        )
        connection.execute(
            "update planted.stg_discourse__segments set end_offset = ("
            "    select length(document_text) + 5 from staging.stg_discourse__documents"
            "    where stg_discourse__documents.document_id = stg_discourse__segments.document_id"
            ") where segment_id = ?",
            [segment_id],
        )
        keys["segment"] = segment_id

        # A staged table that is gone.
        connection.execute("drop view staging.stg_discourse__codings")
    return keys


@pytest.fixture(scope="module")
def planted_report(planted: dict[str, object], gx_project: Path) -> ValidationReport:
    return validate(planted["warehouse"], gx_project)


def _find(
    report: ValidationReport,
    suite: str,
    expectation: str,
    column: str,
    condition: str | None = None,
    mostly: float | None = None,
) -> Finding:
    found = [
        finding
        for finding in report.findings
        if (finding.suite_name, finding.expectation_type, finding.column_name)
        == (suite, expectation, column)
        and finding.row_condition == condition
        and finding.mostly == mostly
    ]
    assert len(found) == 1, found
    return found[0]


# -- the suites


def test_one_suite_per_staged_table_and_every_expectation_says_why() -> None:
    definitions = suite_definitions(PROJECT_DIR)
    assert {definition.name for definition in definitions} == STAGED_TABLES | {
        "survey_response_rates"
    }
    assert len(SUITES) == len(definitions)
    for definition in definitions:
        assert definition.keys, definition.name
        for expectation in definition.expectations:
            assert expectation.meta["severity"] in (ERROR, WARNING), expectation
            assert len(expectation.meta["why"]) > 20, expectation


def test_the_committed_json_is_what_suites_py_defines(
    demo_report: ValidationReport, gx_project: Path
) -> None:
    """validate writes the suites from Python; the committed gx/expectations must match."""
    committed = PROJECT_DIR / "gx" / "expectations"
    written = gx_project / "gx" / "expectations"
    names = sorted(path.name for path in written.glob("*.json"))
    assert names == sorted(f"{name}.json" for name in demo_report.suite_names)
    for name in names:
        assert (committed / name).read_text() == (written / name).read_text(), (
            f"gx/expectations/{name} differs from suites.py: run samspil validate and commit it"
        )


# -- the demo


def test_the_demo_passes_every_suite_at_error_level(demo_report: ValidationReport) -> None:
    assert set(demo_report.suite_names) == STAGED_TABLES | {"survey_response_rates"}
    assert demo_report.errors == [], "\n".join(summary_lines(demo_report))
    assert all(finding.problem is None for finding in demo_report.findings)
    assert len(demo_report.findings) == sum(
        len(definition.expectations) for definition in suite_definitions(PROJECT_DIR)
    )


# -- planted faults


def test_an_answer_before_the_fieldwork_window_is_an_error(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    finding = _find(
        planted_report,
        "stg_institution_survey__responses",
        "expect_column_values_to_be_between",
        "started_at",
        "wave == 2016",
    )
    assert (finding.success, finding.severity, finding.unexpected_count) == (False, ERROR, 1)
    assert finding.example_keys == (planted["early"],)
    assert finding in planted_report.errors


def test_a_late_answer_is_tolerated_but_counted(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    finding = _find(
        planted_report,
        "stg_institution_survey__responses",
        "expect_column_values_to_be_between",
        "submitted_date",
        "wave == 2016",
        mostly=0.95,
    )
    assert (finding.success, finding.unexpected_count) == (True, 1)
    assert finding.example_keys == (planted["late"],)
    assert "late answers" in finding.why


def test_a_second_answer_of_a_respondent_in_a_wave_is_an_error(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    finding = _find(
        planted_report,
        "stg_institution_survey__responses",
        "expect_compound_columns_to_be_unique",
        "institution_id, wave",
    )
    assert (finding.success, finding.unexpected_count) == (False, 2)
    assert set(finding.example_keys) == planted["duplicates"]


def test_a_cvr_number_with_a_wrong_check_digit_is_an_error(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    finding = _find(
        planted_report,
        "stg_association_survey__frame",
        "expect_column_values_to_be_in_set",
        "is_cvr_valid",
    )
    assert (finding.success, finding.severity, finding.unexpected_count) == (False, ERROR, 1)
    assert finding.example_keys == (planted["cvr_entry"],)
    # Eight digits still: the format check passes, only the modulus-11 check fails.
    assert _find(
        planted_report,
        "stg_association_survey__frame",
        "expect_column_values_to_match_regex",
        "cvr_number",
    ).success


def test_a_six_on_the_five_point_scale_is_an_error(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    failed = [
        finding
        for finding in planted_report.errors
        if finding.suite_name == "stg_association_survey__answers"
    ]
    assert {(finding.column_name, finding.unexpected_count) for finding in failed} == {
        ("raw_value", 1),
        ("answer_status", 1),
    }
    assert all(finding.example_keys == (planted["likert_6"],) for finding in failed)


def test_an_episode_after_its_case_ended_is_an_error(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    finding = _find(
        planted_report,
        "stg_cases__episodes",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "case_end_date, episode_date",
    )
    assert (finding.success, finding.unexpected_count) == (False, 1)
    assert finding.example_keys == (planted["episode"],)


def test_a_segment_beyond_its_document_text_is_an_error(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    finding = _find(
        planted_report,
        "stg_discourse__segments",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "document_text_length, end_offset",
    )
    assert (finding.success, finding.unexpected_count) == (False, 1)
    assert finding.example_keys == (planted["segment"],)


def test_a_missing_staged_table_fails_every_expectation_of_its_suite(
    planted_report: ValidationReport,
) -> None:
    codings = [f for f in planted_report.findings if f.suite_name == "stg_discourse__codings"]
    assert codings
    assert all(f.is_error and f.problem.startswith("batch query failed") for f in codings)


def test_nothing_else_fails_and_the_summary_shows_keys_not_values(
    planted: dict[str, object], planted_report: ValidationReport
) -> None:
    planted_suites = {
        "stg_institution_survey__responses",
        "stg_association_survey__frame",
        "stg_association_survey__answers",
        "stg_cases__episodes",
        "stg_discourse__segments",
        "stg_discourse__codings",
    }
    assert {finding.suite_name for finding in planted_report.errors} == planted_suites
    lines = summary_lines(planted_report)
    text = "\n".join(lines)
    assert f"{len(planted_report.errors)} failed at error level" in lines[0]
    assert re.search(
        r"error +stg_association_survey__frame · expect_column_values_to_be_in_set · "
        rf"is_cvr_valid: 1 of [\d,]+ rows failing .*e\.g\. {planted['cvr_entry']}",
        text,
    ), text
    assert planted["wrong_cvr"] not in text
    assert re.search(r"error +stg_discourse__codings: batch query failed: .*not evaluated", text)


# -- a subset of the suites (incremental builds validate the tables that changed)


def test_a_subset_validates_only_the_named_suites_and_records_them(
    planted: dict[str, object], gx_project: Path, tmp_path: Path
) -> None:
    warehouse = _copy(planted["warehouse"], tmp_path / "subset")
    suite = "stg_cases__episodes"
    (definition,) = [d for d in suite_definitions(PROJECT_DIR) if d.name == suite]
    report = validate(warehouse, gx_project, suites=[suite])
    assert report.suite_names == [suite]
    assert len(report.findings) == len(definition.expectations)
    # Its planted fault is found; those planted in the other suites are not looked at.
    assert {finding.suite_name for finding in report.errors} == {suite}
    finding = _find(
        report,
        suite,
        "expect_column_pair_values_a_to_be_greater_than_b",
        "case_end_date, episode_date",
    )
    assert (finding.success, finding.example_keys) == (False, (planted["episode"],))
    assert record(report, warehouse) == len(definition.expectations)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        recorded = connection.execute(
            "select suite_name, count(*), count(*) filter (where not success) "
            "from validation.expectation_results where run_id = ? group by suite_name",
            [report.run_id],
        ).fetchall()
    assert recorded == [(suite, len(definition.expectations), len(report.errors))]


def test_a_build_validating_only_clean_suites_goes_on_and_unknown_names_stop_it(
    planted: dict[str, object], gx_project: Path, tmp_path: Path
) -> None:
    warehouse = _copy(planted["warehouse"], tmp_path / "staging")
    paths = Paths(project=gx_project, raw=tmp_path, warehouse=tmp_path / "published.duckdb")
    # stg_cases__cases holds no planted fault, whatever the other suites hold.
    warnings, run_id = validate_staging(paths, warehouse, suites=["stg_cases__cases"])
    assert warnings == [] and run_id
    with pytest.raises(BuildError, match="stg_cases__episodes · expect_column_pair"):
        validate_staging(paths, warehouse, suites=["stg_cases__cases", "stg_cases__episodes"])
    with pytest.raises(BuildError, match="no suite named stg_cases__case:"):
        validate_staging(paths, warehouse, suites=["stg_cases__case"])
    with pytest.raises(UnknownSuiteError, match="the suites are stg_institution_survey__frame"):
        validate(warehouse, gx_project, suites=["cases"])


# -- history


def test_record_appends_one_row_per_expectation_per_run(
    demo_report: ValidationReport,
    planted: dict[str, object],
    planted_report: ValidationReport,
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "history.duckdb"
    assert record(demo_report, warehouse) == len(demo_report.findings)
    record(planted_report, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        runs = connection.execute(
            "select run_id, count(*), count(*) filter (where not success and severity = 'error') "
            "from validation.expectation_results group by run_id order by run_id"
        ).fetchall()
        cvr = connection.execute(
            "select example_keys, unexpected_count, run_at from validation.expectation_results "
            "where run_id = ? and column_name = 'is_cvr_valid' "
            "and suite_name = 'stg_association_survey__frame'",
            [planted_report.run_id],
        ).fetchone()
    assert runs == [
        (demo_report.run_id, len(demo_report.findings), 0),
        (planted_report.run_id, len(planted_report.findings), len(planted_report.errors)),
    ]
    assert cvr == (planted["cvr_entry"], 1, planted_report.run_at)


# -- Data Docs


def test_results_name_their_run_without_hashing_every_batch(
    demo_report: ValidationReport, gx_project: Path
) -> None:
    """GX's batch fingerprint (a hash of every cell) is off: its results of the run carry
    the load time of each batch, not a fingerprint (samspil.validate.context)."""
    results = gx_project / "gx" / "uncommitted" / "validations"
    markers = [
        json.loads(path.read_text(encoding="utf-8"))["meta"]["batch_markers"]
        for path in results.glob(f"*/{demo_report.run_id}/*/*.json")
    ]
    assert len(markers) == len(demo_report.suite_names) > len(STAGED_TABLES)
    assert all(set(marker) == {"ge_load_time"} for marker in markers), markers[0]


def test_data_docs_load_nothing_from_the_network(
    demo_report: ValidationReport, gx_project: Path
) -> None:
    index = build_data_docs(gx_project)
    site = index.parent
    pages = list(site.rglob("*.html"))
    assert index.is_file() and len(pages) > len(STAGED_TABLES)
    assert external_loads(site) == []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
            # Only links a reader may click: GX's home page and newsletter.
            assert url.startswith("https://greatexpectations.io"), (page, url)
        for local in re.findall(r'(?:src|href)="([^"#:?]+\.(?:css|js|png|ico))"', html):
            assert (page.parent / local).is_file(), (page, local)


def test_data_docs_of_an_incremental_build_add_its_run_and_drop_pruned_ones(
    demo_build: Build, demo_report: ValidationReport, gx_project: Path
) -> None:
    index = build_data_docs(gx_project)
    site = index.parent
    before = {page.relative_to(site) for page in site.rglob("*.html")}
    # An incremental build validates only the suites reading the staged tables it rebuilt
    # (the segments' and codings' suites check against the documents too).
    later = validate(_staged_warehouse(demo_build), gx_project, tables=["stg_discourse__documents"])
    discourse = {"stg_discourse__documents", "stg_discourse__segments", "stg_discourse__codings"}
    assert set(later.suite_names) == discourse
    # A run the results store no longer keeps (pruned) loses its pages too.
    stale = next((site / "validations").glob("*/*"))
    shutil.rmtree(
        gx_project / "gx" / "uncommitted" / "validations" / stale.relative_to(site / "validations")
    )

    assert build_data_docs(gx_project, run_name=later.run_id) == index
    after = {page.relative_to(site) for page in site.rglob("*.html")}
    added = after - before
    assert added and all(later.run_id in page.parts for page in added)
    assert {page.parts[1] for page in added if page.parts[0] == "validations"} == discourse
    assert not stale.exists()
    assert later.run_id in index.read_text(encoding="utf-8")
    assert external_loads(site) == []


def test_failing_values_kept_from_earlier_runs_are_removed_with_their_pages(
    demo_build: Build, gx_project: Path
) -> None:
    """Results written before GX was told to keep no failing value hold them (a CPR number
    typed into a CVR column), and so do their Data Docs pages. The next validation removes
    the values from the results it keeps and drops those pages; the next Data Docs render
    them again, without the values."""
    import datetime as dt

    import great_expectations as gx

    from samspil.validate.batches import open_batches, read_batch
    from samspil.validate.context import open_context, save_suites, validation_definition

    cpr = "010203-1234"
    warehouse = _staged_warehouse(demo_build)
    suite = "stg_cases__actors"
    (definition,) = [d for d in suite_definitions(PROJECT_DIR) if d.name == suite]
    with open_batches(warehouse) as run_query:
        batch = read_batch(run_query, suite, definition.batch_query, definition.keys)
    batch["cvr_number"] = batch["cvr_number"].astype(object)
    batch.iloc[0, batch.columns.get_loc("cvr_number")] = cpr
    context = open_context(gx_project)
    save_suites(context, suite_definitions(PROJECT_DIR))
    earlier = dt.datetime.now(dt.UTC)
    run_name = earlier.strftime("%Y%m%dT%H%M%S.%fZ")
    validation_definition(context, suite).run(
        batch_parameters={"dataframe": batch},
        result_format={"result_format": "SUMMARY"},  # what samspil asked GX for before
        run_id=gx.RunIdentifier(run_name=run_name, run_time=earlier),
    )
    site = build_data_docs(gx_project).parent

    def showing(value: str) -> list[Path]:
        return [
            path
            for path in (gx_project / "gx").rglob("*")
            if path.is_file() and value in path.read_text(encoding="utf-8", errors="replace")
        ]

    assert {path.suffix for path in showing(cpr)} == {".json", ".html"}
    later = validate(warehouse, gx_project, suites=[suite])
    assert showing(cpr) == []
    assert build_data_docs(gx_project, run_name=later.run_id).is_file()
    assert list((site / "validations" / suite / run_name).rglob("*.html"))
    assert showing(cpr) == []


def test_batches_get_fast_dtypes_with_the_same_values() -> None:
    """GX checks int64, float64 and datetime64[ns] columns in one step and categories by
    their codes; the batch keeps every value DuckDB's own `.df()` gives, and two text
    columns still compare."""
    import duckdb
    import pandas as pd

    from samspil.validate.batches import as_frame

    query = """
        select
            'k' || lpad(cast(i as varchar), 2, '0') as key,
            cast(i % 3 as integer) as count,
            cast(case when i = 7 then null else 1 end as integer) as answer,
            date '2016-03-01' + cast(i as integer) as day,
            timestamp '2016-03-01 12:30:00' as started_at,
            'c1' as case_a,
            case when i = 39 then 'c2' else 'c1' end as case_b,
            true as flag,
            case when i = 3 then null else i > 20 end as maybe,
            cast(i / 4 as decimal(5, 2)) as share
        from range(40) as numbers (i)
    """
    with duckdb.connect() as connection:
        frame = connection.execute(query).df()
        fast = as_frame(connection.execute(query).to_arrow_table())
    assert {column: str(dtype) for column, dtype in fast.dtypes.items()} == {
        "key": "category",  # one value per row: categories of its own
        "count": "int64",
        "answer": "float64",  # has a null
        "day": "datetime64[ns]",
        "started_at": "datetime64[ns]",
        "case_a": "category",
        "case_b": "category",
        "flag": "bool",
        "maybe": "boolean",  # has a null
        "share": "float64",
    }

    def values(series: pd.Series) -> list[object]:
        return [None if pd.isna(value) else value for value in series.astype(object)]

    for column in frame.columns:
        assert values(fast[column]) == values(frame[column]), column
    # Columns with few values compare as text (GX's column-pair equality).
    assert (fast["case_a"] == fast["case_b"]).tolist() == [True] * 39 + [False]
    assert list(fast["case_a"].cat.categories) == ["c1", "c2"]
    assert len(fast["key"].cat.categories) == 40
