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

Nothing silently empty: a build stops before publishing where a raw table loaded no
rows (`check_not_empty`) or a mart would have far fewer rows than the last published
one (`check_no_shrink`), unless the user accepts it (`--allow-empty`, `--allow-shrink`).
What the user accepted is published with the build's provenance (`record_provenance`):
`audit.build_provenance` names the build and its raw folder, `audit.load_audit` every
file it read with its checksum and rows.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import yaml

from samspil.manifest import built_relations
from samspil.paths import keep_mode, release_file
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

if TYPE_CHECKING:
    from samspil.load import LoadedFile
    from samspil.paths import Paths

# The restricted tier: the marts, the reference seeds, the researchers' review decisions,
# the provenance of the build, and the release tier.
PUBLISHED_SCHEMAS = ("marts", "reference", "review", "audit", "validation", "release")

# The release tier alone: disclosure-checked aggregates and the reference seeds.
RELEASE_SCHEMAS = ("release", "reference")

# The provenance tables copied from the working file's raw schema.
AUDIT_TABLES = ("load_audit", "rejected_rows", "load_findings", "build_provenance")

# What the build writes into the published schemas besides dbt's relations: its audit
# tables and the validation history (samspil.validate's RESULTS_TABLE).
OWN_TABLES = frozenset(
    {("audit", table) for table in AUDIT_TABLES} | {("validation", "expectation_results")}
)

# The dbt var (dbt_project.yml) declaring by how large a share a mart may shrink against
# the last published build before a build stops instead of publishing it.
SHRINK_VAR = "max_mart_shrink"

# What the published file records of the build that published it (audit.build_provenance).
PROVENANCE_COLUMNS = (
    ("build_id", "varchar"),
    ("raw_folder", "varchar"),
    ("build_kind", "varchar"),
    ("pseudonym_key", "varchar"),
    ("accepted", "varchar"),
    ("started_at", "timestamp"),
    ("published_at", "timestamp"),
)


class NotPublishedError(Exception):
    """What a build would publish is empty or shrunk; the message says what and what to do."""


@dataclass(frozen=True)
class Provenance:
    """The build that publishes: its id, raw folder, kind (full or incremental), which
    pseudonym key (never the key), what the user accepted, when it started."""

    build_id: str
    raw_folder: str
    build_kind: str
    pseudonym_key: str
    accepted: list[str]
    started_at: datetime


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


def drop_orphans(build_warehouse: Path, manifest: dict) -> list[str]:
    """Drop from the working file's dbt schemas every table and view dbt no longer builds
    (a model or seed removed or renamed since an earlier build): dbt never drops them, and
    publishing copies whole schemas, so a mart or release table left over from an older
    project (and the older suppression pattern it was built with) would be published
    beside the new ones. Returns what it dropped (schema.name)."""
    built = built_relations(manifest)
    schemas = {schema for schema, _ in built}
    dropped = []
    with duckdb.connect(str(build_warehouse)) as connection:
        for schema, name, kind in connection.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() "
            "where database_name = current_database() union all "
            "select schema_name, view_name, 'view' from duckdb_views() "
            "where database_name = current_database() and not internal order by 1, 2"
        ).fetchall():
            if schema in schemas and (schema, name) not in built:
                connection.execute(
                    f"drop {kind} {quote_identifier(schema)}.{quote_identifier(name)} cascade"
                )
                dropped.append(f"{schema}.{name}")
    return dropped


def check_not_empty(loaded: list[LoadedFile], allow_empty: bool) -> list[str]:
    """Refuse to publish where a raw table loaded no rows, unless `allow_empty`; return what
    was so accepted."""
    lines = []
    for item in loaded:
        if item.rows_loaded:
            continue
        strand, stem = item.table.split("__", 1)
        why = (
            "the file holds no rows, only its header"
            if not item.rows_read
            else f"all {item.rows_read:,} rows rejected, for the reasons in raw.rejected_rows "
            "of the working file"
        )
        lines.append(
            f"{item.file}: no rows loaded ({why}): the {strand} strand would be published "
            f"without its {stem}"
        )
    if lines and not allow_empty:
        raise NotPublishedError(
            "\n".join(
                f"{line}; correct the export, or build with --allow-empty to publish it so."
                for line in lines
            )
        )
    return [f"{line} (--allow-empty)" for line in lines]


def _table_rows(warehouse: Path | PostgresWarehouse, schema: str) -> dict[str, int]:
    """The rows of every table of `schema`; none where the DuckDB file does not exist."""
    if isinstance(warehouse, PostgresWarehouse):
        with transaction(warehouse) as cursor:
            cursor.execute(
                "select table_name from information_schema.tables where table_schema = %s",
                [schema],
            )
            counts = {}
            for (table,) in cursor.fetchall():
                cursor.execute(f"select count(*) from {schema}.{quote_identifier(table)}")
                counts[table] = cursor.fetchone()[0]
            return counts
    if not warehouse.is_file():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from duckdb_tables() "
            "where database_name = current_database() and schema_name = ?",
            [schema],
        ).fetchall()
        return {
            table: connection.execute(
                f"select count(*) from {schema}.{quote_identifier(table)}"
            ).fetchone()[0]
            for (table,) in tables
        }


