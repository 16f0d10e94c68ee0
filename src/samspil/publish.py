"""Publish the two tiers: an atomic swap of what users open.

DuckDB: dbt builds into a working file. Only after the build, the validation and the
disclosure control have succeeded are the user-facing schemas copied, with their
descriptions, into new files beside the published ones, which then replace them, each
in one rename: the restricted file (`samspil.duckdb`: the unit-level marts, reference,
audit, validation and the release tier, for the project's researchers) and the release
file (`samspil_release.duckdb`: the release tier and the reference data, nothing else,
what reports and default exports read and what may leave the project). A reader holding
an old file open keeps reading it; a failed build never touches either. (The two renames
follow each other: a process killed between them leaves a new release file beside the
old restricted one, each whole.)

PostgreSQL (`publish_postgres`): dbt builds the marts and the release tier into the
schemas `marts_build` and `release_build` of the same database. Publishing renames them
to `marts` and `release` in one transaction, copies the load audit of this build to the
schema `audit`, and grants the analyst role the use of `marts` and `release`, the reader
role the use of `release` only. A failed build never gets there.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from pathlib import Path

import duckdb

from samspil.paths import release_file
from samspil.postgres import (
    MARTS,
    MARTS_BUILD,
    MARTS_PREVIOUS,
    RELEASE,
    RELEASE_BUILD,
    RELEASE_PREVIOUS,
    PostgresWarehouse,
    quote_identifier,
    transaction,
)

# The restricted tier: the marts, the reference seeds, the provenance of the build, and
# the release tier.
PUBLISHED_SCHEMAS = ("marts", "reference", "audit", "validation", "release")

# The release tier alone: disclosure-checked aggregates and the reference seeds.
RELEASE_SCHEMAS = ("release", "reference")

# The provenance tables copied from the working file's raw schema.
AUDIT_TABLES = ("load_audit", "rejected_rows", "load_findings")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_table(connection: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    connection.execute(f"create table {target} as select * from {source}")


def _copy_comments(
    connection: duckdb.DuckDBPyConnection, schema: str, tables: Collection[str] | None = None
) -> None:
    """Carry dbt's persisted descriptions over (of `tables` only, if given), so any SQL
    client shows them."""
    for table, comment in connection.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = 'build' and schema_name = ? and comment is not null",
        [schema],
    ).fetchall():
        if tables is None or table in tables:
            connection.execute(f"comment on table {schema}.{table} is {_quote(comment)}")
    for table, column, comment in connection.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'build' and schema_name = ? and comment is not null",
        [schema],
    ).fetchall():
        if tables is None or table in tables:
            connection.execute(
                f'comment on column {schema}.{table}."{column}" is {_quote(comment)}'
            )


def _write(
    build_warehouse: Path,
    target: Path,
    schemas: tuple[str, ...],
    rebuilt: Collection[str] | None,
) -> tuple[Path, list[str]]:
    """A new file beside `target` holding `schemas` of the build (and its audit tables
    where `audit` is one of them); returns it, not yet renamed, and what it copied."""
    staging_file = target.with_name(f".{target.name}.publishing")
    staging_file.unlink(missing_ok=True)
    incremental = rebuilt is not None and target.is_file()
    if incremental:
        shutil.copyfile(target, staging_file)
    copied: list[str] = []
    replaced: dict[str, set[str]] = {schema: set() for schema in schemas}
    with duckdb.connect(str(staging_file)) as connection:
        connection.execute(f"attach {_quote(str(build_warehouse))} as build (read_only)")
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'build' order by 1, 2"
        ).fetchall()
        for schema in schemas:
            connection.execute(f"create schema if not exists {schema}")
        for schema, table in tables:
            if schema in schemas:
                target_schema = schema
            elif schema == "raw" and table in AUDIT_TABLES and "audit" in schemas:
                target_schema = "audit"
            else:
                continue
            name = f"{target_schema}.{table}"
            kept = incremental and (
                (schema == "marts" and table not in rebuilt) or schema == "reference"
            )
            if not kept:
                connection.execute(f"drop table if exists {name}")
                _copy_table(connection, f"build.{schema}.{table}", name)
                replaced[target_schema].add(table)
            copied.append(name)
        for schema in schemas:
            _copy_comments(connection, schema, replaced[schema] if incremental else None)
        connection.execute("checkpoint")
    return staging_file, copied


def publish(
    build_warehouse: Path, published: Path, rebuilt: Collection[str] | None = None
) -> list[str]:
    """Replace `published` (the restricted tier) and its release file (`release_file`)
    with the user-facing schemas of `build_warehouse`.

    `rebuilt` (an incremental build) names the marts it rebuilt: the new restricted file
    then starts as a copy of the published one, and only those marts, the release tier,
    the audit and the validation history are copied from the build (a full build copies
    everything). The release file is small and always copied whole.
    """
    published.parent.mkdir(parents=True, exist_ok=True)
    release = release_file(published)
    restricted_file, copied = _write(build_warehouse, published, PUBLISHED_SCHEMAS, rebuilt)
    release_staging, _ = _write(build_warehouse, release, RELEASE_SCHEMAS, None)
    release_staging.replace(release)
    restricted_file.replace(published)
    return copied


def publish_postgres(warehouse: PostgresWarehouse) -> list[str]:
    """Swap `marts_build` and `release_build` in as `marts` and `release`, with this build's
    audit tables, in one transaction.

    PostgreSQL's DDL is transactional: a reader sees the old marts or the new ones. The
    commit waits for queries still reading the old marts (their tables are dropped).
    """
    with transaction(warehouse) as cursor:
        cursor.execute(
            "select schema_name from information_schema.schemata where schema_name in %s",
            [(MARTS, MARTS_BUILD, RELEASE, RELEASE_BUILD)],
        )
        schemas = {name for (name,) in cursor.fetchall()}
        if MARTS_BUILD not in schemas:
            raise FileNotFoundError(f"{warehouse}: no schema {MARTS_BUILD}; nothing to publish")
        if RELEASE_BUILD not in schemas:
            raise FileNotFoundError(f"{warehouse}: no schema {RELEASE_BUILD}; nothing to publish")
        for live, built, previous in (
            (MARTS, MARTS_BUILD, MARTS_PREVIOUS),
            (RELEASE, RELEASE_BUILD, RELEASE_PREVIOUS),
        ):
            cursor.execute(f"drop schema if exists {previous} cascade")
            if live in schemas:
                cursor.execute(f"alter schema {live} rename to {previous}")
            cursor.execute(f"alter schema {built} rename to {live}")
            cursor.execute(f"drop schema if exists {previous} cascade")
        analyst, reader = (
            quote_identifier(warehouse.analyst_role),
            quote_identifier(warehouse.reader_role),
        )
        cursor.execute(f"grant usage on schema {MARTS}, {RELEASE} to {analyst}")
        cursor.execute(f"grant usage on schema {RELEASE} to {reader}")
        cursor.execute("create schema if not exists audit")
        for table in AUDIT_TABLES:
            cursor.execute(f"drop table if exists audit.{table}")
            cursor.execute(f"create table audit.{table} as select * from raw.{table}")
        cursor.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in (%s, %s, 'audit') order by 1",
            [MARTS, RELEASE],
        )
        return [name for (name,) in cursor.fetchall()]
