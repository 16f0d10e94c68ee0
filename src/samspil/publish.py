"""Publish the marts: an atomic swap of the file users open.

dbt builds into a working file. Only after the build and the validation have
succeeded are the user-facing schemas copied, with their descriptions, into a
new file beside the published one, which then replaces it in one rename. A
reader holding the old file open keeps reading the old marts; a failed build
never touches the published file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

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
