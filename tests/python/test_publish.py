"""Publishing: readers never see a half-built warehouse."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from samspil.paths import release_file
from samspil.publish import PUBLISHED_SCHEMAS, RELEASE_SCHEMAS, publish
from samspil.tools.generate.increments import withhold

from conftest import (
    DEMO,
    SAMSPIL,
    Build,
    mode,
    own_folders,
    run_samspil,
    sha256,
    umask,
    without_last_line,
)

README = DEMO.parents[1] / "README.md"

DUCKDB_SHELL = Path(sys.executable).with_name("duckdb")
COUNT_ANSWERS = "select count(*) from marts.fct_survey_answers;\n"


def _shell_count(path: Path) -> int:
    result = subprocess.run(
        [str(DUCKDB_SHELL), "-readonly", "-csv", "-noheader", str(path), "-c", COUNT_ANSWERS],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


def _held_open(path: Path) -> bool:
    """Some process has `path` open (the duckdb command runs the shell as a child)."""
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.path.realpath(fd) == str(path) for fd in fd_dir.iterdir()):
                return True
        except OSError:  # a process that ended, or one we may not inspect
            continue
    return False


def test_published_file_holds_only_what_users_query(demo_build: Build) -> None:
    schemas = {
        schema
        for (schema,) in demo_build.query(
            "select distinct schema_name from duckdb_tables() "
            "where database_name = current_database()"
        )
    }
    assert schemas == set(PUBLISHED_SCHEMAS)
    # dbt's persist_docs, carried over by publish: any SQL client shows the descriptions.
    undescribed = demo_build.query(
        "select table_name || '.' || column_name from duckdb_columns() "
        "where schema_name = 'marts' and coalesce(trim(comment), '') = ''"
    )
    assert undescribed == []
    undescribed_tables = demo_build.query(
        "select table_name from duckdb_tables() "
        "where schema_name = 'marts' and coalesce(trim(comment), '') = ''"
    )
    assert undescribed_tables == []


def test_release_file_holds_the_release_tier_only(demo_build: Build) -> None:
    release = release_file(demo_build.warehouse)
    schemas = {
        schema
        for (schema,) in Build(warehouse=release, output="").query(
            "select distinct schema_name from duckdb_tables() "
            "where database_name = current_database()"
        )
    }
    assert schemas == set(RELEASE_SCHEMAS) == {"release", "reference"}
    tables = Build(warehouse=release, output="").query(
        "select table_name from duckdb_tables() where schema_name = 'release' order by 1"
    )
    assert tables == demo_build.query(
        "select table_name from duckdb_tables() where schema_name = 'release' order by 1"
    )
    # The linking review quotes what an association wrote and names whom it meant: the
    # restricted file only.
    decisions = "select schema_name from duckdb_tables() where table_name = 'linking_decisions'"
    assert Build(warehouse=release, output="").query(decisions) == []
    assert demo_build.query(decisions) == [("review",)]


def _published_copy(demo_build: Build, tmp_path: Path, manifest: bool = True) -> Path:
    """The demo's published files copied to `tmp_path`/published, with (`manifest`) the
    manifest of the build that wrote them in the dbt target folder, as a project keeps it:
    the next build reads what it publishes from there. (Without one, it parses the project.)"""
    published = tmp_path / "published" / "samspil.duckdb"
    published.parent.mkdir()
    shutil.copy(demo_build.warehouse, published)
    shutil.copy(release_file(demo_build.warehouse), release_file(published))
    if manifest:
        target = Build(warehouse=published, output="").target
        target.mkdir()
        shutil.copy(demo_build.target / "manifest.json", target)
    return published


def test_failed_build_leaves_the_published_file_untouched(
    demo_build: Build, tmp_path: Path
) -> None:
    published = _published_copy(demo_build, tmp_path)
    before = sha256(published)
    release_before = sha256(release_file(published))
    raw = tmp_path / "broken"
    shutil.copytree(DEMO, raw, ignore=shutil.ignore_patterns("truth"))
    # Every export of cases/episodes goes, whatever format the demo mixes it in.
    for export in [*raw.glob("cases/episodes.*"), *raw.glob("cases/*.qdpx")]:
        export.unlink()

    result = run_samspil("build", "--no-docs", warehouse=published, raw=raw)

    assert result.returncode == 1
    assert "cases/episodes" in result.stderr
    assert "is unchanged" in result.stderr
    assert sha256(published) == before
    assert sha256(release_file(published)) == release_before
    assert _shell_count(published) > 0


@pytest.mark.parametrize("schema", ["raw", "staging", "intermediate"])
def test_working_layers_stay_out_of_the_published_file(demo_build: Build, schema: str) -> None:
    assert demo_build.query(
        "select count(*) from duckdb_tables() where schema_name = ?", schema
    ) == [(0,)]
    assert (
        demo_build.query_build(
            "select count(*) from duckdb_tables() where schema_name = ?", schema
        )[0][0]
        + demo_build.query_build(
            "select count(*) from duckdb_views() where schema_name = ?", schema
        )[0][0]
        > 0
    )


def _demo_copy(demo_as_csv: Path, tmp_path: Path) -> Path:
    """A copy of the demo as CSV, to edit one value in."""
    raw = tmp_path / "raw"
    shutil.copytree(demo_as_csv, raw, ignore=shutil.ignore_patterns("truth"))
    return raw


def _rewrite_first_row(path: Path, column: str, value: str) -> str:
    """Set `column` of the file's first data row; returns that row's first field (its key)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return rows[1][0]