def check_no_shrink(
    paths: Paths, warehouse: Path | PostgresWarehouse, allow_shrink: bool
) -> list[str]:
    """Refuse to publish a mart of the working `warehouse` with fewer rows than the last
    published build by more than the share `SHRINK_VAR` of dbt_project.yml, unless
    `allow_shrink`; return what was so accepted."""
    project = yaml.safe_load((paths.project / "dbt_project.yml").read_text(encoding="utf-8"))
    share = float(project["vars"][SHRINK_VAR])
    if isinstance(warehouse, PostgresWarehouse):
        published, built = _table_rows(warehouse, MARTS), _table_rows(warehouse, MARTS_BUILD)
    else:
        published, built = _table_rows(paths.warehouse, MARTS), _table_rows(warehouse, MARTS)
    lines = [
        f"marts.{mart}: {rows:,} rows where the last published build has {published[mart]:,} "
        f"({rows / published[mart] - 1:.0%}), a larger drop than {SHRINK_VAR} "
        f"({share:.0%}, dbt_project.yml) allows"
        for mart, rows in sorted(built.items())
        if published.get(mart) and rows < published[mart] * (1 - share)
    ]
    if lines and not allow_shrink:
        raise NotPublishedError(
            "\n".join(lines)
            + f"\nCheck the raw folder ({paths.raw}), or build with --allow-shrink to publish "
            "the smaller marts."
        )
    return [f"{line} (--allow-shrink)" for line in lines]


def record_provenance(warehouse: Path | PostgresWarehouse, provenance: Provenance) -> None:
    """Write `raw.build_provenance` into the working `warehouse`, to be published as
    `audit.build_provenance` beside the load audit of the files the build read."""
    row = (
        provenance.build_id,
        provenance.raw_folder,
        provenance.build_kind,
        provenance.pseudonym_key,
        "; ".join(provenance.accepted) or None,
        provenance.started_at,
        datetime.now(UTC).replace(tzinfo=None),
    )
    declaration = ", ".join(f"{name} {sql_type}" for name, sql_type in PROVENANCE_COLUMNS)
    if isinstance(warehouse, PostgresWarehouse):
        with transaction(warehouse) as cursor:
            cursor.execute("drop table if exists raw.build_provenance")
            cursor.execute(f"create table raw.build_provenance ({declaration})")
            cursor.execute(
                f"insert into raw.build_provenance values ({', '.join(['%s'] * len(row))})", row
            )
        return
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"create or replace table raw.build_provenance ({declaration})")
        connection.execute(
            f"insert into raw.build_provenance values ({', '.join('?' * len(row))})", row
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


def published_relations(manifests: list[dict]) -> set[tuple[str, str]]:
    """What a build publishes (schema, name): the models and seeds of dbt's `manifests`,
    and the build's own tables (`OWN_TABLES`)."""
    relations = set(OWN_TABLES)
    for manifest in manifests:
        relations |= built_relations(manifest)
    return relations


def foreign_contents(published: Path, built: set[tuple[str, str]]) -> str | None:
    """Why the published files may not be replaced, or None: a file there that DuckDB
    cannot open, or one holding tables or views the build does not publish (a user's own,
    which the next build would drop with the file): any outside the schemas samspil
    publishes into it, and any inside them that is not among `built`
    (`published_relations`)."""
    for file, schemas in (
        (published, PUBLISHED_SCHEMAS),
        (release_file(published), RELEASE_SCHEMAS),
    ):
        if not file.exists():
            continue
        try:
            with duckdb.connect(str(file), read_only=True) as connection:
                relations = connection.execute(
                    "select schema_name, table_name from duckdb_tables() "
                    "where database_name = current_database() "
                    "union all select schema_name, view_name from duckdb_views() "
                    "where database_name = current_database() and not internal order by 1, 2"
                ).fetchall()
        except duckdb.Error as error:
            reason = str(error).splitlines()[0]
            if isinstance(error, duckdb.IOException) and "lock" in reason:
                return f"{file} is open in another program ({reason}); close it there."
            return (
                f"{file}: not a warehouse samspil published ({reason}); set SAMSPIL_WAREHOUSE "
                "to another file, or move this one away."
            )
        foreign = [
            f"{schema}.{name}"
            for schema, name in relations
            if schema not in schemas or (schema, name) not in built
        ]
        if foreign:
            names = ", ".join(foreign[:5])
            more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
            return (
                f"{file} holds {names}{more}, which samspil does not publish: the build would "
                "replace the file without them. Move them to a file of your own first."
            )
    return None


def publish(
    build_warehouse: Path, published: Path, rebuilt: Collection[str] | None = None
) -> list[str]:
    """Replace `published` (the restricted tier) and its release file (`release_file`)
    with the user-facing schemas of `build_warehouse`.

    `rebuilt` (an incremental build) names the marts it rebuilt: the new restricted file
    then starts as a copy of the published one, and only those marts, the release tier,
    the audit and the validation history are copied from the build (a full build copies
    everything). The release file is small and always copied whole. Each new file gets
    the permissions of the file it replaces (a restricted file the user made private stays
    so).
    """
    published.parent.mkdir(parents=True, exist_ok=True)
    release = release_file(published)
    restricted_file, copied = _write(build_warehouse, published, PUBLISHED_SCHEMAS, rebuilt)
    release_staging, _ = _write(build_warehouse, release, RELEASE_SCHEMAS, None)
    keep_mode(release_staging, release)
    keep_mode(restricted_file, published)
    release_staging.replace(release)
    restricted_file.replace(published)
    return copied


def clear_postgres_build(warehouse: PostgresWarehouse) -> None:
    """Drop `marts_build` and `release_build`, which a failed build may have left: dbt
    creates only the relations of the project, so one of a model removed since would be
    published with them (the same as `drop_orphans` does for DuckDB)."""
    with transaction(warehouse) as cursor:
        for schema in (MARTS_BUILD, RELEASE_BUILD):
            cursor.execute(f"drop schema if exists {quote_identifier(schema)} cascade")


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
