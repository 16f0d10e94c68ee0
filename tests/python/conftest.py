"""Shared fixtures: one real build of the shipped demo, by the real CLI."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from samspil.generate import generate
from samspil.paths import PROJECT_DIR
from samspil.pseudonyms import KEY_VARIABLE

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
    def build_warehouse(self) -> Path:
        """The working file dbt built into (raw, staging, intermediate and marts)."""
        return self.warehouse.parent / "build" / self.warehouse.name

    def query(self, sql: str, *parameters: object) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, list(parameters)).fetchall()

    def query_build(self, sql: str, *parameters: object) -> list[tuple]:
        with duckdb.connect(str(self.build_warehouse), read_only=True) as connection:
            return connection.execute(sql, list(parameters)).fetchall()


def run_samspil(
    *args: str,
    warehouse: Path,
    raw: Path = DEMO,
    unset: tuple[str, ...] = (),
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess; `unset` names environment variables to leave out,
    `environment` adds some (a PostgreSQL server's PG* variables)."""
    env = {
        **os.environ,
        **(environment or {}),
        "SAMSPIL_WAREHOUSE": str(warehouse),
        "SAMSPIL_RAW_DIR": str(raw),
    }
    for name in ("SAMSPIL_BUILD_WAREHOUSE", *unset):
        env.pop(name, None)
    return subprocess.run(
        [str(SAMSPIL), *args], env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`samspil build` of raw/demo into a fresh warehouse file."""
    warehouse = tmp_path_factory.mktemp("demo") / "samspil.duckdb"
    result = run_samspil("build", warehouse=warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    return Build(warehouse=warehouse, output=result.stdout)


@pytest.fixture(scope="session")
def demo_as_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's data (seed 2016, scale 1) with every table as CSV, without truth/: the
    starting point of the loader's tests, whatever formats raw/demo mixes."""
    out = tmp_path_factory.mktemp("demo_as_csv") / "raw"
    generate(out, seed=2016, scale=1, formats="csv")
    shutil.rmtree(out / "truth")
    return out


def read_truth(name: str) -> list[dict[str, str]]:
    with (DEMO / "truth" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
