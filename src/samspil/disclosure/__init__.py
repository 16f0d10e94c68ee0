"""Disclosure control of the release tier: the suppression pattern the release models read.

Run by `samspil build` after dbt has built the marts and the intermediate models, before
it builds the release tier. Reads the release cells and the linear system of everything
the release tier publishes (int_release_cells_unioned, int_release_terms_unioned; where
they are comes from dbt's manifest), solves each component of cells that share atoms
(`samspil.disclosure.solver`), and writes the pattern (release_cell_id, is_suppressed,
suppression_reason) to the source `disclosure.suppression_pattern`, which the release
models read through stg_disclosure__suppression_pattern. The same on DuckDB (the working
file) and PostgreSQL.

A component's pattern depends on nothing but the component (`solver.digest`): the patterns
of the last run are kept beside the pattern (`disclosure.solved_components`, by digest),
and a component the last run solved as it is now takes its pattern from there. A new wave
or a new batch of documents leaves most components as they were.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from samspil.disclosure.solver import (
    Outcome,
    SuppressionError,
    components,
    digest,
    solve_component,
)
from samspil.manifest import ManifestError, read_manifest, relation
from samspil.postgres import PostgresWarehouse, copy_frame, quote_identifier, transaction

__all__ = ["Suppression", "SuppressionError", "suppress"]

CELLS_MODEL = "int_release_cells_unioned"
TERMS_MODEL = "int_release_terms_unioned"
PATTERN_SOURCE = ("disclosure", "suppression_pattern")
PATTERN_COLUMNS = (
    "release_cell_id varchar not null, is_suppressed boolean not null, suppression_reason varchar"
)
SOLVED_TABLE = "solved_components"
"""Beside the pattern: each component's suppressed cells, under the component's digest."""
SOLVED_COLUMNS = (
    "component_digest varchar not null, release_cell_id varchar not null, "
    "suppression_reason varchar not null, is_optimal boolean not null"
)


@dataclass
class Suppression:
    """What one run decided."""

    cells: int = 0
    primary: dict[str, int] = field(default_factory=dict)
    """Suppressed cells per primary reason."""
    complementary: int = 0
    components: int = 0
    reused: int = 0
    """Components whose pattern the last run solved (the same digest): not solved again."""
    rounds: int = 0
    cuts: int = 0
    seconds: float = 0.0
    narrow: list[tuple[str, str, float]] = field(default_factory=list)
    """With the secondary step off: the counts the attacker narrows below the protection."""
    not_optimal: int = 0
    """Components whose pattern protects but was not proved the cheapest (solver.MAX_ROUNDS)."""
    by_table: dict[str, dict[str, int]] = field(default_factory=dict)
    """Release table → reason → suppressed cells."""


def _read(warehouse: Path | PostgresWarehouse, query: str) -> list[tuple]:
    if isinstance(warehouse, PostgresWarehouse):
        with transaction(warehouse) as cursor:
            cursor.execute(query)
            return cursor.fetchall()
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(query).fetchall()


def _solved(warehouse: Path | PostgresWarehouse, schema: str) -> dict[str, Outcome]:
    """The last run's patterns by component digest (none before the first run)."""
    exists = _read(
        warehouse,
        "select count(*) from information_schema.tables "
        f"where table_schema = '{schema}' and table_name = '{SOLVED_TABLE}'",
    )
    if not exists[0][0]:
        return {}
    solved: dict[str, Outcome] = {}
    for component, cell, reason, is_optimal in _read(
        warehouse,
        "select component_digest, release_cell_id, suppression_reason, is_optimal "
        f"from {quote_identifier(schema)}.{SOLVED_TABLE} order by 1, 2",
    ):
        outcome = solved.setdefault(component, Outcome(suppressed={}, is_optimal=is_optimal))
        outcome.suppressed[cell] = reason
    return solved


