"""One build at a time per warehouse: a second is refused with one line, and the published
file holds what the build that published it read, whole. Real builds by the real CLI: the
race is the session's demo build's (conftest), a build killed before it and one of another
folder started while it ran."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from samspil.lock import locked
from samspil.paths import PROJECT_DIR, Paths

from conftest import DEMO, Build, run_samspil, sha256


def _records(path: Path) -> int:
    """The data rows of a CSV file, counted here."""
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for fields in csv.reader(handle) if fields) - 1


def test_a_killed_build_leaves_no_process_writing_and_the_next_build_succeeds(
    demo_build_contended: dict,
) -> None:
    """kill -9 while its Great Expectations process validates: that process goes with the
    build, before it writes its results into the working file, which the next build's lock
    covers; the next build (the session's demo build) succeeds."""
    killed = demo_build_contended["killed"]
    assert not killed["great_expectations_alive"]
    assert killed["validation_tables"] == 0  # nothing written after the build was killed
    assert not killed["published"]
    assert Path(demo_build_contended["warehouse"]).is_file()


def test_two_builds_at_once_publish_one_whole_and_refuse_the_other(
    demo_build: Build, demo_build_contended: dict
) -> None:
    """The demo build, and a build of another folder started on the same warehouse while
    the demo build held it."""
    warehouse, other_raw = demo_build.warehouse, Path(demo_build_contended["other_raw"])
    # The published file holds the demo's data, whole, and says which build it is.
    audit = demo_build.query("select file, sha256, rows_read, rows_loaded from audit.load_audit")
    assert len(audit) == 11
    for file, checksum, rows_read, rows_loaded in audit:
        assert checksum == sha256(DEMO / file), file
        assert rows_read == rows_loaded > 0, file
    (responses,) = demo_build.query(
        "select rows_loaded from audit.load_audit where file = 'association_survey/responses.csv'"
    )[0]
    answered = demo_build.query(
        "select count(distinct response_id) from marts.fct_survey_answers "
        "where survey = 'association'"
    )[0][0]
    assert answered == responses
    assert answered != _records(other_raw / "association_survey" / "responses.csv")
    build_id = re.search(r"id of this build\s+(\S+)", demo_build.output).group(1)
    assert f"from {DEMO}" in demo_build.output
    assert demo_build.query(
        "select build_id, raw_folder, build_kind from audit.build_provenance"
    ) == [(build_id, str(DEMO), "full")]
    # The other build was refused at once, in one line.
    other = demo_build_contended["other"]
    assert other["returncode"] == 1, other["stdout"]
    assert re.search(
        rf"^error: the warehouse {re.escape(str(warehouse))} is in use by samspil build \(run "
        rf"\S+, process {demo_build_contended['pid']}, raw folder {re.escape(str(DEMO))}, "
        r"started .*\); wait until it has ended, then run this again\n",
        other["stderr"],
    ), other["stderr"]
    assert "Traceback" not in other["stderr"]


@pytest.fixture
def held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse whose lock this test process holds, as a running build would."""
    monkeypatch.delenv("SAMSPIL_BUILD_WAREHOUSE", raising=False)
    warehouse = tmp_path / "samspil.duckdb"
    with locked(Paths(PROJECT_DIR, DEMO, warehouse), "build"):
        yield warehouse


@pytest.mark.parametrize("command", ["build", "load", "validate"])
def test_a_command_that_writes_the_working_file_is_refused_while_a_build_runs(
    held: Path, command: str
) -> None:
    result = run_samspil(command, warehouse=held)

    assert result.returncode == 1, result.stdout
    assert f"the warehouse {held} is in use by samspil build (run " in result.stderr
    assert f"process {os.getpid()}, raw folder {DEMO}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (held.parent / "build" / held.name).exists()  # nothing written
    assert not held.exists()


def test_a_build_is_refused_while_another_uses_the_dbt_target_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two warehouses in one checkout share dbt's target folder (its manifest and docs)."""
    target = tmp_path / "target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.delenv("SAMSPIL_BUILD_WAREHOUSE", raising=False)
    other = Paths(PROJECT_DIR, DEMO, tmp_path / "other" / "samspil.duckdb")
    with locked(other, "build", warehouse=False, target=True):
        result = run_samspil("build", warehouse=tmp_path / "samspil.duckdb")

    assert result.returncode == 1, result.stdout
    assert f"dbt's target folder {target} is in use by samspil build" in result.stderr
    assert "or give this build a target folder of its own (DBT_TARGET_PATH)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_lock_file_that_is_a_symbolic_link_is_not_followed(tmp_path: Path) -> None:
    """A link where the warehouse's lock file goes: the command is refused in one line, and
    the file it points to is left as it was (writing the holder truncated it)."""
    warehouse = tmp_path / "samspil.duckdb"
    victim = tmp_path / "notes.txt"
    victim.write_text("important\n", encoding="utf-8")
    lock = tmp_path / "build" / "samspil.duckdb.lock"
    lock.parent.mkdir()
    lock.symlink_to(victim)

    result = run_samspil("validate", warehouse=warehouse)

    assert result.returncode == 1, result.stdout
    assert f"{lock}: a symbolic link where samspil keeps its lock file" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text(encoding="utf-8") == "important\n"
    assert lock.is_symlink()


def test_a_build_is_refused_while_another_publishes_the_same_file_from_another_working_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds with one SAMSPIL_WAREHOUSE and two SAMSPIL_BUILD_WAREHOUSE: their working
    files' locks differ, but they would publish through the same files beside the
    published one. The second is refused in one line."""
    warehouse = tmp_path / "samspil.duckdb"
    monkeypatch.setenv("SAMSPIL_BUILD_WAREHOUSE", str(tmp_path / "elsewhere" / "samspil.duckdb"))
    with locked(Paths(PROJECT_DIR, DEMO, warehouse), "build", published=True):
        result = run_samspil("build", "--no-docs", warehouse=warehouse)

    assert result.returncode == 1, result.stdout
    assert f"the warehouse {warehouse} is in use by samspil build (run " in result.stderr
    assert f"process {os.getpid()}, raw folder {DEMO}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "build" / warehouse.name).exists()  # nothing loaded
