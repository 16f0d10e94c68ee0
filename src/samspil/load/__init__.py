"""Load raw exports into the warehouse's `raw` schema: checked, quarantined, audited.

Every table of the raw folder becomes one all-text table
`raw.<strand>__<stem>`, with the file and line each row came from. A table's
export is a CSV file, an Excel workbook, an SPSS `.sav` file or, for the
discourse tables, a REFI-QDA project (`formats.py` finds and reads it; every
reader returns the same `RawTable`, so every check below is the same for every
format). What the loader checks is declared in the `meta:` of the dbt sources
YAML (`schema.py`, described in docs/raw-exports.md):

- a file that cannot be loaded as a whole (missing, two exports of one table,
  empty, not UTF-8 where the configuration does not allow Windows-1252, wrong
  columns, cut off) fails the load with one `LoadError` line, and no raw table
  is touched;
- a row that breaks its contract is not loaded but written to
  `raw.rejected_rows` (file, line, column, reason, detail, raw value masked
  where the column is personal), so that no row is lost or dropped silently;
- `raw.load_audit` has one row per table: its file, format, checksum, how it
  was read (encoding, delimiter, decimal mark, sheet), rows read, loaded and
  rejected (rows_read = rows_loaded + rows_rejected).

Casting and decoding are left to dbt's staging models.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from samspil.load.formats import Reader, candidates, unread_exports
from samspil.load.rawfile import FileProblem, RawFile
from samspil.load.rows import CheckedFile, check_file
from samspil.load.schema import FileSchema, SchemaError, read_schema
from samspil.paths import PROJECT_DIR
from samspil.postgres import PostgresWarehouse, copy_frame, transaction
from samspil.pseudonyms import pseudonym, resolve_key

__all__ = ["RAW_FILES", "LoadError", "LoadedFile", "SchemaError", "load"]

RAW_SCHEMA = "raw"

# The files a raw folder must hold (docs/raw-exports.md), by strand, each after the
# files it references. Their columns and checks are in the sources YAML.
RAW_FILES: dict[str, tuple[str, ...]] = {
    "institution_survey": ("frame", "responses"),
    "association_survey": ("frame", "responses"),
    "discourse": ("documents", "segments", "codings"),
    "cases": ("cases", "actors", "episodes", "episode_participants"),
}


class LoadError(Exception):
    """A raw file that cannot be loaded; the message names the file and what to do."""


@dataclass(frozen=True)
class LoadedFile:
    file: str  # relative to the raw folder
    table: str
    sha256: str
    format: str
    encoding: str | None
    delimiter: str | None
    decimal_mark: str | None
    sheet: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    columns: int
    findings: tuple[str, ...] = ()
    loaded_at: datetime | None = None
    """When an earlier load read the file, if this load kept its table (its source's files
    unchanged); None for a table this load wrote."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _unchanged_sources(
    raw_dir: Path, schemas: list[FileSchema], unchanged: Mapping[str, str]
) -> set[str]:
    """The sources every file of which is the one export `unchanged` has the checksum of."""
    digests: dict[Path, str] = {}
    changed: set[str] = set()
    sources: set[str] = set()
    for schema in schemas:
        sources.add(schema.source)
        found = candidates(raw_dir, schema)
        if len(found) != 1:
            changed.add(schema.source)
            continue
        path = raw_dir / found[0]
        if path not in digests:
            digests[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        if unchanged.get(schema.table) != digests[path]:
            changed.add(schema.source)
    return sources - changed


def _earlier_load(warehouse: Path, sources: set[str]) -> tuple[list[LoadedFile], list[tuple]]:
    """What the last load recorded for the tables of `sources`: audit entries with their
    findings, and their rejected rows."""
    if not sources:
        return [], []
    of_sources = "list_contains(?, split_part(table_name, '__', 1))"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        findings: dict[str, list[str]] = {}
        for table, finding in connection.execute(
            f"select table_name, finding from {RAW_SCHEMA}.load_findings "
            f"where {of_sources} order by rowid",
            [sorted(sources)],
        ).fetchall():
            findings.setdefault(table, []).append(finding)
        audit = connection.execute(
            f"select {', '.join(name for name, _ in AUDIT_COLUMNS)} "
            f"from {RAW_SCHEMA}.load_audit where {of_sources}",
            [sorted(sources)],
        ).fetchall()
        rejected = connection.execute(
            f"select {', '.join(name for name, _ in REJECTED_COLUMNS)} "
            f"from {RAW_SCHEMA}.rejected_rows where {of_sources} order by rowid",
            [sorted(sources)],
        ).fetchall()
    loaded = [
        LoadedFile(
            file=file,
            table=table,
            sha256=sha256,
            format=kind,
            encoding=encoding,
            delimiter=delimiter,
            decimal_mark=decimal_mark,
            sheet=sheet,
            rows_read=rows_read,
            rows_loaded=rows_loaded,
            rows_rejected=rows_rejected,
            columns=columns,
            findings=tuple(findings.get(table, ())),
            loaded_at=loaded_at,
        )
        for (
            file,
            table,
            sha256,
            kind,
            encoding,
            delimiter,
            decimal_mark,
            sheet,
            rows_read,
            rows_loaded,
            rows_rejected,
            columns,
            loaded_at,
        ) in audit
    ]
    return loaded, rejected


def _read_all(
    raw_dir: Path, project_dir: Path, schemas: list[FileSchema], skipped: set[str]
) -> list[RawFile]:
    """Every raw file of `schemas` (but those of the `skipped` sources), read and
    structurally checked; one `LoadError` if any fails, or if a strand's folder holds an
    export no table is read from (also a skipped strand's)."""
    files: list[RawFile] = []
    problems = list(unread_exports(raw_dir, schemas).items())
    reader = Reader(raw_dir, project_dir / "seeds")
    for schema in schemas:
        if schema.source in skipped:
            continue
        try:
            files.append(reader.read(schema))
        except FileProblem as problem:
            problems.append((problem.file or schema.file, str(problem)))
    if problems:
        first, message = problems[0]
        # One export holds several tables (a .qdpx project): name each other file once.
        more = list(dict.fromkeys(file for file, _ in problems[1:] if file != first))
        if more:
            message += f" ({len(more)} more failing: {', '.join(more)})"
        raise LoadError(message)
    return files


def _text_column(values: Sequence[str | None]) -> pa.Array:
    """A column DuckDB reads as varchar without inspecting every value."""
    return pa.array(values, type=pa.string())


def _pseudonym_column(key: bytes, values: Sequence[str | None]) -> list[str | None]:
    """The pseudonym of each value; each distinct value's HMAC computed once."""
    pseudonyms = {value: pseudonym(key, value) for value in set(values)}
    return [pseudonyms[value] for value in values]


@dataclass(frozen=True)
class OutputTable:
    """One table of the `raw` schema as the loader writes it, whichever the warehouse."""

    name: str
    columns: tuple[tuple[str, str], ...]
    """(column, SQL type); the types used (varchar, integer, timestamp) mean the same on both."""
    frame: pd.DataFrame

    @property
    def declaration(self) -> str:
        return ", ".join(f"{_quote(name)} {sql_type}" for name, sql_type in self.columns)


def _raw_table(checked: CheckedFile, file: str, table: str, pseudonym_key: bytes) -> OutputTable:
    header = checked.raw.header
    lines = checked.lines
    by_name = dict(zip(header, checked.columns, strict=True))
    pseudonyms = {
        target: _pseudonym_column(pseudonym_key, by_name[column])
        for column, target in checked.raw.schema.pseudonyms
    }
    data = pa.table(
        {
            "_file": pa.repeat(pa.scalar(file, type=pa.string()), len(lines)),
            "_line": pa.array(lines, type=pa.int32()),
            **{name: _text_column(values) for name, values in by_name.items()},
            **{name: _text_column(values) for name, values in pseudonyms.items()},
        }
    )
    declared = (
        ("_file", "varchar"),
        ("_line", "integer"),
        *((name, "varchar") for name in [*header, *pseudonyms]),
    )
    # Arrow-backed columns: DuckDB scans them without converting each value.
    return OutputTable(table, declared, data.to_pandas(types_mapper=pd.ArrowDtype))


AUDIT_COLUMNS = (
    ("file", "varchar"),
    ("table_name", "varchar"),
    ("sha256", "varchar"),
    ("format", "varchar"),
    ("encoding", "varchar"),
    ("delimiter", "varchar"),
    ("decimal_mark", "varchar"),
    ("sheet", "varchar"),
    ("rows_read", "integer"),
    ("rows_loaded", "integer"),
    ("rows_rejected", "integer"),
    ("column_count", "integer"),
    ("loaded_at", "timestamp"),
)
REJECTED_COLUMNS = (
    ("file", "varchar"),
    ("table_name", "varchar"),
    ("line", "integer"),
    ("column_name", "varchar"),
    ("reason", "varchar"),
    ("detail", "varchar"),
    ("raw_value", "varchar"),
    ("loaded_at", "timestamp"),
)
FINDINGS_COLUMNS = (
    ("file", "varchar"),
    ("table_name", "varchar"),
    ("finding", "varchar"),
    ("loaded_at", "timestamp"),
)


def _table(name: str, columns: tuple[tuple[str, str], ...], rows: list[tuple]) -> OutputTable:
    frame = pd.DataFrame(rows, columns=[column for column, _ in columns], dtype=object)
    return OutputTable(name, columns, frame)


def _write_duckdb(warehouse: Path, tables: list[OutputTable]) -> None:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("begin transaction")
        connection.execute(f"create schema if not exists {RAW_SCHEMA}")
        for table in tables:
            target = f"{RAW_SCHEMA}.{table.name}"
            connection.execute(f"create or replace table {target} ({table.declaration})")
            connection.register("incoming", table.frame)
            connection.execute(f"insert into {target} select * from incoming")
            connection.unregister("incoming")
        connection.execute("commit")


def _write_postgres(warehouse: PostgresWarehouse, tables: list[OutputTable]) -> None:
    """The same tables, with COPY. The staging views on a raw table are dropped with it
    (PostgreSQL, unlike DuckDB, will not drop a table a view reads); dbt rebuilds them."""
    with transaction(warehouse) as cursor:
        cursor.execute(f"create schema if not exists {RAW_SCHEMA}")
        for table in tables:
            target = f"{RAW_SCHEMA}.{table.name}"
            cursor.execute(f"drop table if exists {target} cascade")
            cursor.execute(f"create table {target} ({table.declaration})")
            copy_frame(cursor, target, table.frame)


def load(
    raw_dir: Path,
    warehouse: Path | PostgresWarehouse,
    *,
    pseudonym_key: bytes | None = None,
    project_dir: Path = PROJECT_DIR,
    unchanged: Mapping[str, str] | None = None,
) -> list[LoadedFile]:
    """Load every raw file into `warehouse`, replacing what an earlier load put there.

    `warehouse` is the working DuckDB file, or a PostgreSQL database: the same tables
    either way, each load in one transaction.

    Each personal column with a `pseudonym` in the sources YAML gets that column beside it,
    the keyed pseudonym of its value (`samspil.pseudonyms`); staging reads the pseudonym only.
    Without `pseudonym_key` the key is resolved from the environment (`resolve_key`).
    `project_dir` holds the sources YAML and the seeds the checks are read from.
    Raises `LoadError` (and writes nothing) when a file cannot be loaded as a whole.

    `unchanged` maps raw tables to the checksum of the file the DuckDB `warehouse` already
    holds them from (an incremental build). The checks span the files of a source (a
    strand), never sources, so a source all of whose files are unchanged is not even read:
    its tables, audit entries, findings and rejected rows are those of the load that read
    it (`LoadedFile.loaded_at` says when). A source with any file changed is read and
    written whole: a row rejected in one file rejects the rows of the others that
    reference it, so an unchanged file may load other rows than last time. The audit,
    rejected-rows and findings tables are always written whole.
    """
    if not raw_dir.is_dir():
        raise LoadError(f"{raw_dir}: raw folder not found; set SAMSPIL_RAW_DIR to your exports.")
    if pseudonym_key is None:
        pseudonym_key, _ = resolve_key(raw_dir)
    schemas = read_schema(project_dir, RAW_FILES)
    kept = unchanged or {}
    skipped = set()
    if kept and not isinstance(warehouse, PostgresWarehouse):
        skipped = _unchanged_sources(raw_dir, schemas, kept)
    earlier_loaded, earlier_rejected = _earlier_load(warehouse, skipped)
    # A file renamed, its bytes the same (`Actors.CSV` for `actors.csv`): its strand is read
    # again, so that the audit names the file there now.
    earlier_files = {item.table: item.file for item in earlier_loaded}
    renamed = {
        schema.source
        for schema in schemas
        if schema.table in earlier_files
        and candidates(raw_dir, schema) != [earlier_files[schema.table]]
    }
    if renamed:
        skipped -= renamed
        earlier_loaded, earlier_rejected = _earlier_load(warehouse, skipped)
    raw_files = _read_all(raw_dir, project_dir, schemas, skipped)
    checked: dict[tuple[str, str], CheckedFile] = {}
    for raw in raw_files:
        schema = raw.schema
        earlier = {
            stem: item for (source, stem), item in checked.items() if source == schema.source
        }
        checked[(schema.source, schema.stem)] = check_file(raw, earlier)

    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    loaded = [
        LoadedFile(
            file=item.schema.file,
            table=item.schema.table,
            sha256=item.raw.sha256,
            format=item.raw.details.format,
            encoding=item.raw.details.encoding,
            delimiter=item.raw.details.delimiter,
            decimal_mark=item.raw.details.decimal_mark,
            sheet=item.raw.details.sheet,
            rows_read=len(item.raw.records),
            rows_loaded=len(item.rows),
            rows_rejected=len(item.rejects),
            findings=item.raw.findings,
            columns=len(item.raw.header),
        )
        for item in checked.values()
    ]
    read_now = {item.table for item in loaded}
    order = {schema.table: index for index, schema in enumerate(schemas)}
    loaded = sorted([*loaded, *earlier_loaded], key=lambda item: order[item.table])
    tables = [
        _raw_table(item, result.file, result.table, pseudonym_key)
        for item, result in zip(
            checked.values(), [item for item in loaded if item.table in read_now], strict=True
        )
    ]
    tables.append(
        _table(
            "load_audit",
            AUDIT_COLUMNS,
            [
                (
                    item.file,
                    item.table,
                    item.sha256,
                    item.format,
                    item.encoding,
                    item.delimiter,
                    item.decimal_mark,
                    item.sheet,
                    item.rows_read,
                    item.rows_loaded,
                    item.rows_rejected,
                    item.columns,
                    item.loaded_at or loaded_at,
                )
                for item in loaded
            ],
        )
    )
    tables.append(
        _table(
            "rejected_rows",
            REJECTED_COLUMNS,
            [
                *(
                    (
                        r.file,
                        r.table,
                        r.line,
                        r.column_name,
                        r.reason,
                        r.detail,
                        r.raw_value,
                        loaded_at,
                    )
                    for item in checked.values()
                    for r in item.rejects
                ),
                *earlier_rejected,
            ],
        )
    )
    tables.append(
        _table(
            "load_findings",
            FINDINGS_COLUMNS,
            [
                (item.file, item.table, finding, item.loaded_at or loaded_at)
                for item in loaded
                for finding in item.findings
            ],
        )
    )
    if isinstance(warehouse, PostgresWarehouse):
        _write_postgres(warehouse, tables)
    else:
        _write_duckdb(warehouse, tables)
    return loaded
