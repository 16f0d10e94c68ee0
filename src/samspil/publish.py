"""Publish the marts: an atomic swap of what users open.

DuckDB: dbt builds into a working file. Only after the build and the validation
have succeeded are the user-facing schemas copied, with their descriptions, into
a new file beside the published one, which then replaces it in one rename. A
reader holding the old file open keeps reading the old marts; a failed build
never touches the published file.

PostgreSQL (`publish_postgres`): dbt builds the marts into the schema
`marts_build` of the same database. Publishing renames it to `marts` in one
transaction, copies the load audit of this build to the schema `audit`, and
grants the analyst role the use of `marts`. A failed build never gets there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from samspil.postgres import (
    MARTS,
    MARTS_BUILD,
    MARTS_PREVIOUS,
    PostgresWarehouse,
    quote_identifier,
    transaction,
)

# What users see: the marts, the reference seeds, and the provenance of the build.
PUBLISHED_SCHEMAS = ("marts", "reference", "audit", "validation")

# The provenance tables copied from the working file's raw schema.
AUDIT_TABLES = ("load_audit", "rejected_rows", "load_findings")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_table(connection: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    connection.execute(f"create table {target} as select * from {source}")


def _copy_comments(connection: duckdb.DuckDBPyConnection, schema: str, target: str) -> None:
    """Carry dbt's persisted descriptions over, so any SQL client shows them."""
    for table, comment in connection.execute(
        "select table_name, comment from duckdb_tables() "
        "where database_name = 'build' and schema_name = ? and comment is not null",
        [schema],
    ).fetchall():
        connection.execute(f"comment on table {target}.{table} is {_quote(comment)}")
    for table, column, comment in connection.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where database_name = 'build' and schema_name = ? and comment is not null",
        [schema],
    ).fetchall():
        connection.execute(f'comment on column {target}.{table}."{column}" is {_quote(comment)}')


def publish(build_warehouse: Path, published: Path) -> list[str]:
    """Replace `published` with the user-facing schemas of `build_warehouse`."""
    published.parent.mkdir(parents=True, exist_ok=True)
    staging_file = published.with_name(f".{published.name}.publishing")
    staging_file.unlink(missing_ok=True)
    copied: list[str] = []
    with duckdb.connect(str(staging_file)) as connection:
        connection.execute(f"attach {_quote(str(build_warehouse))} as build (read_only)")
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'build' order by 1, 2"
        ).fetchall()
        for schema in PUBLISHED_SCHEMAS:
            connection.execute(f"create schema {schema}")
        for schema, table in tables:
            if schema in PUBLISHED_SCHEMAS:
                target = f"{schema}.{table}"
            elif schema == "raw" and table in AUDIT_TABLES:
                target = f"audit.{table}"
            else:
                continue
            _copy_table(connection, f"build.{schema}.{table}", target)
            copied.append(target)
        for schema in PUBLISHED_SCHEMAS:
            _copy_comments(connection, schema, schema)
        connection.execute("checkpoint")
    staging_file.replace(published)
    return copied


def publish_postgres(warehouse: PostgresWarehouse) -> list[str]:
    """Swap `marts_build` in as `marts`, with this build's audit tables, in one transaction.

    PostgreSQL's DDL is transactional: a reader sees the old marts or the new ones. The
    commit waits for queries still reading the old marts (their tables are dropped).
    """
    with transaction(warehouse) as cursor:
        cursor.execute(
            "select schema_name from information_schema.schemata where schema_name in (%s, %s)",
            [MARTS, MARTS_BUILD],
        )
        schemas = {name for (name,) in cursor.fetchall()}
        if MARTS_BUILD not in schemas:
            raise FileNotFoundError(f"{warehouse}: no schema {MARTS_BUILD}; nothing to publish")
        cursor.execute(f"drop schema if exists {MARTS_PREVIOUS} cascade")
        if MARTS in schemas:
            cursor.execute(f"alter schema {MARTS} rename to {MARTS_PREVIOUS}")
        cursor.execute(f"alter schema {MARTS_BUILD} rename to {MARTS}")
        cursor.execute(f"drop schema if exists {MARTS_PREVIOUS} cascade")
        cursor.execute(
            f"grant usage on schema {MARTS} to {quote_identifier(warehouse.analyst_role)}"
        )
        cursor.execute("create schema if not exists audit")
        for table in AUDIT_TABLES:
            cursor.execute(f"drop table if exists audit.{table}")
            cursor.execute(f"create table audit.{table} as select * from raw.{table}")
        cursor.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in (%s, 'audit') order by 1",
            [MARTS],
        )
        return [name for (name,) in cursor.fetchall()]
