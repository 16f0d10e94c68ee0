"""Shared fixtures: one real build of the shipped demo, by the real CLI.

The tests run in parallel processes (pytest-xdist, one module per process): every build
a test starts gets its own dbt target folder and GX results beside its warehouse, and
the session's demo build is made once, by whichever process asks first. Builds are the
slow part of the tests: a build one test needs in a state another can check is shared
(the demo build is also the race test_lock checks).
"""

from __future__ import annotations

import csv
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from samspil.lock import warehouse_lock
from samspil.paths import PROJECT_DIR, Paths
from samspil.pseudonyms import KEY_VARIABLE
from samspil.tools.generate import generate

# The tests load data that is not the shipped demo (the demo as CSV, edited copies), as
# real exports would be: they need a pseudonym key, as a real build does.
TEST_KEY = "samspil-test-key-not-secret-either"
os.environ.setdefault(KEY_VARIABLE, TEST_KEY)

DEMO = PROJECT_DIR / "raw" / "demo"
SAMSPIL = Path(sys.executable).with_name("samspil")


@dataclass(frozen=True)
class Build:
    warehouse: Path
    """The published file users open."""
    output: str

    @property
    def target(self) -> Path:
        """dbt's target folder of the build (its manifest and docs)."""
        return self.warehouse.parent / "target"

    @property
    def build_warehouse(self) -> Path:
        """The working file dbt built into (raw, staging, intermediate and marts)."""
        return self.warehouse.parent / "build" / self.warehouse.name

    def query(self, sql: str, *parameters: object) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, list(parameters)).fetchall()

    def query_build(self, sql: str, *parameters: object) -> list[tuple]:
        with duckdb.connect(str(self.build_warehouse), read_only=True) as connection:
            return connection.execute(sql, list(parameters)).fetchall()


