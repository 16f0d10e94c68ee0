"""Great Expectations on the staged tables: every expectation passes on the demo, and fails
on a fault planted for it in raw exports.

Real builds, real GX. The faults are planted in a CSV copy of the demo (conftest's
`demo_as_csv`), each where it does not disturb the others, so that every one passes the
loader and dbt's staging tests and reaches the validation as data would: one `samspil
build` of that folder loads, stages and validates it, and stops there, having recorded
every expectation's outcome in its working file. No staged table is changed by hand: an
expectation that only such a change could make fail would restate the loader or dbt.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from samspil.build import BuildError, validate_staging
from samspil.paths import PROJECT_DIR, Paths, release_file

from conftest import Build, own_folders, run_samspil, sha256

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
from samspil.validate.expectations import ERROR, WARNING
from samspil.validate.run import EXAMPLE_KEYS
from samspil.validate.suites import SUITES, suite_definitions

DEFINITIONS = suite_definitions(PROJECT_DIR)
EXPECTATIONS = sum(len(definition.expectations) for definition in DEFINITIONS)
with (PROJECT_DIR / "seeds" / "survey_waves.csv").open(encoding="utf-8", newline="") as _handle:
    WAVES = {
        int(row["wave"]): (
            dt.date.fromisoformat(row["fieldwork_start_date"]),
            dt.date.fromisoformat(row["fieldwork_end_date"]),
        )
        for row in csv.DictReader(_handle)
    }
SURVEYS = {"institution": "institution_code", "association": "association_code"}


def _staged_warehouse(build: Build) -> Path:
    """The working file of a build: it holds the staged tables."""
    return build.build_warehouse


def _copy(warehouse: Path, folder: Path) -> Path:
    """A private copy, named like the original: dbt's views name their catalog."""
    folder.mkdir(parents=True)
    shutil.copy(warehouse, folder / warehouse.name)
    return folder / warehouse.name


