"""One build: load the raw exports, run dbt once, generate the docs, summarise."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from samspil.load import LoadedFile, load
from samspil.paths import Paths

# The marts whose row counts close a build's summary.
MAIN_MARTS = (
    "dim_institutions",
    "dim_associations",
    "fct_survey_answers",
    "fct_cooperation_ties",
    "fct_cooperation_episodes",
    "fct_coded_segments",
)


# How a build's summary names dbt's node types.
NODE_KINDS = {"seed": "seeds", "model": "models", "test": "data tests", "unit_test": "unit tests"}


class BuildError(Exception):
    """dbt reported failing nodes; the message lists them."""


@dataclass
class BuildSummary:
    warehouse: Path
    docs: Path
    loaded: list[LoadedFile]
    counts: dict[str, int] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)


def _dbt(paths: Paths, *args: str) -> list:
    """Run one dbt command in-process against the warehouse of `paths`."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner  # slow import (about 3 s): only when dbt runs

    os.environ["SAMSPIL_WAREHOUSE"] = str(paths.warehouse)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(paths.project),
            "--profiles-dir",
            str(paths.project),
            "--quiet",
        ]
    )
    # dbt-duckdb keeps the warehouse open in-process; release it for readers.
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
    nodes = list(result.result or []) if args[0] == "build" else []
    failed = [node for node in nodes if node.status in ("error", "fail", "runtime error")]
    if failed or not result.success:
        lines = [f"{node.node.unique_id}: {node.status}: {node.message}" for node in failed]
        if result.exception is not None:
            lines.append(str(result.exception))
        raise BuildError("dbt " + args[0] + " failed:\n" + "\n".join(lines or ["see dbt log"]))
    return nodes


def run_dbt_build(paths: Paths) -> dict[str, int]:
    """`dbt build` (seeds, models, tests, unit tests) and a count of what ran, by kind."""
    counts: dict[str, int] = {}
    for node in _dbt(paths, "build"):
        key = f"{NODE_KINDS.get(node.node.resource_type, node.node.resource_type)} {node.status}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def mart_row_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            mart: connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in MAIN_MARTS
        }


def build(paths: Paths, docs: bool = True) -> BuildSummary:
    loaded = load(paths.raw, paths.warehouse)
    counts = run_dbt_build(paths)
    if docs:
        _dbt(paths, "docs", "generate", "--static")
    return BuildSummary(
        warehouse=paths.warehouse,
        docs=paths.docs,
        loaded=loaded,
        counts=counts,
        mart_rows=mart_row_counts(paths.warehouse),
    )