# The modules that run whole builds of their own, the longest first. The processes take
# modules in collection order (`--no-loadscope-reorder`; xdist would otherwise start with
# the modules that have the most tests, which are short): the long ones start at once and
# the short ones fill the processes' ends, so that the processes end together.
LONGEST_FIRST = (
    "test_incremental.py",
    "test_privacy.py",
    "test_publish.py",
    "test_postgres.py",
    "test_waves.py",
    "test_bench.py",
    "test_formats_staged.py",
    "test_disclosure.py",
    "test_build.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One test process more than cores: a build's process often waits (for a child it
    started, a lock, a file), and the spare process keeps the cores busy meanwhile."""
    return (os.cpu_count() or 1) + 1


NOT_COPIED = {".git", ".venv", ".venv-acro", "target", "warehouse", "raw", "logs", "bench"}
"""What a copy of the project leaves out: environments, builds and the raw exports."""


def project_copy(folder: Path) -> Path:
    """A copy of the project in ``folder``/project, for a test to edit (its builds name it
    in SAMSPIL_PROJECT_DIR)."""
    project = folder / "project"
    shutil.copytree(
        PROJECT_DIR,
        project,
        ignore=lambda where, names: (
            [name for name in names if name in NOT_COPIED] if Path(where) == PROJECT_DIR else []
        ),
    )
    return project


def loader_contract_copy(folder: Path) -> Path:
    """A copy of what the loader reads of the project (sources YAML, seeds, dbt_project.yml's
    vars) in ``folder``/project, for a test to edit."""
    project = folder / "project"
    shutil.copytree(PROJECT_DIR / "seeds", project / "seeds")
    shutil.copytree(
        PROJECT_DIR / "models" / "staging",
        project / "models" / "staging",
        ignore=shutil.ignore_patterns("*.sql"),
    )
    shutil.copy(PROJECT_DIR / "dbt_project.yml", project)
    return project


def own_folders(folder: Path) -> dict[str, str]:
    """Environment giving a build in `folder` its own dbt target and logs and its own GX
    results (a copy of the project's GX configuration, without results)."""
    gx_root = folder / "gx_root"
    if not (gx_root / "gx").is_dir():
        shutil.copytree(
            PROJECT_DIR / "gx", gx_root / "gx", ignore=shutil.ignore_patterns("uncommitted")
        )
    return {
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs"),
        "SAMSPIL_GX_ROOT": str(gx_root),
    }


def run_samspil(
    *args: str,
    warehouse: Path,
    raw: Path = DEMO,
    unset: tuple[str, ...] = (),
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess; `unset` names environment variables to leave out,
    `environment` adds some (a PostgreSQL server's PG* variables). Unless the test's
    environment or `environment` names them, the command gets dbt target and GX folders
    of its own beside `warehouse`."""
    return subprocess.run(
        [str(SAMSPIL), *args],
        env=samspil_environment(warehouse, raw, unset, environment),
        capture_output=True,
        text=True,
        check=False,
    )


def samspil_environment(
    warehouse: Path,
    raw: Path = DEMO,
    unset: tuple[str, ...] = (),
    environment: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment `run_samspil` gives the CLI (for a test that starts it itself)."""
    env = {**os.environ, **(environment or {})}
    for name, value in own_folders(warehouse.parent).items():
        env.setdefault(name, value)
    env.update({"SAMSPIL_WAREHOUSE": str(warehouse), "SAMSPIL_RAW_DIR": str(raw)})
    for name in ("SAMSPIL_BUILD_WAREHOUSE", *unset):
        env.pop(name, None)
    return env


def sha256(path: Path) -> str:
    """The file's SHA-256, computed here."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def umask() -> int:
    """The process's umask (set and restored)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def mode(path: Path) -> int:
    """The permissions of `path`."""
    return path.stat().st_mode & 0o7777


def without_last_line(path: Path) -> None:
    """Rewrite the text file `path` without its last line (a CSV record without newlines
    in its fields: a record withdrawn from an export)."""
    path.write_text(path.read_text(encoding="utf-8").rsplit("\n", 2)[0] + "\n", "utf-8")


def _once(tmp_path_factory: pytest.TempPathFactory, name: str, make) -> object:
    """`make(folder)`'s result, made once for the whole session however many processes
    run it: the first to take the lock makes it, the others read what it recorded."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the session's processes
    folder, record = root / name, root / f"{name}.json"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            folder.mkdir(exist_ok=True)
            record.write_text(json.dumps(make(folder)), encoding="utf-8")
    return json.loads(record.read_text(encoding="utf-8"))


def _demo(tmp_path_factory: pytest.TempPathFactory, demo_as_csv: Path) -> dict:
    """The session's build of the shipped demo, as a user in one checkout might run it:
    a first build killed (-9) while it validated; then the demo build, during which a
    build of another raw folder (the demo as CSV without its last 100 association
    questionnaires) on the same warehouse was refused. What happened, for test_lock."""

    def build(folder: Path) -> dict:
        # Imported here: build_processes imports this module.
        from build_processes import kill_while_validating, lock_holder, start_build

        warehouse = folder / "samspil.duckdb"
        killed = kill_while_validating(warehouse, DEMO)
        other_raw = folder / "other_raw"
        shutil.copytree(demo_as_csv, other_raw)
        responses = other_raw / "association_survey" / "responses.csv"
        with responses.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        with responses.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows[:-100])
        first = start_build(
            warehouse, DEMO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            lock = warehouse_lock(Paths(PROJECT_DIR, DEMO, warehouse))
            deadline = time.monotonic() + 300
            # Until it holds the lock (the file names the killed build before).
            while lock_holder(lock) != str(first.pid):
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline, "the demo build never took the lock"
                time.sleep(0.05)
            # Folders of its own but for the warehouse: the warehouse's lock refuses it.
            other = run_samspil(
                "build",
                "--no-docs",
                "--full-refresh",
                warehouse=warehouse,
                raw=other_raw,
                environment=own_folders(folder / "other_build"),
            )
            output, problems = first.communicate(timeout=1800)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == 0, output + problems
        return {
            "warehouse": str(warehouse),
            "output": output,
            "pid": first.pid,
            "killed": dataclasses.asdict(killed),
            "other_raw": str(other_raw),
            "other": {
                "returncode": other.returncode,
                "stdout": other.stdout,
                "stderr": other.stderr,
            },
        }

    return _once(tmp_path_factory, "demo", build)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory, demo_as_csv: Path) -> Build:
    """`samspil build` of raw/demo into a fresh warehouse file, with dbt target and GX
    folders of its own beside it: commands a test runs on it (`samspil report`,
    `samspil validate`) find them there, and no other test's build writes them."""
    made = _demo(tmp_path_factory, demo_as_csv)
    return Build(warehouse=Path(made["warehouse"]), output=made["output"])


@pytest.fixture(scope="session")
def demo_build_contended(tmp_path_factory: pytest.TempPathFactory, demo_as_csv: Path) -> dict:
    """What happened around the demo build (`_demo`): the killed build (`killed`), the
    demo build's process (`pid`), and the refused build of `other_raw` (`other`)."""
    return _demo(tmp_path_factory, demo_as_csv)


@pytest.fixture(scope="session")
def demo_as_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's data (seed 2016, scale 1) with every table as CSV, without truth/: the
    starting point of the loader's tests, whatever formats raw/demo mixes. Tests copy it
    before they change it."""

    def write(folder: Path) -> str:
        out = folder / "raw"
        generate(out, seed=2016, scale=1, formats="csv")
        shutil.rmtree(out / "truth")
        return str(out)

    return Path(_once(tmp_path_factory, "demo_as_csv", write))


OTHER_SEED = 7
"""The seed of the generated exports that are not the demo's (`exports`)."""


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory):
    """`exports(formats)`: the generator's data of OTHER_SEED at scale 1 written as
    `formats` (truth/ included), once per session and format, by whichever process asks
    first. Tests read it where it is and copy it before they change it."""

    def folder(formats: str) -> Path:
        def write(root: Path) -> str:
            generate(root / "raw", seed=OTHER_SEED, scale=1, formats=formats)
            return str(root / "raw")

        return Path(_once(tmp_path_factory, f"exports_{formats}", write))

    return folder


THIRD_WAVE = ("2020", "2020-03-01", "2020-05-31")
"""A third wave of seeds/survey_waves.csv: year, fieldwork start and end."""


@pytest.fixture(scope="session")
def third_wave_bench(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`samspil bench` at scale 1 (its exports generated, one full build timed) in a copy
    of the project whose seed adds THIRD_WAVE: test_bench checks what the bench measures
    and writes, test_waves what the build of three waves gives. One build for both.
    Recorded: the project copy, the bench's folder (`out`), and its exit, output and errors."""

    def run(folder: Path) -> dict:
        project = project_copy(folder)
        with (project / "seeds" / "survey_waves.csv").open("a", encoding="utf-8") as seed:
            csv.writer(seed, lineterminator="\n").writerow(THIRD_WAVE)
        out = folder / "bench"
        result = run_samspil(
            "bench",
            *("--scales", "1", "--incremental-scale", "0", "--repeat", "1"),
            *("--out", str(out)),
            warehouse=folder / "unused.duckdb",
            environment={"SAMSPIL_PROJECT_DIR": str(project)},
        )
        return {
            "project": str(project),
            "out": str(out),
            "returncode": result.returncode,
            "stdout": result.stdout,
            "stderr": result.stderr,
        }

    return _once(tmp_path_factory, "third_wave_bench", run)


def read_truth(name: str) -> list[dict[str, str]]:
    with (DEMO / "truth" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
