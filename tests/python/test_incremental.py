"""Incremental builds: one warehouse built again and again as its raw folder changes, each
build by the real CLI on real DuckDB files. After each change an incremental build must
publish what a full build of the same exports publishes (every table of the published
schemas compared row for row), rebuild only what the changed files reach, and keep the
load records of what it did not read again. A failed build makes the next one full.

The sequence, each step one or two builds:
0. a full build of the demo's exports without the 2018 wave and the latest documents, one
   episode naming an unknown case (a rejected row no change touches), and a case's date
   made impossible (the case is rejected, and with it the rows of the other cases files
   that reference it: a cascade across the strand's files);
1. the latest documents arrive: the incremental build (the discourse strand, and of the
   release tier what reads it; no release cell changed, so the suppression pattern is the
   last build's, not solved again) and a full build of a copy, side by side;
2. the date fixed again, the episodes exported as Excel instead of CSV (the same data in
   another format), the 2018 wave arrives, a response that names partners is removed, a
   mart's SQL changes (dbt's state comparison finds it), and the published file is one
   restored from a backup of step 0;
3. nothing changed: nothing is rebuilt;
4. a misspelt column fails the build; fixed, the next build is full: the full build of
   the inputs of steps 2 and 3, whose published tables theirs must equal;
5. a raw table of the working file lacking a row its file loaded fails the next incremental
   build's reconciliation, which names the table and its file.
"""

from __future__ import annotations

import csv
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from samspil.build_state import dbt_state_dir, read_state, state_file, write_state
from samspil.paths import PROJECT_DIR, Paths, release_file
from samspil.tools.generate.increments import arrive, withhold
from samspil.tools.generate.writer import write_xlsx

from conftest import DEMO, project_copy, run_samspil, without_last_line

# What is compared: every published schema but the validation history, and in them every
# table but each build's record of itself (its id, folder, runs). The load's timestamps
# differ between any two builds: left out.
COMPARED_SCHEMAS = ("marts", "release", "reference", "review", "audit")
OWN_RECORDS = ("build_provenance", "rpt_validation_runs")
LOAD_TIMESTAMP = "loaded_at"

IMPOSSIBLE_DATE = "2016-02-31"
UNKNOWN_CASE_EPISODE = "K99-E001,K99,2016-05-01,meeting,positive,Møde.\n"
SURVEY_TABLES = {
    "association_survey__frame",
    "association_survey__responses",
    "institution_survey__frame",
    "institution_survey__responses",
}
DISCOURSE_TABLES = {"discourse__codings", "discourse__documents", "discourse__segments"}
UPPER_TITLE = "upper(documents.document_title)"
TITLES = (
    "select count(*) filter (where document_title = upper(document_title)), count(*) "
    "from marts.dim_documents"
)
ORPHAN = "of_a_removed_model"


def _relations_named(file: Path, name: str) -> list[tuple]:
    with duckdb.connect(str(file), read_only=True) as connection:
        return connection.execute(
            "select schema_name, table_name from duckdb_tables() where table_name = $1 "
            "union all select schema_name, view_name from duckdb_views() where view_name = $1",
            [name],
        ).fetchall()


class Warehouse:
    """A published warehouse file with its own dbt target, logs and GX results (as
    `run_samspil` gives every build): two warehouses built side by side share nothing but
    the project."""

    def __init__(self, folder: Path, project: Path) -> None:
        self.project = project
        self.file = folder / "samspil.duckdb"
        self.state = state_file(folder / "build" / self.file.name)
        self.log = folder / "logs" / "dbt.log"
        self.logged = 0

    def rebuilt(self) -> set[str]:
        """The models dbt built since the last call, from its log."""
        text = self.log.read_text(encoding="utf-8")
        models = set(re.findall(r"OK created sql \w+ model \w+\.(\w+)", text[self.logged :]))
        self.logged = len(text)
        return models

    def run(self, raw: Path, *options: str):
        return run_samspil(
            "build",
            "--no-docs",
            *options,
            warehouse=self.file,
            raw=raw,
            environment={"SAMSPIL_PROJECT_DIR": str(self.project)},
        )

    def build(self, raw: Path, *options: str) -> str:
        result = self.run(raw, *options)
        assert result.returncode == 0, (
            f"samspil build {' '.join(options)} failed:\n{result.stdout}{result.stderr}"
        )
        return result.stdout

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.file), read_only=True) as connection:
            return connection.execute(sql).fetchall()