def _readme_blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def _shell_query(block: str) -> str:
    """The SQL of a README `duckdb` shell example (the double-quoted argument)."""
    return re.search(r'"(.*)"', block, flags=re.DOTALL).group(1)


def test_readme_shell_queries_run_on_the_published_file(demo_build: Build) -> None:
    """Every README example of the duckdb shell, run by the real shell on a build's file."""
    examples = [
        block
        for block in _readme_blocks("sh")
        if block.startswith(".venv/bin/duckdb -readonly warehouse/samspil")
    ]
    assert len(examples) >= 2
    for block in examples:
        command = (
            block.replace("\\\n", " ")
            .replace("warehouse/samspil_release.duckdb", str(release_file(demo_build.warehouse)))
            .replace("warehouse/samspil.duckdb", str(demo_build.warehouse))
        )
        command = command.replace(".venv/bin/duckdb", str(DUCKDB_SHELL), 1)
        result = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert "0 rows" not in result.stdout


def _shell_csv(path: Path, sql: str) -> list[list[str]]:
    result = subprocess.run(
        [str(DUCKDB_SHELL), "-readonly", "-csv", "-noheader", str(path), "-c", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(csv.reader(result.stdout.splitlines()))


def test_readme_democracy_question_answers_from_the_answers(demo_build: Build) -> None:
    """The README's shell question, by the real shell, equals the answers counted again."""
    (block,) = [block for block in _readme_blocks("sh") if "att_strengthens_democracy" in block]
    rows = _shell_csv(release_file(demo_build.warehouse), _shell_query(block))
    expected = demo_build.query(
        "select answers.survey, answers.wave, count(*), "
        "round(avg(answers.answer_value), 2), "
        "round(avg(case when answers.answer_value >= 4 then 1.0 else 0 end), 2) "
        "from marts.fct_survey_answers as answers "
        "inner join marts.dim_survey_items as items "
        "on answers.survey_item_id = items.survey_item_id "
        "where items.construct = 'att_strengthens_democracy' and answers.answer_status = 'valid' "
        "group by 1, 2 order by 1, 2"
    )
    assert len(rows) == 4  # institutions and associations, 2016 and 2018
    assert [(row[0], int(row[1]), int(row[2]), float(row[3]), float(row[4])) for row in rows] == [
        (survey, wave, base, float(mean), float(share))
        for survey, wave, base, mean, share in expected
    ]


def test_readme_python_example_runs(demo_build: Build, tmp_path: Path) -> None:
    (block,) = _readme_blocks("python")
    script = tmp_path / "example.py"
    script.write_text(
        block.replace('"warehouse/samspil.duckdb"', repr(str(demo_build.warehouse))),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    shares = demo_build.query(
        "select wave, count(*) from marts.fct_survey_answers "
        "where survey_item_id = 'association__coop_municipal' and answer_status = 'valid' "
        "group by wave order by wave"
    )
    for wave, associations in shares:
        assert re.search(rf"{wave}\s+{associations}\s+0\.\d+", result.stdout), result.stdout


@pytest.mark.parametrize("language", ["r", "sh"])
def test_readme_r_and_psql_queries_are_valid_sql(demo_build: Build, language: str) -> None:
    """R is not on this machine: the README's R query runs here on the published DuckDB
    file instead, and so does the psql query (test_postgres.py runs it by the real psql on
    a PostgreSQL build), since the README says both engines answer the same."""
    if language == "r":
        (block,) = _readme_blocks("r")
        sql = re.search(r'dbGetQuery\(con, "(.*?)"\)', block, flags=re.DOTALL).group(1)
    else:
        (block,) = [block for block in _readme_blocks("sh") if block.startswith("psql")]
        sql = _shell_query(block)
    rows = _shell_csv(
        release_file(demo_build.warehouse) if language == "sh" else demo_build.warehouse, sql
    )
    assert len(rows) >= 4


def _rewrite_column(path: Path, column: str, value: str) -> int:
    """Set `column` of every data row; returns how many rows there are."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        row[rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return len(rows) - 1


def test_a_raw_table_whose_rows_are_all_rejected_stops_the_build(
    demo_build: Build, demo_as_csv: Path, tmp_path: Path
) -> None:
    """Every episode names a case the cases file does not have: each row is rejected, and
    nothing would be published of the cases' episodes."""
    published = _published_copy(demo_build, tmp_path)
    before = sha256(published)
    raw = _demo_copy(demo_as_csv, tmp_path)
    episodes = _rewrite_column(raw / "cases" / "episodes.csv", "case_id", "K99")

    result = run_samspil("build", "--no-docs", warehouse=published, raw=raw)

    assert result.returncode == 1, result.stdout
    assert (
        f"cases/episodes.csv: no rows loaded (all {episodes:,} rows rejected, for the reasons "
        "in raw.rejected_rows of the working file): the cases strand would be published "
        "without its episodes; correct the export, or build with --allow-empty to publish it "
        "so." in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert sha256(published) == before


# One sequence of builds, shared by the tests below, of the demo's exports (as CSV) with
# three faults an old or careless export has: its survey wave of 2018 missing (the
# answers mart would shrink by more than max_mart_shrink allows), an episode participants
# file with its header only, and an invitation dated outside the fieldwork window (a
# warning-level expectation). Into a copy of the demo's published file, by the real CLI:
# 1. `build`: refused after the load, for the empty table;
# 2. `build --allow-empty`: refused before publishing, for the shrinking mart;
# 3. a coding withdrawn from the discourse export, then `build --allow-empty --allow-shrink`,
#    while a `duckdb` shell reads the published file: the marts build 2 built, the
#    discourse strand's rebuilt, published, validated again with the warning reported,
#    with the release tier built from them.
EMPTY = (
    "cases/episode_participants.csv: no rows loaded (the file holds no rows, only its "
    "header): the cases strand would be published without its episode_participants"
)


@dataclass(frozen=True)
class Refusals:
    raw: Path
    published: Path
    before: str  # the published file's SHA-256 before the builds
    answers_before: int
    segments_before: int  # the demo's coded segments
    empty_refused: subprocess.CompletedProcess
    shrink_refused: subprocess.CompletedProcess
    allowed: subprocess.CompletedProcess
    sha256_after_refusals: str
    reader_counts: list[int]  # a reader's two counts, before and after the swap
    reader_problems: str


def _read_while(
    published: Path, build: Callable[[], subprocess.CompletedProcess]
) -> tuple[subprocess.CompletedProcess, list[int], str]:
    """A `duckdb` shell holds `published` open and counts the answers, `build()` runs,
    and the same shell counts again: the build's result, the shell's two counts and its
    error output."""
    reader = subprocess.Popen(
        [str(DUCKDB_SHELL), "-readonly", "-csv", "-noheader", str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert reader.stdin is not None
        reader.stdin.write(COUNT_ANSWERS)
        reader.stdin.flush()
        deadline = time.monotonic() + 20
        while not _held_open(published):
            assert time.monotonic() < deadline, "the duckdb shell never opened the file"
            time.sleep(0.1)
        result = build()
        reader.stdin.write(COUNT_ANSWERS)
        output, problems = reader.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(reader.pid, signal.SIGKILL)
    return result, [int(line) for line in output.split()], problems


@pytest.fixture(scope="module")
def refusals(
    demo_build: Build, demo_as_csv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Refusals:
    folder = tmp_path_factory.mktemp("refusals")
    published = folder / "published" / "samspil.duckdb"
    published.parent.mkdir()
    shutil.copy(demo_build.warehouse, published)
    before = sha256(published)
    (answers_before,) = demo_build.query("select count(*) from marts.fct_survey_answers")[0]
    (segments_before,) = demo_build.query("select count(*) from marts.fct_coded_segments")[0]
    raw = withhold(demo_as_csv, folder / "raw", "wave")
    (raw / "cases" / "episode_participants.csv").write_text(
        "episode_id,actor_id\n", encoding="utf-8"
    )
    _rewrite_first_row(raw / "institution_survey" / "frame.csv", "invited_date", "2016-09-01")

    def build(*options: str) -> subprocess.CompletedProcess:
        return run_samspil("build", "--no-docs", *options, warehouse=published, raw=raw)

    empty_refused = build()
    shrink_refused = build("--allow-empty")
    after_refusals = sha256(published)
    # Meanwhile a coding was withdrawn from the discourse export.
    without_last_line(raw / "discourse" / "codings.csv")
    allowed, counts, problems = _read_while(
        published, lambda: build("--allow-empty", "--allow-shrink")
    )
    return Refusals(
        raw, published, before, answers_before, segments_before, empty_refused,
        shrink_refused, allowed, after_refusals, counts, problems,
    )  # fmt: skip


def test_an_empty_raw_table_is_published_only_when_the_user_allows_it(
    refusals: Refusals,
) -> None:
    refused, allowed = refusals.empty_refused, refusals.allowed
    assert refused.returncode == 1, refused.stdout
    assert f"{EMPTY}; correct the export, or build with --allow-empty" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert refusals.sha256_after_refusals == refusals.before
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert f"accepted: {EMPTY} (--allow-empty)" in allowed.stdout
    build = Build(warehouse=refusals.published, output=allowed.stdout)
    (accepted,) = build.query("select accepted from audit.build_provenance")[0]
    assert f"{EMPTY} (--allow-empty)" in accepted
    assert build.query(
        "select rows_read from audit.load_audit where file = 'cases/episode_participants.csv'"
    ) == [(0,)]


def test_a_mart_that_would_shrink_past_the_declared_share_is_published_only_when_allowed(
    refusals: Refusals,
) -> None:
    """After a good build of both waves, the exports of 2016 alone (an old export folder):
    the answers mart would lose more than the share dbt_project.yml declares."""
    share = yaml.safe_load((DEMO.parents[1] / "dbt_project.yml").read_text(encoding="utf-8"))[
        "vars"
    ]["max_mart_shrink"]
    refused, allowed = refusals.shrink_refused, refusals.allowed
    assert refused.returncode == 1, refused.stdout
    shrunk = re.search(
        rf"^marts\.fct_survey_answers: ([\d,]+) rows where the last published build has "
        rf"{refusals.answers_before:,} \(-\d+%\), a larger drop than max_mart_shrink "
        rf"\({share:.0%}, dbt_project\.yml\) allows$",
        refused.stderr,
        flags=re.MULTILINE,
    )
    assert shrunk, refused.stderr
    assert f"Check the raw folder ({refusals.raw}), or build with --allow-shrink" in (
        refused.stderr
    )
    assert "Traceback" not in refused.stderr
    assert refusals.sha256_after_refusals == refusals.before

    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert f"accepted: {shrunk.group(0)} (--allow-shrink)" in allowed.stdout
    # Accepted and recorded: the empty table, then every mart the refusal named (the first
    # after the error's prefix).
    shrinking = re.findall(
        r"^(?:error: )?(marts\.\w+: .* allows)$", refused.stderr, flags=re.MULTILINE
    )
    assert shrunk.group(0) in shrinking
    assert re.search(rf"accepted empty or shrunk\s+{1 + len(shrinking)} ", allowed.stdout)
    build = Build(warehouse=refusals.published, output=allowed.stdout)
    answers_after = int(shrunk.group(1).replace(",", ""))
    assert build.query("select count(*) from marts.fct_survey_answers") == [(answers_after,)]
    assert answers_after < refusals.answers_before * (1 - share)
    assert re.search(
        r"^  build +incremental, raw tables changed: discourse__codings, discourse__documents, "
        r"discourse__segments; the last build's marts, refused at publishing$",
        allowed.stdout,
        flags=re.MULTILINE,
    ), allowed.stdout
    assert "seeds success" not in allowed.stdout  # not the survey marts' dbt build again
    (segments,) = build.query("select count(*) from marts.fct_coded_segments")[0]
    assert segments == refusals.segments_before - 1
    release = Build(warehouse=release_file(refusals.published), output="")
    assert release.query(
        "select distinct wave from release.rpt_cooperation_by_municipality order by 1"
    ) == [(2016,)]
    assert build.query("select accepted from audit.build_provenance") == [
        (
            "; ".join(
                [f"{EMPTY} (--allow-empty)", *(f"{line} (--allow-shrink)" for line in shrinking)]
            ),
        )
    ]


def test_validation_warning_is_reported_and_the_build_goes_on(refusals: Refusals) -> None:
    """An invitation dated outside the fieldwork window is a warning-level finding."""
    assert refusals.allowed.returncode == 0, refusals.allowed.stderr
    assert "warning:" in refusals.allowed.stdout
    assert "stg_institution_survey__frame" in refusals.allowed.stdout


def test_reader_keeps_its_marts_while_a_build_swaps_the_file(refusals: Refusals) -> None:
    assert refusals.allowed.returncode == 0, refusals.allowed.stderr
    assert refusals.reader_problems == ""
    old = refusals.answers_before
    assert refusals.reader_counts == [old, old]
    assert _shell_count(refusals.published) < old  # a new reader sees the new marts


OWN_RELATIONS = {
    "own table": (
        False,
        ["create table main.my_analysis as select 42 as answer"],
        "main.my_analysis",
    ),
    "own view in the release file": (
        True,
        ["create schema mine", "create view mine.shares as select 1 as share"],
        "mine.shares",
    ),
    "own table among the marts": (
        False,
        ["create table marts.my_notes as select 1 as note"],
        "marts.my_notes",
    ),
    "own view in the release schema": (
        True,
        ["create view release.my_view as select 1 as share"],
        "release.my_view",
    ),
}
"""A user's relation in a published file: in the release file or not, how it is made, its
name."""


@pytest.mark.parametrize("kind", [*OWN_RELATIONS, "not duckdb", "writer"])
def test_a_published_file_holding_what_samspil_did_not_write_is_not_replaced(
    demo_build: Build, tmp_path: Path, kind: str
) -> None:
    """A table or view a user added to a published file (in a schema of their own, or in
    one samspil publishes, beside its marts or release tables), a file of something else
    under the warehouse's name, a file another program holds open for writing: the build
    stops before it loads anything, and the files stay as they were. What the build
    publishes comes from the manifest its last build left in its dbt target folder; with
    none (the table among the marts), from dbt's parse of the project."""
    published = _published_copy(demo_build, tmp_path, manifest=kind != "own table among the marts")
    if kind in OWN_RELATIONS:
        in_release_file, statements, name = OWN_RELATIONS[kind]
        file = release_file(published) if in_release_file else published
        with duckdb.connect(str(file)) as connection:
            for statement in statements:
                connection.execute(statement)
        expected = f"{file} holds {name}, which samspil does not publish"
    elif kind == "not duckdb":
        published.write_text("kommunekode;answer\n0101;42\n", encoding="utf-8")
        expected = f"{published}: not a warehouse samspil published"
    else:
        expected = f"{published} is open in another program"
    before = [sha256(path) for path in (published, release_file(published))]
    # Opened after reading it: closing any descriptor of the file drops the process's lock.
    writer = duckdb.connect(str(published)) if kind == "writer" else None
    try:
        result = run_samspil("build", "--no-docs", warehouse=published)
    finally:
        if writer is not None:
            writer.close()
    assert result.returncode == 1, result.stdout
    assert expected in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr
    assert [sha256(path) for path in (published, release_file(published))] == before
    assert not (published.parent / "build" / published.name).exists()  # nothing loaded


def test_a_warehouse_named_as_a_release_file_is_refused(tmp_path: Path) -> None:
    """SAMSPIL_WAREHOUSE naming an earlier build's release file: the restricted tier would
    replace the file meant to be shared. Refused before anything is loaded."""
    published = tmp_path / "samspil_release.duckdb"
    with duckdb.connect(str(published)) as connection:
        connection.execute("create schema release")
        connection.execute("create table release.rpt_shared as select 1 as cell")
    before = sha256(published)

    result = run_samspil("build", "--no-docs", warehouse=published)

    assert result.returncode == 1, result.stdout
    assert f"{published}: the name of a release tier's file" in result.stderr
    assert f"({tmp_path / 'samspil.duckdb'}, say)" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert sha256(published) == before
    assert not (tmp_path / "build").exists()  # nothing loaded


@pytest.mark.parametrize("linked", ["published file", "release file"])
def test_a_published_file_that_is_a_symbolic_link_is_refused(tmp_path: Path, linked: str) -> None:
    """A published file (or its release file) that links to a file elsewhere: publishing
    renames a new file over the name, which would replace the link and leave its target
    stale. Refused before anything is loaded; the link and its target stay."""
    shared = tmp_path / "shared" / "samspil.duckdb"
    shared.parent.mkdir()
    with duckdb.connect(str(shared)) as connection:
        connection.execute("create schema release")
    published = tmp_path / "warehouse" / "samspil.duckdb"
    published.parent.mkdir()
    link = published if linked == "published file" else release_file(published)
    link.symlink_to(shared)
    before = sha256(shared)

    result = run_samspil("build", "--no-docs", warehouse=published)

    assert result.returncode == 1, result.stdout
    assert f"{link}: a symbolic link" in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr
    assert link.is_symlink() and sha256(shared) == before
    assert not (published.parent / "build").exists() and not (shared.parent / "build").exists()


def test_publishing_keeps_the_permissions_of_the_files_it_replaces(tmp_path: Path) -> None:
    """A restricted file the user made readable by themselves alone stays so after the
    next build; a first build's files get what the umask gives any new file."""
    working = tmp_path / "build" / "samspil.duckdb"
    working.parent.mkdir()
    with duckdb.connect(str(working)) as connection:
        for schema in ("marts", "release"):
            connection.execute(f"create schema {schema}")
            connection.execute(f"create table {schema}.cells as select 1 as cell")
    published = tmp_path / "samspil.duckdb"
    files = (published, release_file(published))

    publish(working, published)
    assert [mode(path) for path in files] == [0o666 & ~umask()] * 2
    published.chmod(0o600)
    release_file(published).chmod(0o640)
    publish(working, published)

    assert [mode(path) for path in files] == [0o600, 0o640]


UNWRITABLE = Path("/proc")
"""A folder where no one, root included, may create a file."""


def test_a_destination_that_cannot_be_written_is_refused_before_the_build(tmp_path: Path) -> None:
    """The build would run whole and fail at publishing with a traceback: refused at once, in
    one line naming the folder. (A folder without write permission is the same case for
    anyone but root, who may write there: the tests run as root on CI.)"""
    folder = UNWRITABLE
    published = folder / f"samspil-test-{os.getpid()}.duckdb"
    environment = {**os.environ, **own_folders(tmp_path), "SAMSPIL_WAREHOUSE": str(published)}
    environment["SAMSPIL_BUILD_WAREHOUSE"] = str(tmp_path / "build" / "samspil.duckdb")

    result = subprocess.run(
        [str(SAMSPIL), "build", "--no-docs"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stdout
    assert f"error: {folder}: cannot write there (" in result.stderr
    assert "make the folder writable, or set SAMSPIL_WAREHOUSE" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "build" / "samspil.duckdb").exists()  # nothing loaded
