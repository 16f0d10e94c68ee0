"""The survey waves an incremental build rebuilds.

The survey models whose rows each belong to one wave (the staged answers, the recoded
and weighted answers, the value counts, the estimates, `fct_survey_answers`) are dbt
incremental models by wave: an incremental build deletes the rows of the waves listed in
`raw.rebuilt_waves` and builds those waves again (macros `wave_is_rebuilt` and
`delete_rebuilt_waves`); the other waves' rows stay as the last good build left them. A
full build rebuilds every wave whatever the table says.

A wave is rebuilt where the raw rows of any table with a `wave` column differ in that
wave from those of the last good build: each wave's rows in file order have a digest,
kept in the build's state. So a new wave is rebuilt alone, a changed or removed row of
an old wave rebuilds that wave, and a wave no longer in the exports loses its rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from samspil.postgres import PostgresWarehouse, transaction

WAVE_COLUMN = "wave"
TABLE = "raw.rebuilt_waves"

Digests = dict[str, dict[str, str]]
"""Per raw table with a wave column: each wave's digest of its rows."""


def wave_digests(warehouse: Path, tables: list[str]) -> Digests:
    """The digest of each wave's rows (every column, in file order) of those `tables` of
    the working file's schema raw that have a wave column."""
    digests: Digests = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        with_waves = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_columns() "
                "where schema_name = 'raw' and column_name = $1",
                [WAVE_COLUMN],
            ).fetchall()
        }
        for table in sorted(with_waves.intersection(tables)):
            digests[table] = dict(
                connection.execute(
                    f"select {WAVE_COLUMN}, md5(string_agg(cast(row_ as varchar), chr(10) "
                    f'order by _line)) from raw."{table}" as row_ group by {WAVE_COLUMN}'
                ).fetchall()
            )
    return digests


def changed_waves(before: Digests, after: Digests) -> list[int]:
    """The waves whose rows differ in any table between two builds' digests."""
    waves: set[str] = set()
    for table in before.keys() | after.keys():
        old, new = before.get(table, {}), after.get(table, {})
        waves.update(wave for wave in old.keys() | new.keys() if old.get(wave) != new.get(wave))
    return sorted(int(wave) for wave in waves)


def record_rebuilt_waves(warehouse: Path | PostgresWarehouse, waves: list[int]) -> None:
    """Write `raw.rebuilt_waves`: the waves this build rebuilds (read by incremental
    builds only; a full build writes it empty). The table stays (a staged view reads it);
    its rows are replaced."""
    statements = (
        f"create table if not exists {TABLE} ({WAVE_COLUMN} integer)",
        f"delete from {TABLE}",
    )
    if isinstance(warehouse, PostgresWarehouse):
        with transaction(warehouse) as cursor:
            for statement in statements:
                cursor.execute(statement)
            for wave in waves:
                cursor.execute(f"insert into {TABLE} values (%s)", (wave,))
        return
    with duckdb.connect(str(warehouse)) as connection:
        for statement in statements:
            connection.execute(statement)
        for wave in waves:
            connection.execute(f"insert into {TABLE} values (?)", [wave])