def _write(
    warehouse: Path | PostgresWarehouse,
    schema: str,
    table: str,
    columns: str,
    frame: pd.DataFrame,
):
    target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    # Emptied, not dropped: on PostgreSQL the staging view that reads it depends on it.
    create = f"create table if not exists {target} ({columns})"
    if isinstance(warehouse, PostgresWarehouse):
        with transaction(warehouse) as cursor:
            cursor.execute(f"create schema if not exists {quote_identifier(schema)}")
            cursor.execute(create)
            cursor.execute(f"truncate {target}")
            copy_frame(cursor, target, frame)
        return
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"create schema if not exists {quote_identifier(schema)}")
        connection.execute(create)
        connection.execute(f"truncate {target}")
        connection.register("pattern", frame)
        connection.execute(f"insert into {target} select * from pattern order by 1")


def suppress(
    warehouse: Path | PostgresWarehouse, manifest_path: Path, secondary: bool = True
) -> Suppression:
    """Decide and write the suppression pattern of the release tier in `warehouse`.

    `secondary=False` writes the primary suppressions only (what the tier published before
    complementary suppression): for the test that shows an attacker undoing it.
    """
    started = time.perf_counter()
    try:
        manifest = read_manifest(manifest_path)
        cells_schema, cells_table = relation(manifest, f"model.samspil.{CELLS_MODEL}")
        terms_schema, terms_table = relation(manifest, f"model.samspil.{TERMS_MODEL}")
        pattern_schema, pattern_table = relation(
            manifest, "source.samspil." + ".".join(PATTERN_SOURCE)
        )
    except ManifestError as error:
        raise SuppressionError(str(error)) from None
    cells = _read(
        warehouse,
        "select release_cell_id, release_table, primary_reason, unit_count, is_structural, "
        "protection_width "
        f"from {quote_identifier(cells_schema)}.{quote_identifier(cells_table)}",
    )
    terms = _read(
        warehouse,
        "select release_cell_id, measure, atom_id, coefficient, atom_value, is_protected "
        f"from {quote_identifier(terms_schema)}.{quote_identifier(terms_table)}",
    )
    protection = float(max((row[5] for row in cells), default=0))
    groups = components(
        [
            (cell, reason, int(units), bool(structural))
            for cell, _, reason, units, structural, _ in cells
        ],
        [
            (cell, measure, atom, float(coefficient), float(value), bool(is_protected))
            for cell, measure, atom, coefficient, value, is_protected in terms
        ],
    )
    summary = Suppression()
    suppressed: dict[str, str] = {}
    # The primary-only pattern (secondary off) is always solved, and never kept.
    last_run = _solved(warehouse, pattern_schema) if secondary else {}
    this_run: list[tuple[str, str, str, bool]] = []
    for group in groups:
        component = digest(group, protection)
        outcome = last_run.get(component)
        if outcome is None:
            outcome = solve_component(group, protection, secondary=secondary)
        else:
            summary.reused += 1
        suppressed.update(outcome.suppressed)
        this_run += [
            (component, cell, reason, outcome.is_optimal)
            for cell, reason in sorted(outcome.suppressed.items())
        ]
        summary.rounds += outcome.rounds
        summary.cuts += outcome.cuts
        summary.narrow += outcome.narrow
        summary.not_optimal += not outcome.is_optimal
    summary.components = len(groups)
    published = sorted(
        (cell, table) for cell, table, _, _, structural, _ in cells if not structural
    )
    summary.cells = len(published)
    pattern = pd.DataFrame(
        {
            "release_cell_id": [cell for cell, _ in published],
            "is_suppressed": [cell in suppressed for cell, _ in published],
            "suppression_reason": pd.Series(
                [suppressed.get(cell) for cell, _ in published], dtype=object
            ),
        }
    )
    _write(warehouse, pattern_schema, pattern_table, PATTERN_COLUMNS, pattern)
    if secondary:
        _write(
            warehouse,
            pattern_schema,
            SOLVED_TABLE,
            SOLVED_COLUMNS,
            pd.DataFrame(
                this_run,
                columns=["component_digest", "release_cell_id", "suppression_reason", "is_optimal"],
            ),
        )
    for cell, table in published:
        reason = suppressed.get(cell)
        if reason:
            counts = summary.by_table.setdefault(table, {})
            counts[reason] = counts.get(reason, 0) + 1
            if reason == "complementary":
                summary.complementary += 1
            else:
                summary.primary[reason] = summary.primary.get(reason, 0) + 1
    summary.seconds = time.perf_counter() - started
    return summary