def _summary_line(output: str, label: str) -> str:
    (line,) = [line for line in output.splitlines() if line.strip().startswith(label + " ")]
    return line.strip()[len(label) :].strip()


def _kind(output: str) -> str:
    """The summary's `build` line: full, or incremental and the raw tables that changed."""
    return _summary_line(output, "build")


def _changed(output: str) -> set[str]:
    kind = _kind(output).split("; ")[0]
    assert kind.startswith("incremental, raw tables changed: "), kind
    return set(kind.split(": ", 1)[1].split(", "))


def _models_built(output: str) -> int:
    lines = [line for line in output.splitlines() if line.strip().startswith("models success")]
    return int(lines[0].split()[-1].replace(",", "")) if lines else 0


def _phases(output: str) -> list[str]:
    """The build's phases in the order they ran, from its `seconds per phase` line."""
    line = _summary_line(output, "seconds per phase")
    return [part.rsplit(" ", 1)[0] for part in line.split(", ")]


def _both(incremental: Warehouse, full: Warehouse, raw: Path, copy: Path) -> tuple[str, str]:
    """The incremental build of `raw` and a full build of a copy of it, side by side (each
    is mostly one process at a time): both outputs."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(raw, copy)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(incremental.build, raw)
        second = pool.submit(full.build, copy, "--full-refresh")
        return first.result(), second.result()


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


def _comments(warehouse: Warehouse) -> list[tuple]:
    """Every published table's and column's description (dbt's persisted docs)."""
    return warehouse.query(
        "select schema_name, table_name, null, comment from duckdb_tables() "
        "where schema_name in ('marts', 'reference') "
        "union all select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where schema_name in ('marts', 'reference') order by all"
    )


def _audit(warehouse: Warehouse) -> dict[str, tuple]:
    """The published load audit by table, its load time last."""
    return {
        row[1]: row
        for row in warehouse.query("select * exclude (loaded_at), loaded_at from audit.load_audit")
    }


def _rejected(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query("select * exclude (loaded_at) from audit.rejected_rows order by all")


def _edit_csv(path: Path, change) -> list[list[str]]:
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


@dataclass
class Step:
    """One step's outputs, and what its published files held right after it."""

    incremental: str
    full: str = ""
    rebuilt: set[str] = field(default_factory=set)
    """The models the incremental build rebuilt."""
    differences: dict[str, object] = field(default_factory=dict)
    audit: dict[str, tuple] = field(default_factory=dict)


@dataclass
class Sequence:
    steps: list[Step]
    documents: list[int]
    """dim_documents' rows after steps 0 and 1."""
    waves: list[list[tuple]]
    """fct_survey_answers' waves after steps 0 and 2."""
    rejected_after_date: dict[str, int]
    rejected_after_fix: dict[str, int]
    comments: tuple[list[tuple], list[tuple]]
    rejected: tuple[list[tuple], list[tuple]]
    misspelt: object
    state_after_misspelt: bool
    state_after_fix: bool
    refetched: object
    state_after_reconciliation: bool
    orphans: dict[str, list[tuple]]
    """Relations of removed models left in the working file, where they were after step 4."""
    titles: list[tuple[int, int]]
    """dim_documents' titles in capitals, and its rows, before and after step 2."""


def _rejected_tables(warehouse: Warehouse) -> dict[str, int]:
    return dict(
        warehouse.query(
            "select table_name, count(distinct line) from audit.rejected_rows group by 1"
        )
    )


@pytest.fixture(scope="module")
def sequence(demo_as_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Sequence:
    root = tmp_path_factory.mktemp("incremental")
    complete = root / "complete"
    shutil.copytree(demo_as_csv, complete)
    with (complete / "cases" / "episodes.csv").open("a", encoding="utf-8") as handle:
        handle.write(UNKNOWN_CASE_EPISODE)
    folder = withhold(complete, root / "raw", "wave", "documents")

    def with_an_impossible_date(rows: list[list[str]]) -> list[list[str]]:
        header, first, *others = rows
        first[header.index("start_date")] = IMPOSSIBLE_DATE
        return [header, first, *others]

    cases = folder / "cases" / "cases.csv"
    original = _edit_csv(cases, with_an_impossible_date)
    copy = root / "copy"
    # A copy of the project: step 2 changes a model.
    project = project_copy(root)
    incremental = Warehouse(root / "incremental", project)
    full = Warehouse(root / "full", project)
    documents = "select count(*) from marts.dim_documents"
    waves = "select distinct wave from marts.fct_survey_answers order by 1"

    steps = [Step(incremental.build(folder), audit=_audit(incremental))]
    steps[-1].rebuilt = incremental.rebuilt()
    counted = [incremental.query(documents)[0][0]]
    answered = [incremental.query(waves)]
    backup = root / "backup.duckdb"
    shutil.copy2(incremental.file, backup)
    after_date = _rejected_tables(incremental)

    # 1. The latest documents arrive.
    arrive(complete, folder, "documents")
    steps.append(Step(*_both(incremental, full, folder, copy)))
    steps[-1].rebuilt = incremental.rebuilt()
    steps[-1].differences = _differences(incremental.file, full.file)
    steps[-1].audit = _audit(incremental)
    counted.append(incremental.query(documents)[0][0])

    # 2. The date fixed; the episodes exported as Excel; the wave arrives; a response
    # naming partners removed (its names leave the data); and the published file restored
    # from the backup of step 0: it lacks the documents of step 1, which this step does
    # not rebuild.
    _edit_csv(cases, lambda rows: original)
    _as_xlsx(folder, "cases/episodes")
    arrive(complete, folder, "wave")
    responses = folder / "institution_survey" / "responses.csv"
    partner = _edit_csv(responses, lambda rows: rows)[0].index("partner_1")

    def without_one_naming_partners(rows: list[list[str]]) -> list[list[str]]:
        first = next(number for number, row in enumerate(rows) if number and row[partner])
        return rows[:first] + rows[first + 1 :]

    _edit_csv(responses, without_one_naming_partners)
    model = project / "models" / "marts" / "discourse" / "dim_documents.sql"
    model.write_text(
        model.read_text(encoding="utf-8").replace(
            "        documents.document_title,\n",
            f"        {UPPER_TITLE} as document_title,\n",
        ),
        encoding="utf-8",
    )
    shutil.copy2(backup, incremental.file)
    titled = incremental.query(TITLES)[0]
    steps.append(Step(incremental.build(folder)))
    steps[-1].rebuilt = incremental.rebuilt()
    steps[-1].audit = _audit(incremental)
    answered.append(incremental.query(waves))
    titles = [titled, incremental.query(TITLES)[0]]
    comments, rejected = _comments(incremental), _rejected(incremental)
    published = {2: root / "step2.duckdb", 3: root / "step3.duckdb"}
    shutil.copy2(incremental.file, published[2])

    # 3. Nothing changed.
    steps.append(Step(incremental.build(folder)))
    steps[-1].rebuilt = incremental.rebuilt()
    shutil.copy2(incremental.file, published[3])

    # 4. A misspelt column fails the build and takes the build state with it; fixed, the
    # next build is full: the inputs of steps 2 and 3, whose incremental builds published
    # what it publishes.
    frame = folder / "institution_survey" / "frame.csv"
    good = frame.read_bytes()
    frame.write_bytes(good.replace(b"institution_code", b"institution_kode", 1))
    misspelt = incremental.run(folder)
    state_after_misspelt = incremental.state.exists()
    frame.write_bytes(good)
    # And relations of models removed from the project since (a mart, a release table, a
    # staged view) left in the working file: dbt never drops them; this build must.
    working = incremental.state.with_name(incremental.file.name)
    with duckdb.connect(str(working)) as connection:
        for schema, kind in (("marts", "table"), ("release", "table"), ("staging", "view")):
            connection.execute(f"create {kind} {schema}.{ORPHAN} as select 1 as answer")
    steps.append(Step(incremental.build(folder)))
    orphans = {
        where: _relations_named(file, ORPHAN)
        for where, file in (
            ("published", incremental.file),
            ("release", release_file(incremental.file)),
            ("working", working),
        )
    }
    state_after_fix = incremental.state.is_file()
    for number, file in published.items():
        steps[number].differences = _differences(file, incremental.file)
    comments_and_rejected = ((comments, _comments(incremental)), (rejected, _rejected(incremental)))
    rejected_after_fix = _rejected_tables(incremental)

    # 5. A raw table of the working file that no longer holds every row its file loaded
    # (as when an incremental build kept a table a cascade of rejected rows changed), and a
    # coding removed so that the discourse strand is rebuilt.
    with duckdb.connect(str(incremental.state.with_name(incremental.file.name))) as connection:
        connection.execute(
            "delete from raw.cases__episodes "
            "where _line = (select max(_line) from raw.cases__episodes)"
        )
    without_last_line(folder / "discourse" / "codings.csv")
    refetched = incremental.run(folder)

    return Sequence(
        steps=steps,
        documents=counted,
        waves=answered,
        rejected_after_date=after_date,
        rejected_after_fix=rejected_after_fix,
        comments=comments_and_rejected[0],
        rejected=comments_and_rejected[1],
        misspelt=misspelt,
        state_after_misspelt=state_after_misspelt,
        state_after_fix=state_after_fix,
        refetched=refetched,
        state_after_reconciliation=incremental.state.exists(),
        orphans=orphans,
        titles=titles,
    )


def test_every_incremental_build_publishes_what_a_full_build_does(sequence: Sequence) -> None:
    first, documented, waved, unchanged, refreshed = sequence.steps
    assert (
        _kind(first.incremental) == _kind(documented.full) == _kind(refreshed.incremental) == "full"
    )
    assert _changed(documented.incremental) and _changed(waved.incremental)
    for step in (documented, waved, unchanged):
        assert step.differences == {}
    # What each step changed reached the published tables.
    assert sequence.documents[1] > sequence.documents[0]
    assert sequence.waves == [[(2016,)], [(2016,), (2018,)]]
    # Publishing kept the marts it did not rebuild from the published file: every
    # description is there as in a full build; the audit and rejected rows are a full build's.
    incremental, full = sequence.comments
    assert len(incremental) > 100 and incremental == full
    incremental, full = sequence.rejected
    assert incremental == full
    assert [row[1:4:2] for row in incremental if row[3] == "case_id"] == [
        ("cases__episodes", "case_id")
    ]


def test_a_full_build_drops_what_dbt_no_longer_builds(sequence: Sequence) -> None:
    """Publishing copies whole schemas: a table of a model removed from the project (and
    built with an older suppression pattern) would be published beside the new ones."""
    assert sequence.orphans == {"published": [], "release": [], "working": []}
    refreshed = sequence.steps[4]
    assert _summary_line(refreshed.incremental, "left over, dropped") == ", ".join(
        f"{schema}.{ORPHAN}" for schema in ("marts", "release", "staging")
    )


def test_a_changed_model_is_rebuilt_through_dbts_state_comparison(sequence: Sequence) -> None:
    """Step 2 changed dim_documents' SQL (titles in capitals) and no discourse export: dbt's
    state comparison with the last good build's manifest rebuilt it, no other discourse
    mart, and the change reached the published file (which equals a full build's)."""
    _, documented, waved, unchanged, _ = sequence.steps
    assert _kind(waved.incremental).endswith("; dbt's project changed (state:modified+ rebuilt)")
    assert not _changed(waved.incremental) & DISCOURSE_TABLES
    assert "dim_documents" in waved.rebuilt and "fct_coded_segments" not in waved.rebuilt
    assert "unit tests pass" in waved.incremental  # of the models a changed project rebuilt
    (before, _), (after, rows) = sequence.titles
    assert before < rows and after == rows > 0
    assert waved.differences == {} and documented.differences == {}
    assert _kind(unchanged.incremental).endswith("none (nothing to rebuild)")


def test_a_rejected_row_cascades_across_its_strand_and_a_fix_brings_it_back(
    sequence: Sequence,
) -> None:
    rejected = sequence.rejected_after_date
    assert {"cases__cases", "cases__actors", "cases__episodes"} <= set(rejected), rejected
    assert sequence.rejected_after_fix.get("cases__cases", 0) < rejected["cases__cases"]
    assert _changed(sequence.steps[2].incremental) >= {"cases__cases", "cases__episodes"}


def test_an_incremental_build_rebuilds_only_what_its_changes_reach(sequence: Sequence) -> None:
    first, documented, waved, unchanged, _ = sequence.steps
    changed = _changed(documented.incremental)
    assert changed >= DISCOURSE_TABLES and not changed & SURVEY_TABLES
    changed = _changed(waved.incremental)
    assert changed >= SURVEY_TABLES and not changed & DISCOURSE_TABLES
    # No survey model rebuilt for the documents, no staged discourse model for the wave
    # and cases; the unit tests check the models' logic, unchanged since the first
    # build: not rerun where the project is as it was (step 1).
    assert len(first.rebuilt) == _models_built(first.incremental) > 80
    surveys = {model for model in first.rebuilt if "survey" in model}
    staged_surveys = {model for model in surveys if model.startswith("stg_")}
    discourse = {model for model in first.rebuilt if model.startswith("stg_discourse__")}
    assert len(surveys) > 10 and len(staged_surveys) >= 4 and len(discourse) == 3
    assert documented.rebuilt and not documented.rebuilt & surveys
    assert waved.rebuilt >= staged_surveys and not waved.rebuilt & discourse
    for step in (documented, waved):
        assert len(step.rebuilt) == _models_built(step.incremental) < len(first.rebuilt)
    assert "unit tests pass" in first.incremental
    # The documents reach no release cell: the pattern is the last build's (neither solved
    # nor its models built again), and of the release tier only what reads the discourse
    # strand or the validation's record was built again.
    assert "release cells suppressed" not in documented.incremental
    assert "stg_disclosure__suppression_pattern" not in documented.rebuilt
    assert {"rpt_justification_frames", "rpt_validation_runs"} <= documented.rebuilt
    assert not {"rpt_attitudes_by_sector", "rpt_tie_reciprocity"} & documented.rebuilt
    assert "unit tests" not in documented.incremental
    for step in (documented, waved):
        assert "data tests pass" in step.incremental
        assert _phases(step.incremental)[:3] == ["load", "dbt build", "validation"]
    assert (
        _kind(unchanged.incremental) == "incremental, raw tables changed: none (nothing to rebuild)"
    )
    assert _models_built(unchanged.incremental) == 0 and not unchanged.rebuilt


def test_a_strand_not_read_again_keeps_its_load_record(sequence: Sequence) -> None:
    first, documented, waved, *_ = sequence.steps
    for table in DISCOURSE_TABLES:  # read in step 1, unchanged in step 2
        assert waved.audit[table] == documented.audit[table], table
    for table in _changed(waved.incremental):
        assert waved.audit[table][-1] > documented.audit[table][-1], table
    for table, row in documented.audit.items():
        if table.startswith(("association_survey__", "institution_survey__")):
            assert row == first.audit[table], table


def test_a_failed_build_makes_the_next_one_full(sequence: Sequence) -> None:
    assert sequence.misspelt.returncode != 0
    assert "institution_kode" in sequence.misspelt.stderr
    # The state went with the failed build, so the working file, whatever a failed build
    # left in it, is never the base of an incremental build.
    assert not sequence.state_after_misspelt
    refreshed = sequence.steps[4]
    assert _kind(refreshed.incremental) == "full"
    assert sequence.state_after_fix


def test_a_raw_table_missing_rows_fails_the_reconciliation_and_names_its_file(
    sequence: Sequence,
) -> None:
    failed = sequence.refetched
    assert failed.returncode != 0
    assert "assert_every_raw_row_is_staged_or_rejected" in failed.stderr
    assert "table_name=cases__episodes, file=cases/episodes.xlsx, rows_read=" in failed.stderr
    assert not sequence.state_after_reconciliation


def test_two_warehouses_in_one_folder_keep_their_own_build_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """a.duckdb and b.duckdb side by side: b's good build says nothing about a's working
    file, whose next build must not take b's raw checksums for its own."""
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.delenv("SAMSPIL_BUILD_WAREHOUSE", raising=False)
    first, second = (Paths(PROJECT_DIR, DEMO, tmp_path / name) for name in ("a.duckdb", "b.duckdb"))
    for paths in (first, second):
        paths.build_warehouse.parent.mkdir(exist_ok=True)
        paths.build_warehouse.touch()

    write_state(second, "fingerprint", "dbt", [])

    assert read_state(first, "fingerprint") is None
    assert read_state(second, "fingerprint") is not None


def test_the_build_state_is_written_never_through_a_symbolic_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links where the state file and dbt's state folder go: the state replaces them, and
    what they point to is left as it was."""
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.delenv("SAMSPIL_BUILD_WAREHOUSE", raising=False)
    paths = Paths(PROJECT_DIR, DEMO, tmp_path / "samspil.duckdb")
    paths.build_warehouse.parent.mkdir()
    paths.build_warehouse.touch()
    victim, elsewhere = tmp_path / "notes.txt", tmp_path / "elsewhere"
    victim.write_text("important\n", encoding="utf-8")
    elsewhere.mkdir()
    state_file(paths.build_warehouse).symlink_to(victim)
    dbt_state_dir(paths).symlink_to(elsewhere)

    write_state(paths, "fingerprint", "dbt", [])

    assert victim.read_text(encoding="utf-8") == "important\n"
    assert list(elsewhere.iterdir()) == []
    assert read_state(paths, "fingerprint") is not None
    assert not state_file(paths.build_warehouse).is_symlink()
