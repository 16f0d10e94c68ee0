"""One build at a time per warehouse: a second is refused with one line, and the published
file holds what the build that published it read, whole. Real builds by the real CLI."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from samspil.lock import locked, warehouse_lock
from samspil.paths import PROJECT_DIR, Paths

from conftest import DEMO, SAMSPIL, own_folders, run_samspil, samspil_environment, sha256


def _records(path: Path) -> int:
    """The data rows of a CSV file, counted here."""
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for fields in csv.reader(handle) if fields) - 1


def _without_last_responses(demo_as_csv: Path, folder: Path, count: int) -> Path:
    """The demo as CSV without its last `count` association questionnaires."""
    shutil.copytree(demo_as_csv, folder)
    responses = folder / "association_survey" / "responses.csv"
    with responses.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with responses.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows[:-count])
    return folder


def _children(pid: int) -> list[int]:
    return [
        int(child)
        for children in Path(f"/proc/{pid}/task").glob("*/children")
        for child in children.read_text().split()
    ]


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(os.path.realpath(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # it ended
        return False


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


@dataclass(frozen=True)
class Killed:
    """A build killed (-9) while its Great Expectations process validated."""

    great_expectations_alive: bool
    """Whether that process was still alive (it must go with the build)."""
    validation_tables: int
    """Tables of the working file's validation schema after the kill."""
    published: bool


@dataclass(frozen=True)
class Sequence:
    """One warehouse: a build killed; then, as a user in one checkout would, a build of one
    raw folder in the background, and a build of another folder on the same warehouse once
    the first has started loading."""

    warehouse: Path
    first_raw: Path
    second_raw: Path
    killed: Killed
    first: subprocess.Popen
    output: str
    problems: str
    second: subprocess.CompletedProcess


def _start(warehouse: Path, raw: Path, *options: str, **streams) -> subprocess.Popen:
    return subprocess.Popen(
        [str(SAMSPIL), "build", "--no-docs", *options],
        env=samspil_environment(warehouse, raw),
        **streams,
    )


def _lock_holder(lock: Path) -> str | None:
    """The process the lock file names: the last that took the lock."""
    try:
        return json.loads(lock.read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError):
        return None


def _kill_while_validating(warehouse: Path, raw: Path) -> Killed:
    working = warehouse.parent / "build" / warehouse.name
    build = _start(warehouse, raw, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 900
        validating = []
        while not validating:  # the GX process reads the staged tables
            assert build.poll() is None, "the build ended before it validated"
            assert time.monotonic() < deadline, "the build never validated"
            validating = [pid for pid in _children(build.pid) if _has_open(pid, working)]
            time.sleep(0.05)
    finally:
        build.kill()
        build.wait()
    (great_expectations,) = validating
    deadline = time.monotonic() + 300
    while _alive(great_expectations) and time.monotonic() < deadline:
        time.sleep(0.1)
    with duckdb.connect(str(working), read_only=True) as connection:
        recorded = connection.execute(
            "select count(*) from duckdb_tables() where schema_name = 'validation'"
        ).fetchone()[0]
    return Killed(_alive(great_expectations), recorded, warehouse.exists())


@pytest.fixture(scope="module")
def sequence(demo_as_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Sequence:
    folder = tmp_path_factory.mktemp("lock")
    first_raw = folder / "first"
    shutil.copytree(demo_as_csv, first_raw)
    second_raw = _without_last_responses(demo_as_csv, folder / "second", 100)
    warehouse = folder / "warehouse" / "samspil.duckdb"
    killed = _kill_while_validating(warehouse, first_raw)

    first = _start(
        warehouse,
        first_raw,
        "--full-refresh",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = warehouse_lock(Paths(PROJECT_DIR, first_raw, warehouse))
    try:
        deadline = time.monotonic() + 120
        # Until it holds the lock (the file names the killed build before).
        while _lock_holder(lock) != str(first.pid):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first build never took the lock"
            time.sleep(0.05)
        # Folders of its own but for the warehouse: the warehouse's lock refuses it.
        second = run_samspil(
            "build",
            "--no-docs",
            "--full-refresh",
            warehouse=warehouse,
            raw=second_raw,
            environment=own_folders(folder / "second_build"),
        )
        output, problems = first.communicate(timeout=1800)
    finally:
        if first.poll() is None:
            first.kill()
    return Sequence(warehouse, first_raw, second_raw, killed, first, output, problems, second)


def test_a_killed_build_leaves_no_process_writing_and_the_next_build_succeeds(
    sequence: Sequence,
) -> None:
    """kill -9 while its Great Expectations process validates: that process goes with the
    build, before it writes its results into the working file, which the next build's lock
    covers; the next build succeeds."""
    assert not sequence.killed.great_expectations_alive
    assert sequence.killed.validation_tables == 0  # nothing written after the build was killed
    assert not sequence.killed.published
    assert sequence.first.returncode == 0, sequence.output + sequence.problems
    assert sequence.warehouse.is_file()


def test_two_builds_at_once_publish_one_whole_and_refuse_the_other(sequence: Sequence) -> None:
    warehouse, first_raw, second_raw = sequence.warehouse, sequence.first_raw, sequence.second_raw
    first, output, second = sequence.first, sequence.output, sequence.second
    # The published file holds the first folder's data, whole, and says which build it is.
    assert first.returncode == 0, output + sequence.problems
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        audit = connection.execute(
            "select file, sha256, rows_read, rows_loaded from audit.load_audit"
        ).fetchall()
        answered = connection.execute(
            "select count(distinct response_id) from marts.fct_survey_answers "
            "where survey = 'association'"
        ).fetchone()[0]
        provenance = connection.execute(
            "select build_id, raw_folder, build_kind from audit.build_provenance"
        ).fetchall()
    assert len(audit) == 11
    for file, checksum, rows_read, rows_loaded in audit:
        assert checksum == sha256(first_raw / file), file
        assert rows_read == rows_loaded == _records(first_raw / file), file
    assert answered == _records(first_raw / "association_survey" / "responses.csv")
    assert answered != _records(second_raw / "association_survey" / "responses.csv")
    build_id = re.search(r"id of this build\s+(\S+)", output).group(1)
    assert f"from {first_raw}" in output
    assert provenance == [(build_id, str(first_raw), "full")]
    # The other build was refused at once, in one line.
    assert second.returncode == 1, second.stdout
    assert re.search(
        rf"^error: the warehouse {re.escape(str(warehouse))} is in use by samspil build \(run "
        rf"\S+, process {first.pid}, raw folder {re.escape(str(first_raw))}, started .*\); wait "
        r"until it has ended, then run this again\n",
        second.stderr,
    ), second.stderr
    assert "Traceback" not in second.stderr


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
