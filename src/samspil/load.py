"""Load raw exports into the warehouse's `raw` schema, untouched.

Every file of the raw folder becomes one all-text table
`raw.<strand>__<file stem>`, with the file and line each row came from, and one
row in `raw.load_audit` (file, checksum, rows, columns, loaded_at). Casting and
decoding are left to dbt's staging models so that no value is lost here.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

RAW_SCHEMA = "raw"

# The files a raw folder must hold (docs/raw-exports.md), by strand.
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
    file: str
    table: str
    sha256: str
    rows: int
    columns: int


def raw_table_name(strand: str, stem: str) -> str:
    return f"{strand}__{stem}"


def _read_csv(path: Path, label: str) -> tuple[list[str], list[list[str | int | None]]]:
    """Read one CSV export; each row gets the line number where its record starts."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise LoadError(f"{label}: the file is empty; export it again with a header row.")
            rows: list[list[str | int | None]] = []
            next_line = reader.line_num + 1
            for record in reader:
                if len(record) != len(header):
                    raise LoadError(
                        f"{label}, line {next_line}: {len(record)} fields where the header "
                        f"has {len(header)}; check the delimiter and quoting of that line."
                    )
                rows.append([next_line, *(value if value != "" else None for value in record)])
                next_line = reader.line_num + 1
    except UnicodeDecodeError as error:
        raise LoadError(
            f"{label}: byte {error.start} is not UTF-8; export the file as UTF-8."
        ) from error
    return header, rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_file(
    connection: duckdb.DuckDBPyConnection, raw_dir: Path, strand: str, stem: str
) -> LoadedFile:
    path = raw_dir / strand / f"{stem}.csv"
    label = str(path)
    if not path.is_file():
        raise LoadError(
            f"{label}: file not found; every raw folder needs it (see docs/raw-exports.md)."
        )
    header, rows = _read_csv(path, label)
    table = raw_table_name(strand, stem)
    frame = pd.DataFrame(rows, columns=["_line", *header], dtype=object)
    file = f"{strand}/{stem}.csv"
    select_list = ", ".join(
        ["? as _file", "cast(_line as integer) as _line"]
        + [f'cast("{column}" as varchar) as "{column}"' for column in header]
    )
    connection.register("incoming", frame)
    connection.execute(
        f"create or replace table {RAW_SCHEMA}.{table} as select {select_list} from incoming",
        [file],
    )
    connection.unregister("incoming")
    return LoadedFile(
        file=file, table=table, sha256=_sha256(path), rows=len(rows), columns=len(header)
    )


def load(raw_dir: Path, warehouse: Path) -> list[LoadedFile]:
    """Load every raw file into `warehouse`, replacing what an earlier load put there."""
    if not raw_dir.is_dir():
        raise LoadError(f"{raw_dir}: raw folder not found; set SAMSPIL_RAW_DIR to your exports.")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"create schema if not exists {RAW_SCHEMA}")
        loaded = [
            load_file(connection, raw_dir, strand, stem)
            for strand, stems in RAW_FILES.items()
            for stem in stems
        ]
        connection.execute(
            f"""
            create or replace table {RAW_SCHEMA}.load_audit (
                file varchar, table_name varchar, sha256 varchar,
                row_count integer, column_count integer, loaded_at timestamp
            )
            """
        )
        connection.executemany(
            f"insert into {RAW_SCHEMA}.load_audit values (?, ?, ?, ?, ?, ?)",
            [(f.file, f.table, f.sha256, f.rows, f.columns, loaded_at) for f in loaded],
        )
    return loaded
