"""One build: load, stage, validate, build the marts, publish, document.

The order is the contract with the users: nothing is published unless every
step before it succeeded, and then the marts are swapped in atomically.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from samspil.load import LoadedFile, load
from samspil.paths import Paths
from samspil.postgres import PostgresWarehouse
from samspil.pseudonyms import resolve_key
from samspil.publish import publish, publish_postgres

# How a build's summary names dbt's node types.
NODE_KINDS = {"seed": "seeds", "model": "models", "test": "data tests", "unit_test": "unit tests"}

# The marts whose row counts close a build's summary.
MAIN_MARTS = (
    "dim_institutions",
    "dim_associations",
    "fct_survey_answers",
    "fct_cooperation_ties",
    "fct_cooperation_episodes",
    "fct_coded_segments",
)

# The dbt targets of profiles.yml: the DuckDB file (default) and a PostgreSQL database.
TARGETS = ("duckdb", "postgres")

# dbt selectors of the two phases around validation. A data test runs in the
# phase that builds all of its parents ("cautious"): a test of a seed against
# a mart runs after the mart, not before it.
STAGING_PHASE = "resource_type:seed staging"
PHASE_TESTS = ("--indirect-selection", "cautious")


class BuildError(Exception):
    """A step failed; the message says which and why. Nothing was published."""


@dataclass
class BuildSummary:
    warehouse: Path | PostgresWarehouse
    docs: Path | None
    loaded: list[LoadedFile]
    counts: dict[str, int] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)
    validation_warnings: list[str] = field(default_factory=list)
    data_docs: Path | None = None
    is_demo_key: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each phase: load, dbt build (both phases), validation, publish, docs."""


def _dbt(paths: Paths, *args: str, target: str = "duckdb") -> list:
    """Run one dbt command in-process against the working warehouse of `paths` (DuckDB),
    or against the PostgreSQL database of the environment (target postgres)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner  # slow import (about 3 s): only when dbt runs

    os.environ["SAMSPIL_BUILD_WAREHOUSE"] = str(paths.build_warehouse)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    result = dbtRunner().invoke(
        [
            *args,
            "--target",
            target,
            "--project-dir",
            str(paths.project),
            "--profiles-dir",
            str(paths.project),
            "-q",
        ]
    )
    # dbt-duckdb keeps the warehouse open in-process; release it for the next step.
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
    nodes = list(result.result or []) if args[0] == "build" else []
    failed = [node for node in nodes if node.status in ("error", "fail", "runtime error")]
    if failed or not result.success:
        lines = [f"  {node.node.unique_id}: {node.status}: {node.message}" for node in failed]
        if result.exception is not None:
            lines.append(f"  {result.exception}")
        raise BuildError(f"dbt {args[0]} failed:\n" + "\n".join(lines or ["  see logs/dbt.log"]))
    return nodes


def _count(nodes: list, counts: dict[str, int]) -> None:
    for node in nodes:
        if node.node.resource_type == "operation":  # the on-run-start hook
            continue
        key = f"{NODE_KINDS.get(node.node.resource_type, node.node.resource_type)} {node.status}"
        counts[key] = counts.get(key, 0) + 1


def mart_row_counts(warehouse: Path | PostgresWarehouse) -> dict[str, int]:
    if isinstance(warehouse, PostgresWarehouse):
        connection = warehouse.connect()
        try:
            with connection.cursor() as cursor:
                counts = {}
                for mart in MAIN_MARTS:
                    cursor.execute(f"select count(*) from marts.{mart}")
                    counts[mart] = cursor.fetchone()[0]
                return counts
        finally:
            connection.close()
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            mart: connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in MAIN_MARTS
        }


def validate_staging(
    paths: Paths, warehouse: Path | PostgresWarehouse, suites: Collection[str] | None = None
) -> list[str]:
    """Run the Great Expectations checkpoint on the staged tables and record it.

    `suites` names the suites to run (None: all), see `samspil.validate.validate`.
    Returns the warning lines; raises BuildError on an error-level failure or on a
    name that is no suite's.
    """
    from samspil.validate import UnknownSuiteError, record, summary_lines, validate

    try:
        report = validate(warehouse, paths.project, suites)
    except UnknownSuiteError as error:
        raise BuildError(f"validation: {error}") from None
    record(report, warehouse)
    if report.errors:
        raise BuildError(
            "validation failed, nothing published:\n" + "\n".join(summary_lines(report))
        )
    return summary_lines(report) if report.warnings else []


def build(paths: Paths, docs: bool = True, target: str = "duckdb") -> BuildSummary:
    """The whole flow on `target`: `duckdb` (the working file, published as a file) or
    `postgres` (the database of PGHOST, PGDATABASE…, published as the schema marts)."""
    if target not in TARGETS:
        raise BuildError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    warehouse: Path | PostgresWarehouse = (
        PostgresWarehouse.from_environment() if target == "postgres" else paths.build_warehouse
    )
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[phase] = seconds.get(phase, 0.0) + now - clock
        clock = now

    pseudonym_key, is_demo_key = resolve_key(paths.raw)
    loaded = load(paths.raw, warehouse, pseudonym_key=pseudonym_key)
    lap("load")
    counts: dict[str, int] = {}
    staging = _dbt(paths, "build", "--select", STAGING_PHASE, *PHASE_TESTS, target=target)
    _count(staging, counts)
    lap("dbt build")
    warnings = validate_staging(paths, warehouse)
    lap("validation")
    marts = _dbt(paths, "build", "--exclude", STAGING_PHASE, *PHASE_TESTS, target=target)
    _count(marts, counts)
    lap("dbt build")
    if isinstance(warehouse, PostgresWarehouse):
        publish_postgres(warehouse)
        published: Path | PostgresWarehouse = warehouse
    else:
        publish(paths.build_warehouse, paths.warehouse)
        published = paths.warehouse
    lap("publish")
    summary = BuildSummary(
        warehouse=published,
        docs=paths.docs if docs else None,
        loaded=loaded,
        counts=counts,
        mart_rows=mart_row_counts(published),
        validation_warnings=warnings,
        is_demo_key=is_demo_key,
        seconds=seconds,
    )
    if docs:
        from samspil.validate import build_data_docs

        _dbt(paths, "docs", "generate", "--static", target=target)
        summary.data_docs = build_data_docs(paths.project)
        lap("docs")
    return summary