def _gx_root(folder: Path) -> Path:
    """The project's gx/ (without its results) in a folder of its own."""
    shutil.copytree(PROJECT_DIR / "gx", folder / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    return folder


@pytest.fixture(scope="module", autouse=True)
def demo_manifest(demo_build: Build) -> Iterator[None]:
    """The validation this module runs in process finds dbt's relations in the demo
    build's manifest."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(demo_build.target))
        yield


@pytest.fixture(scope="module")
def gx_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _gx_root(tmp_path_factory.mktemp("gx_root"))


@pytest.fixture(scope="module")
def demo_report(demo_build: Build, gx_root: Path) -> ValidationReport:
    return validate(_staged_warehouse(demo_build), PROJECT_DIR, gx_root=gx_root)


# -- the planted faults


class Export:
    """The CSV files of a raw folder, read once, changed in memory, written back."""

    def __init__(self, raw: Path) -> None:
        self.raw = raw
        self.files: dict[str, tuple[list[str], list[dict[str, str]]]] = {}

    def rows(self, file: str) -> list[dict[str, str]]:
        if file not in self.files:
            with (self.raw / file).open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                self.files[file] = (list(reader.fieldnames or []), list(reader))
        return self.files[file][1]

    def keep(self, file: str, predicate: Callable[[dict[str, str]], bool]) -> None:
        rows = self.rows(file)
        self.files[file] = (self.files[file][0], [row for row in rows if predicate(row)])

    def write(self) -> None:
        for file, (header, rows) in self.files.items():
            with (self.raw / file).open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=header)
                writer.writeheader()
                writer.writerows(rows)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _wrong_check_digit(cvr: str) -> str:
    return cvr[:7] + str((int(cvr[7]) + 1) % 10)


@dataclass
class Planted:
    """The planted build: its working file and what was planted where, by row key."""

    warehouse: Path
    output: str
    keys: dict[str, object]
    published: list[Path]
    """The published files (restricted and release tier) the build started from."""
    published_before: list[str]
    """Their SHA-256 before the build."""


def _plant_survey(export: Export, survey: str, keys: dict[str, object]) -> None:
    """The frame and response faults of one survey, in the rows of one municipality."""
    code = SURVEYS[survey]
    frame = export.rows(f"{survey}_survey/frame.csv")
    responses = export.rows(f"{survey}_survey/responses.csv")
    responded = {(row[code], row["wave"]) for row in responses}
    quiet = sorted(
        (row for row in frame if (row[code], row["wave"]) not in responded),
        key=lambda row: (row["wave"], row[code]),
    )
    invited = {(row[code], row["wave"]): row for row in frame}

    # An invitation without a date; one outside each wave's fieldwork window.
    quiet[0]["invited_date"] = ""
    keys[f"{survey} no invitation date"] = f"{quiet[0][code]}-{quiet[0]['wave']}"
    for wave, (_, last) in WAVES.items():
        row = next(row for row in quiet[1:] if row["wave"] == str(wave))
        row["invited_date"] = (last + dt.timedelta(days=30)).isoformat()
        keys[f"{survey} invited outside {wave}"] = f"{row[code]}-{wave}"

    for wave, (first, last) in WAVES.items():
        complete = sorted(
            (row for row in responses if row["wave"] == str(wave) and row["submitted_date"]),
            key=lambda row: row["response_id"],
        )
        late = complete[-1 - max(2, len(complete) // 10) : -1]
        early, unsubmitted = complete[-1], complete[0]
        # A complete questionnaire without a submission date.
        unsubmitted["submitted_date"] = ""
        # One submitted the day before it was opened (inside the window).
        reversed_dates = next(
            row for row in complete[1:] if _day(row["submitted_date"]) < last - dt.timedelta(1)
        )
        started = _day(reversed_dates["submitted_date"]) + dt.timedelta(days=1)
        reversed_dates["started_at"] = f"{started.isoformat()}T10:00:00"
        # One opened before its invitation went out (both inside the window).
        uninvited = next(row for row in complete[1:] if row is not reversed_dates)
        uninvited["started_at"] = f"{(first + dt.timedelta(days=2)).isoformat()}T08:00:00"
        uninvited["submitted_date"] = (first + dt.timedelta(days=3)).isoformat()
        invitation = invited[(uninvited[code], uninvited["wave"])]
        invitation["invited_date"] = (first + dt.timedelta(days=5)).isoformat()
        # One opened before the fieldwork opened.
        early["started_at"] = f"{(first - dt.timedelta(days=10)).isoformat()}T09:00:00"
        # Too many late answers: a tenth of the wave opened and submitted after the window.
        for row in late:
            row["started_at"] = f"{(last + dt.timedelta(days=3)).isoformat()}T09:00:00"
            row["submitted_date"] = (last + dt.timedelta(days=4)).isoformat()
        keys[f"{survey} no submission date {wave}"] = unsubmitted["response_id"]
        keys[f"{survey} submitted before opened {wave}"] = reversed_dates["response_id"]
        keys[f"{survey} opened before invited {wave}"] = uninvited["response_id"]
        keys[f"{survey} opened before {wave}"] = early["response_id"]
        keys[f"{survey} late {wave}"] = len(late)

    # A third of the questionnaires answer every attitude item with 8 (don't know).
    attitude = [name for name in responses[0] if name.startswith("att_")]
    for row in responses[::3]:
        row.update({name: "8" for name in attitude})
    # A partner named with one letter.
    named = next(row for row in responses if row["partner_1"])
    named["partner_1"] = "X"
    keys[f"{survey} one-letter partner"] = f"{named['response_id']}-1"


def _plant_response_rates(export: Export, keys: dict[str, object]) -> None:
    """A study municipality's frame missing from one wave of the association survey; too few
    answers in one big cell of the institution survey; too many in a small one."""
    wave = str(max(WAVES))
    gone = {
        row["association_code"]
        for row in export.rows("association_survey/frame.csv")
        if row["kommunekode"] == "0230" and row["wave"] == wave
    }
    for file in ("association_survey/frame.csv", "association_survey/responses.csv"):
        export.keep(file, lambda row: not (row["association_code"] in gone and row["wave"] == wave))
    keys["nobody invited"] = f"association-{wave}-0230"

    frame = export.rows("institution_survey/frame.csv")
    municipality = {(row["institution_code"], row["wave"]): row["kommunekode"] for row in frame}
    responses = export.rows("institution_survey/responses.csv")
    big = [
        row for row in responses if municipality[(row["institution_code"], row["wave"])] == "0461"
    ]
    big = [row for row in big if row["wave"] == wave]
    dropped = {row["response_id"] for row in big[: len(big) - 40]}  # 40 of 300 answer
    export.keep("institution_survey/responses.csv", lambda row: row["response_id"] not in dropped)
    keys["rate too low"] = f"institution-{wave}-0461"

    first_wave = str(min(WAVES))
    responded = {row["institution_code"] for row in responses if row["wave"] == first_wave}
    small = [
        row["institution_code"]
        for row in frame
        if row["kommunekode"] == "0751"
        and row["wave"] == first_wave
        and row["institution_code"] not in responded
    ]
    keep_quiet = set(small[:1])  # 25 of 26 invited answered
    export.keep(
        "institution_survey/frame.csv",
        lambda row: (
            not (row["wave"] == first_wave and row["institution_code"] in set(small) - keep_quiet)
        ),
    )
    keys["small cell rate too high"] = f"institution-{first_wave}-0751"


def _plant_discourse(export: Export, keys: dict[str, object]) -> None:
    documents = export.rows("discourse/documents.csv")
    # A document from before the project; a title-only one (no segments point into it).
    documents[0]["published_date"] = "2012-05-01"
    keys["document before the period"] = documents[0]["document_id"]
    documents.append({**documents[1], "document_id": "D0461-9999", "text": "Kort notat."})
    keys["short document"] = "D0461-9999"
    segments = {
        row["segment_id"]: row["document_id"] for row in export.rows("discourse/segments.csv")
    }
    published = {row["document_id"]: row["published_date"] for row in documents}
    codings = export.rows("discourse/codings.csv")
    codings[0]["coded_date"] = ""
    keys["coding without date"] = "-".join(
        codings[0][name] for name in ("segment_id", "coder_id", "justification_code")
    )
    row = next(
        row for row in codings[1:] if segments[row["segment_id"]] != documents[0]["document_id"]
    )
    row["coded_date"] = (
        _day(published[segments[row["segment_id"]]]) - dt.timedelta(days=30)
    ).isoformat()
    keys["coded before published"] = "-".join(
        row[name] for name in ("segment_id", "coder_id", "justification_code")
    )


def _plant_cases(export: Export, keys: dict[str, object]) -> None:
    cases = {row["case_id"]: row for row in export.rows("cases/cases.csv")}
    # A reversed period (also a negative length), its episodes left out of the notes.
    reversed_case = cases["K03"]
    reversed_case["end_date"] = (
        _day(reversed_case["start_date"]) - dt.timedelta(days=5)
    ).isoformat()
    episodes_gone = {
        row["episode_id"] for row in export.rows("cases/episodes.csv") if row["case_id"] == "K03"
    }
    export.keep("cases/episodes.csv", lambda row: row["case_id"] != "K03")
    export.rows("cases/episode_participants.csv")
    export.keep(
        "cases/episode_participants.csv", lambda row: row["episode_id"] not in episodes_gone
    )
    # A case started before the project (and so followed for too long).
    cases["K12"]["start_date"] = "2014-12-15"
    keys["reversed case"], keys["early case"] = "K03", "K12"

    actors = export.rows("cases/actors.csv")
    registered = [row for row in actors if row["cvr"]]
    registered[0]["cvr"] = _wrong_check_digit(registered[0]["cvr"])
    keys["actor wrong cvr"] = registered[0]["actor_id"]
    group = next(row for row in actors if row["actor_type"] == "volunteer_group")
    group["cvr"] = registered[1]["cvr"]
    keys["group with cvr"] = group["actor_id"]

    episodes = export.rows("cases/episodes.csv")
    before = next(row for row in episodes if row["case_id"] == "K05")
    before["episode_date"] = (_day(cases["K05"]["start_date"]) - dt.timedelta(days=5)).isoformat()
    after = next(row for row in episodes if row["case_id"] == "K07")
    after["episode_date"] = (_day(cases["K07"]["end_date"]) + dt.timedelta(days=5)).isoformat()
    keys["episode before case"], keys["episode after case"] = (
        before["episode_id"],
        after["episode_id"],
    )
    for row in episodes[::6]:  # a sixth of the outcomes not judged
        row["outcome"] = ""


def _plant_association_cvr(export: Export, keys: dict[str, object]) -> None:
    frame = export.rows("association_survey/frame.csv")
    registered = [row for row in frame if row["cvr"] and row["wave"] == str(min(WAVES))]
    registered[0]["cvr"] = _wrong_check_digit(registered[0]["cvr"])
    keys["frame wrong cvr"] = f"{registered[0]['association_code']}-{registered[0]['wave']}"
    registered[2]["cvr"] = registered[1]["cvr"]
    keys["shared cvr"] = {f"{row['association_code']}-{row['wave']}" for row in registered[1:3]}


@pytest.fixture(scope="module")
def planted(
    demo_build: Build, demo_as_csv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Planted:
    folder = tmp_path_factory.mktemp("planted")
    raw = folder / "raw"
    shutil.copytree(demo_as_csv, raw)
    export = Export(raw)
    keys: dict[str, object] = {}
    _plant_response_rates(export, keys)
    for survey in SURVEYS:
        _plant_survey(export, survey, keys)
    _plant_association_cvr(export, keys)
    _plant_discourse(export, keys)
    _plant_cases(export, keys)
    export.write()
    # The build starts from a published warehouse (the demo's), which its errors keep.
    warehouse = folder / "warehouse" / "samspil.duckdb"
    warehouse.parent.mkdir()
    published = [warehouse, release_file(warehouse)]
    sources = (demo_build.warehouse, release_file(demo_build.warehouse))
    for source, copy in zip(sources, published, strict=True):
        shutil.copy(source, copy)
    published_before = [sha256(path) for path in published]
    # Folders of its own named outright: this module's DBT_TARGET_PATH is the demo build's.
    result = run_samspil(
        "build", "--no-docs", warehouse=warehouse, raw=raw, environment=own_folders(folder)
    )
    assert result.returncode == 1, result.stdout + result.stderr
    return Planted(
        warehouse.parent / "build" / warehouse.name,
        result.stderr,
        keys,
        published,
        published_before,
    )


@dataclass(frozen=True)
class Outcome:
    suite_name: str
    expectation_type: str
    column_name: str | None
    row_condition: str | None
    mostly: float | None
    severity: str
    success: bool
    unexpected_count: int | None
    example_keys: tuple[str, ...]


@pytest.fixture(scope="module")
def outcomes(planted: Planted) -> list[Outcome]:
    """Every expectation's outcome, as the planted build recorded it."""
    with duckdb.connect(str(planted.warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select suite_name, expectation_type, column_name, row_condition, mostly, severity, "
            "success, unexpected_count, coalesce(example_keys, '') "
            "from validation.expectation_results "
            "where run_id = (select min(run_id) from validation.expectation_results)"
        ).fetchall()
    return [Outcome(*row[:8], tuple(key for key in row[8].split(", ") if key)) for row in rows]


def _outcome(
    outcomes: list[Outcome],
    suite: str,
    column: str,
    condition: str | None = None,
    mostly: float | None = None,
) -> Outcome:
    found = [
        outcome
        for outcome in outcomes
        if (outcome.suite_name, outcome.column_name, outcome.row_condition, outcome.mostly)
        == (suite, column, condition, mostly)
    ]
    assert len(found) == 1, found
    return found[0]


def _keys(outcome: Outcome) -> set[str]:
    assert outcome.unexpected_count is not None
    assert outcome.unexpected_count <= EXAMPLE_KEYS, outcome  # so every key is shown
    return set(outcome.example_keys)


# -- the suites


def test_every_expectation_says_why_and_reads_staged_models() -> None:
    assert len(SUITES) == len(DEFINITIONS)
    for definition in DEFINITIONS:
        assert definition.models and all(name.startswith("stg_") for name in definition.models)
        assert "staging." not in definition.batch_query, definition.name
        for expectation in definition.expectations:
            assert expectation.meta["severity"] in (ERROR, WARNING), expectation
            assert len(expectation.meta["why"]) > 20, expectation


def test_the_committed_json_is_what_suites_py_defines(
    demo_report: ValidationReport, gx_root: Path
) -> None:
    """validate writes the suites from Python; the committed gx/expectations must match."""
    committed = PROJECT_DIR / "gx" / "expectations"
    written = gx_root / "gx" / "expectations"
    names = sorted(path.name for path in written.glob("*.json"))
    assert names == sorted(f"{name}.json" for name in demo_report.suite_names)
    assert names == sorted(path.name for path in committed.glob("*.json"))
    for name in names:
        assert (committed / name).read_text() == (written / name).read_text(), (
            f"gx/expectations/{name} differs from suites.py: run samspil validate and commit it"
        )


def test_each_wave_of_the_seed_has_its_fieldwork_windows() -> None:
    """Waves are data: one window expectation per wave of seeds/survey_waves.csv."""
    for survey in SURVEYS:
        (responses,) = [d for d in DEFINITIONS if d.name == f"stg_{survey}_survey__responses"]
        conditions = [
            expectation.configuration.kwargs.get("row_condition")
            for expectation in responses.expectations
        ]
        waves = [
            condition["parameter"]
            for condition in conditions
            if condition and condition["column"]["name"] == "wave"
        ]
        assert sorted(set(waves)) == sorted(WAVES)
        assert len(waves) == 3 * len(WAVES)


# -- the demo passes


def test_the_demo_passes_every_expectation(demo_report: ValidationReport) -> None:
    assert demo_report.errors == [] and demo_report.warnings == [], "\n".join(
        summary_lines(demo_report)
    )
    assert all(finding.problem is None for finding in demo_report.findings)
    assert len(demo_report.findings) == EXPECTATIONS


# -- every expectation fails on a fault planted in the raw exports


def test_the_planted_faults_pass_the_loader_and_dbt_and_fail_every_expectation(
    planted: Planted, outcomes: list[Outcome]
) -> None:
    with duckdb.connect(str(planted.warehouse), read_only=True) as connection:
        rejected = connection.execute("select count(*) from raw.rejected_rows").fetchone()[0]
    assert rejected == 0  # every planted row was loaded
    assert "validation failed, nothing published" in planted.output  # dbt's tests passed
    assert len(outcomes) == EXPECTATIONS
    assert [outcome for outcome in outcomes if outcome.success] == []


def test_fieldwork_windows_and_orders_of_dates(planted: Planted, outcomes: list[Outcome]) -> None:
    keys = planted.keys
    for survey in SURVEYS:
        frame, responses = f"stg_{survey}_survey__frame", f"stg_{survey}_survey__responses"
        assert _keys(_outcome(outcomes, frame, "invited_date")) == {
            keys[f"{survey} no invitation date"]
        }
        for wave in WAVES:
            condition = f"wave == {wave}"
            outside = _outcome(outcomes, frame, "invited_date", condition)
            assert _keys(outside) == {keys[f"{survey} invited outside {wave}"]}
            assert outside.severity == WARNING
            early = _outcome(outcomes, responses, "started_at", condition)
            assert early.severity == ERROR
            assert _keys(early) == {keys[f"{survey} opened before {wave}"]}
            late = keys[f"{survey} late {wave}"]
            assert _outcome(
                outcomes, responses, "started_at", condition, 0.95
            ).unexpected_count == (
                late + 1  # and the early one
            )
            submitted = _outcome(outcomes, responses, "submitted_date", condition, 0.95)
            assert submitted.unexpected_count == late
        assert _keys(
            _outcome(outcomes, responses, "submitted_date", "completion_status == 'complete'")
        ) == {keys[f"{survey} no submission date {wave}"] for wave in WAVES}
        assert _keys(_outcome(outcomes, responses, "submitted_date, started_date")) == {
            keys[f"{survey} submitted before opened {wave}"] for wave in WAVES
        }
        before_invited = _outcome(outcomes, responses, "started_date, invited_date")
        assert before_invited.severity == WARNING
        assert {keys[f"{survey} opened before invited {wave}"] for wave in WAVES} <= set(
            before_invited.example_keys
        )


def test_cases_and_episodes(planted: Planted, outcomes: list[Outcome]) -> None:
    keys = planted.keys
    assert _keys(_outcome(outcomes, "stg_cases__cases", "end_date, start_date")) == {
        keys["reversed case"]
    }
    assert _keys(_outcome(outcomes, "stg_cases__cases", "followed_days")) == {
        keys["reversed case"],
        keys["early case"],
    }
    assert _keys(_outcome(outcomes, "stg_cases__cases", "start_date")) == {keys["early case"]}
    episodes = "stg_cases__episodes"
    assert _keys(_outcome(outcomes, episodes, "episode_date, case_start_date")) == {
        keys["episode before case"]
    }
    assert _keys(_outcome(outcomes, episodes, "case_end_date, episode_date")) == {
        keys["episode after case"]
    }
    assert _outcome(outcomes, episodes, "outcome", mostly=0.9).severity == WARNING


def test_cvr_check_digits(planted: Planted, outcomes: list[Outcome]) -> None:
    keys = planted.keys
    assert _keys(_outcome(outcomes, "stg_association_survey__frame", "is_cvr_valid")) == {
        keys["frame wrong cvr"]
    }
    assert (
        _keys(_outcome(outcomes, "stg_association_survey__frame", "cvr_number, wave"))
        == keys["shared cvr"]
    )
    assert _keys(_outcome(outcomes, "stg_cases__actors", "is_cvr_valid")) == {
        keys["actor wrong cvr"]
    }
    assert _keys(
        _outcome(outcomes, "stg_cases__actors", "cvr_number", "actor_type == 'volunteer_group'")
    ) == {keys["group with cvr"]}


def test_response_rates_and_the_rest(planted: Planted, outcomes: list[Outcome]) -> None:
    keys = planted.keys
    rates = "survey_response_rates"
    assert _keys(_outcome(outcomes, rates, "invited_count")) == {keys["nobody invited"]}
    assert _keys(_outcome(outcomes, rates, "response_rate", "invited_count >= 30")) == {
        keys["rate too low"]
    }
    assert _keys(_outcome(outcomes, rates, "response_rate", "invited_count < 30")) == {
        keys["small cell rate too high"]
    }
    documents, codings = "stg_discourse__documents", "stg_discourse__codings"
    assert _keys(_outcome(outcomes, documents, "published_date")) == {
        keys["document before the period"]
    }
    assert _keys(_outcome(outcomes, documents, "document_text_length")) == {keys["short document"]}
    assert _keys(_outcome(outcomes, codings, "coded_date")) == {keys["coding without date"]}
    assert _keys(_outcome(outcomes, codings, "coded_date, published_date")) == {
        keys["coded before published"]
    }
    for survey in SURVEYS:
        mentions = _outcome(
            outcomes, f"stg_{survey}_survey__partner_mentions", "partner_name_length"
        )
        assert _keys(mentions) == {keys[f"{survey} one-letter partner"]}
        answers = [o for o in outcomes if o.suite_name == f"stg_{survey}_survey__answers"]
        assert [(o.column_name, o.mostly, o.success) for o in answers] == [
            ("answer_status", 0.8, False)
        ]


def test_a_validation_error_stops_the_build_before_publishing(planted: Planted) -> None:
    """The errors stop the build after validation: it says so and where (an episode after
    its case ended, by its key), and the published files are those it started from."""
    assert "validation failed, nothing published" in planted.output
    assert "stg_cases__episodes" in planted.output
    assert str(planted.keys["episode after case"]) in planted.output
    assert [sha256(path) for path in planted.published] == planted.published_before


def test_the_summary_shows_keys_not_values(planted: Planted) -> None:
    """The build's error names the failing expectation and the row's key, never its value."""
    assert re.search(
        r"error +stg_cases__actors · expect_column_values_to_be_in_set · is_cvr_valid: "
        rf"1 of [\d,]+ rows failing .*e\.g\. {planted.keys['actor wrong cvr']}",
        planted.output,
    ), planted.output
    assert "warning" in planted.output


# -- a subset of the suites (incremental builds validate the tables that changed)


def test_a_subset_validates_only_the_named_suites_and_records_them(
    planted: Planted, gx_root: Path, tmp_path: Path
) -> None:
    warehouse = _copy(planted.warehouse, tmp_path / "subset")
    suite = "stg_cases__episodes"
    (definition,) = [d for d in DEFINITIONS if d.name == suite]
    report = validate(warehouse, PROJECT_DIR, suites=[suite], gx_root=gx_root)
    assert report.suite_names == [suite]
    assert len(report.findings) == len(definition.expectations)
    assert {finding.suite_name for finding in report.errors} == {suite}
    assert record(report, warehouse) == len(definition.expectations)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        recorded = connection.execute(
            "select suite_name, count(*), count(*) filter (where not success) "
            "from validation.expectation_results where run_id = ? group by suite_name",
            [report.run_id],
        ).fetchall()
    assert recorded == [(suite, len(definition.expectations), len(definition.expectations))]
    # An incremental build names the staged models it rebuilt: the suites reading them run.
    later = validate(warehouse, PROJECT_DIR, tables=["stg_discourse__documents"], gx_root=gx_root)
    assert set(later.suite_names) == {"stg_discourse__documents", "stg_discourse__codings"}


def test_a_build_validating_only_clean_suites_goes_on_and_unknown_names_stop_it(
    demo_build: Build,
    planted: Planted,
    gx_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAMSPIL_GX_ROOT", str(gx_root))
    paths = Paths(project=PROJECT_DIR, raw=tmp_path, warehouse=tmp_path / "published.duckdb")
    clean = _copy(_staged_warehouse(demo_build), tmp_path / "clean")
    warnings, run_id = validate_staging(paths, clean, suites=["stg_cases__cases"])
    assert warnings == [] and run_id
    faulty = _copy(planted.warehouse, tmp_path / "faulty")
    with pytest.raises(BuildError, match="stg_cases__episodes · expect_column_pair"):
        validate_staging(paths, faulty, suites=["stg_cases__episodes"])
    with pytest.raises(BuildError, match="no suite named stg_cases__case:"):
        validate_staging(paths, clean, suites=["stg_cases__case"])
    with pytest.raises(UnknownSuiteError, match="the suites are stg_institution_survey__frame"):
        validate(clean, PROJECT_DIR, suites=["cases"], gx_root=gx_root)


def test_a_model_missing_from_dbts_manifest_fails_its_suite_unevaluated(
    demo_build: Build, gx_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relations come from dbt's manifest; a model it lacks cannot be validated, and every
    expectation of its suite counts as an error."""
    manifest = json.loads((demo_build.target / "manifest.json").read_text(encoding="utf-8"))
    del manifest["nodes"]["model.samspil.stg_discourse__codings"]
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    report = validate(
        _staged_warehouse(demo_build),
        PROJECT_DIR,
        suites=["stg_discourse__documents", "stg_discourse__codings"],
        gx_root=gx_root,
    )
    codings = [f for f in report.findings if f.suite_name == "stg_discourse__codings"]
    assert codings and all(f.is_error and "stg_discourse__codings" in f.problem for f in codings)
    assert all(f.success for f in report.findings if f.suite_name == "stg_discourse__documents")
    assert re.search(
        r"stg_discourse__codings: batch query failed: .*not evaluated",
        "\n".join(summary_lines(report)),
    )


# -- history


def test_record_appends_one_row_per_expectation_per_run(
    demo_report: ValidationReport, tmp_path: Path
) -> None:
    warehouse = tmp_path / "history.duckdb"
    assert record(demo_report, warehouse) == len(demo_report.findings)
    assert record(demo_report, warehouse) == len(demo_report.findings)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        runs = connection.execute(
            "select run_id, count(*), count(*) filter (where not success) "
            "from validation.expectation_results group by run_id"
        ).fetchall()
    assert runs == [(demo_report.run_id, 2 * len(demo_report.findings), 0)]


# -- Data Docs


def test_data_docs_load_nothing_from_the_network(
    demo_report: ValidationReport, gx_root: Path
) -> None:
    index = build_data_docs(gx_root)
    site = index.parent
    pages = list(site.rglob("*.html"))
    assert index.is_file() and len(pages) > len(DEFINITIONS)
    assert external_loads(site) == []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
            # Only links a reader may click: GX's home page and newsletter.
            assert url.startswith("https://greatexpectations.io"), (page, url)
        for local in re.findall(r'(?:src|href)="([^"#:?]+\.(?:css|js|png|ico))"', html):
            assert (page.parent / local).is_file(), (page, local)


def test_data_docs_of_an_incremental_build_add_its_run_and_drop_pruned_ones(
    demo_build: Build, demo_report: ValidationReport, gx_root: Path
) -> None:
    index = build_data_docs(gx_root)
    site = index.parent
    before = {page.relative_to(site) for page in site.rglob("*.html")}
    # An incremental build validates only the suites reading the staged tables it rebuilt
    # (the codings' suite checks against the documents too).
    later = validate(
        _staged_warehouse(demo_build),
        PROJECT_DIR,
        tables=["stg_discourse__documents"],
        gx_root=gx_root,
    )
    discourse = {"stg_discourse__documents", "stg_discourse__codings"}
    assert set(later.suite_names) == discourse
    # A run the results store no longer keeps (pruned) loses its pages too.
    stale = next((site / "validations").glob("*/*"))
    shutil.rmtree(
        gx_root / "gx" / "uncommitted" / "validations" / stale.relative_to(site / "validations")
    )

    assert build_data_docs(gx_root, run_name=later.run_id) == index
    after = {page.relative_to(site) for page in site.rglob("*.html")}
    added = after - before
    assert added and all(later.run_id in page.parts for page in added)
    assert {page.parts[1] for page in added if page.parts[0] == "validations"} == discourse
    assert not stale.exists()
    assert later.run_id in index.read_text(encoding="utf-8")
    assert external_loads(site) == []


def test_failing_values_kept_from_earlier_runs_are_removed_with_their_pages(
    demo_build: Build, tmp_path: Path
) -> None:
    """Results written before GX was told to keep no failing value hold them (a CPR number
    typed into a CVR column), and so do their Data Docs pages. The next validation removes
    the values from the results it keeps and drops those pages; the next Data Docs render
    them again, without the values."""
    import great_expectations as gx

    from samspil.manifest import read_manifest, target_dir
    from samspil.validate.batches import open_batches, read_batch, resolve
    from samspil.validate.context import open_context, save_suites, validation_definition

    root = _gx_root(tmp_path / "gx_root")
    cpr = "010203-1234"
    warehouse = _staged_warehouse(demo_build)
    suite = "stg_cases__actors"
    (definition,) = [d for d in DEFINITIONS if d.name == suite]
    query = resolve(
        definition.batch_query, read_manifest(target_dir(PROJECT_DIR) / "manifest.json")
    )
    with open_batches(warehouse) as run_query:
        batch = read_batch(run_query, query, definition.key, list(definition.derived_columns))
    # Typed into a volunteer group's row, whose CVR number must be empty (an error).
    group = (batch["actor_type"] == "volunteer_group").to_numpy().nonzero()[0][0]
    batch.iloc[group, batch.columns.get_loc("cvr_number")] = cpr
    context = open_context(root)
    save_suites(context, DEFINITIONS)
    earlier = dt.datetime.now(dt.UTC)
    run_name = earlier.strftime("%Y%m%dT%H%M%S.%fZ")
    validation_definition(context, suite).run(
        batch_parameters={"dataframe": batch},
        result_format={"result_format": "SUMMARY"},  # what samspil asked GX for before
        run_id=gx.RunIdentifier(run_name=run_name, run_time=earlier),
    )
    site = build_data_docs(root).parent

    def showing(value: str) -> list[Path]:
        return [
            path
            for path in (root / "gx").rglob("*")
            if path.is_file() and value in path.read_text(encoding="utf-8", errors="replace")
        ]

    assert {path.suffix for path in showing(cpr)} == {".json", ".html"}
    later = validate(warehouse, PROJECT_DIR, suites=[suite], gx_root=root)
    assert showing(cpr) == []
    assert build_data_docs(root, run_name=later.run_id).is_file()
    assert list((site / "validations" / suite / run_name).rglob("*.html"))
    assert showing(cpr) == []
